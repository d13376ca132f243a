/**
 * The invariants an engine promises, checked over the whole database: for operators after an incident
 * (a crash, a restore) and for the tests, which check a database only through this and the stores.
 */
export interface AuditReport {
  /** One line per broken invariant, naming the rows; empty when the database is sound. */
  problems: string[];
  counts: { stores: number; members: number; cards: number; deductions: number; entries: number };
}

/**
 * What `audit` checks:
 * - the engine's own integrity check (pages, indexes) passes;
 * - every card's `remaining` equals the sum of its ledger (top-ups − deductions + reversals), and its
 *   newest ledger row's `balance_after`; each kind moves the balance its way (deduct −1, reversal +1,
 *   top-up > 0), and each reversal undoes an earlier deduction of its own card;
 * - every deduction, sale and reversal has exactly one stream entry, and every entry with a ledger row
 *   points at a row of its result's kind (OK a deduction, TOPPED_UP a top-up, REVERSED a reversal);
 * - every stream's retained seqs are contiguous and end at its head (none above it, none missing);
 * - no refusal of one QR (nonce) with one result is in the streams twice.
 */
export type Audit = () => Promise<AuditReport>;
