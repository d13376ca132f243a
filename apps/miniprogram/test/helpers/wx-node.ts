import WebSocket from 'ws';
import { RasterCanvas } from './raster-canvas';

/**
 * Whether the code running now is a tap's handler. WeChat lets `requestSubscribeMessage` and `openSetting`
 * run only there, synchronously: `userGesture()` (called by the page's tap dispatch, pages.ts) opens it
 * and a microtask closes it, so a call after an await or a timer is refused as in WeChat.
 */
let inGesture = false;
export function userGesture(): void {
  inGesture = true;
  queueMicrotask(() => {
    inGesture = false;
  });
}

type SubscribeChoice = 'accept' | 'reject' | 'ban' | 'filter';

type Callbacks<T> = { success?: (res: T) => void; fail?: (err: { errMsg: string }) => void; complete?: () => void };
type Json = Record<string, unknown>;

/** CSS size of the page's QR canvas (480rpx on a 375 px wide screen is 240 px). */
const QR_CSS_PIXELS = 240;
const PIXEL_RATIO = 2;
/** WeChat's limit of concurrent WebSocket tasks per mini-program (base library 1.7.0 and later). */
const MAX_SOCKET_TASKS = 5;

/**
 * One `SocketTask` as WeChat keeps it. `opened`: the page was told `onOpen` (WeChat's own view, which may
 * lag the TCP connection when opens are held). `closeAsked`: the page called `close()` on an open task.
 */
