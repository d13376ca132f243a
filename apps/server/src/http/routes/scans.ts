import { RESULT_CODES, isSuccess, type ScanResponse } from '@scanpush/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../../config.js';
import { MerchantRefusals } from '../../core/merchant-refusals.js';
import { processScan, type ScanDeps, type ScanOutcome } from '../../core/scan.js';
import { AppError } from '../../errors.js';
import { wallClockMs } from '../../push/broker.js';
import { requireMerchant } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, readJson } from '../validation.js';

/** The Idempotency-Key header of the staff's writes (scans, sales, reversals). */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'Idempotency-Key must be 1 to 128 printable ASCII characters')
  .optional();
export const scanRequest = z.object({ qr: z.string().min(1).max(512) });

/** One budget of refusals per merchant key, shared by its scans, sales and reversals (see MerchantRefusals). */
export function merchantRefusals(config: Pick<Config, 'merchantRefusals'>): MerchantRefusals {
  return new MerchantRefusals(config.merchantRefusals.perMinute, config.merchantRefusals.burst);
}

/** Answers 429 while the merchant key has caused too many refusals; counted per scan, sale or reversal. */
export function checkMerchantRefusals(refusals: MerchantRefusals, merchantId: number, now: number, onLimited?: () => void): void {
  const waitMs = refusals.waitMs(merchantId, now);
  if (waitMs <= 0) return;
  onLimited?.();
  const seconds = Math.ceil(waitMs / 1000);
  throw new AppError('RATE_LIMITED', `Too many refused requests from this merchant key: try again in ${seconds} s`, {}, { 'Retry-After': String(seconds) });
}

export function scanRoutes(
  deps: Pick<AppDeps, 'storage' | 'codes' | 'broker' | 'now' | 'metrics'> & { config: Pick<Config, 'merchantRefusals'> },
  refusals = merchantRefusals(deps.config),
) {
  const scanDeps: ScanDeps = {
    cards: deps.storage.cards,
    codes: deps.codes,
    broker: deps.broker,
    now: deps.now,
    preciseNow: wallClockMs,
    onOutcome: (name) => deps.metrics.scanResults.inc({ result: name }),
    onRepeated: (name) => deps.metrics.refusalNoticesRepeated.inc({ result: name }),
  };
  return new Hono<AppEnv>().post('/api/scans', requireMerchant(deps), async (c) => {
    const key = check(idempotencyKey, c.req.header('idempotency-key'));
    const body = await readJson(c, scanRequest);
    const merchant = c.get('merchant');
    checkMerchantRefusals(refusals, merchant.id, deps.now(), () => deps.metrics.scansLimited.inc());
    const outcome = await processScan(scanDeps, { qr: body.qr, merchant, idempotencyKey: key ?? null });
    // A retry's answer was counted the first time.
    if (isRefusal(outcome) && !(outcome.kind === 'result' && outcome.replayed)) refusals.refused(merchant.id, deps.now());
    return c.json(answer(outcome));
  });
}

function isRefusal(outcome: ScanOutcome): boolean {
  return outcome.kind !== 'result' || !outcome.result.ok;
}

/**
 * The wire form of a scan's outcome: OK is `200 {result, replayed}`; every refusal is the one error shape
 * (`{error: {code, message, result, replayed?, requestId}}`) with the status HTTP_STATUS gives its code,
 * thrown to the app's error handler. A retried refusal answers the same status and body, `replayed: true`.
 */
function answer(outcome: ScanOutcome): ScanResponse {
  switch (outcome.kind) {
    case 'qr-invalid':
      throw new AppError('QR_INVALID', `${RESULT_CODES.QR_INVALID.message}: ${outcome.detail}`, { result: outcome.result });
    case 'idempotency-mismatch':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for another QR code');
    case 'result': {
      const { result, replayed } = outcome;
      if (isSuccess(result.name)) return { result, replayed };
      throw new AppError(result.name, RESULT_CODES[result.name].message, replayed ? { result, replayed } : { result });
    }
  }
}
