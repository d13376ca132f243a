import type { ScanResponse } from '@scanpush/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { processScan } from '../../core/scan.js';
import { requireMerchant } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, readJson } from '../validation.js';

const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'Idempotency-Key must be 1 to 128 printable ASCII characters')
  .optional();
const scanRequest = z.object({ qr: z.string().min(1).max(512) });

export function scanRoutes(deps: AppDeps) {
  const scanDeps = {
    repo: deps.repo,
    signer: deps.signer,
    broker: deps.broker,
    now: deps.now,
    onOutcome: (name: string) => deps.metrics.scanResults.inc({ result: name }),
  };
  return new Hono<AppEnv>().post('/api/scans', requireMerchant(deps), async (c) => {
    const key = check(idempotencyKey, c.req.header('idempotency-key'));
    const body = await readJson(c, scanRequest);
    const outcome = await processScan(scanDeps, { qr: body.qr, merchant: c.get('merchant'), idempotencyKey: key ?? null });
    const answer: ScanResponse = { result: outcome.result, replayed: outcome.replayed };
    return c.json(answer);
  });
}
