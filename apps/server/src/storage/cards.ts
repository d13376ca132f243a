import type { CardView, LedgerEntry } from '@scanpush/shared';
import type { ScanDecision } from '../core/scan-decision.js';
import type { ReversalAttempt, ReversalRecord, SaleAttempt, SaleRecord } from './counter.js';
import type { StreamEntry } from './streams.js';

/**
 * Cards, their ledger, and the scans that change them.
 *
 * Concurrency contract, whatever the engine and however many processes call it:
 * - a card's `remaining` never goes below 0, and every change of it has exactly one ledger row;
 * - a QR nonce deducts at most once: of N concurrent scans of one QR, one is OK, the others QR_USED;
 * - an (merchant, idempotency key) pair is recorded at most once: of N concurrent scans with one key and
 *   one QR, exactly one is decided, the others replay its answer (`replayed: true`) and write nothing;
 * - a card of K uses scanned N > K times concurrently with distinct QRs answers exactly K OK;
 * - a (QR nonce, refusal) pair is told the member at most once: of N scans of one QR refused for the same
 *   reason, at once or one after another, one is recorded and the others are `repeated` (nothing written
 *   but their idempotency records). A readable QR can be replayed by anyone holding a merchant key, so
 *   this is what keeps refusals from being a way to spam a member. It holds while the first notice is
 *   retained: once retention pruned it (StreamStore.prune), the same refusal is a new notice.
 * None of these races is ever an error: each loser gets the documented outcome.
 */
export interface CardStore {
  /** Creates the card with `uses`, or adds `uses` to it; writes a top-up ledger row. Atomic. */
  topUp(memberId: number, storeId: number, uses: number, at: number): Promise<CardView>;
  getCard(memberId: number, storeId: number): Promise<CardView | undefined>;
  listCards(memberId: number): Promise<CardView[]>;
  /**
   * The card's ledger, newest first: at most `limit` entries, and with `before` only those whose id is
   * below it. Ids only grow, so paging with `before` = the last id of a page never repeats or skips an
   * entry, however many are written between pages (they are newer than the first page).
   */
  history(memberId: number, storeId: number, limit: number, before?: number): Promise<LedgerEntry[]>;

  /**
   * A scan of a readable QR, in ONE transaction: the idempotency lookup first (before anything about the
   * QR is judged, so a retry is answered the same whatever the time); then the card and the nonce are
   * read, `decide` gives the outcome, and the deduction (for OK), the member's stream entry (OK, and a
   * refusal the member was not yet told for this QR) and the idempotency record (when a key is given) are
   * written together. A key whose recorded answer retention has pruned is forgotten, as a pruned key is.
   */
  recordScan(attempt: ScanAttempt, decide: ScanDecision): Promise<ScanRecord>;

  /**
   * A counter sale (see counter.ts): the product's uses added to the card (created when there is none),
   * its expiry extended (core/counter-rules.ts expiryAfterSale), a 'topup' ledger row naming the product
   * and the amount paid, and a TOPPED_UP entry in the member's stream, in one transaction.
   */
  recordSale(attempt: SaleAttempt): Promise<SaleRecord>;
  /**
   * A reversal of a deduction (see counter.ts): one use given back, a 'reversal' ledger row (+1) naming
   * the deduction and the reason, and a REVERSED entry in the member's stream, in one transaction.
   */
  recordReversal(attempt: ReversalAttempt): Promise<ReversalRecord>;
}

/** A scan whose QR verified (signature and form); its time and store are judged by `decide`. */
export interface ScanAttempt {
  /** From the QR: the stream the member is told on is (memberId, storeId). */
  memberId: number;
  storeId: number;
  nonce: string;
  /** The QR's time was over when the scan arrived. */
  expired: boolean;
  merchantId: number;
  /** The merchant's own store: a QR of another store is refused. */
  merchantStoreId: number;
  idempotencyKey: string | null;
  at: number;
}

export type ScanRecord =
  /** Decided now and committed; `entry` is what the member is told (publish it). */
  | { kind: 'recorded'; entry: StreamEntry }
  /** The key was used before for this QR: the first answer, nothing written. */
  | { kind: 'replayed'; entry: StreamEntry }
  /**
   * Decided now: a refusal the member was already told for this QR (same nonce, same result). `entry` is
   * that earlier notice, which answers the merchant; no entry is written (do not publish), only the
   * idempotency record when a key is given, pointing at `entry`.
   */
  | { kind: 'repeated'; entry: StreamEntry }
  /** The key was used before for another QR. */
  | { kind: 'idempotency-mismatch' };
