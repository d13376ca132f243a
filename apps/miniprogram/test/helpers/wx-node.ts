import WebSocket from 'ws';
import { RasterCanvas } from './raster-canvas';

type Callbacks<T> = { success?: (res: T) => void; fail?: (err: { errMsg: string }) => void; complete?: () => void };
type Json = Record<string, unknown>;

/** CSS size of the page's QR canvas (480rpx on a 375 px wide screen is 240 px). */
const QR_CSS_PIXELS = 240;
const PIXEL_RATIO = 2;

/**
 * Replaces the members of miniprogram-simulate's `wx` (stubs that do nothing) that the pages use with
 * ones that do the real work in Node: `request` over fetch, `connectSocket` over the `ws` client, storage
 * in a Map, the QR canvas as a real raster. `login` hands out codes for the jscode2session stand-in,
 * `scanCode` answers from a queue, as a camera would. Faults (a lost answer, frames delivered twice)
 * are switched on by the test.
 */
export class WxNode {
  readonly storage = new Map<string, string>();
  readonly canvas = new RasterCanvas();
  readonly sockets: WebSocket[] = [];
  /** Texts the next `scanCode` calls read; an empty queue is a cancelled scan. */
  readonly scans: string[] = [];
  vibrations = 0;
  loginCalls = 0;
  /** Requests whose success or fail callback has run. */
  answered = 0;
  /** The next request reaches the server, but its answer is lost: the page sees `request:fail`. */
  loseNextAnswer = false;
  /** Every socket frame arrives twice, as an at-least-once network may deliver it. */
  duplicateFrames = false;
  /** What `wx.login` returns; set by the test (a code the stand-in knows). */
  loginCode: () => string = () => 'no-code-configured';

  constructor(private readonly wx: Json) {
    const self = this;
    Object.assign(wx, {
      getAccountInfoSync: () => ({ miniProgram: { appId: 'wxtest', envVersion: 'develop', version: '' } }),
      getWindowInfo: () => ({ pixelRatio: PIXEL_RATIO, windowWidth: 375, windowHeight: 667, screenWidth: 375, screenHeight: 667 }),
      // WeChat stores values serialised and answers '' for a missing key.
      getStorageSync: (key: string) => (this.storage.has(key) ? JSON.parse(this.storage.get(key)!) : ''),
      setStorageSync: (key: string, value: unknown) => void this.storage.set(key, JSON.stringify(value)),
      removeStorageSync: (key: string) => void this.storage.delete(key),
      login: (opts: Callbacks<{ code: string; errMsg: string }>) => {
        this.loginCalls++;
        const code = this.loginCode();
        setTimeout(() => opts.success?.({ code, errMsg: 'login:ok' }), 0);
      },
      vibrateShort: () => void this.vibrations++,
      scanCode: (opts: Callbacks<{ result: string; scanType: string; charSet: string; rawData: string }>) => {
        const text = this.scans.shift();
        setTimeout(() => {
          if (text === undefined) opts.fail?.({ errMsg: 'scanCode:fail cancel' });
          else opts.success?.({ result: text, scanType: 'QR_CODE', charSet: 'utf-8', rawData: Buffer.from(text).toString('base64') });
        }, 0);
      },
      request: (opts: RequestOptions) => void this.request(opts),
      connectSocket: (opts: SocketOptions) => this.connectSocket(opts),
      createSelectorQuery: () => selectorQuery(self.canvas),
    });
  }

  /** Sockets not closed yet. */
  get openSockets(): number {
    return this.sockets.filter((s) => s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING).length;
  }

  private async request(opts: RequestOptions): Promise<void> {
    const headers = { ...opts.header };
    const method = opts.method ?? 'GET';
    let body: string | undefined;
    if (opts.data !== undefined && method !== 'GET') body = typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data);
    const lose = this.loseNextAnswer;
    this.loseNextAnswer = false;
    try {
      const res = await fetch(opts.url, { method, headers, body, signal: AbortSignal.timeout(opts.timeout ?? 60_000) });
      const text = await res.text();
      if (lose) throw new Error('timeout');
      let data: unknown = text;
      if ((opts.dataType ?? 'json') === 'json') {
        try {
          data = JSON.parse(text);
        } catch {
          // WeChat hands over the raw text when it is not JSON.
        }
      }
      opts.success?.({ statusCode: res.status, data, header: Object.fromEntries(res.headers), errMsg: 'request:ok' });
    } catch (err) {
      opts.fail?.({ errMsg: `request:fail ${err instanceof Error ? err.message : String(err)}` });
    }
    this.answered++;
    opts.complete?.();
  }

  private connectSocket(opts: SocketOptions) {
    const ws = new WebSocket(opts.url, opts.protocols ?? [], { headers: opts.header });
    this.sockets.push(ws);
    const on = <A extends unknown[]>(event: string, map: (...args: A) => unknown) => (fn: (res: unknown) => void) =>
      void ws.on(event, (...args: unknown[]) => fn(map(...(args as A))));
    // WeChat reports a refused handshake as an error; ws may add an unhandled 'error' otherwise.
    ws.on('error', () => undefined);
    return {
      onOpen: on('open', () => ({ header: {}, profile: {} })),
      onMessage: (fn: (res: { data: string }) => void) =>
        void ws.on('message', (data) => {
          fn({ data: String(data) });
          if (this.duplicateFrames) fn({ data: String(data) });
        }),
      onClose: on('close', (code: number, reason: Buffer) => ({ code, reason: String(reason) })),
      onError: on('error', (err: Error) => ({ errMsg: err.message })),
      send: (o: { data: string }) => ws.send(o.data),
      close: (o: { code?: number; reason?: string } = {}) => {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(o.code ?? 1000, o.reason);
      },
    };
  }
}

interface RequestOptions extends Callbacks<{ statusCode: number; data: unknown; header: Json; errMsg: string }> {
  url: string;
  method?: string;
  header?: Record<string, string>;
  data?: unknown;
  dataType?: string;
  timeout?: number;
}

interface SocketOptions {
  url: string;
  header?: Record<string, string>;
  protocols?: string[];
}

/**
 * `wx.createSelectorQuery()` for the one query the member page makes: `#qr` with node and size. The
 * page's own component tree says whether the canvas is rendered (j-component's real query); the node
 * is the raster canvas, which j-component cannot provide.
 */
function selectorQuery(canvas: RasterCanvas) {
  let component: { createSelectorQuery(): any } | undefined;
  let selector = '';
  const query = {
    in(c: { createSelectorQuery(): any }) {
      component = c;
      return query;
    },
    select(s: string) {
      selector = s;
      return { fields: () => query, boundingClientRect: () => query };
    },
    exec(callback: (res: unknown[]) => void) {
      if (!component) throw new Error('the page must scope its query with .in(this)');
      component
        .createSelectorQuery()
        .select(selector)
        .fields({ id: true }, () => undefined)
        .exec((found: Array<{ id: string } | null>) => {
          const hit = found[0];
          callback([hit && selector === '#qr' ? { id: hit.id, node: canvas, width: QR_CSS_PIXELS, height: QR_CSS_PIXELS } : null]);
        });
      return query;
    },
  };
  return query;
}
