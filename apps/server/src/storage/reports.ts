/** A half-open range of Unix ms, [start, end): one report day (core/report-days.ts computes them). */
export interface TimeRange {
  start: number;
  end: number;
}

/** What a store's ledger holds for one range. Counts are rows; uses and fen are sums. */
export interface RangeFigures {
  /** Deductions (each one use). */
  deductions: number;
  /** Top-ups: counter sales and admin top-ups alike. */
  topUps: number;
  /** The uses those top-ups added. */
  topUpUses: number;
  /** What was paid for them, in fen: the sales' `amount_fen` (an admin top-up pays nothing). */
  topUpFen: number;
  /** Reversals of deductions (each gives one use back, never money). */
  reversals: number;
  /** Distinct members with at least one deduction in the range. */
  activeMembers: number;
}

/** One ledger row as a report lists it, with its product's name. */
export interface ReportEntry {
  id: number;
  memberId: number;
  kind: 'deduct' | 'topup' | 'reversal';
  delta: number;
  balanceAfter: number;
  productId: number | null;
  productName: string | null;
  amountFen: number | null;
  /** The staff credential (merchant) that wrote it; null for an admin top-up. */
  merchantId: number | null;
  reversesId: number | null;
  reason: string | null;
  /** Unix ms. */
  createdAt: number;
}

/**
 * What reports read from the ledger; read-only, and a call sees one state of it (no write falls between
 * its reads). Rows count by `created_at` only, against ranges the caller computed, so every engine counts
 * the same rows; both read them through the (store_id, created_at) index.
 */
export interface ReportStore {
  /**
   * The store's figures for each range, in the order given. The ranges are consecutive: each starts
   * where the one before ended (a run of days), and there is at least one.
   */
  daily(storeId: number, ranges: readonly TimeRange[]): Promise<RangeFigures[]>;
  /** The store's ledger rows with `start <= created_at < end`, in id order, at most `limit`. */
  entries(storeId: number, range: TimeRange, limit: number): Promise<ReportEntry[]>;
}

export const EMPTY_FIGURES: RangeFigures = { deductions: 0, topUps: 0, topUpUses: 0, topUpFen: 0, reversals: 0, activeMembers: 0 };

/** The aggregate columns both engines select, per group of ledger rows `l`. */
export const FIGURE_COLUMNS = `
  COALESCE(SUM(CASE WHEN l.kind = 'deduct' THEN 1 ELSE 0 END), 0) AS "deductions",
  COALESCE(SUM(CASE WHEN l.kind = 'topup' THEN 1 ELSE 0 END), 0) AS "topUps",
  COALESCE(SUM(CASE WHEN l.kind = 'topup' THEN l.delta ELSE 0 END), 0) AS "topUpUses",
  COALESCE(SUM(CASE WHEN l.kind = 'topup' THEN COALESCE(l.amount_fen, 0) ELSE 0 END), 0) AS "topUpFen",
  COALESCE(SUM(CASE WHEN l.kind = 'reversal' THEN 1 ELSE 0 END), 0) AS "reversals",
  COUNT(DISTINCT CASE WHEN l.kind = 'deduct' THEN l.member_id END) AS "activeMembers"`;

export const ENTRY_COLUMNS = `l.id, l.member_id AS "memberId", l.kind, l.delta, l.balance_after AS "balanceAfter", l.product_id AS "productId",
  p.name AS "productName", l.amount_fen AS "amountFen", l.merchant_id AS "merchantId", l.reverses_id AS "reversesId", l.reason,
  l.created_at AS "createdAt"`;

/** Places grouped rows (`i`: the range's index) into one figure per range, empty ranges zero (PostgreSQL's one query). */
export function figuresByRange(count: number, rows: readonly (RangeFigures & { i: number })[]): RangeFigures[] {
  const figures = Array.from({ length: count }, () => ({ ...EMPTY_FIGURES }));
  for (const { i, ...row } of rows) figures[i] = row;
  return figures;
}
