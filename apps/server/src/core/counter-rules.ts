/**
 * The counter's rules, pure: what a sale and a reversal come to, and a card's expiry after a sale.
 * Engines call them inside the sale's or the reversal's transaction, with the facts read there.
 */

const DAY_MS = 86_400_000;

/** What a sale depends on, read inside its transaction. */
export interface SaleFacts {
  /** The product asked for, when it is one of the staff's store; undefined otherwise. */
  product: { active: boolean } | undefined;
  /** The QR's time was over when the sale arrived. */
  expired: boolean;
  /** The QR names another store than the staff's. */
  wrongStore: boolean;
}

export type SaleVerdict = 'TOPPED_UP' | 'PRODUCT_NOT_FOUND' | 'PRODUCT_ARCHIVED' | 'QR_EXPIRED' | 'QR_WRONG_STORE';

/** Bad input (the product) is judged before the QR: a sale of no product is refused whatever the QR. */
export function decideSale(facts: SaleFacts): SaleVerdict {
  if (!facts.product) return 'PRODUCT_NOT_FOUND';
  if (!facts.product.active) return 'PRODUCT_ARCHIVED';
  if (facts.expired) return 'QR_EXPIRED';
  if (facts.wrongStore) return 'QR_WRONG_STORE';
  return 'TOPPED_UP';
}

/**
 * The card's expiry after a sale at `at` of a product valid `validDays` days (null: no expiry): the later
 * of the card's expiry and the product's, so a top-up extends and never shortens. Null means never, for
 * the card (`current`) as for the answer; `current` is undefined when the member has no card yet.
 * An expired card sold a product expires with the product (its earlier expiry is past).
 */
export function expiryAfterSale(current: number | null | undefined, validDays: number | null, at: number): number | null {
  if (validDays === null || current === null) return null;
  const until = at + validDays * DAY_MS;
  return current === undefined ? until : Math.max(current, until);
}

/** True when a card of this expiry refuses deductions at `at`. */
export function isCardExpired(expiresAt: number | null, at: number): boolean {
  return expiresAt !== null && expiresAt <= at;
}

/** What a reversal depends on, read inside its transaction. */
export interface ReversalFacts {
  /** The ledger row named; undefined when there is none. */
  row: { kind: string; storeId: number; createdAt: number; merchantId: number | null } | undefined;
  /** A reversal of that row exists. */
  reversed: boolean;
  /** The reverser's store. */
  storeId: number;
  /** The reversing staff credential; null for the store's owner. */
  merchantId: number | null;
  at: number;
  /** How long after a deduction it may be reversed (REVERSAL_WINDOW_SECONDS). */
  windowMs: number;
}

export type ReversalVerdict = 'REVERSED' | 'NOT_REVERSIBLE' | 'REVERSAL_NOT_ALLOWED' | 'ALREADY_REVERSED' | 'REVERSAL_WINDOW_PASSED';

/**
 * Only a deduction of the reverser's own store, not reversed before, within the window; staff only their
 * own credential's deductions, the owner (merchantId null) any. Another store's row is NOT_REVERSIBLE as
 * an unknown one is, so a staff learns nothing of other stores' ledgers; whose it is, is judged before
 * whether it was reversed, so a staff learns nothing of colleagues' reversals either.
 */
export function decideReversal(facts: ReversalFacts): ReversalVerdict {
  const { row } = facts;
  if (!row || row.kind !== 'deduct' || row.storeId !== facts.storeId) return 'NOT_REVERSIBLE';
  if (facts.merchantId !== null && row.merchantId !== facts.merchantId) return 'REVERSAL_NOT_ALLOWED';
  if (facts.reversed) return 'ALREADY_REVERSED';
  if (facts.at - row.createdAt > facts.windowMs) return 'REVERSAL_WINDOW_PASSED';
  return 'REVERSED';
}
