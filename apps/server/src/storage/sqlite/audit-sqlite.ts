import type Database from 'better-sqlite3';
import { AUDIT_CHECKS } from '../audit-checks.js';
import type { AuditReport } from '../audit.js';

/** Rows named per problem; the rest is counted. */
const SHOWN = 10;

/** The SQLite engine's audit (see Audit): read-only, one snapshot. */
export function createSqliteAudit(client: Database.Database): () => Promise<AuditReport> {
  const prepared = AUDIT_CHECKS.map((c) => ({ what: c.what, rows: client.prepare<[], string>(c.sql).pluck() }));
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
