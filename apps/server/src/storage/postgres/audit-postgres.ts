import type pg from 'pg';
import type { AuditReport } from '../audit.js';
import { transaction } from './pool.js';

/** Rows named per problem; the rest is counted. */
const SHOWN = 10;

// The same invariants as the SQLite audit (audit-sqlite.ts), in PostgreSQL's SQL. PostgreSQL has no
// integrity check of its pages that runs as a query (amcheck is an extension a superuser installs), so
// the engine's own part is what the constraints of the schema already guarantee.
const CHECKS: Array<{ what: string; sql: string }> = [
  {
    what: 'card balance differs from its ledger',
    sql: `SELECT c.member_id || '/' || c.store_id AS row FROM cards c
          WHERE c.remaining <> (SELECT coalesce(sum(l.delta), 0) FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id)
             OR c.remaining <> coalesce((SELECT l.balance_after FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id ORDER BY l.id DESC LIMIT 1), 0)`,
  },
  {
    what: 'deduction without exactly one stream entry',
    sql: `SELECT l.id::text AS row FROM ledger l WHERE l.kind = 'deduct' AND (SELECT count(*) FROM outbox o WHERE o.ledger_id = l.id) <> 1`,
  },
  {
    what: 'stream entry pointing at no deduction',
    sql: `SELECT o.member_id || '/' || o.store_id || '#' || o.seq AS row FROM outbox o
          WHERE o.ledger_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.id = o.ledger_id AND l.kind = 'deduct')`,
  },
  {
    what: 'stream whose retained seqs are not contiguous up to its head',
    sql: `SELECT s.member_id || '/' || s.store_id AS row FROM streams s
          JOIN (SELECT member_id, store_id, min(seq) AS lo, max(seq) AS hi, count(*) AS n FROM outbox GROUP BY member_id, store_id) o
            ON o.member_id = s.member_id AND o.store_id = s.store_id
          WHERE o.hi <> s.last_seq OR o.hi - o.lo + 1 <> o.n
          UNION ALL
          SELECT DISTINCT o.member_id || '/' || o.store_id FROM outbox o
          WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.member_id = o.member_id AND s.store_id = o.store_id)`,
  },
];

/** The PostgreSQL engine's audit (see Audit): read-only, one snapshot (REPEATABLE READ). */
export function createPostgresAudit(pool: pg.Pool): () => Promise<AuditReport> {
  return () =>
    transaction(pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const problems: string[] = [];
      for (const check of CHECKS) {
        const rows = (await client.query<{ row: string }>(check.sql)).rows.map((r) => r.row);
        if (rows.length > 0) problems.push(`${check.what}: ${rows.slice(0, SHOWN).join(', ')}${rows.length > SHOWN ? ` and ${rows.length - SHOWN} more` : ''}`);
      }
      const counts = (
        await client.query<AuditReport['counts']>(
          `SELECT (SELECT count(*) FROM stores)::int AS stores, (SELECT count(*) FROM members)::int AS members,
                  (SELECT count(*) FROM cards)::int AS cards, (SELECT count(*) FROM ledger WHERE kind = 'deduct')::int AS deductions,
                  (SELECT count(*) FROM outbox)::int AS entries`,
        )
      ).rows[0]!;
      return { problems, counts };
    });
}
