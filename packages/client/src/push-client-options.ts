import type { ResultMessage, StreamPosition } from '@scanpush/shared';
import type { BackoffPolicy } from './backoff.js';
import type { Clock } from './clock.js';
import type { ConnectFn, ConnectionStatus } from './socket.js';

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
  /**
   * A socket not open after this long is given up (default 10 s). The connector is told it too: the
   * wx connector passes it to `wx.connectSocket` so that WeChat ends the attempt as well.
   */
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
