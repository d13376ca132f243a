import type Database from 'better-sqlite3';
import type { StreamEntry, StreamStore } from '../streams.js';
import type { GroupCommit } from './group-commit.js';

/** Rows examined per pruning step. */
const PRUNE_BATCH = 500;

const ENTRY_COLUMNS = 'member_id AS memberId, store_id AS storeId, seq, code, remaining, ledger_id AS ledgerId, created_at AS createdAt';

/** An entry as stored: the epoch is the database's, added when it is read. */
type EntryRow = Omit<StreamEntry, 'epoch'>;

/** Appends to the streams and reads single entries, inside a write the caller runs (recordScan's). */
export interface StreamWriter {
  /**
   * Takes the stream's next seq and writes the entry under it; `qrNonce` names a refusal's QR (unique with
   * the code, see `refusal`), null for a deduction. Synchronous: call inside a transaction.
   */
  append(entry: Omit<EntryRow, 'seq'>, qrNonce: string | null): StreamEntry;
  entry(memberId: number, storeId: number, seq: number): StreamEntry | undefined;
  /** The retained notice of the QR `nonce` refused with `code`, if the member was told it. */
  refusal(nonce: string, code: number): StreamEntry | undefined;
  /** The stream's head, 0 before its first entry. */
  head(memberId: number, storeId: number): number;
}

export function createStreamWriter(client: Database.Database, epoch: string): StreamWriter {
  // The head row is created by the stream's first entry and bumped by every later one, in the entry's
  // own transaction, so seqs have no gaps; the same upsert works on PostgreSQL.
  const nextSeq = client
    .prepare<[number, number], number>(
      `INSERT INTO streams (member_id, store_id, last_seq) VALUES (?, ?, 1)
       ON CONFLICT (member_id, store_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
    )
    .pluck();
  const insert = client.prepare<[number, number, number, number, number | null, number | null, number, string | null]>(
    'INSERT INTO outbox (member_id, store_id, seq, code, remaining, ledger_id, created_at, qr_nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const bySeq = client.prepare<[number, number, number], EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM outbox WHERE member_id = ? AND store_id = ? AND seq = ?`,
  );
  // The partial unique index outbox_refusal_uq answers this (its WHERE is implied by `qr_nonce = ?`).
  const byRefusal = client.prepare<[string, number], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM outbox WHERE qr_nonce = ? AND code = ?`);
  const head = client.prepare<[number, number], number>('SELECT last_seq FROM streams WHERE member_id = ? AND store_id = ?').pluck();
  return {
    append(entry, qrNonce) {
      const seq = nextSeq.get(entry.memberId, entry.storeId) as number;
      insert.run(entry.memberId, entry.storeId, seq, entry.code, entry.remaining, entry.ledgerId, entry.createdAt, qrNonce);
      return { ...entry, seq, epoch };
    },
    entry(memberId, storeId, seq) {
      const row = bySeq.get(memberId, storeId, seq);
      return row && { ...row, epoch };
    },
    refusal(nonce, code) {
      const row = byRefusal.get(nonce, code);
      return row && { ...row, epoch };
    },
    head(memberId, storeId) {
      return head.get(memberId, storeId) ?? 0;
    },
  };
}

/**
 * The SQLite streams: the `outbox` table (entries) and `streams` (heads). Reads are single prepared
 * statements on the unique (member, store, seq) index; delivery marks share the scans' group commits.
 */
export function createSqliteStreams(client: Database.Database, writes: GroupCommit, epoch: string): StreamStore {
  const withEpoch = (rows: EntryRow[]): StreamEntry[] => rows.map((row) => ({ ...row, epoch }));
  const q = {
    head: client.prepare<[number, number], number>('SELECT last_seq FROM streams WHERE member_id = ? AND store_id = ?').pluck(),
    firstSeq: client.prepare<[number, number], number | null>('SELECT min(seq) FROM outbox WHERE member_id = ? AND store_id = ?').pluck(),
    read: client.prepare<[number, number, number, number], EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM outbox WHERE member_id = ? AND store_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    undelivered: client.prepare<[number, number, number, number], EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM outbox
       WHERE member_id = ? AND store_id = ? AND delivered_at IS NULL AND created_at >= ? ORDER BY seq DESC LIMIT ?`,
    ),
    markDelivered: client.prepare<[number, number, number, number]>(
      'UPDATE outbox SET delivered_at = ? WHERE member_id = ? AND store_id = ? AND seq = ? AND delivered_at IS NULL',
    ),
    countUndelivered: client
      .prepare<[number], number>('SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND created_at >= ?')
      .pluck(),
    // SQLite's single writer commits in rowid order: the newest `limit` rows by rowid are the newest.
    recent: client.prepare<[number, number], EntryRow & { id: number }>(
      `SELECT * FROM (SELECT ${ENTRY_COLUMNS}, id FROM outbox ORDER BY id DESC LIMIT ?) WHERE createdAt >= ? ORDER BY id`,
    ),
    // Oldest first by rowid, which follows time: a batch that finds a row too young is the last one.
    pruneIdempotency: client.prepare<[number]>(
      `DELETE FROM idempotency WHERE id IN (SELECT id FROM idempotency ORDER BY id LIMIT ${PRUNE_BATCH}) AND created_at < ?`,
    ),
    pruneEntries: client.prepare<[number]>(
      `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ${PRUNE_BATCH}) AND created_at < ?`,
    ),
  };

  /** Runs one pruning statement in bounded batches, yielding between them; answers the rows deleted. */
  async function inBatches(step: Database.Statement<[number]>, before: number): Promise<number> {
    // One DELETE by created_at (which has no index) would read the whole table in a single stall of the
    // event loop.
    let pruned = 0;
    for (;;) {
      const n = step.run(before).changes;
      pruned += n;
      if (n < PRUNE_BATCH) return pruned;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return {
    epoch: () => epoch,
    async head(memberId, storeId) {
      return q.head.get(memberId, storeId) ?? 0;
    },
    async firstSeq(memberId, storeId) {
      return q.firstSeq.get(memberId, storeId) ?? undefined;
    },
    async read(memberId, storeId, afterSeq, limit) {
      return withEpoch(q.read.all(memberId, storeId, afterSeq, limit));
    },
    async undelivered(memberId, storeId, since, limit) {
      return withEpoch(q.undelivered.all(memberId, storeId, since, limit).reverse());
    },
    async markDelivered(entries, at) {
      if (entries.length === 0) return;
      await writes.run(() => {
        for (const e of entries) q.markDelivered.run(at, e.memberId, e.storeId, e.seq);
      });
    },
    async countUndelivered(since) {
      return q.countUndelivered.get(since) ?? 0;
    },
    async recent(since, limit) {
      // The newest `limit` rows, of which those young enough: more than `limit` recent rows means the
      // caller is that far behind, and the newest are what it still has a use for.
      return q.recent.all(limit, since).map(({ id: _id, ...row }) => ({ ...row, epoch }));
    },
    async prune(before) {
      // Idempotency records first: a record never outlives the entry it answers with, even between
      // batches (both are written with the scan's time).
      await inBatches(q.pruneIdempotency, before);
      return inBatches(q.pruneEntries, before);
    },
  };
}
