import type { ScanResult } from '@scanpush/shared';

/** A result committed for a member, to be pushed to every socket the member has open for that store. */
export interface PushEvent {
  memberId: number;
  storeId: number;
  result: ScanResult & { seq: number; memberId: number };
  /** process.hrtime.bigint() at commit, for commit-to-send latency. */
  committedAt: bigint;
}

/**
 * Tells every node that a result was committed. Contract: `publish` is called only after the
 * transaction that recorded the result committed; events of one member arrive in publish order; an
 * event may be lost if a node dies (the outbox, not the broker, is the record: clients resume from it).
 */
export interface Broker {
  publish(event: PushEvent): void;
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: (event: PushEvent) => void): () => void;
  close(): Promise<void>;
}
