import type { WxError, WxSocketApi, WxSocketTask } from '../wx-task.js';
import type { FakeClock } from './fake-clock.js';

/**
 * What a fake WeChat does with one `connectSocket`: open after `open` ms, fail after `fail` ms, or
 * `hang` (no answer at all: only WeChat's timeout ends it).
 */
export type WxFate = { open: number } | { fail: number } | 'hang';

/** WeChat's limit of SocketTasks alive at once (base library 1.7.0 on). */
export const WX_MAX_TASKS = 5;

/** app.json's `networkTimeout.connectSocket` default: what holds a hanging task without `timeout`. */
export const WX_DEFAULT_TIMEOUT_MS = 60_000;

/** How long a closing handshake takes in the fake. */
const CLOSE_MS = 50;

/**
 * A stand-in for the part of `wx` the connector uses, behaving as WeChat does where the Node stand-ins
 * (a `ws` socket behind a wx-shaped object) do not. It exists because those differences broke phones
 * while the tests passed:
 *
 * - every callback comes later, on the fake clock, never inside the call;
 * - `SocketTask.close()` on a task that is not open does nothing and calls `fail` ("WebSocket is not
 *   connected"); the task goes on and may open later;
 * - a task not open after `timeout` (default 60 s, app.json's) fails with `onError` and `onClose(1006)`;
 * - tasks alive (connecting, open or closing) are counted, and a sixth `connectSocket` fails at once;
 * - a close the server chose arrives with the code `serverCodeAs` (WeChat is reported to hand them over
 *   as 1005), and a socket WeChat kills itself closes with 1000.
 */
export class FakeWx implements WxSocketApi {
  readonly tasks: FakeWxTask[] = [];
  /** How each new task ends up; default: opens after 100 ms. */
  fate: () => WxFate = () => ({ open: 100 });
  /** The code a server-chosen close is reported with; undefined: the server's own. */
  serverCodeAs: number | undefined = 1005;
  /** connectSocket calls refused for WeChat's limit. */
  refused = 0;
  /** The most tasks alive at once so far. */
  maxAlive = 0;

  constructor(readonly clock: FakeClock) {}

  /** Tasks WeChat holds: connecting, open or closing. */
  get alive(): number {
    return this.tasks.filter((t) => t.state !== 'closed').length;
  }

  /** Tasks open and not closing. */
  get open(): FakeWxTask[] {
    return this.tasks.filter((t) => t.state === 'open');
  }

  connectSocket(options: Parameters<WxSocketApi['connectSocket']>[0]): WxSocketTask {
    if (this.alive >= WX_MAX_TASKS) {
      this.refused++;
      this.later(() => options.fail?.({ errMsg: 'connectSocket:fail exceed max task count' }));
      return new FakeWxTask(this, options, 'closed');
    }
    const task = new FakeWxTask(this, options, 'connecting');
    this.tasks.push(task);
    this.maxAlive = Math.max(this.maxAlive, this.alive);
    const fate = this.fate();
    if (fate !== 'hang') {
      const at = 'open' in fate ? fate.open : fate.fail;
      this.later(() => ('open' in fate ? task.opened() : task.failed('connectSocket:fail network error', options.fail)), at);
    }
    this.later(() => task.timedOut(), options.timeout ?? WX_DEFAULT_TIMEOUT_MS);
    return task;
  }

  later(fn: () => void, ms = 0): void {
    this.clock.setTimeout(fn, ms);
  }
}

export class FakeWxTask implements WxSocketTask {
  readonly sent: string[] = [];
  /** What the client closed it with, once the close took effect. */
  closedWith: { code?: number; reason?: string } | undefined;
  /** Sends fail from now on (a socket whose connection died unnoticed). */
  broken = false;
  /** WeChat says nothing more of this task: no callback of any kind (lost signal, as seen on phones). */
  silent = false;
  private handlers: {
    open?: (res: unknown) => void;
    message?: (message: { data: string | ArrayBuffer }) => void;
    error?: (err: WxError) => void;
    close?: (res: { code: number; reason: string }) => void;
  } = {};

  constructor(
    private readonly wx: FakeWx,
    readonly options: Parameters<WxSocketApi['connectSocket']>[0],
    public state: 'connecting' | 'open' | 'closing' | 'closed',
  ) {}

  onOpen(fn: (res: unknown) => void): void {
    this.handlers.open = fn;
  }
  onMessage(fn: (message: { data: string | ArrayBuffer }) => void): void {
    this.handlers.message = fn;
  }
  onError(fn: (err: WxError) => void): void {
    this.handlers.error = fn;
  }
  onClose(fn: (res: { code: number; reason: string }) => void): void {
    this.handlers.close = fn;
  }

  send(options: { data: string; fail?: (err: WxError) => void }): void {
    if (this.silent) return;
    if (this.state === 'open' && !this.broken) this.sent.push(options.data);
    else this.wx.later(() => options.fail?.({ errMsg: 'sendSocketMessage:fail WebSocket is not connected' }));
  }

  close(options: { code?: number; reason?: string; fail?: (err: WxError) => void }): void {
    if (this.silent) return;
    if (this.state !== 'open') {
      this.wx.later(() => options.fail?.({ errMsg: 'closeSocket:fail WebSocket is not connected' }));
      return;
    }
    this.state = 'closing';
    this.wx.later(() => {
      this.closedWith = { code: options.code, reason: options.reason };
      this.end(options.code ?? 1000, options.reason ?? '');
    }, CLOSE_MS);
  }

  // ---- what the test (the server, the network) does ----

  /** A text frame from the server. */
  deliver(data: string | object): void {
    if (this.state === 'open') this.handlers.message?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }

  /** The server closes with `code`; the page sees WeChat's version of it. */
  serverClose(code: number, reason = ''): void {
    if (this.state === 'open') this.end(this.wx.serverCodeAs ?? code, reason);
  }

  /** WeChat ends the socket itself (the app went to the background long enough, say): 1000. */
  kill(): void {
    if (this.state === 'open') this.end(1000, '');
  }

  // ---- what the fake WeChat does ----

  opened(): void {
    if (this.state !== 'connecting' || this.silent) return;
    this.state = 'open';
    this.handlers.open?.({ header: {} });
  }

  failed(errMsg: string, fail?: (err: WxError) => void): void {
    if (this.state !== 'connecting' || this.silent) return;
    this.state = 'closed';
    fail?.({ errMsg });
    this.handlers.error?.({ errMsg });
    this.handlers.close?.({ code: 1006, reason: 'abnormal closure' });
  }

  timedOut(): void {
    if (this.state !== 'connecting') return;
    this.state = 'closed';
    if (this.silent) return;
    this.handlers.error?.({ errMsg: 'connectSocket:fail timeout' });
    this.handlers.close?.({ code: 1006, reason: 'abnormal closure' });
  }

  private end(code: number, reason: string): void {
    this.state = 'closed';
    this.handlers.close?.({ code, reason });
  }
}
