import type { Clock, TimerId } from './clock.js';
import type { SocketEvents, SocketHandle } from './socket.js';

/** How WeChat reports a failed call. */
export interface WxError {
  errMsg: string;
}

/**
 * The part of WeChat's `wx` the connector uses, declared here rather than taken from
 * miniprogram-api-typings: those clash with Node's types, which the package's tests need.
 */
export interface WxSocketApi {
  connectSocket(options: {
    url: string;
    header?: Record<string, string>;
    protocols?: string[];
    /** Milliseconds until WeChat gives the handshake up (base library 2.10.0). */
    timeout?: number;
    fail?: (err: WxError) => void;
  }): WxSocketTask;
}

/** WeChat's SocketTask: its `onClose` gives `{code, reason}`; `send` and `close` report failure by `fail`. */
export interface WxSocketTask {
  onOpen(fn: (res: unknown) => void): void;
  onMessage(fn: (message: { data: string | ArrayBuffer }) => void): void;
  onError(fn: (err: WxError) => void): void;
  onClose(fn: (res: { code: number; reason: string }) => void): void;
  send(options: { data: string; fail?: (err: WxError) => void }): void;
  close(options: { code?: number; reason?: string; fail?: (err: WxError) => void }): void;
}

/**
 * The tasks WeChat holds that nobody uses: one connecting, or abandoned and not yet done. An attempt
 * starts only when there is none (`enter`, in order); a task the client took (open, in use) leaves the
 * lane, so that open sockets never hold other attempts back, and comes back (`occupy`, without
 * waiting) when the client closes it, until WeChat is done with it.
 */
export class WxLane {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  enter(run: () => void): void {
    if (this.held > 0) {
      this.waiting.push(run);
      return;
    }
    this.held++;
    run();
  }

  occupy(): void {
    this.held++;
  }

  leave(): void {
    this.held--;
    while (this.held === 0 && this.waiting.length > 0) {
      this.held++;
      this.waiting.shift()!();
    }
  }
}

export interface WxTaskRequest {
  url: string;
  header: Record<string, string>;
  protocols: string[];
}

/**
 * One connection attempt over one SocketTask, as the client sees a socket (SocketHandle and
 * SocketEvents), with WeChat's task kept apart from what the client is told:
 *
 * - The task is created when the lane lets it (no other task connecting or abandoned); an attempt the
 *   client closed before that is never created at all. `connectSocket` gets the time left of the
 *   client's timeout.
 * - A close asked for before the task opened is remembered: WeChat's `close()` does nothing then (it
 *   is still called, with a `fail` that expects this, for platforms that can abort a handshake), and
 *   the task is closed in `onOpen`. From the close on, the client hears nothing of the task.
 * - The task holds the lane while it connects and from the client's close until WeChat says it is done
 *   (`onClose`, a failed connect, a failed close of an open task). A task WeChat never reports on must
 *   not hold every later attempt back: a connecting one is let go at its `timeout` (WeChat has given it
 *   up by then), an open one `timeoutMs` after the client's close.
 * - The client hears one end: the first of a failed connect, `onError`, `onClose`, a failed `send`.
 */
export function openTask(api: WxSocketApi, lane: WxLane, request: WxTaskRequest, events: SocketEvents, limits: { timeoutMs: number; clock: Clock }): SocketHandle {
  const { timeoutMs, clock } = limits;
  const deadline = clock.now() + timeoutMs;
  let phase: 'queued' | 'connecting' | 'open' | 'done' = 'queued';
  /** This attempt is one of the lane's (connecting, or closed by the client and not done). */
  let holding = false;
  let task: WxSocketTask | undefined;
  /** The close the client asked for; from then on it is told nothing. */
  let closing: { code: number; reason: string } | undefined;
  /** The client heard this attempt's end. */
  let told = false;
  let giveUp: TimerId | undefined;

  const tell = (code: number, reason: string) => {
    if (told || closing) return;
    told = true;
    events.onClose(code, reason);
  };
  const finish = () => {
    if (phase === 'done') return;
    phase = 'done';
    if (giveUp !== undefined) clock.clearTimeout(giveUp);
    if (holding) {
      holding = false;
      lane.leave();
    }
  };
  const closeTask = (why: { code: number; reason: string }) => {
    task?.close({
      code: why.code,
      reason: why.reason,
      // Before open this is WeChat's "WebSocket is not connected": onOpen closes it. After open, the
      // socket is gone already.
      fail: () => {
        if (phase === 'open') finish();
      },
    });
  };

  const start = () => {
    holding = true;
    if (closing) return finish();
    phase = 'connecting';
    const fail = (err: WxError) => {
      finish();
      tell(1006, err.errMsg);
    };
    try {
      task = api.connectSocket({ ...request, timeout: Math.max(1, deadline - clock.now()), fail });
    } catch (err) {
      fail({ errMsg: err instanceof Error ? err.message : String(err) });
      return;
    }
    task.onOpen(() => {
      if (phase === 'connecting') phase = 'open';
      if (closing || told) return closeTask(closing ?? { code: 1000, reason: 'abandoned' });
      // In use: the client closes it when it is done with it, and the lane is free for other streams.
      holding = false;
      lane.leave();
      events.onOpen();
    });
    task.onMessage((message) => {
      if (phase === 'open' && !told && !closing && typeof message.data === 'string') events.onMessage(message.data);
    });
    task.onError((err) => {
      // A task that errs before it opened will not open: WeChat is done with it.
      if (phase === 'connecting') finish();
      tell(1006, err.errMsg);
    });
    task.onClose((res) => {
      finish();
      tell(res.code, res.reason);
    });
  };

  lane.enter(start);
  return {
    send: (text) => {
      if (phase !== 'open' || told || closing) return;
      task?.send({ data: text, fail: (err) => tell(1006, `send failed: ${err.errMsg}`) });
    },
    close: (code, reason) => {
      if (closing) return;
      closing = { code, reason };
      if (phase !== 'connecting' && phase !== 'open') return;
      if (!holding) {
        holding = true;
        lane.occupy();
      }
      closeTask(closing);
      giveUp = clock.setTimeout(finish, phase === 'connecting' ? Math.max(0, deadline - clock.now()) : timeoutMs);
    },
  };
}
