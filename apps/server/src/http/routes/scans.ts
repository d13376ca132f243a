import { RESULT_CODES, type ScanResponse } from '@scanpush/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { processScan, type ScanDeps, type ScanOutcome } from '../../core/scan.js';
import { AppError } from '../../errors.js';
import { wallClockMs } from '../../push/broker.js';
import { requireMerchant } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, readJson } from '../validation.js';

const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'Idempotency-Key must be 1 to 128 printable ASCII characters')
  .optional();
const scanRequest = z.object({ qr: z.string().min(1).max(512) });

export function scanRoutes(deps: Pick<AppDeps, 'storage' | 'signer' | 'broker' | 'now' | 'metrics'>) {
  const scanDeps: ScanDeps = {
    cards: deps.storage.cards,
    signer: deps.signer,
    broker: deps.broker,
    now: deps.now,
    preciseNow: wallClockMs,
    onOutcome: (name) => deps.metrics.scanResults.inc({ result: name }),
  };
  return new Hono<AppEnv>().post('/api/scans', requireMerchant(deps), async (c) => {
    const key = check(idempotencyKey, c.req.header('idempotency-key'));
    const body = await readJson(c, scanRequest);
    const outcome = await processScan(scanDeps, { qr: body.qr, merchant: c.get('merchant'), idempotencyKey: key ?? null });
    return c.json(answer(outcome));
  });
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
      if (result.name === 'OK') return { result, replayed };
      throw new AppError(result.name, RESULT_CODES[result.name].message, replayed ? { result, replayed } : { result });
    }
  }
}
