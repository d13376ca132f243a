import type pg from 'pg';
import { AUDIT_CHECKS } from '../audit-checks.js';
import type { AuditReport } from '../audit.js';
import { transaction } from './pool.js';

/** Rows named per problem; the rest is counted. */
const SHOWN = 10;

// PostgreSQL has no integrity check of its pages that runs as a query (amcheck is an extension a
// superuser installs), so the engine's own part is what the constraints of the schema already guarantee.

/** The PostgreSQL engine's audit (see Audit): read-only, one snapshot (REPEATABLE READ). */
export function createPostgresAudit(pool: pg.Pool): () => Promise<AuditReport> {
  return () =>
    transaction(pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const problems: string[] = [];
      for (const check of AUDIT_CHECKS) {
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
