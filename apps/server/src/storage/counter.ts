import type { ScanAttempt } from './cards.js';
import type { StreamEntry } from './streams.js';

/**
 * Sales and reversals at the counter, as CardStore records them. Both keep the discipline of scans:
 * ONE transaction takes the idempotency lookup first (a retry is answered with the first answer whatever
 * the time, even once the QR is over), then reads the facts, decides with core/counter-rules.ts, and
 * writes the card, its ledger row (only ever inserted), the member's stream entry and the key's record
 * together. Refusals write nothing and are not told the member: they answer the staff only.
 *
 * Idempotency keys share the scans' records (merchant, key): a key names one request of that merchant,
 * whatever its kind, and is fingerprinted by what it asked (`sale:<product>:<nonce>`,
 * `reversal:<ledger id>`), so a key reused for another request is a mismatch.
 *
 * Concurrency: sales and scans of one card take turns on the card; of N concurrent reversals of one
 * deduction exactly one is REVERSED and the others ALREADY_REVERSED (the unique `ledger.reverses_id`
 * ends the race whatever the engine).
 */
/** A sale is a scan's facts (the QR proves the member is at the counter) and the product sold. */
export interface SaleAttempt extends ScanAttempt {
  productId: number;
}

export interface ReversalAttempt {
  ledgerId: number;
  reason: string;
  /** The store the reverser acts for: only its deductions are reversible. */
  storeId: number;
  /**
   * The staff credential reversing, which may reverse only the deductions it made; null for the store's
   * owner (back office), who may reverse any of the store's. The reversal's ledger row keeps it.
   */
  merchantId: number | null;
  /**
   * Idempotency records are per merchant (credential), so an owner's reversal (merchantId null) has none:
   * it must be null then.
   */
  idempotencyKey: string | null;
  at: number;
  /** REVERSAL_WINDOW_SECONDS in ms. */
  windowMs: number;
}

export type CounterRecord<Refusal extends string> =
  /** Decided now and committed; publish `entry`. */
  | { kind: 'recorded'; entry: StreamEntry }
  /** The key answered this request before: its first answer, nothing written. */
  | { kind: 'replayed'; entry: StreamEntry }
  /** Refused: nothing written, the member not told. */
  | { kind: 'refused'; reason: Refusal }
  /** The key was used before for another request. */
  | { kind: 'idempotency-mismatch' };

export type SaleRecord = CounterRecord<'PRODUCT_NOT_FOUND' | 'PRODUCT_ARCHIVED' | 'QR_EXPIRED' | 'QR_WRONG_STORE'>;
export type ReversalRecord = CounterRecord<'NOT_REVERSIBLE' | 'REVERSAL_NOT_ALLOWED' | 'ALREADY_REVERSED' | 'REVERSAL_WINDOW_PASSED'>;

export const saleFingerprint = (a: SaleAttempt) => `sale:${a.productId}:${a.nonce}`;
export const reversalFingerprint = (a: ReversalAttempt) => `reversal:${a.ledgerId}`;
