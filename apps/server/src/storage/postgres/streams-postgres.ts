import type pg from 'pg';
import type { StreamEntry, StreamStore } from '../streams.js';
import { query } from './pool.js';

/** Rows deleted per pruning statement. */
const PRUNE_BATCH = 1000;

export const ENTRY_COLUMNS =
  'member_id AS "memberId", store_id AS "storeId", seq, code, remaining, ledger_id AS "ledgerId", created_at AS "createdAt"';

/** An entry as stored: the epoch is the database's, added when it is read. */
export type EntryRow = Omit<StreamEntry, 'epoch'>;

/**
 * The PostgreSQL streams: `outbox` (entries) and `streams` (heads), as in SQLite. Entries are appended by
 * the scans' transactions (cards-postgres.ts); here they are read, marked and pruned. Ids of `outbox`
 * are handed out before commit, so on several nodes they do not follow commit order: what is recent is
 * read by `created_at` (indexed), never by id.
 */
export function createPostgresStreams(pool: pg.Pool, epoch: string): StreamStore {
  const entries = async (text: string, values: unknown[]): Promise<StreamEntry[]> =>
    (await query<EntryRow>(pool, text, values)).map((row) => ({ ...row, epoch }));

  return {
    epoch: () => epoch,
    async head(memberId, storeId) {
      const rows = await query<{ lastSeq: number }>(pool, 'SELECT last_seq AS "lastSeq" FROM streams WHERE member_id = $1 AND store_id = $2', [
        memberId,
        storeId,
      ]);
      return rows[0]?.lastSeq ?? 0;
    },
    async firstSeq(memberId, storeId) {
      const rows = await query<{ seq: number | null }>(pool, 'SELECT min(seq) AS seq FROM outbox WHERE member_id = $1 AND store_id = $2', [memberId, storeId]);
      return rows[0]?.seq ?? undefined;
    },
    read(memberId, storeId, afterSeq, limit) {
      return entries(`SELECT ${ENTRY_COLUMNS} FROM outbox WHERE member_id = $1 AND store_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`, [
        memberId,
        storeId,
        afterSeq,
        limit,
      ]);
    },
    async undelivered(memberId, storeId, since, limit) {
      const newest = await entries(
        `SELECT ${ENTRY_COLUMNS} FROM outbox
         WHERE member_id = $1 AND store_id = $2 AND delivered_at IS NULL AND created_at >= $3 ORDER BY seq DESC LIMIT $4`,
        [memberId, storeId, since, limit],
      );
      return newest.reverse();
    },
    async markDelivered(marks, at) {
      if (marks.length === 0) return;
      // One statement for the batch, whatever its size.
      await query(
        pool,
        `UPDATE outbox o SET delivered_at = $1
         FROM unnest($2::int[], $3::int[], $4::int[]) AS m(member_id, store_id, seq)
         WHERE o.member_id = m.member_id AND o.store_id = m.store_id AND o.seq = m.seq AND o.delivered_at IS NULL`,
        [at, marks.map((m) => m.memberId), marks.map((m) => m.storeId), marks.map((m) => m.seq)],
      );
    },
    async countUndelivered(since) {
      const rows = await query<{ n: number }>(pool, 'SELECT count(*)::int AS n FROM outbox WHERE delivered_at IS NULL AND created_at >= $1', [since]);
      return rows[0]?.n ?? 0;
    },
    async recent(since, limit) {
      const newest = await entries(
        `SELECT ${ENTRY_COLUMNS} FROM outbox WHERE created_at >= $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
        [since, limit],
      );
      return newest.reverse();
    },
    async prune(before) {
      // Idempotency records first: a record never outlives the entry it answers with. Bounded batches,
      // each its own short transaction, so retention never holds locks long on a busy database.
      const batches = async (table: 'idempotency' | 'outbox') => {
        let pruned = 0;
        for (;;) {
          const rows = await query<{ n: number }>(
            pool,
            `WITH gone AS (DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE created_at < $1 ORDER BY created_at LIMIT ${PRUNE_BATCH}) RETURNING 1)
             SELECT count(*)::int AS n FROM gone`,
            [before],
          );
          const n = rows[0]?.n ?? 0;
          pruned += n;
          if (n < PRUNE_BATCH) return pruned;
        }
      };
      await batches('idempotency');
      return batches('outbox');
    },
  };
}