interface TaskRecord {
  ws: WebSocket;
  opened: boolean;
  closeAsked: boolean;
  /** The page was told `onClose` (or the task failed): WeChat no longer counts it. */
  ended: boolean;
  /** Delivers a close to the page as WeChat would (the code possibly rewritten). */
  report(code: number, reason: string): void;
}

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
  /** Whether `wx.canIUse('setStorage.object.encrypt')`: base library 2.21.3 or later. */
  canEncrypt = true;
  /** Page URLs passed to `navigateTo` and `redirectTo`, in order. */
  readonly routes: string[] = [];

  // WeChat's platform behaviour around sockets, the network and the screen (see connectSocket below).
  /** Every SocketTask made, in order. */
  private readonly tasks: TaskRecord[] = [];
  /** `connectSocket` calls, including those that failed. */
  socketCalls = 0;
  /** `connectSocket` calls refused because five tasks were already open or opening. */
  socketLimitHits = 0;
  /** `SocketTask.close()` calls that failed because the task was not open yet (WeChat ignores them). */
  closesIgnored = 0;
  /** Set: the server's close codes reach the page as this code instead (WeChat is reported to do so). */
  rewriteCloseCodes: 1000 | 1005 | undefined = undefined;
  /** Set: `onOpen` of new tasks is held back (the handshake is slow on bad signal) until `releaseOpens()`. */
  holdOpens = false;
  private readonly heldOpens: Array<() => void> = [];
  /** The `timeout` each `connectSocket` was given (enforced as WeChat does: a handshake not done by then fails). */
  readonly socketTimeouts: Array<number | undefined> = [];
  private networkUp = true;
  private readonly networkListeners = new Set<(res: { isConnected: boolean; networkType: string }) => void>();
  /** What a phone losing signal tells the page about its open sockets: nothing, or a close 1006 (error). */
  dropsReported = false;
  /** The screen: its brightness (0..1) and every value the page set, and whether it is kept on. */
  brightness = 0.4;
  readonly brightnessSet: number[] = [];
  keepScreenOn = false;
  private readonly captureListeners = new Set<() => void>();
  /** Contents of the modals the page showed. */
  readonly modals: string[] = [];
  pullDownStops = 0;
  // 订阅消息, as the member chooses it.
  /** What the member picks in the pop-up, per template id (a template not listed: 'reject'). */
  subscribeAnswers: Record<string, SubscribeChoice> = {};
  /** WeChat's 订阅消息 settings: the main switch, and the choices kept with 总是保持以上选择 (no pop-up for those). */
  subscriptionsSetting: { mainSwitch: boolean; itemSettings: Record<string, SubscribeChoice> } = { mainSwitch: true, itemSettings: {} };
  /** The `tmplIds` of every `requestSubscribeMessage` call, refused ones included. */
  readonly subscribeRequests: string[][] = [];
  /** `openSetting` calls that opened the settings page. */
  settingsOpened = 0;
  /** How long the answer to a request for `url` takes to come back (after the server answered): slow signal. */
  answerDelay: (url: string) => number = () => 0;

  constructor(private readonly wx: Json) {
    const self = this;
    Object.assign(wx, {
      getAccountInfoSync: () => ({ miniProgram: { appId: 'wxtest', envVersion: 'develop', version: '' } }),
      getWindowInfo: () => ({ pixelRatio: PIXEL_RATIO, windowWidth: 375, windowHeight: 667, screenWidth: 375, screenHeight: 667 }),
      // WeChat stores values serialised and answers '' for a missing key.
      getStorageSync: (key: string) => (this.storage.has(key) ? JSON.parse(this.storage.get(key)!) : ''),
      setStorageSync: (key: string, value: unknown) => void this.storage.set(key, JSON.stringify(value)),
      removeStorageSync: (key: string) => void this.storage.delete(key),
      // Encrypted storage: `enc:` + base64 stands for WeChat's AES, so plain reads never see the value.
      setStorage: (o: Callbacks<{ errMsg: string }> & { key: string; data: unknown; encrypt?: boolean }) => {
        const json = JSON.stringify(o.data);
        this.storage.set(o.key, o.encrypt ? JSON.stringify(`enc:${Buffer.from(json).toString('base64')}`) : json);
        setTimeout(() => o.success?.({ errMsg: 'setStorage:ok' }), 0);
      },
      getStorage: (o: Callbacks<{ data: unknown; errMsg: string }> & { key: string; encrypt?: boolean }) => {
        const stored = this.storage.has(o.key) ? (JSON.parse(this.storage.get(o.key)!) as unknown) : undefined;
        const sealed = typeof stored === 'string' && stored.startsWith('enc:');
        setTimeout(() => {
          if (stored === undefined) o.fail?.({ errMsg: 'getStorage:fail data not found' });
          else if (o.encrypt && !sealed) o.fail?.({ errMsg: 'getStorage:fail decrypt failed' });
          else o.success?.({ data: o.encrypt ? JSON.parse(Buffer.from(String(stored).slice(4), 'base64').toString()) : stored, errMsg: 'getStorage:ok' });
        }, 0);
      },
      canIUse: (schema: string) => (schema === 'setStorage.object.encrypt' ? this.canEncrypt : true),
      navigateTo: (o: { url: string }) => void this.routes.push(o.url),
      redirectTo: (o: { url: string }) => void this.routes.push(o.url),
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
      getNetworkType: (o: Callbacks<{ networkType: string; errMsg: string }>) =>
        void setTimeout(() => o.success?.({ networkType: this.networkUp ? 'wifi' : 'none', errMsg: 'getNetworkType:ok' }), 0),
      onNetworkStatusChange: (fn: (res: { isConnected: boolean; networkType: string }) => void) => void this.networkListeners.add(fn),
      offNetworkStatusChange: (fn?: (res: { isConnected: boolean; networkType: string }) => void) =>
        void (fn ? this.networkListeners.delete(fn) : this.networkListeners.clear()),
      getScreenBrightness: (o: Callbacks<{ value: number; errMsg: string }>) =>
        void setTimeout(() => o.success?.({ value: this.brightness, errMsg: 'getScreenBrightness:ok' }), 0),
      setScreenBrightness: (o: Callbacks<{ errMsg: string }> & { value: number }) => {
        this.brightness = o.value;
        this.brightnessSet.push(o.value);
        setTimeout(() => o.success?.({ errMsg: 'setScreenBrightness:ok' }), 0);
      },
      setKeepScreenOn: (o: Callbacks<{ errMsg: string }> & { keepScreenOn: boolean }) => {
        this.keepScreenOn = o.keepScreenOn;
        setTimeout(() => o.success?.({ errMsg: 'setKeepScreenOn:ok' }), 0);
      },
      onUserCaptureScreen: (fn: () => void) => void this.captureListeners.add(fn),
      offUserCaptureScreen: (fn?: () => void) => void (fn ? this.captureListeners.delete(fn) : this.captureListeners.clear()),
      showModal: (o: Callbacks<{ confirm: boolean; cancel: boolean; errMsg: string }> & { content?: string }) => {
        this.modals.push(o.content ?? '');
        setTimeout(() => o.success?.({ confirm: true, cancel: false, errMsg: 'showModal:ok' }), 0);
      },
      stopPullDownRefresh: () => void this.pullDownStops++,
      requestSubscribeMessage: (o: RequestSubscribeOptions) => this.requestSubscribeMessage(o),
      getSetting: (o: Callbacks<{ authSetting: Json; subscriptionsSetting?: Json; errMsg: string }> & { withSubscriptions?: boolean }) =>
        void setTimeout(() => o.success?.({ authSetting: {}, ...(o.withSubscriptions ? { subscriptionsSetting: this.settingsCopy() } : {}), errMsg: 'getSetting:ok' }), 0),
      openSetting: (o: Callbacks<{ authSetting: Json; subscriptionsSetting?: Json; errMsg: string }> & { withSubscriptions?: boolean }) => {
        const tapped = inGesture;
        if (tapped) this.settingsOpened++;
        setTimeout(() => {
          if (!tapped) o.fail?.({ errMsg: 'openSetting:fail can only be invoked by user TAP gesture' });
          else o.success?.({ authSetting: {}, ...(o.withSubscriptions ? { subscriptionsSetting: this.settingsCopy() } : {}), errMsg: 'openSetting:ok' });
        }, 0);
      },
      createSelectorQuery: () => selectorQuery(self.canvas),
    });
  }

  /** Sockets not closed yet, as the server sees them (a task whose open is held counts). */
  get openSockets(): number {
    return this.sockets.filter((s) => s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING).length;
  }

  /** Tasks the page was told are open and has not asked to close, nor heard closing: what it holds. */
  get liveTasks(): number {
    return this.tasks.filter((t) => t.opened && !t.closeAsked && !t.ended).length;
  }

  /** Whether the phone has a network (see `setOnline`). */
  get online(): boolean {
    return this.networkUp;
  }

  /**
   * The phone loses or regains signal. Offline, requests and `connectSocket` fail at once; open sockets
   * die as on a phone losing signal (the server sees them go; the page hears nothing, or a 1006 close
   * with `dropsReported`). Then the `onNetworkStatusChange` listeners hear it.
   */
  setOnline(online: boolean): void {
    if (online === this.networkUp) return;
    this.networkUp = online;
    if (!online) {
      for (const task of this.tasks) {
        if (task.ended || task.ws.readyState === WebSocket.CLOSED) continue;
        task.ws.terminate();
        if (this.dropsReported) task.report(1006, 'network lost');
        else task.ended = true;
      }
    }
    const res = { isConnected: online, networkType: online ? 'wifi' : 'none' };
    for (const fn of [...this.networkListeners]) fn(res);
  }

  /** WeChat itself ends an open socket (it is reported to do so with 1000 for killed sockets): no bye, no server close. */
  killSocket(code = 1000): void {
    const task = [...this.tasks].reverse().find((t) => t.opened && !t.ended);
    if (!task) throw new Error('no open socket to kill');
    task.ws.terminate();
    task.report(code, '');
  }

  /** Lets every held `onOpen` through, in order. */
  releaseOpens(): void {
    this.holdOpens = false;
    for (const open of this.heldOpens.splice(0)) open();
  }

  /** The member takes a screenshot. */
  captureScreen(): void {
    for (const fn of [...this.captureListeners]) fn();
  }

  /** Listeners still registered, to prove the page removed its own on unload. */
  get listeners(): { network: number; capture: number } {
    return { network: this.networkListeners.size, capture: this.captureListeners.size };
  }

  /** Back to a phone with signal, a dim screen and no tasks held: for a fresh test. */
  resetPlatform(): void {
    this.networkUp = true;
    this.dropsReported = false;
    this.rewriteCloseCodes = undefined;
    this.holdOpens = false;
    this.forgetTasks();
    this.brightness = 0.4;
    this.brightnessSet.length = 0;
    this.keepScreenOn = false;
    this.modals.length = 0;
    this.pullDownStops = 0;
    this.socketLimitHits = 0;
    this.closesIgnored = 0;
    this.socketCalls = 0;
    this.answerDelay = () => 0;
    this.subscribeAnswers = {};
    this.subscriptionsSetting = { mainSwitch: true, itemSettings: {} };
    this.subscribeRequests.length = 0;
    this.settingsOpened = 0;
  }

  /**
   * `wx.requestSubscribeMessage` as WeChat answers it: refused outside a tap's handler and with the main
   * switch off (errCode 20004); otherwise each template's kept choice, or what the member picks
   * (`subscribeAnswers`). Whether WeChat sets an errCode for the tap refusal is not documented: none here.
   */
  private requestSubscribeMessage(o: RequestSubscribeOptions): void {
    const tapped = inGesture;
    this.subscribeRequests.push([...o.tmplIds]);
    setTimeout(() => {
      if (!tapped) return o.fail?.({ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture' });
      const { mainSwitch, itemSettings } = this.subscriptionsSetting;
      if (!mainSwitch) return o.fail?.({ errCode: 20004, errMsg: 'requestSubscribeMessage:fail The main switch is switched off' });
      const res: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' };
      for (const id of o.tmplIds) res[id] = itemSettings[id] ?? this.subscribeAnswers[id] ?? 'reject';
      o.success?.(res);
    }, 0);
  }

  private settingsCopy(): Json {
    return { mainSwitch: this.subscriptionsSetting.mainSwitch, itemSettings: { ...this.subscriptionsSetting.itemSettings } };
  }

  private async request(opts: RequestOptions): Promise<void> {
    const headers = { ...opts.header };
    const method = opts.method ?? 'GET';
    let body: string | undefined;
    if (opts.data !== undefined && method !== 'GET') body = typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data);
    const lose = this.loseNextAnswer;
    this.loseNextAnswer = false;
    if (!this.networkUp) {
      // No signal: WeChat fails the request at once, without reaching any server.
      setTimeout(() => {
        opts.fail?.({ errMsg: 'request:fail -1009:似乎已断开与互联网的连接。' });
        this.answered++;
        opts.complete?.();
      }, 0);
      return;
    }
    try {
      const res = await fetch(opts.url, { method, headers, body, signal: AbortSignal.timeout(opts.timeout ?? 60_000) });
      const text = await res.text();
      const delay = this.answerDelay(opts.url);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
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

  /**
   * `wx.connectSocket` as WeChat behaves, as far as the pages can tell:
   * - at most five tasks open or opening at once: a sixth fails (`fail`, then `onError`);
   * - offline it fails at once;
   * - `close()` on a task that is not open yet does nothing but call `fail` ("WebSocket is not
   *   connected"): the connection carries on and opens later, and WeChat counts it until it is closed;
   * - `send()` on a task that is not open calls `fail`;
   * - a handshake not done within the `timeout` given fails (without one, it waits: WeChat's default is 60 s);
   * - the server's close code may reach the page rewritten (`rewriteCloseCodes`).
   */
  private connectSocket(opts: SocketOptions) {
    this.socketCalls++;
    this.socketTimeouts.push(opts.timeout);
    const opens: Array<(res: unknown) => void> = [];
    const messages: Array<(res: { data: string }) => void> = [];
    const closes: Array<(res: { code: number; reason: string }) => void> = [];
    const errors: Array<(res: { errMsg: string }) => void> = [];
    const failNow = (errMsg: string) => {
      setTimeout(() => {
        opts.fail?.({ errMsg });
        for (const fn of errors) fn({ errMsg });
      }, 0);
      const dead = () => undefined;
      return { onOpen: (fn: (res: unknown) => void) => void opens.push(fn), onMessage: dead, onClose: dead, onError: (fn: (res: { errMsg: string }) => void) => void errors.push(fn), send: notConnected('sendSocketMessage'), close: notConnected('closeSocket') };
    };
    if (!this.networkUp) return failNow('connectSocket:fail -1009:似乎已断开与互联网的连接。');
    if (this.tasks.filter((t) => !t.ended).length >= MAX_SOCKET_TASKS) {
      this.socketLimitHits++;
      // As reported from phones; the exact wording varies by version.
      return failNow('connectSocket:fail exceed max task count');
    }

    const ws = new WebSocket(opts.url, opts.protocols ?? [], { headers: opts.header });
    this.sockets.push(ws);
    const task: TaskRecord = {
      ws,
      opened: false,
      closeAsked: false,
      ended: false,
      report: (code, reason) => {
        if (task.ended) return;
        task.ended = true;
        const rewritten = this.rewriteCloseCodes !== undefined && code !== 1006 ? this.rewriteCloseCodes : code;
        for (const fn of closes) fn({ code: rewritten, reason });
      },
    };
    this.tasks.push(task);
    const deliverOpen = () => {
      if (task.ended || ws.readyState !== WebSocket.OPEN) return;
      task.opened = true;
      for (const fn of opens) fn({ header: {}, profile: {} });
    };
    ws.on('open', () => (this.holdOpens ? this.heldOpens.push(deliverOpen) : deliverOpen()));
    if (opts.timeout !== undefined) {
      // WeChat gives a handshake up after `timeout` (base library 2.10.0): the task fails and is done.
      setTimeout(() => {
        if (task.opened || task.ended) return;
        for (const fn of errors) fn({ errMsg: 'connectSocket:fail timeout' });
        task.report(1006, 'timeout');
        ws.terminate();
      }, opts.timeout).unref();
    }
    ws.on('message', (data) => {
      if (!task.opened || task.ended) return;
      for (const fn of messages) {
        fn({ data: String(data) });
        if (this.duplicateFrames) fn({ data: String(data) });
      }
    });
    // WeChat reports a refused handshake as an error; ws may add an unhandled 'error' otherwise.
    ws.on('error', (err) => {
      if (!task.ended) for (const fn of errors) fn({ errMsg: err.message });
    });
    ws.on('close', (code, reason) => task.report(code, String(reason)));
    return {
      onOpen: (fn: (res: unknown) => void) => void opens.push(fn),
      onMessage: (fn: (res: { data: string }) => void) => void messages.push(fn),
      onClose: (fn: (res: { code: number; reason: string }) => void) => void closes.push(fn),
      onError: (fn: (res: { errMsg: string }) => void) => void errors.push(fn),
      send: (o: Callbacks<{ errMsg: string }> & { data: string }) => {
        if (!task.opened || task.ended || ws.readyState !== WebSocket.OPEN) return notConnected('sendSocketMessage')(o);
        ws.send(o.data);
        setTimeout(() => o.success?.({ errMsg: 'sendSocketMessage:ok' }), 0);
      },
      close: (o: Callbacks<{ errMsg: string }> & { code?: number; reason?: string } = {}) => {
        if (!task.opened || task.ended) {
          if (!task.opened && !task.ended) this.closesIgnored++;
          return notConnected('closeSocket')(o);
        }
        task.closeAsked = true;
        ws.close(o.code ?? 1000, o.reason);
        setTimeout(() => o.success?.({ errMsg: 'closeSocket:ok' }), 0);
      },
    };
  }

  /**
   * Ends what a previous test left behind (their closes still reach whoever listens) and stops counting
   * it: the next test starts with no tasks.
   */
  forgetTasks(): void {
    for (const task of this.tasks.splice(0)) {
      if (task.ws.readyState !== WebSocket.CLOSED) task.ws.terminate();
    }
    this.heldOpens.length = 0;
  }
}

/** WeChat's answer to `close`/`send` on a task that is not open. */
function notConnected(api: string) {
  return (o: Callbacks<{ errMsg: string }> = {}) => void setTimeout(() => o.fail?.({ errMsg: `${api}:fail WebSocket is not connected` }), 0);
}

interface RequestOptions extends Callbacks<{ statusCode: number; data: unknown; header: Json; errMsg: string }> {
  url: string;
  method?: string;
  header?: Record<string, string>;
  data?: unknown;
  dataType?: string;
  timeout?: number;
}

interface RequestSubscribeOptions {
  tmplIds: string[];
  success?: (res: Record<string, string>) => void;
  fail?: (err: { errMsg: string; errCode?: number }) => void;
}

interface SocketOptions {
  url: string;
  header?: Record<string, string>;
  protocols?: string[];
  timeout?: number;
  fail?: (err: { errMsg: string }) => void;
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
