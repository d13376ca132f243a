/**
 * The members' streams: one per (member, store), the results that member is told at that store, `seq`
 * 1, 2, 3, … without gaps or repeats, in commit order. Entries are appended only by `CardStore.recordScan`,
 * `recordSale` and `recordReversal` (in their own transaction) and read back for replays, long-polls and idempotent retries.
 *
 * `epoch` names this database's history (see StreamPosition in @scanpush/shared): made when the database
 * is created, made anew when a database restored from a backup first opens. It does not change while a
 * process has the database open.
 */
export interface StreamStore {
  epoch(): string;
  /** The stream's highest seq (0 before its first entry). */
  head(memberId: number, storeId: number): Promise<number>;
  /** The stream's lowest retained seq; undefined when none is retained. */
  firstSeq(memberId: number, storeId: number): Promise<number | undefined>;
  /** Entries after `afterSeq`, oldest first, at most `limit`. */
  read(memberId: number, storeId: number, afterSeq: number, limit: number): Promise<StreamEntry[]>;

  /** The newest `limit` entries no socket received, created at or after `since`; oldest first (text dialect). */
  undelivered(memberId: number, storeId: number, since: number, limit: number): Promise<StreamEntry[]>;
  /** Marks entries as received by some socket. Idempotent. */
  markDelivered(entries: ReadonlyArray<{ memberId: number; storeId: number; seq: number }>, at: number): Promise<void>;
  /** Entries no socket has received, created at or after `since`; for monitoring. */
  countUndelivered(since: number): Promise<number>;
  /**
   * Entries of every stream created at or after `since`, the newest `limit` of them, oldest first: what a
   * node that lost its broker reads to go on pushing (it asks again with some overlap and drops what it
   * has seen).
   */
  recent(since: number, limit: number): Promise<StreamEntry[]>;
  /** Deletes entries created before `before` (retention), in bounded batches; answers how many. */
  prune(before: number): Promise<number>;
}

/** One result in a member's stream. Plain data: JSON-safe, meaningful in any process. */
export interface StreamEntry {
  memberId: number;
  storeId: number;
  epoch: string;
  seq: number;
  /** The result code (RESULT_CODES). */
  code: number;
  /** The card's uses after the scan, sale or reversal, where the outcome knows them; null otherwise. */
  remaining: number | null;
  /** The ledger row of a deduction, a sale or a reversal; null for a refusal. */
  ledgerId: number | null;
  /** Unix ms the outcome was decided. */
  createdAt: number;
}
