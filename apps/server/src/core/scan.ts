import type { ResultName, ScanResult } from '@scanpush/shared';
import { RESULT_CODES } from '@scanpush/shared';
import type { OutboxRow, Repository } from '../db/repository.js';
import { AppError } from '../errors.js';
import type { Broker } from '../push/broker.js';
import type { QrSigner } from './qr-signer.js';
import { buildResult, resultFromOutbox } from './results.js';

export interface ScanDeps {
  repo: Repository;
  signer: QrSigner;
  broker: Broker;
  now: () => number;
  /** Counts outcomes for metrics. */
  onOutcome?: (name: ResultName) => void;
}

export interface ScanInput {
  qr: string;
  merchant: { id: number; storeId: number };
  idempotencyKey: string | null;
}

/**
 * A merchant's scan. Verifies the QR (form, signature, expiry, store), then commits the deduction in one
 * transaction, publishes the result to the member and returns it. A refusal throws an AppError whose
 * `result` the merchant is shown; refusals of a readable QR are recorded and pushed to the member too,
 * as the seed showed results on both sides. A retry with the same idempotency key returns the first
 * answer without deducting or pushing again.
 */
export async function processScan(deps: ScanDeps, input: ScanInput): Promise<{ result: ScanResult; replayed: boolean }> {
  const at = deps.now();
  const verdict = deps.signer.verify(input.qr, at);
  if (!verdict.ok && verdict.reason !== 'expired') {
    deps.onOutcome?.('QR_INVALID');
    const result = buildResult('QR_INVALID', { memberId: null, storeId: input.merchant.storeId, remaining: null, at });
    throw new AppError('QR_INVALID', `${RESULT_CODES.QR_INVALID.message}: ${verdict.detail}`, { result });
  }
  const claims = verdict.claims;
  if (!verdict.ok) return refuse(deps, 'QR_EXPIRED', claims.memberId, claims.storeId, null, at);
  if (claims.storeId !== input.merchant.storeId) return refuse(deps, 'QR_WRONG_STORE', claims.memberId, claims.storeId, null, at);

  const outcome = await deps.repo.commitDeduction({
    memberId: claims.memberId,
    storeId: claims.storeId,
    merchantId: input.merchant.id,
    nonce: claims.nonce,
    idempotencyKey: input.idempotencyKey,
    at,
  });
  switch (outcome.kind) {
    case 'deducted': {
      const result = publish(deps, outcome.row);
      deps.onOutcome?.('OK');
      return { result, replayed: false };
    }
    case 'replayed':
      return { result: resultFromOutbox(outcome.row), replayed: true };
    case 'idempotency-mismatch':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for another QR code');
    case 'nonce-used':
      return refuse(deps, 'QR_USED', claims.memberId, claims.storeId, null, at);
    case 'no-uses-left':
      return refuse(deps, 'NO_USES_LEFT', claims.memberId, claims.storeId, 0, at);
    case 'no-card':
      return refuse(deps, 'CARD_NOT_FOUND', claims.memberId, claims.storeId, null, at);
  }
}

function publish(deps: ScanDeps, row: OutboxRow): ScanResult & { seq: number; memberId: number } {
  const result = { ...resultFromOutbox(row), memberId: row.memberId };
  deps.broker.publish({ memberId: row.memberId, storeId: row.storeId, result, committedAt: process.hrtime.bigint() });
  return result;
}

async function refuse(
  deps: ScanDeps,
  name: Exclude<ResultName, 'OK' | 'QR_INVALID'>,
  memberId: number,
  storeId: number,
  remaining: number | null,
  at: number,
): Promise<never> {
  deps.onOutcome?.(name);
  const row = await deps.repo.appendNotice({ memberId, storeId, code: RESULT_CODES[name].code, remaining, at });
  throw new AppError(name, RESULT_CODES[name].message, { result: publish(deps, row) });
}
