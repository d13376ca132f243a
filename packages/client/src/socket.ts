import type { Clock } from './clock.js';

/**
 * What a connector reports about the one socket it opened. Exactly one of `onClose` and `onRefused`
 * ends a socket; nothing is reported after it. A socket that fails before opening (no route, DNS, TLS, a
 * refused upgrade on a platform that cannot see the status) reports `onClose(1006, why)`.
 */
export interface SocketEvents {
  onOpen(): void;
  /** One text frame; connectors drop binary frames (the protocol has none). */
  onMessage(text: string): void;
  onClose(code: number, reason: string): void;
  /**
   * The server answered the upgrade with an HTTP status instead (only where the platform shows it:
   * Node's `ws`). `reason` is the server's ErrorBody as `CODE: message`, or the status line.
   */
  onRefused(status: number, reason: string): void;
}

export interface SocketHandle {
  /** Sends a text frame; dropped when the socket is not open. */
  send(text: string): void;
  /** Browsers and WeChat accept 1000 or 3000–4999 from a client. Closing a socket that is gone is a no-op. */
  close(code: number, reason: string): void;
}

/** What the client tells a connector about one attempt. */
export interface ConnectAttempt {
  /**
   * The client gives the attempt up if it is not open by then (PushClient's `connectTimeoutMs`). A
   * connector whose platform can bound the handshake itself passes it on (wx: `connectSocket`'s
   * `timeout`), so that an attempt the client gave up also ends on the platform.
   */
  timeoutMs: number;
  /** The client's clock, for a connector that needs time of its own (tests run it on a fake one). */
  clock: Clock;
}

/**
 * Opens one socket to one member stream, already offering `scanpush.v2` and carrying the session, and
 * reports its events. Called once per connection attempt; PushClient always passes `attempt`.
 */
export type ConnectFn = (events: SocketEvents, attempt?: ConnectAttempt) => SocketHandle;

export type ConnectionState =
  /** Not started yet. */
  | 'idle'
  /** A socket is opening. */
  | 'connecting'
  /** Open; the results missed since the client's position are being replayed. */
  | 'syncing'
  /** Synced: results arrive as they are recorded. */
  | 'live'
  /** Closed; a reconnect is scheduled (`retryInMs`). */
  | 'waiting'
  /** Closed on purpose (`pause()`, e.g. a mini-program in the background) until `resume()`. */
  | 'paused'
  /**
   * The platform says there is no network (`setNetwork(false)`): no socket, no timers, no attempts.
   * Not `stopped`: the client connects by itself the moment the network is reported back.
   */
  | 'offline'
  /** Will not reconnect: stopped by the caller, or the server said not to (`closeCode`, `refusedStatus`). */
  | 'stopped';

export interface ConnectionStatus {
  state: ConnectionState;
  /**
   * How the last socket ended, when it closed: the code that decided whether to reconnect. That is the
   * code of the server's `bye` when one came before the close (a platform may rewrite the close frame's:
   * WeChat hands a server's 4001 over as 1005), else the close frame's, or 1006 (failed, lost, silent,
   * timed out).
   */
  closeCode?: number;
  /** When the server refused the upgrade: its HTTP status (ws connector only). */
  refusedStatus?: number;
  /** Why the last socket ended: the server's bye or close reason, its refusal, or what the client saw; may be empty. */
  reason?: string;
  /** With `waiting`: milliseconds until the next attempt. */
  retryInMs?: number;
}
