import type { ScanResult } from '@scanpush/shared';
import type { Broker } from '../push/broker.js';
import type { CardStore } from '../storage/cards.js';
import type { CounterRecord, SaleRecord } from '../storage/counter.js';
import type { StreamEntry } from '../storage/streams.js';
import type { MemberCodes } from './member-codes.js';
import { buildResult, resultMessage } from './results.js';

export interface CounterDeps {
  cards: CardStore;
  /** Reads online tokens and offline codes. */
  codes: Pick<MemberCodes, 'read'>;
  broker: Pick<Broker, 'publish'>;
  /** The clock of the rules (QR expiry, the reversal window), Unix ms. */
  now: () => number;
  /** Wall-clock Unix ms for PushEvent.committedAt; `now` by default. */
  preciseNow?: () => number;
  reversalWindowMs: number;
}

/** Who acts: a staff (merchant) credential of one store. */
export interface Staff {
  id: number;
  storeId: number;
}

/** What a sale or a reversal came to; the HTTP edge maps each kind to an answer. */
export type CounterOutcome<Refusal extends string> =
  /** Done now (`replayed` false) or the first answer to this Idempotency-Key (`replayed` true). */
  | { kind: 'done'; result: ScanResult; replayed: boolean }
  /** Refused: nothing written, the member not told. `result` for the refusals of the result catalog. */
  | { kind: 'refused'; reason: Refusal; result?: ScanResult }
  /** Not a QR this server signed. */
  | { kind: 'qr-invalid'; result: ScanResult; detail: string }
  | { kind: 'idempotency-mismatch' };

export type SaleRefusal = 'PRODUCT_NOT_FOUND' | 'PRODUCT_ARCHIVED' | 'QR_EXPIRED' | 'OFFLINE_CODE_STALE' | 'QR_WRONG_STORE';
export type ReversalRefusal = 'NOT_REVERSIBLE' | 'REVERSAL_NOT_ALLOWED' | 'ALREADY_REVERSED' | 'REVERSAL_WINDOW_PASSED';

/**
 * A sale at the counter: the member's QR proves presence (form and signature checked here; an unreadable
 * one is refused and recorded nowhere), then ONE `cards.recordSale` transaction does the rest (see
 * storage/counter.ts). A recorded TOPPED_UP is published after its commit; a replay is not.
 */
export async function processSale(
  deps: CounterDeps,
  input: { qr: string; productId: number; staff: Staff; idempotencyKey: string | null },
): Promise<CounterOutcome<SaleRefusal>> {
  const at = deps.now();
  const verdict = await deps.codes.read(input.qr, at);
  if (!verdict.ok && verdict.reason !== 'expired' && verdict.reason !== 'stale') {
    const result = buildResult('QR_INVALID', { memberId: null, storeId: input.staff.storeId, remaining: null, at });
    return { kind: 'qr-invalid', result, detail: verdict.detail };
  }
  const { claims } = verdict;
  const record = await deps.cards.recordSale({
    memberId: claims.memberId,
    storeId: claims.storeId,
    nonce: claims.nonce,
    expired: !verdict.ok,
    merchantId: input.staff.id,
    merchantStoreId: input.staff.storeId,
    productId: input.productId,
    idempotencyKey: input.idempotencyKey,
    at,
  });
  return outcome(deps, renameStale(record, !verdict.ok && verdict.reason === 'stale'), (reason) =>
    reason === 'QR_EXPIRED' || reason === 'OFFLINE_CODE_STALE' || reason === 'QR_WRONG_STORE'
      ? buildResult(reason, { memberId: claims.memberId, storeId: claims.storeId, remaining: null, at })
      : undefined,
  );
}

/**
 * A reversal of a deduction, within REVERSAL_WINDOW_SECONDS, by the staff credential that made it or by
 * the store's owner (`by.merchantId` null, without an idempotency key), in ONE
 * `cards.recordReversal` transaction (see storage/counter.ts). A recorded REVERSED is published after
 * its commit; refusals are answered to the staff only.
 */
export async function processReversal(
  deps: CounterDeps,
  input: { ledgerId: number; reason: string; by: { merchantId: number | null; storeId: number }; idempotencyKey: string | null },
): Promise<CounterOutcome<ReversalRefusal>> {
  const at = deps.now();
  const record = await deps.cards.recordReversal({
    ledgerId: input.ledgerId,
    reason: input.reason,
    storeId: input.by.storeId,
    merchantId: input.by.merchantId,
    idempotencyKey: input.by.merchantId === null ? null : input.idempotencyKey,
    at,
    windowMs: deps.reversalWindowMs,
  });
  return outcome(deps, record, (reason) => buildResult(reason, { memberId: null, storeId: input.by.storeId, remaining: null, at }));
}

/** The engines know only that a code's time is over; an offline code's is said as OFFLINE_CODE_STALE. */
function renameStale(record: SaleRecord, stale: boolean): CounterRecord<SaleRefusal> {
  return stale && record.kind === 'refused' && record.reason === 'QR_EXPIRED' ? { kind: 'refused', reason: 'OFFLINE_CODE_STALE' } : record;
}

function outcome<R extends string>(
  deps: CounterDeps,
  record: CounterRecord<R>,
  refusalResult: (reason: R) => ScanResult | undefined,
): CounterOutcome<R> {
  switch (record.kind) {
    case 'idempotency-mismatch':
      return record;
    case 'refused': {
      const result = refusalResult(record.reason);
      return result ? { kind: 'refused', reason: record.reason, result } : { kind: 'refused', reason: record.reason };
    }
    case 'replayed':
      return { kind: 'done', result: staffResult(record.entry), replayed: true };
    case 'recorded':
      deps.broker.publish({ entry: record.entry, committedAt: (deps.preciseNow ?? deps.now)() });
      return { kind: 'done', result: staffResult(record.entry), replayed: false };
  }
}

/** The staff's view of an entry: what the member is told, without the envelope's `type`. */
function staffResult(entry: StreamEntry): ScanResult {
  const { type: _type, ...result } = resultMessage(entry);
  return result;
}
