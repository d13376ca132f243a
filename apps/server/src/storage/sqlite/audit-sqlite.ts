import type Database from 'better-sqlite3';
import type { AuditReport } from '../audit.js';

/** Rows named per problem; the rest is counted. */
const SHOWN = 10;

/** The SQLite engine's audit (see Audit): read-only, one snapshot. */
export function createSqliteAudit(client: Database.Database): () => Promise<AuditReport> {
  const checks: Array<{ what: string; sql: string }> = [
    {
      what: 'card balance differs from its ledger',
      sql: `SELECT c.member_id || '/' || c.store_id AS row FROM cards c
            WHERE c.remaining <> (SELECT coalesce(sum(l.delta), 0) FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id)
               OR c.remaining <> coalesce((SELECT l.balance_after FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id ORDER BY l.id DESC LIMIT 1), 0)`,
    },
    {
      what: 'deduction without exactly one stream entry',
      sql: `SELECT l.id AS row FROM ledger l WHERE l.kind = 'deduct' AND (SELECT count(*) FROM outbox o WHERE o.ledger_id = l.id) <> 1`,
    },
    {
      what: 'stream entry pointing at no deduction',
      sql: `SELECT o.member_id || '/' || o.store_id || '#' || o.seq AS row FROM outbox o
            WHERE o.ledger_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.id = o.ledger_id AND l.kind = 'deduct')`,
    },
    {
      // Retention deletes oldest first, so what is retained is one run of seqs ending at the head.
      what: 'stream whose retained seqs are not contiguous up to its head',
      sql: `SELECT s.member_id || '/' || s.store_id AS row FROM streams s
            LEFT JOIN (SELECT member_id, store_id, min(seq) AS lo, max(seq) AS hi, count(*) AS n FROM outbox GROUP BY member_id, store_id) o
              ON o.member_id = s.member_id AND o.store_id = s.store_id
            WHERE o.n IS NOT NULL AND (o.hi <> s.last_seq OR o.hi - o.lo + 1 <> o.n)
            UNION ALL
            SELECT DISTINCT o.member_id || '/' || o.store_id FROM outbox o
            WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.member_id = o.member_id AND s.store_id = o.store_id)`,
    },
  ];
  const prepared = checks.map((c) => ({ what: c.what, rows: client.prepare<[], string>(c.sql).pluck() }));
  const count = (table: string, where = '') => client.prepare<[], number>(`SELECT count(*) FROM ${table} ${where}`).pluck();
  const counts = {
    stores: count('stores'),
    members: count('members'),
    cards: count('cards'),
    deductions: count('ledger', "WHERE kind = 'deduct'"),
    entries: count('outbox'),
  };
  const audit = client.transaction((): AuditReport => {
    const problems: string[] = [];
    const integrity = client.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>;
    const bad = integrity.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    if (bad.length > 0) problems.push(`integrity check: ${bad.slice(0, SHOWN).join('; ')}`);
    for (const check of prepared) {
      const rows = check.rows.all();
      if (rows.length > 0) problems.push(`${check.what}: ${rows.slice(0, SHOWN).join(', ')}${rows.length > SHOWN ? ` and ${rows.length - SHOWN} more` : ''}`);
    }
    return {
      problems,
      counts: {
        stores: counts.stores.get() ?? 0,
        members: counts.members.get() ?? 0,
        cards: counts.cards.get() ?? 0,
        deductions: counts.deductions.get() ?? 0,
        entries: counts.entries.get() ?? 0,
      },
    };
  });
  return async () => audit.deferred();
}
