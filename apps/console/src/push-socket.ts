import {
  STRUCTURED_SUBPROTOCOL,
  closeName,
  decodeServerMessage,
  encodeMessage,
  shouldReconnect,
  socketPath,
  type ClientMessage,
  type ResultMessage,
} from '@scanpush/shared';

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  /** Open, replaying what was missed; `live` once the server said `synced`. */
  | { kind: 'syncing' }
  | { kind: 'live'; complete: boolean }
  | { kind: 'waiting'; retryInMs: number; closeCode: number }
  /** The server said not to come back (revoked session, replaced socket): no retry. */
  | { kind: 'closed'; closeCode: number; closeName: string };

export interface PushSocketOptions {
  memberId: number;
  storeId: number;
  sessionToken: string;
  /** The seq to resume after, read again at each (re)connect: the highest seq the page has shown. */
  lastSeq: () => number;
  onResult: (message: ResultMessage) => void;
  /** The server's head after the replay: the page's cursor takes it (see SeqCursor). */
  onSynced: (lastSeq: number) => void;
  onState: (state: ConnectionState) => void;
  /**
   * Asked before a retry after repeated failures. A browser never sees why an upgrade was refused (a
   * 401 looks like 1006), so the page checks its session and answers false to stop retrying.
   */
  mayRetry?: () => Promise<boolean>;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;

/**
 * The member's structured push socket (`scanpush.v1`). Browsers cannot set headers, so the session token
 * rides in `?token=`. On each open the first frame is `resume` after the page's last seq; every result
 * is acknowledged after the page took it. Reconnects with exponential backoff unless the close code says not to.
 */
export class PushSocket {
  private ws: WebSocket | undefined;
  private timer: number | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: PushSocketOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = undefined;
  }

  private connect(): void {
    const { memberId, storeId, sessionToken } = this.options;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}${socketPath(memberId, storeId)}?token=${encodeURIComponent(sessionToken)}`;
    this.options.onState({ kind: 'connecting', attempt: this.failures + 1 });
    const ws = new WebSocket(url, STRUCTURED_SUBPROTOCOL);
    this.ws = ws;
    ws.onopen = () => {
      this.options.onState({ kind: 'syncing' });
      this.send({ type: 'resume', after: this.options.lastSeq() });
    };
    ws.onmessage = (event) => this.onFrame(String(event.data));
    ws.onclose = (event) => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = undefined;
      void this.afterClose(event.code);
    };
  }

  private onFrame(text: string): void {
    const decoded = decodeServerMessage(text);
    // A frame this version cannot read is skipped, not fatal: a newer server may send more types.
    if (!decoded.ok) return;
    const message = decoded.value;
    if (message.type === 'result') {
      this.options.onResult(message);
      this.send({ type: 'ack', seq: this.options.lastSeq() });
    } else if (message.type === 'synced') {
      this.failures = 0;
      this.options.onSynced(message.lastSeq);
      this.options.onState({ kind: 'live', complete: message.complete });
    }
  }

  private async afterClose(code: number): Promise<void> {
    if (!shouldReconnect(code)) {
      this.options.onState({ kind: 'closed', closeCode: code, closeName: closeName(code) ?? String(code) });
      return;
    }
    this.failures++;
    if (this.failures >= 2 && this.options.mayRetry && !(await this.options.mayRetry())) {
      this.options.onState({ kind: 'closed', closeCode: code, closeName: 'SESSION_INVALID' });
      return;
    }
    if (this.stopped) return;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.failures - 1));
    // Jitter (half the ceiling, plus up to half): many pages reconnecting after a server restart do not arrive together.
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.options.onState({ kind: 'waiting', retryInMs: delay, closeCode: code });
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  private send(message: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(message));
  }
}
