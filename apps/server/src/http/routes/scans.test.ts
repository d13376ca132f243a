import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMerchantKey, type ErrorBody, type ScanResponse } from '@scanpush/shared';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../core/credentials.js';
import { deviceKeys } from '../../core/device-secrets.js';
import { MemberCodes } from '../../core/member-codes.js';
import { QrSigner } from '../../core/qr-signer.js';
import { AppError, HTTP_STATUS } from '../../errors.js';
import { createMetrics } from '../../metrics.js';
import type { Broker, PushEvent } from '../../push/broker.js';
import { createSqliteStorage } from '../../storage/sqlite/open.js';
import type { Storage } from '../../storage/storage.js';
import type { AppEnv } from '../context.js';
import { scanRoutes } from './scans.js';

const T0 = Date.UTC(2026, 0, 1);
const signer = new QrSigner('q'.repeat(32));
const keys = deviceKeys({ qrSecret: 'q'.repeat(32), offlineCodes: { deviceSecretKey: undefined, previousDeviceSecretKey: undefined } });
const memberCodes = (storage: Storage) => new MemberCodes({ signer, devices: storage.devices, keys, stepSeconds: 30, skewSteps: 1 });

let dir: string;
let storage: Storage;
let app: Hono<AppEnv>;
let clock: number;
let published: PushEvent[];
let key: string;
let memberId: number;
let storeId: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-scans-'));
  storage = createSqliteStorage(join(dir, 'scanpush.db'));
  clock = T0;
  published = [];
  const broker: Broker = { publish: (e) => void published.push(e), subscribe: () => () => {}, tell: () => {}, onControl: () => () => {}, close: async () => {} };
  const metrics = createMetrics({ openSockets: () => 0, undelivered: async () => 0 });
  storeId = (await storage.accounts.createStore('A', T0)).id;
  memberId = (await storage.accounts.createMember({}, T0)).id;
  const secret = 'm'.repeat(43);
  key = formatMerchantKey((await storage.accounts.createMerchant(storeId, 'counter', hashSecret(secret), T0)).id, secret);
  await storage.cards.topUp(memberId, storeId, 1, T0);
  // The app's error handler in miniature: the code picks the status, the body is the one error shape.
  app = new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set('requestId', 'req-1');
      await next();
    })
    .route('/', scanRoutes({ storage, codes: memberCodes(storage), broker, now: () => clock, metrics, config: { merchantRefusals: { perMinute: 6, burst: 5 } } }));
  app.onError((err, c) => {
    if (!(err instanceof AppError)) throw err;
    const body: ErrorBody = { error: { code: err.code, message: err.message, ...err.extra, requestId: c.get('requestId') } };
    return c.json(body, HTTP_STATUS[err.code] as ContentfulStatusCode, err.headers);
  });
});
afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = async (qr: string, idempotencyKey?: string): Promise<Response> =>
  app.request('/api/scans', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    body: JSON.stringify({ qr }),
  });
const qr = () => signer.issue(memberId, storeId, clock, 60).token;

describe('POST /api/scans', () => {
  it('answers OK with 200 {result, replayed}, and its retry after the QR expired with the same result, replayed', async () => {
    const token = qr();
    const first = await post(token, 'k1');
    expect(first.status).toBe(200);
    const body = (await first.json()) as ScanResponse;
    expect(body).toMatchObject({ replayed: false, result: { name: 'OK', remaining: 0, seq: 1, epoch: storage.streams.epoch() } });
    clock += 3600_000;
    const retry = await post(token, 'k1');
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ ...body, replayed: true });
    expect(published).toHaveLength(1);
  });

  it('answers each refusal in the one error shape with its status; a retried refusal the same, replayed', async () => {
    const used = qr();
    expect((await post(used)).status).toBe(200);
    const cases: Array<[string, () => Promise<Response>, number]> = [
      ['QR_USED', () => post(used, 'k-used'), 409],
      ['NO_USES_LEFT', () => post(qr(), 'k-empty'), 409],
      ['QR_INVALID', () => post('nonsense'), 422],
    ];
    for (const [code, send, status] of cases) {
      const res = await send();
      expect(res.status, code).toBe(status);
      const body = (await res.json()) as ErrorBody;
      expect(body.error).toMatchObject({ code, requestId: 'req-1', result: { name: code } });
      expect(body.error.replayed).toBeUndefined();
    }
    const retried = await post(used, 'k-used');
    expect(retried.status).toBe(409);
    expect(((await retried.json()) as ErrorBody).error).toMatchObject({ code: 'QR_USED', replayed: true, result: { name: 'QR_USED', seq: 2 } });
  });

  it('answers a key reused with another QR with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    await post(qr(), 'k1');
    const res = await post(qr(), 'k1');
    expect(res.status).toBe(422);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', requestId: 'req-1' });
  });

  it('answers an expired QR 410, a QR of another store 403, a member without a card 404', async () => {
    const token = qr();
    clock += 61_000;
    expect((await post(token)).status).toBe(410);
    const other = (await storage.accounts.createStore('B', T0)).id;
    expect((await post(signer.issue(memberId, other, clock, 60).token)).status).toBe(403);
    const stranger = (await storage.accounts.createMember({}, T0)).id;
    const res = await post(signer.issue(stranger, storeId, clock, 60).token);
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: 'CARD_NOT_FOUND', result: { name: 'CARD_NOT_FOUND', memberId: stranger } });
  });

  it('holds a merchant that caused a burst of refusals with 429 and Retry-After, deciding and recording nothing', async () => {
    await storage.cards.topUp(memberId, storeId, 10, T0);
    const used = qr();
    expect((await post(used)).status).toBe(200);
    const before = published.length;
    // The burst (5): replays of a used QR and junk alike.
    for (let i = 0; i < 5; i++) expect((await post(i % 2 ? used : 'nonsense')).status).not.toBe(429);
    const limited = await post(qr());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(((await limited.json()) as ErrorBody).error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('10 s') });
    const notices = published.length - before;
    // A token every 10 s (6 a minute): the merchant's next scan is decided again, and a valid one deducts.
    clock += 10_000;
    const next = await post(qr());
    expect(next.status).toBe(200);
    expect(published.length - before).toBe(notices + 1);
  });

  it('never holds a merchant for deductions, nor for retries of an answer already given', async () => {
    await storage.cards.topUp(memberId, storeId, 20, T0);
    for (let i = 0; i < 10; i++) expect((await post(qr())).status).toBe(200);
    const used = qr();
    await post(used);
    for (let i = 0; i < 10; i++) expect((await post(used, 'same-key')).status).toBe(409);
  });
});
