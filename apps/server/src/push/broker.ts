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
 * Tells every node that a result was committed. Contract: `publish` is called only after the transaction
 * that recorded the entry committed; events may arrive late, out of order, twice, or not at all (a node
 * or the broker died): subscribers read the stream to be sure.
 */
export interface Broker {
  publish(event: PushEvent): void;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: (event: PushEvent) => void): () => void;
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
