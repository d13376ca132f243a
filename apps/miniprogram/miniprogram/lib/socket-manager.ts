import {
  SeqCursor,
  decodeServerMessage,
  encodeMessage,
  shouldReconnect,
  type ClientMessage,
  type ResultMessage,
  type SyncedMessage,
} from '@scanpush/shared';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff';
import type { Clock, TimerId } from './clock';

/** What a socket reports. A socket that fails before opening reports `onClose(1006, …)`. */
export interface SocketEvents {
  onOpen(): void;
  onMessage(text: string): void;
  onClose(code: number, reason: string): void;
}

export interface SocketHandle {
  send(text: string): void;
  /** WeChat accepts 1000 or 3000–4999 from a client. */
  close(code: number, reason: string): void;
}

/** Opens one socket (already speaking `scanpush.v1`) and reports its events. */
export type ConnectFn = (events: SocketEvents) => SocketHandle;

export type ConnectionState =
  /** Not started yet. */
  | 'idle'
  /** A socket is opening. */
  | 'connecting'
  /** Open; the results missed since `lastSeq` are being replayed. */
  | 'syncing'
  /** Synced: results arrive as they are recorded. */
  | 'live'
  /** Closed; a reconnect is scheduled (`retryInMs`). */
  | 'waiting'
  /** Closed on purpose while the mini-program is in the background. */
  | 'paused'
  /** Will not reconnect: stopped by the caller, or the server said not to (`closeCode`). */
  | 'stopped';

export interface ConnectionStatus {
  state: ConnectionState;
  /** How the last socket ended, when it did. */
  closeCode?: number;
  retryInMs?: number;
}

export interface SocketManagerOptions {
  connect: ConnectFn;
  clock: Clock;
  random?: () => number;
  /** The highest seq this device has shown (the caller persists it); results at or below are dropped. */
  lastSeq?: number;
  /** After this long without any frame, send an application ping. */
  heartbeatMs?: number;
  /** After a ping, this long without any frame means the socket is dead. */
  heartbeatTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Wait after `resume()` before connecting: right after onShow WeChat may still refuse the network. */
  resumeDelayMs?: number;
  backoff?: BackoffPolicy;
  /**
   * A result not shown before, in seq order. `replayed`: it was recorded while this device was not
   * connected. The manager acks it once this returns; if this throws, it is neither acked nor counted.
   */
  onResult(result: ResultMessage, info: { replayed: boolean }): void;
  /** The replay after a (re)connect is over; `complete: false` means results were lost to retention. */
  onSynced?(message: SyncedMessage): void;
  onStatus?(status: ConnectionStatus): void;
  /** Frames that could not be read, and errors thrown by `onResult`. */
  onError?(error: unknown): void;
}

const CLIENT_CLOSE = 1000;

/**
 * Keeps ONE member socket alive in the structured dialect, with no `wx` and no timers of its own (both
 * injected), so it runs the same in WeChat and in tests.
 *
 * - Every connect starts with `resume {after: lastSeq}`; results come in seq order and each is handed to
 *   `onResult` once (a repeat, e.g. a replay overlapping a live push, is dropped), then acked.
 * - Heartbeat: after `heartbeatMs` of silence it pings; no frame within `heartbeatTimeoutMs` drops the
 *   socket and reconnects (a suspended phone or a NAT that forgot the connection never says goodbye).
 * - Reconnects back off exponentially with jitter; a close code that says not to (`shouldReconnect`)
 *   stops it.
 * - `pause()` (onHide) closes the socket; `resume()` (onShow) reconnects after `resumeDelayMs`.
 */
export class SocketManager {
  private status: ConnectionStatus = { state: 'idle' };
  private readonly cursor: SeqCursor;
  private socket: SocketHandle | undefined;
  /** Which socket is current: events from an abandoned one are ignored. */
  private generation = 0;
  private attempt = 0;
  private pingId = 0;
  private synced = false;
  private reconnectTimer: TimerId | undefined;
  private connectTimer: TimerId | undefined;
  private silenceTimer: TimerId | undefined;
  private deadlineTimer: TimerId | undefined;
  private readonly random: () => number;

  constructor(private readonly options: SocketManagerOptions) {
    this.cursor = new SeqCursor(options.lastSeq ?? 0);
    this.random = options.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.status.state;
  }

  /** The highest seq handed to `onResult` (or given at construction). */
  get lastSeq(): number {
    return this.cursor.lastSeq;
  }

  /** Connects now, unless already connected or connecting. */
  start(): void {
    if (this.socket || this.status.state === 'waiting') return;
    this.connectNow();
  }

