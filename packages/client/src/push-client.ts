import {
  NO_POSITION,
  StreamCursor,
  decodeServerMessage,
  encodeMessage,
  positionOf,
  resumeFrom,
  type ClientMessage,
  type ResultMessage,
  type StreamPosition,
  type SyncedMessage,
} from '@scanpush/shared';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
import type { Clock, TimerId } from './clock.js';
import { retryAfterClose, retryAfterRefusal } from './policy.js';
import type { ConnectFn, ConnectionState, ConnectionStatus, SocketHandle } from './socket.js';

/** What `onSynced` reports once the replay after a (re)connect is over. */
export interface SyncInfo {
  /** The client's position after the replay (the server's head). */
  position: StreamPosition;
  /** False when results after the resumed position may be missing: pruned, or another epoch. */
  complete: boolean;
  /**
   * True when the position resumed from was of another history (a restored or new database): what was
   * shown before is not continued, the replay started over from what the server retains.
   */
  resynced: boolean;
}

export interface PushClientOptions {
  /** Opens one socket to the stream (a connector: `@scanpush/client/ws`, `/browser`, `/wx`). */
  connect: ConnectFn;
  clock: Clock;
  /** In [0, 1): the backoff's jitter. */
  random?: () => number;
  /** Where this device stands in the stream (the caller persists it per store); default: nothing yet. */
  position?: StreamPosition;
  /** After this long without any frame, send an application ping (default 20 s). */
  heartbeatMs?: number;
  /** After a ping, this long without any frame means the socket is dead (default 10 s). */
  heartbeatTimeoutMs?: number;
  /** A socket not open after this long is given up (default 10 s). */
  connectTimeoutMs?: number;
  /** Wait after `resume()` before connecting: right after onShow WeChat may still refuse the network. */
  resumeDelayMs?: number;
  backoff?: BackoffPolicy;
  /**
   * A result not shown before, oldest first. `replayed`: it was recorded while this client was not
   * connected (it came before `synced`). If this throws, the position does not move past the result, so
   * a resume before a newer result arrives delivers it again.
   */
  onResult(result: ResultMessage, info: { replayed: boolean }): void;
  /** The replay after a (re)connect is over: live results follow. */
  onSynced?(info: SyncInfo): void;
  /** The position moved (a new result, or `synced`): persist it to resume from it next time. */
  onPosition?(position: StreamPosition): void;
  onStatus?(status: ConnectionStatus): void;
  /** Frames that could not be read, and errors thrown by `onResult`. */
  onError?(error: unknown): void;
}

const CLIENT_CLOSE = 1000;
type TimerName = 'reconnectTimer' | 'connectTimer' | 'silenceTimer' | 'deadlineTimer';
const TIMERS: readonly TimerName[] = ['reconnectTimer', 'connectTimer', 'silenceTimer', 'deadlineTimer'];

/**
 * Keeps ONE member stream (one member at one store) in the structured dialect, with no platform inside:
 * the socket and the timers are injected, so it runs the same in Node, browsers, WeChat and tests.
 *
 * - Every connect starts with `resume` from the client's position (epoch and seq). Delivery is
 *   at-least-once: each result is handed to `onResult` once (StreamCursor: a repeat or an older seq is
 *   dropped); a result of another epoch starts the position over in it (the server's history changed).
 *   There are no acks: the position resumed from is what the client has.
 * - `synced` ends the replay: the position takes the server's head, `onSynced` says whether results may
 *   be missing (`complete`) and whether the history changed under the client (`resynced`).
 * - Heartbeat: after `heartbeatMs` of silence it pings; no frame within `heartbeatTimeoutMs` drops the
 *   socket and reconnects (a suspended phone or a NAT that forgot the connection never says goodbye).
 * - Reconnects back off exponentially with jitter, starting over once a connection got synced; a close
 *   code or a refused upgrade that says not to (see policy.ts) stops it.
 * - `pause()` closes the socket until `resume()`, which reconnects after `resumeDelayMs`.
 */
export class PushClient {
  private status: ConnectionStatus = { state: 'idle' };
  private cursor: StreamCursor;
  private socket: SocketHandle | undefined;
  /** Which socket is current: events from an abandoned one are ignored. */
  private generation = 0;
  private attempt = 0;
  private pingId = 0;
  /** The current socket got `synced`: results now are live, not replayed. */
  private synced = false;
  /** The position the current socket resumed from, to tell a change of history at `synced`. */
  private resumedFrom: StreamPosition = NO_POSITION;
  private reconnectTimer: TimerId | undefined;
  private connectTimer: TimerId | undefined;
  private silenceTimer: TimerId | undefined;
  private deadlineTimer: TimerId | undefined;
  private readonly random: () => number;

