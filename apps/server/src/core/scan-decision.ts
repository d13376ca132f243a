import type { ResultName } from '@scanpush/shared';

/** What a scan's outcome depends on, read inside the scan's transaction. */
export interface ScanFacts {
  /** The QR's time was over when the scan arrived. */
  expired: boolean;
  /** An offline code's time step was outside the server's window (set by core/scan.ts, not the engines). */
  stale?: boolean;
  /** The QR names another store than the merchant's. */
  wrongStore: boolean;
  /** The QR's nonce already deducted once. */
  nonceUsed: boolean;
  /** The member's uses at the QR's store; null when the member has no card there. */
  remaining: number | null;
  /** The card's expiry has passed (false when there is no card or it never expires). */
  cardExpired: boolean;
}

/** The outcome of a scan of a readable QR. */
export type ScanVerdict = Exclude<
  ResultName,
  'QR_INVALID' | 'TOPPED_UP' | 'REVERSED' | 'ALREADY_REVERSED' | 'REVERSAL_WINDOW_PASSED' | 'NOT_REVERSIBLE' | 'REVERSAL_NOT_ALLOWED'
>;

/** A pure function from the facts to the outcome; engines call it inside the scan's transaction. */
export type ScanDecision = (facts: ScanFacts) => ScanVerdict;

/**
 * The deduction rules, in the order staff and members expect to hear about them: a QR that is over or
 * of another store is refused before its card is looked at; a QR used once is refused before the card's
 * count (a second scan of one QR must say "used", not "no uses left"); an expired card before its count.
 */
export const decideScan: ScanDecision = (facts) => {
  if (facts.stale) return 'OFFLINE_CODE_STALE';
  if (facts.expired) return 'QR_EXPIRED';
  if (facts.wrongStore) return 'QR_WRONG_STORE';
  if (facts.nonceUsed) return 'QR_USED';
  if (facts.remaining === null) return 'CARD_NOT_FOUND';
  // An expired card says so even when it has uses left (or none): renewing is what the member must do.
  if (facts.cardExpired) return 'CARD_EXPIRED';
  if (facts.remaining <= 0) return 'NO_USES_LEFT';
  return 'OK';
};
