import { RESULT_CODES, resultName, type ScanResponse } from '@scanpush/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { processReversal, processSale, type CounterDeps, type CounterOutcome } from '../../core/counter.js';
import { AppError } from '../../errors.js';
import { wallClockMs } from '../../push/broker.js';
import type { AuditTrail } from '../audit-trail.js';
import { requireMerchant } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, id, readJson } from '../validation.js';
import type { MerchantRefusals } from '../../core/merchant-refusals.js';
import { checkMerchantRefusals, idempotencyKey, merchantRefusals } from './scans.js';

export const saleRequest = z.object({ qr: z.string().min(1).max(512), productId: id });
// Ledger ids grow with traffic (bigint in PostgreSQL), so they are bounded by what JSON carries exactly.
export const reversalRequest = z.object({ ledgerId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), reason: z.string().trim().min(1).max(200) });

const PRODUCT_MESSAGES = {
  PRODUCT_NOT_FOUND: 'This store sells no such product',
  PRODUCT_ARCHIVED: 'This product is archived and no longer sold',
} as const;

/** What the counter's core needs, for staff at the counter and for owners in the back office alike. */
export function counterDeps(deps: Pick<AppDeps, 'storage' | 'codes' | 'broker' | 'now' | 'config'>): CounterDeps {
  return {
    cards: deps.storage.cards,
    codes: deps.codes,
    broker: deps.broker,
    now: deps.now,
    preciseNow: wallClockMs,
    reversalWindowMs: deps.config.reversalWindowSeconds * 1000,
  };
}

/**
 * Counts a first answer in scanpush_counter_results_total; a retry's answer was counted the first time
 * and a key reused for another request decided nothing. Answers whether it was a first refusal.
 */
export function countCounterOutcome(metrics: AppDeps['metrics'], action: 'sale' | 'reversal', outcome: CounterOutcome<string>): boolean {
  if (outcome.kind === 'idempotency-mismatch' || (outcome.kind === 'done' && outcome.replayed)) return false;
  const result = outcome.kind === 'refused' ? outcome.reason : (resultName(outcome.result.code) ?? String(outcome.result.code));
  metrics.counterResults.inc({ action, result });
  return outcome.kind !== 'done';
}

/**
 * The counter, for staff (a merchant credential, own store only): the store's products, sales and
 * reversals. Sales and reversals take an Idempotency-Key as scans do.
 */
export function counterRoutes(
  deps: Pick<AppDeps, 'storage' | 'codes' | 'broker' | 'now' | 'config' | 'metrics'>,
  audit: AuditTrail,
  refusals: MerchantRefusals = merchantRefusals(deps.config),
) {
  const counter = counterDeps(deps);
  const staff = requireMerchant(deps);
  // A refusal costs the merchant key as a refused scan does: forged QR codes or ledger ids sent through
  // the counter meet the same limit as through the scanner.
  const count = (action: 'sale' | 'reversal', merchantId: number, outcome: CounterOutcome<string>) => {
    if (countCounterOutcome(deps.metrics, action, outcome)) refusals.refused(merchantId, deps.now());
  };
  return new Hono<AppEnv>()
    .get('/api/products', staff, async (c) => c.json({ products: await deps.storage.products.list(c.get('merchant').storeId, false) }))
    .post('/api/sales', staff, async (c) => {
      const key = check(idempotencyKey, c.req.header('idempotency-key'));
      const body = await readJson(c, saleRequest);
      const staff = c.get('merchant');
      checkMerchantRefusals(refusals, staff.id, deps.now());
      const outcome = await processSale(counter, { qr: body.qr, productId: body.productId, staff, idempotencyKey: key ?? null });
      count('sale', staff.id, outcome);
      if (outcome.kind === 'done' && !outcome.replayed) {
        const { memberId, remaining } = outcome.result;
        await audit(c, { action: 'sale', subject: `member:${memberId}`, detail: { productId: body.productId, remaining } });
      }
      return c.json(counterAnswer(outcome));
    })
    .post('/api/reversals', staff, async (c) => {
      const key = check(idempotencyKey, c.req.header('idempotency-key'));
      const body = await readJson(c, reversalRequest);
      const { id: merchantId, storeId } = c.get('merchant');
      checkMerchantRefusals(refusals, merchantId, deps.now());
      const outcome = await processReversal(counter, { ledgerId: body.ledgerId, reason: body.reason, by: { merchantId, storeId }, idempotencyKey: key ?? null });
      count('reversal', merchantId, outcome);
      if (outcome.kind === 'done' && !outcome.replayed) {
        const { memberId, remaining } = outcome.result;
        await audit(c, { action: 'reversal', subject: `ledger:${body.ledgerId}`, detail: { reason: body.reason, memberId, remaining } });
      }
      return c.json(counterAnswer(outcome));
    });
}

/**
 * The wire form, as for scans: success is `200 {result, replayed}`; every refusal is the one error shape
 * with the status HTTP_STATUS gives its code, carrying `result` where the refusal is in the result catalog.
 */
export function counterAnswer(outcome: CounterOutcome<string>): ScanResponse {
  switch (outcome.kind) {
    case 'done':
      return { result: outcome.result, replayed: outcome.replayed };
    case 'qr-invalid':
      throw new AppError('QR_INVALID', `${RESULT_CODES.QR_INVALID.message}: ${outcome.detail}`, { result: outcome.result });
    case 'idempotency-mismatch':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for another request');
    case 'refused': {
      const reason = outcome.reason as keyof typeof PRODUCT_MESSAGES | keyof typeof RESULT_CODES;
      if (reason === 'PRODUCT_NOT_FOUND' || reason === 'PRODUCT_ARCHIVED') throw new AppError(reason, PRODUCT_MESSAGES[reason], { field: 'productId' });
      if (reason === 'OK' || reason === 'TOPPED_UP' || reason === 'REVERSED') throw new Error(`a success refused: ${reason}`);
      throw new AppError(reason, RESULT_CODES[reason].message, outcome.result ? { result: outcome.result } : {});
    }
  }
}