  constructor(private readonly options: PushClientOptions) {
    this.cursor = new StreamCursor(options.position ?? NO_POSITION);
    this.random = options.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.status.state;
  }

  /** The position of the last result handed to `onResult`, or the server's head after `synced`. */
  get position(): StreamPosition {
    return this.cursor.position;
  }

  /** Connects now, unless a socket is open or opening, or a reconnect is scheduled. */
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
    this.schedule(this.options.resumeDelayMs ?? 1000, {});
  }

  /** Skips the wait of a scheduled reconnect (a tap on "reconnect", the network coming back). */
  retryNow(): void {
    if (this.status.state !== 'waiting') return;
    this.clear('reconnectTimer');
    this.connectNow();
  }

  /** Closes for good: reports `stopped` once, then nothing more. */
  stop(): void {
    if (this.status.state === 'stopped') return;
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
      if (current()) this.lost({ closeCode: 1006, reason: 'connect timeout' });
    }, this.options.connectTimeoutMs ?? 10_000);
    this.socket = this.options.connect({
      onOpen: () => {
        if (current()) this.opened();
      },
      onMessage: (text) => {
        if (current()) this.received(text);
      },
      onClose: (code, reason) => {
        if (current()) this.lost({ closeCode: code, reason });
      },
      onRefused: (status, reason) => {
        if (current()) this.lost({ refusedStatus: status, reason });
      },
    });
  }

  private opened(): void {
    this.clear('connectTimer');
    this.setStatus({ state: 'syncing' });
    this.resumedFrom = this.cursor.position;
    this.send(resumeFrom(this.resumedFrom));
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
        return this.syncedWith(message);
      case 'pong':
        return;
    }
  }

  private result(message: ResultMessage): void {
    const before = this.cursor.position;
    if (!this.cursor.accept(positionOf(message))) return;
    try {
      this.options.onResult(message, { replayed: !this.synced });
    } catch (err) {
      this.cursor = new StreamCursor(before);
      this.options.onError?.(err);
      return;
    }
    this.options.onPosition?.(this.cursor.position);
  }

  private syncedWith(message: SyncedMessage): void {
    const before = this.cursor.position;
    const resynced = this.cursor.synced(positionOf(message), this.resumedFrom);
    this.synced = true;
    this.attempt = 0;
    this.setStatus({ state: 'live' });
    const position = this.cursor.position;
    if (position.epoch !== before.epoch || position.seq !== before.seq) this.options.onPosition?.(position);
    this.options.onSynced?.({ position, complete: message.complete, resynced });
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
        this.lost({ closeCode: 1006, reason: 'heartbeat timeout' });
      }, this.options.heartbeatTimeoutMs ?? 10_000);
    }, this.options.heartbeatMs ?? 20_000);
  }

  /** The socket is gone (closed, refused, failed, timed out): reconnect unless the server said not to. */
  private lost(end: Pick<ConnectionStatus, 'closeCode' | 'refusedStatus' | 'reason'>): void {
    this.drop(end.reason === 'heartbeat timeout' || end.reason === 'connect timeout' ? end.reason : 'lost');
    const retry = end.refusedStatus !== undefined ? retryAfterRefusal(end.refusedStatus) : retryAfterClose(end.closeCode ?? 1006);
    if (!retry) {
      this.setStatus({ state: 'stopped', ...end });
      return;
    }
    this.schedule(backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF, this.random), end);
  }

  private schedule(delayMs: number, end: Pick<ConnectionStatus, 'closeCode' | 'refusedStatus' | 'reason'>): void {
    this.clear('reconnectTimer');
    this.reconnectTimer = this.options.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectNow();
    }, delayMs);
    this.setStatus({ state: 'waiting', ...end, retryInMs: delayMs });
  }

  /** Forgets the current socket (closing it if still there) and every timer. */
  private drop(reason: string): void {
    this.generation++;
    for (const timer of TIMERS) this.clear(timer);
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

  private clear(timer: TimerName): void {
    const id = this[timer];
    if (id !== undefined) this.options.clock.clearTimeout(id);
    this[timer] = undefined;
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.options.onStatus?.(status);
  }
}
