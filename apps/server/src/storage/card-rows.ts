import type { CardView, LedgerEntry } from '@scanpush/shared';

/** A card as both engines read it: the expiry in ms (null: never). */
export type CardRow = Omit<CardView, 'expiresAt'> & { expiresAt: number | null };

/** A ledger row as both engines read it. */
export type LedgerRow = Omit<LedgerEntry, 'at' | 'productId' | 'amountFen' | 'reversesId' | 'reason'> & {
  createdAt: number;
  productId: number | null;
  amountFen: number | null;
  reversesId: number | null;
  reason: string | null;
};

/** The ledger columns of LedgerRow, quoted for PostgreSQL (SQLite reads the quotes as identifiers too). */
export const LEDGER_COLUMNS = `id, store_id AS "storeId", kind, delta, balance_after AS "balanceAfter", created_at AS "createdAt",
  product_id AS "productId", amount_fen AS "amountFen", reverses_id AS "reversesId", reason`;

/** The API's card: the expiry as ISO 8601 (null: never). */
export function cardView({ expiresAt, ...row }: CardRow): CardView {
  return { ...row, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() };
}

/** The API's ledger entry: a sale's and a reversal's own fields only where they are set. */
export function ledgerEntry({ createdAt, productId, amountFen, reversesId, reason, ...row }: LedgerRow): LedgerEntry {
  const entry: LedgerEntry = { ...row, at: new Date(createdAt).toISOString() };
  if (productId !== null) entry.productId = productId;
  if (amountFen !== null) entry.amountFen = amountFen;
  if (reversesId !== null) entry.reversesId = reversesId;
  if (reason !== null) entry.reason = reason;
  return entry;
}