  /** For onHide: closes the socket and cancels any reconnect until `resume()`. */
  pause(): void {
    if (this.status.state === 'stopped' || this.status.state === 'paused') return;
    this.drop('background');
    this.setStatus({ state: 'paused' });
  }

  /** For onShow: reconnects after `resumeDelayMs` if paused. */
  resume(): void {
    if (this.status.state !== 'paused') return;
    this.attempt = 0;
    this.schedule(this.options.resumeDelayMs ?? 1000);
  }

  /** Skips the wait of a scheduled reconnect (a tap on "reconnect", the network coming back). */
  retryNow(): void {
    if (this.status.state !== 'waiting') return;
    this.clear('reconnectTimer');
    this.connectNow();
  }

  /** Closes for good; nothing is reported afterwards. */
  stop(): void {
    this.drop('stopped');
    this.setStatus({ state: 'stopped' });
  }

  private connectNow(): void {
    this.clear('reconnectTimer');
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    this.synced = false;
    this.setStatus({ state: 'connecting' });
    this.connectTimer = this.options.clock.setTimeout(() => {
      if (current()) this.lost(1006);
    }, this.options.connectTimeoutMs ?? 10_000);
    this.socket = this.options.connect({
      onOpen: () => {
        if (current()) this.opened();
      },
      onMessage: (text) => {
        if (current()) this.received(text);
      },
      onClose: (code) => {
        if (current()) this.lost(code);
      },
    });
  }

  private opened(): void {
    this.clear('connectTimer');
    this.setStatus({ state: 'syncing' });
    this.send({ type: 'resume', after: this.cursor.lastSeq });
    this.heard();
  }

  private received(text: string): void {
    this.heard();
    const decoded = decodeServerMessage(text);
    if (!decoded.ok) {
      this.options.onError?.(new Error(`unreadable frame: ${decoded.reason}`));
      return;
    }
    const message = decoded.value;
    switch (message.type) {
      case 'result':
        return this.result(message);
      case 'synced':
        // Down as well as up: after a restore from a backup the server reissues the seqs above its head.
        this.cursor.synced(message.lastSeq);
        this.synced = true;
        this.attempt = 0;
        this.setStatus({ state: 'live' });
        this.options.onSynced?.(message);
        return;
      case 'pong':
        return;
    }
  }

  private result(message: ResultMessage): void {
    if (!this.cursor.isNew(message.seq)) return;
    try {
      this.options.onResult(message, { replayed: !this.synced });
    } catch (err) {
      this.options.onError?.(err);
      return;
    }
    this.cursor.shown(message.seq);
    this.send({ type: 'ack', seq: message.seq });
  }

  /** Any frame proves the socket alive: restart the silence timer, cancel a pending ping deadline. */
  private heard(): void {
    const { clock } = this.options;
    this.clear('deadlineTimer');
    this.clear('silenceTimer');
    this.silenceTimer = clock.setTimeout(() => {
      this.silenceTimer = undefined;
      this.send({ type: 'ping', id: ++this.pingId });
      this.deadlineTimer = clock.setTimeout(() => {
        this.deadlineTimer = undefined;
        this.lost(1006, 'heartbeat timeout');
      }, this.options.heartbeatTimeoutMs ?? 10_000);
    }, this.options.heartbeatMs ?? 20_000);
  }

  /** The socket is gone (closed, failed, timed out): reconnect unless its close code says not to. */
  private lost(code: number, why = 'lost'): void {
    this.drop(why);
    if (!shouldReconnect(code)) {
      this.setStatus({ state: 'stopped', closeCode: code });
      return;
    }
    this.schedule(backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF, this.random), code);
  }

  private schedule(delayMs: number, closeCode?: number): void {
    this.clear('reconnectTimer');
    this.reconnectTimer = this.options.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectNow();
    }, delayMs);
    this.setStatus(closeCode === undefined ? { state: 'waiting', retryInMs: delayMs } : { state: 'waiting', closeCode, retryInMs: delayMs });
  }

  /** Forgets the current socket (closing it if still there) and every timer. */
  private drop(reason: string): void {
    this.generation++;
    for (const timer of ['reconnectTimer', 'connectTimer', 'silenceTimer', 'deadlineTimer'] as const) this.clear(timer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      try {
        socket.close(CLIENT_CLOSE, reason);
      } catch {
        // Already closed or never opened: nothing left to release.
      }
    }
  }

  private send(message: ClientMessage): void {
    this.socket?.send(encodeMessage(message));
  }

  private clear(timer: 'reconnectTimer' | 'connectTimer' | 'silenceTimer' | 'deadlineTimer'): void {
    const id = this[timer];
    if (id !== undefined) this.options.clock.clearTimeout(id);
    this[timer] = undefined;
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.options.onStatus?.(status);
  }
}
