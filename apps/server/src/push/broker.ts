import type { StreamEntry } from '../storage/streams.js';

/**
 * A result committed to a member's stream, told to every node. Plain JSON: it crosses processes as is.
 *
 * An event is a hint, not the record: the stream in storage is. A subscriber that sees a seq that is not
 * the next one of that stream fills the gap from storage; one it has already seen it ignores.
 */
export interface PushEvent {
  entry: StreamEntry;
  /** Wall-clock Unix ms (fractional) when the publisher committed it, for commit-to-send latency. */
  committedAt: number;
}

/**
 * An order for every node about the member sockets it holds. Unlike a PushEvent there is no record to fill
 * a lost one from: the session is revoked in storage already, so a node that misses the message closes
 * the socket at its next check of the session at latest (a socket re-checks its session at reconnect).
 */
export type ControlMessage =
  /** Close the member's sockets opened with this session, or all of the member's (a revocation). */
  { kind: 'close-member'; memberId: number; sessionId?: number };

/**
 * Tells every node that a result was committed. Contract: `publish` is called only after the transaction
 * that recorded the entry committed; events may arrive late, out of order, twice, or not at all (a node
 * or the broker died): subscribers read the stream to be sure. Listeners on the publishing node are
 * called synchronously from `publish`, so a node without its broker still serves its own members.
 */
export interface Broker {
  publish(event: PushEvent): void;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: (event: PushEvent) => void): () => void;
  /** Sends a control message to every node, this one included (synchronously, like publish). */
  tell(message: ControlMessage): void;
  /** Registers a control listener; returns the function that removes it. */
  onControl(listener: (message: ControlMessage) => void): () => void;
  close(): Promise<void>;
}

/**
 * The clock of `committedAt` and of the subscriber's latency: Unix ms with sub-millisecond precision
 * (Date.now() has whole milliseconds, too coarse for a push that takes half of one). Publisher and
 * subscriber read the same clock, so the difference is the latency, JSON-safe across processes.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
