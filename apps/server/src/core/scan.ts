import type { ResultName, ScanResult } from '@scanpush/shared';
import type { Broker } from '../push/broker.js';
import type { CardStore } from '../storage/cards.js';
import type { StreamEntry } from '../storage/streams.js';
import type { MemberCodes } from './member-codes.js';
import { buildResult, resultMessage } from './results.js';
import { decideScan, type ScanDecision } from './scan-decision.js';

export interface ScanDeps {
  cards: CardStore;
  /** Reads online tokens and offline codes. */
  codes: Pick<MemberCodes, 'read'>;
  broker: Pick<Broker, 'publish'>;
  /** The clock of the rules (QR expiry, the outcome's time), Unix ms. */
  now: () => number;
  /** Wall-clock Unix ms, fractional, stamped on PushEvent.committedAt for commit-to-send latency; `now` by default. */
  preciseNow?: () => number;
  /** Counts the outcomes decided now (not the replayed ones) for metrics; repeated refusals included. */
  onOutcome?: (name: ResultName) => void;
  /** Counts the refusals decided now that the member was not told again (see ScanRecord 'repeated'). */
  onRepeated?: (name: ResultName) => void;
}

export interface ScanInput {
  qr: string;
  merchant: { id: number; storeId: number };
  idempotencyKey: string | null;
}

/** What a scan came to. Every business outcome is a value; the HTTP edge maps it to a status. */
export type ScanOutcome =
  /**
   * A readable QR's outcome (OK or a refusal), recorded in the member's stream: this scan's entry, or
   * for a refusal the member was already told for this QR, that earlier notice (its seq and time).
   * `replayed`: the Idempotency-Key was used before for this QR, and this is its first answer.
   */
  | { kind: 'result'; result: ScanResult; replayed: boolean }
  /** Not a QR this server signed (malformed, forged): recorded nowhere, nobody to tell. */
  | { kind: 'qr-invalid'; result: ScanResult; detail: string }
  /** The Idempotency-Key was used before with another QR: nothing decided, nothing recorded. */
  | { kind: 'idempotency-mismatch' };

/**
 * A merchant's scan. Reads the QR, an online token or an offline code (see MemberCodes), and checks its
 * form and signature (an unreadable QR is refused here and recorded nowhere), then hands everything else
 * to ONE `cards.recordScan` transaction: the idempotency lookup first (so a retry is answered the same
 * whatever the time), then expiry (an offline code's time window), store, nonce and card are
 * judged by `decideScan`, and the outcome is written to the member's stream. A newly recorded entry is
 * published to the broker after its commit; a replayed one is not (the member was told the first time),
 * nor is a repeated refusal: a QR refused again for the same reason (anyone with a merchant key can
 * replay a member's old QR) answers the merchant with the first notice and tells the member nothing new.
 */
export async function processScan(deps: ScanDeps, input: ScanInput): Promise<ScanOutcome> {
  const at = deps.now();
  const verdict = await deps.codes.read(input.qr, at);
  if (!verdict.ok && verdict.reason !== 'expired' && verdict.reason !== 'stale') {
    deps.onOutcome?.('QR_INVALID');
    const result = buildResult('QR_INVALID', { memberId: null, storeId: input.merchant.storeId, remaining: null, at });
    return { kind: 'qr-invalid', result, detail: verdict.detail };
  }
  const { claims } = verdict;
  const record = await deps.cards.recordScan(
    {
      memberId: claims.memberId,
      storeId: claims.storeId,
      nonce: claims.nonce,
      expired: !verdict.ok && verdict.reason === 'expired',
      merchantId: input.merchant.id,
      merchantStoreId: input.merchant.storeId,
      idempotencyKey: input.idempotencyKey,
      at,
    },
    verdict.ok || verdict.reason !== 'stale' ? decideScan : decideStale,
  );
  switch (record.kind) {
    case 'idempotency-mismatch':
      return record;
    case 'replayed':
      return { kind: 'result', result: scanResult(record.entry), replayed: true };
    case 'repeated': {
      // Decided now (not an idempotent retry), so `replayed: false`: the edge answers it as any refusal.
      const result = scanResult(record.entry);
      deps.onOutcome?.(result.name);
      deps.onRepeated?.(result.name);
      return { kind: 'result', result, replayed: false };
    }
    case 'recorded': {
      deps.broker.publish({ entry: record.entry, committedAt: (deps.preciseNow ?? deps.now)() });
      const result = scanResult(record.entry);
      deps.onOutcome?.(result.name);
      return { kind: 'result', result, replayed: false };
    }
  }
}

// The engines build the facts from the attempt and know nothing of offline codes: staleness is added here.
const decideStale: ScanDecision = (facts) => decideScan({ ...facts, stale: true });

/** The merchant's view of an entry: what the member is told, without the envelope's `type`. */
function scanResult(entry: StreamEntry): ScanResult {
  const { type: _type, ...result } = resultMessage(entry);
  return result;
}
