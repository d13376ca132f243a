/**
 * The invariants of Audit (audit.ts) as SQL both engines run unchanged: each query names the rows that
 * break one invariant. The engines add their own integrity check (SQLite's `integrity_check`) and counts.
 */
export const AUDIT_CHECKS: ReadonlyArray<{ what: string; sql: string }> = [
  {
    what: 'card balance differs from its ledger',
    sql: `SELECT c.member_id || '/' || c.store_id AS row FROM cards c
          WHERE c.remaining <> (SELECT coalesce(sum(l.delta), 0) FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id)
             OR c.remaining <> coalesce((SELECT l.balance_after FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id ORDER BY l.id DESC LIMIT 1), 0)`,
  },
  {
    // remaining = top-ups − deductions + reversals holds through the sum above only if each kind moves the
    // balance its own way.
    what: 'ledger row whose delta does not fit its kind',
    sql: `SELECT CAST(l.id AS TEXT) AS row FROM ledger l
          WHERE NOT ((l.kind = 'deduct' AND l.delta = -1 AND l.reverses_id IS NULL)
                  OR (l.kind = 'topup' AND l.delta > 0 AND l.reverses_id IS NULL)
                  OR (l.kind = 'reversal' AND l.delta = 1 AND l.reverses_id IS NOT NULL AND l.reason IS NOT NULL))`,
  },
  {
    what: 'reversal of no deduction of its card',
    sql: `SELECT CAST(r.id AS TEXT) AS row FROM ledger r WHERE r.kind = 'reversal' AND NOT EXISTS (
            SELECT 1 FROM ledger d WHERE d.id = r.reverses_id AND d.kind = 'deduct' AND d.member_id = r.member_id AND d.store_id = r.store_id AND d.id < r.id)`,
  },
  {
    // Admin top-ups (no product) are not told the member; deductions, sales and reversals are, once.
    what: 'deduction, sale or reversal without exactly one stream entry',
    sql: `SELECT CAST(l.id AS TEXT) AS row FROM ledger l
          WHERE (l.kind <> 'topup' OR l.product_id IS NOT NULL) AND (SELECT count(*) FROM outbox o WHERE o.ledger_id = l.id) <> 1`,
  },
  {
    what: 'stream entry pointing at no ledger row of its result',
    sql: `SELECT o.member_id || '/' || o.store_id || '#' || o.seq AS row FROM outbox o
          WHERE o.ledger_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger l WHERE l.id = o.ledger_id AND l.member_id = o.member_id AND l.store_id = o.store_id
              AND ((o.code = 0 AND l.kind = 'deduct') OR (o.code = 7 AND l.kind = 'topup') OR (o.code = 8 AND l.kind = 'reversal')))`,
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
  {
    // outbox_refusal_uq promises it; this finds it broken (an index dropped or corrupt, a hand edit).
    what: 'refusal told twice for one QR',
    sql: `SELECT o.qr_nonce || '/' || o.code AS row FROM outbox o WHERE o.qr_nonce IS NOT NULL GROUP BY o.qr_nonce, o.code HAVING count(*) > 1`,
  },
];
