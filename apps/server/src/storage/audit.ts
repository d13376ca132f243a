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
 * - every card's `remaining` equals the sum of its ledger, and its newest ledger row's `balance_after`;
 * - every deduction has exactly one stream entry, and every entry with a ledger row points at a deduction;
 * - every stream's retained seqs are contiguous and end at its head (none above it, none missing);
 * - no refusal of one QR (nonce) with one result is in the streams twice.
 */
export type Audit = () => Promise<AuditReport>;
