import {
  NO_POSITION,
  StreamCursor,
  decodeServerMessage,
  encodeMessage,
  positionOf,
  resumeFrom,
  type ByeMessage,
  type ClientMessage,
  type ResultMessage,
  type StreamPosition,
  type SyncedMessage,
} from '@scanpush/shared';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
import type { TimerId } from './clock.js';
import { decidingEnd, retryAfterClose, retryAfterRefusal, type SocketEnd } from './policy.js';
import type { PushClientOptions } from './push-client-options.js';
import type { ConnectionState, ConnectionStatus, SocketHandle } from './socket.js';

export type { PushClientOptions, SyncInfo } from './push-client-options.js';

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
 * - Close policy: it reconnects after any end it did not ask for, backing off exponentially with jitter
 *   (starting over once a connection got synced). Only 4001, 4002 and 4004 stop it, or a refused upgrade
 *   that will not change (policy.ts). The server says why it closes in a `bye` frame right before the
 *   close; the bye's code decides over the close frame's, which a platform may rewrite (WeChat: 1005 for
 *   a server's code, 1000 for a socket it killed), and is the `closeCode` reported.
 * - `pause()` closes the socket until `resume()`, which reconnects after `resumeDelayMs`.
 * - `setNetwork()` follows the platform's network status: without network it holds no socket and makes
 *   no attempt (`offline`); with it back it connects at once, and a socket that was open is probed.
 */
export class PushClient {
  private status: ConnectionStatus = { state: 'idle' };
  private cursor: StreamCursor;
  private socket: SocketHandle | undefined;
  /** Which socket is current: events from an abandoned one are ignored. */
  private generation = 0;
  private attempt = 0;
  private pingId = 0;
  /** What the platform last said of the network (`setNetwork`); assumed up until told. */
  private network = true;
  /** The server's bye on the current socket: its code decides when the socket ends. */
  private bye: ByeMessage | undefined;
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

  /**
   * Connects now, unless a socket is open or opening, a reconnect is scheduled, or the client is
   * offline; without network it goes `offline` instead.
   */
  start(): void {
    if (this.socket || this.status.state === 'waiting' || this.status.state === 'offline') return;
    if (!this.network) return this.setStatus({ state: 'offline' });
    this.connectNow();
  }

  /** For onHide: closes the socket and cancels any reconnect until `resume()` (offline too). */
  pause(): void {
    if (this.status.state === 'stopped' || this.status.state === 'paused') return;
    this.drop('background');
    this.setStatus({ state: 'paused' });
  }

  /** For onShow: reconnects after `resumeDelayMs` if paused; without network it goes `offline` instead. */
  resume(): void {
    if (this.status.state !== 'paused') return;
    this.attempt = 0;
    if (!this.network) return this.setStatus({ state: 'offline' });
    this.schedule(this.options.resumeDelayMs ?? 1000, {});
  }

  /**
   * What the platform says of the network (WeChat: `wx.getNetworkType` at start, then
   * `wx.onNetworkStatusChange`; browsers: `online`/`offline`). Unavailable: the socket and every timer
   * are dropped and the state is `offline` until the network is back. Available: from `offline` it
   * connects at once with the backoff started over, and so it does when `waiting` after failed attempts
   * (a network change is worth more than a backoff timer), but not during the short wait after
   * `resume()`, which is there because WeChat may refuse the network right after onShow. A socket that
   * is `syncing` or `live` is probed at once, with a ping and the heartbeat's deadline: a switch from
   * Wi-Fi to 4G often kills TCP without a word. `paused` and `stopped` only take note; `resume()` or
   * `start()` then act on it.
   */
  setNetwork(available: boolean): void {
    this.network = available;
    const { state } = this.status;
    if (state === 'stopped' || state === 'paused' || state === 'idle') return;
    if (!available) {
      if (state === 'offline') return;
      this.drop('offline');
      this.setStatus({ state: 'offline' });
      return;
    }
    if (state === 'offline' || (state === 'waiting' && this.attempt > 0)) {
      this.attempt = 0;
      this.connectNow();
    } else if (state === 'syncing' || state === 'live') {
      this.probe();
    }
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
    const { clock } = this.options;
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    this.synced = false;
    this.bye = undefined;
    this.setStatus({ state: 'connecting' });
    this.connectTimer = clock.setTimeout(() => {
      if (current()) this.lost({ closeCode: 1006, reason: 'connect timeout' });
    }, timeoutMs);
    const socket = this.options.connect(
      {
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
      },
      { timeoutMs, clock },
    );
    // A connector may report the end before it returns (a platform that fails at once): then the
    // socket is already abandoned, and only its closing is left to do.
    if (current()) this.socket = socket;
    else closeQuietly(socket, 'lost');
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
      case 'bye':
        this.bye = message;
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
    this.clear('deadlineTimer');
    this.clear('silenceTimer');
    this.silenceTimer = this.options.clock.setTimeout(() => {
      this.silenceTimer = undefined;
      this.probe();
    }, this.options.heartbeatMs ?? 20_000);
  }

  /** Pings now and drops the socket if no frame comes within the deadline; one ping at a time. */
  private probe(): void {
    if (this.deadlineTimer !== undefined) return;
    this.clear('silenceTimer');
    this.send({ type: 'ping', id: ++this.pingId });
    this.deadlineTimer = this.options.clock.setTimeout(() => {
      this.deadlineTimer = undefined;
      this.lost({ closeCode: 1006, reason: 'heartbeat timeout' });
    }, this.options.heartbeatTimeoutMs ?? 10_000);
  }

  /**
   * The socket is gone (closed, refused, failed, timed out): reconnect unless the end says not to, a
   * bye heard on the socket deciding over its close code.
   */
  private lost(seen: SocketEnd): void {
    const end = decidingEnd(seen, this.bye);
    this.drop(seen.reason === 'heartbeat timeout' || seen.reason === 'connect timeout' ? seen.reason : 'lost');
    const retry = end.refusedStatus !== undefined ? retryAfterRefusal(end.refusedStatus) : retryAfterClose(end.closeCode ?? 1006);
    if (!retry) {
      this.setStatus({ state: 'stopped', ...end });
      return;
    }
    this.schedule(backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF, this.random), end);
  }

  private schedule(delayMs: number, end: SocketEnd): void {
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
    this.bye = undefined;
    for (const timer of TIMERS) this.clear(timer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) closeQuietly(socket, reason);
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

function closeQuietly(socket: SocketHandle, reason: string): void {
  try {
    socket.close(CLIENT_CLOSE, reason);
  } catch {
    // Already closed or never opened: nothing left to release.
  }
}
