import { formatPushText } from '@scanpush/shared';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { TestSocket, api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

// Selling and topping up at the counter, card expiry and reversals (issue 15), against the real server:
// what the staff are answered, what the member's sockets are pushed (both dialects), and the ledger
// invariant after every test (the storage's audit, through the Storage interface only).

const DAY = 86_400_000;
let srv: TestServer;
let clock = Date.now();

async function start(env: Record<string, string> = {}) {
  clock = Date.now();
  srv = await startServer({ env, parts: { now: () => clock } });
  return srv;
}

afterEach(async () => {
  if (!srv) return;
  expect((await srv.storage.audit()).problems).toEqual([]);
  await srv.stop();
});

function product(body: Record<string, unknown>, storeId = 2) {
  return api(srv.url, `/api/admin/stores/${storeId}/products`, { token: srv.adminToken, body });
}

function sell(qr: string, productId: number, key?: string, merchantKey = srv.demoMerchantKey) {
  return api(srv.url, '/api/sales', { token: merchantKey, body: { qr, productId }, headers: key ? { 'idempotency-key': key } : {} });
}

function reverse(ledgerId: unknown, reason: unknown, key?: string, merchantKey = srv.demoMerchantKey) {
  return api(srv.url, '/api/reversals', { token: merchantKey, body: { ledgerId, reason }, headers: key ? { 'idempotency-key': key } : {} });
}

/** A new store with its merchant key: member 17 has no card there yet. */
async function newStore() {
  const store = await api(srv.url, '/api/admin/stores', { token: srv.adminToken, body: { name: 'New wash' } });
  const merchant = await api(srv.url, '/api/admin/merchants', { token: srv.adminToken, body: { storeId: store.body.id, name: 'Counter' } });
  return { storeId: store.body.id as number, key: merchant.body.key as string };
}

/** `scanpush_counter_results_total` for one action and result, as /metrics says now. */
async function counted(action: string, result: string): Promise<number> {
  const families = parsePrometheusTextFormat(await (await fetch(`${srv.url}/metrics`)).text());
  const metric = families.find((f) => f.name === 'scanpush_counter_results_total')?.metrics.find((m) => m.labels?.action === action && m.labels?.result === result);
  return Number(metric?.value ?? 0);
}

async function card(token: string, storeId = 2) {
  const cards = (await api(srv.url, '/api/cards', { token })).body.cards as Array<{ storeId: number; remaining: number; expiresAt: string | null }>;
  return cards.find((c) => c.storeId === storeId);
}

describe('counter sales', () => {
  it('sells a product: the member is pushed 7_充值成功 in both dialects, the card and history show it', async () => {
    await start();
    const token = await devLogin(srv.url);
    const text = await TestSocket.open(srv.wsUrl, { token });
    const structured = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    await structured.nextJson(); // synced
    const created = await product({ name: '10次洗车卡', uses: 10, priceFen: 29_900, validDays: 365 });
    expect(created.status).toBe(201);
    // After the demo's own 10次洗车卡 (seed.ts).
    expect((await api(srv.url, '/api/products', { token: srv.demoMerchantKey })).body.products).toEqual([expect.objectContaining({ name: '10次洗车卡', active: true }), created.body]);

    const sold = await sell(await mintQr(srv.url, token), created.body.id, 'receipt-1');
    expect(sold.status, JSON.stringify(sold.body)).toBe(200);
    expect(sold.body).toMatchObject({ replayed: false, result: { name: 'TOPPED_UP', code: 7, ok: true, remaining: 20, text: '7_充值成功_剩余次数: 20' } });
    expect(await text.next()).toBe('7_充值成功_剩余次数: 20');
    expect(await structured.nextJson()).toMatchObject({ type: 'result', code: 7, name: 'TOPPED_UP', ok: true, remaining: 20, text: '7_充值成功_剩余次数: 20' });
    // The demo card was given by the operator without expiry: a card that never expires stays so.
    expect(await card(token)).toMatchObject({ remaining: 20, expiresAt: null });
    const history = await api(srv.url, '/api/cards/2/history', { token });
    expect(history.body.entries[0]).toMatchObject({ kind: 'topup', delta: 10, balanceAfter: 20, productId: created.body.id, amountFen: 29_900 });
    expect(history.body.entries[0].id).toBe(sold.body.result.ledgerId);
    expect(await counted('sale', 'TOPPED_UP')).toBe(1);
    text.close();
    structured.close();
  });

  it('sells a first card to a member who has none at the store, expiring with the product, and a top-up extends it', async () => {
    await start();
    const store = await newStore();
    const month = await product({ name: '5次卡', uses: 5, priceFen: 100, validDays: 30 }, store.storeId);
    const year = await product({ name: '年卡', uses: 50, priceFen: 100_000, validDays: 365 }, store.storeId);
    const token = await devLogin(srv.url);
    const sold = await sell(await mintQr(srv.url, token, store.storeId), month.body.id, undefined, store.key);
    expect(sold.body.result).toMatchObject({ name: 'TOPPED_UP', remaining: 5, storeId: store.storeId });
    expect(await card(token, store.storeId)).toMatchObject({ remaining: 5, expiresAt: new Date(clock + 30 * DAY).toISOString() });
    clock += DAY;
    await sell(await mintQr(srv.url, token, store.storeId), year.body.id, undefined, store.key);
    expect(await card(token, store.storeId)).toMatchObject({ remaining: 55, expiresAt: new Date(clock + 365 * DAY).toISOString() });
    await sell(await mintQr(srv.url, token, store.storeId), month.body.id, undefined, store.key);
    expect(await card(token, store.storeId)).toMatchObject({ remaining: 60, expiresAt: new Date(clock + 365 * DAY).toISOString() });
  });

  it('answers a retried sale with the first answer after the QR is over, pushing nothing new', async () => {
    await start();
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const p = await product({ name: '3次卡', uses: 3, priceFen: 100, validDays: 30 });
    const qr = await mintQr(srv.url, token);
    const first = await sell(qr, p.body.id, 'till-7');
    expect(await socket.next()).toBe('7_充值成功_剩余次数: 13');
    clock += 61_000;
    const retry = await sell(qr, p.body.id, 'till-7');
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ replayed: true, result: first.body.result });
    await socket.expectSilence(400);
    // Without the key the QR is what it is now: over, and nothing is sold.
    const late = await sell(qr, p.body.id);
    expect([late.status, late.body.error.code, late.body.error.result?.name]).toEqual([410, 'QR_EXPIRED', 'QR_EXPIRED']);
    expect(await card(token)).toMatchObject({ remaining: 13 });
    socket.close();
  });

  it('refuses bad products and bad input with clear errors, writing nothing', async () => {
    await start();
    const token = await devLogin(srv.url);
    const otherStore = await api(srv.url, '/api/admin/stores', { token: srv.adminToken, body: { name: 'Other' } });
    const theirs = await product({ name: 'q', uses: 1, priceFen: 1 }, otherStore.body.id);
    const archived = await product({ name: 'r', uses: 1, priceFen: 1 });
    expect((await api(srv.url, `/api/admin/stores/2/products/${archived.body.id}/archive`, { token: srv.adminToken, body: {} })).body.active).toBe(false);
    // The demo's product and the archived one; staff see only the demo's.
    expect((await api(srv.url, '/api/admin/stores/2/products', { token: srv.adminToken })).body.products).toHaveLength(2);
    expect((await api(srv.url, '/api/products', { token: srv.demoMerchantKey })).body.products.map((p: { id: number }) => p.id)).not.toContain(archived.body.id);
    const qr = await mintQr(srv.url, token);
    const cases: Array<[Promise<{ status: number; body: any }>, number, string, string?]> = [
      [sell(qr, 999_999), 404, 'PRODUCT_NOT_FOUND', 'productId'],
      [sell(qr, theirs.body.id), 404, 'PRODUCT_NOT_FOUND', 'productId'],
      [sell(qr, archived.body.id), 409, 'PRODUCT_ARCHIVED', 'productId'],
      [sell('not-a-qr', archived.body.id), 422, 'QR_INVALID'],
      [api(srv.url, '/api/sales', { token: srv.demoMerchantKey, body: { qr, productId: -1 } }), 400, 'VALIDATION_FAILED', 'productId'],
      [api(srv.url, '/api/sales', { token: srv.demoMerchantKey, body: { qr } }), 400, 'VALIDATION_FAILED', 'productId'],
      [api(srv.url, '/api/sales', { body: { qr, productId: 1 } }), 401, 'UNAUTHORIZED'],
      [product({ name: 'x', uses: 0, priceFen: 1 }), 400, 'VALIDATION_FAILED', 'uses'],
      [product({ name: 'x', uses: -3, priceFen: 1 }), 400, 'VALIDATION_FAILED', 'uses'],
      [product({ name: 'x', uses: 1001, priceFen: 1 }), 400, 'VALIDATION_FAILED', 'uses'],
      [product({ name: 'x', uses: 1, priceFen: 10_000_001 }), 400, 'VALIDATION_FAILED', 'priceFen'],
      [product({ name: 'x', uses: 1, priceFen: 1, validDays: 0 }), 400, 'VALIDATION_FAILED', 'validDays'],
      [product({ name: ' ', uses: 1, priceFen: 1 }), 400, 'VALIDATION_FAILED', 'name'],
      [product({ name: 'x', uses: 1, priceFen: 1 }, 999), 404, 'NOT_FOUND', 'storeId'],
      [api(srv.url, '/api/admin/stores/2/products/999/archive', { token: srv.adminToken, body: {} }), 404, 'PRODUCT_NOT_FOUND'],
      [api(srv.url, '/api/admin/stores/2/products', { token: srv.demoMerchantKey, body: { name: 'x', uses: 1, priceFen: 1 } }), 401, 'UNAUTHORIZED'],
    ];
    for (const [pending, status, code, field] of cases) {
      const { status: got, body } = await pending;
      expect([got, body.error.code, body.error.field], JSON.stringify(body)).toEqual([status, code, field]);
    }
    expect((await api(srv.url, '/api/admin/stores/2/products', { token: srv.adminToken })).body.products).toHaveLength(2);
    expect(await card(token)).toMatchObject({ remaining: 10 });
    expect(await srv.storage.streams.head(17, 2)).toBe(0);
  });
});

describe('refusals at the counter', () => {
  it('cost the merchant key as refused scans do: past the burst its sales, reversals and scans answer 429 until a token is back', async () => {
    await start({ MERCHANT_REFUSAL_BURST: '3', MERCHANT_REFUSALS_PER_MINUTE: '6' });
    const token = await devLogin(srv.url);
    // Three refusals of three kinds: a forged QR, an unknown product, a ledger row that is no deduction.
    expect((await sell('SP' + 'A'.repeat(60), 1)).body.error.code).toBe('QR_INVALID');
    expect((await sell(await mintQr(srv.url, token), 999)).body.error.code).toBe('PRODUCT_NOT_FOUND');
    expect((await reverse(999_999, '扫错了')).body.error.code).toBe('NOT_REVERSIBLE');
    for (const res of [await sell(await mintQr(srv.url, token), 1), await reverse(1, '扫错了'), await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token))]) {
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
    }
    expect(await card(token)).toMatchObject({ remaining: 10 });
    // One token a 10 s at 6 a minute: the demo product sells again.
    clock += 10_000;
    expect((await sell(await mintQr(srv.url, token), 1)).status).toBe(200);
  });
});

describe('card expiry', () => {
  it('refuses a deduction of an expired card with 9_会员卡已过期, pushed, and a sale revives it', async () => {
    await start();
    const { storeId, key } = await newStore();
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token, storeId });
    const week = await product({ name: '周卡', uses: 2, priceFen: 100, validDays: 7 }, storeId);
    await sell(await mintQr(srv.url, token, storeId), week.body.id, undefined, key);
    expect(await socket.next()).toBe('7_充值成功_剩余次数: 2');
    expect((await scan(srv.url, key, await mintQr(srv.url, token, storeId))).status).toBe(200);
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 1');
    clock += 7 * DAY;
    const refused = await scan(srv.url, key, await mintQr(srv.url, token, storeId));
    expect([refused.status, refused.body.error.code]).toEqual([409, 'CARD_EXPIRED']);
    expect(refused.body.error.result).toMatchObject({ code: 9, ok: false, text: formatPushText('CARD_EXPIRED') });
    expect(await socket.next()).toBe('9_会员卡已过期_请联系门店续卡');
    // Revived: the new product's uses added to what was left.
    await sell(await mintQr(srv.url, token, storeId), week.body.id, undefined, key);
    expect(await socket.next()).toBe('7_充值成功_剩余次数: 3');
    expect(await card(token, storeId)).toMatchObject({ remaining: 3, expiresAt: new Date(clock + 7 * DAY).toISOString() });
    expect((await scan(srv.url, key, await mintQr(srv.url, token, storeId))).status).toBe(200);
    socket.close();
  });
});

describe('reversals', () => {
  it('reverses a mistaken deduction: 8_撤销成功 pushed, the use back, the history shows it; a second is refused', async () => {
    await start();
    const token = await devLogin(srv.url);
    const text = await TestSocket.open(srv.wsUrl, { token });
    const structured = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    await structured.nextJson();
    const scanned = await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token));
    expect(await text.next()).toBe('0_扣费成功_剩余次数: 9');
    await structured.nextJson();
    const ledgerId = scanned.body.result.ledgerId as number;

    const reversed = await reverse(ledgerId, '扫错了', 'rev-1');
    expect(reversed.status, JSON.stringify(reversed.body)).toBe(200);
    expect(reversed.body).toMatchObject({ replayed: false, result: { name: 'REVERSED', code: 8, ok: true, remaining: 10, text: '8_撤销成功_剩余次数: 10' } });
    expect(await text.next()).toBe('8_撤销成功_剩余次数: 10');
    expect(await structured.nextJson()).toMatchObject({ type: 'result', code: 8, name: 'REVERSED', ok: true, remaining: 10 });
    const [row] = (await api(srv.url, '/api/cards/2/history', { token })).body.entries;
    expect(row).toMatchObject({ kind: 'reversal', delta: 1, balanceAfter: 10, reversesId: ledgerId, reason: '扫错了' });

    clock += 3600_000; // past the window: the retry still answers what happened
    const retry = await reverse(ledgerId, '扫错了', 'rev-1');
    expect(retry.body).toEqual({ replayed: true, result: reversed.body.result });
    const again = await reverse(ledgerId, '再来一次');
    expect([again.status, again.body.error.code, again.body.error.result?.code]).toEqual([409, 'ALREADY_REVERSED', 10]);
    await text.expectSilence(400);
    expect(structured.frames).toHaveLength(3);
    // Counted once each: the retry answered from the first answer is not a second reversal.
    expect([await counted('reversal', 'REVERSED'), await counted('reversal', 'ALREADY_REVERSED')]).toEqual([1, 1]);
    text.close();
    structured.close();
  });

  it('refuses a reversal past the window, of a top-up, another store’s row, and bad input, telling nobody', async () => {
    await start({ REVERSAL_WINDOW_SECONDS: '60' });
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const qr = await mintQr(srv.url, token);
    const scanned = await scan(srv.url, srv.demoMerchantKey, qr);
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');
    const ledgerId = scanned.body.result.ledgerId as number;
    // A refusal writes no ledger row: it names nothing to reverse.
    const refused = await scan(srv.url, srv.demoMerchantKey, qr);
    expect([refused.body.error.code, refused.body.error.result.ledgerId]).toEqual(['QR_USED', undefined]);
    expect(await socket.next()).toBe(formatPushText('QR_USED'));
    const history = (await api(srv.url, '/api/cards/2/history', { token })).body.entries as Array<{ id: number; kind: string }>;
    const topUp = history.find((e) => e.kind === 'topup')!;
    const otherStore = await api(srv.url, '/api/admin/stores', { token: srv.adminToken, body: { name: 'Other' } });
    const otherKey = (await api(srv.url, '/api/admin/merchants', { token: srv.adminToken, body: { storeId: otherStore.body.id, name: 'C' } })).body.key;
    // A second credential of the same store: staff reverse only what their own credential deducted.
    const colleagueKey = (await api(srv.url, '/api/admin/merchants', { token: srv.adminToken, body: { storeId: 2, name: 'Colleague' } })).body.key;

    const cases: Array<[Promise<{ status: number; body: any }>, number, string]> = [
      [reverse(ledgerId, '误扣', undefined, otherKey), 422, 'NOT_REVERSIBLE'],
      [reverse(ledgerId, '误扣', 'colleague-1', colleagueKey), 403, 'REVERSAL_NOT_ALLOWED'],
      [reverse(topUp.id, '误扣'), 422, 'NOT_REVERSIBLE'],
      [reverse(999_999, '误扣'), 422, 'NOT_REVERSIBLE'],
      [reverse(ledgerId, ''), 400, 'VALIDATION_FAILED'],
      [reverse(ledgerId, '   '), 400, 'VALIDATION_FAILED'],
      [reverse('12', '误扣'), 400, 'VALIDATION_FAILED'],
      [reverse(0, '误扣'), 400, 'VALIDATION_FAILED'],
      [reverse(1.5, '误扣'), 400, 'VALIDATION_FAILED'],
    ];
    for (const [pending, status, code] of cases) {
      const { status: got, body } = await pending;
      expect([got, body.error.code], JSON.stringify(body)).toEqual([status, code]);
      if (code === 'REVERSAL_NOT_ALLOWED') expect(body.error.result).toMatchObject({ name: 'REVERSAL_NOT_ALLOWED', code: 13, ok: false });
    }
    clock += 61_000;
    const late = await reverse(ledgerId, '误扣');
    expect([late.status, late.body.error.code, late.body.error.result?.code]).toEqual([409, 'REVERSAL_WINDOW_PASSED', 11]);
    await socket.expectSilence(400);
    expect(await card(token)).toMatchObject({ remaining: 9 });
    socket.close();
  });
});

describe('the ledger under a concurrent mix', () => {
  it('keeps remaining = top-ups − deductions + reversals through 200 scans, sales and reversals at once; a double reversal ends with one', async () => {
    // 56 reversals are refused on purpose here: the key's refusal budget is not what this is about.
    await start({ MERCHANT_REFUSAL_BURST: '1000' });
    const token = await devLogin(srv.url);
    const p = await product({ name: '2次卡', uses: 2, priceFen: 100, validDays: 30 });
    const deductions: number[] = [];
    for (let i = 0; i < 10; i++) deductions.push((await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token))).body.result.ledgerId);
    // QRs first (the member's rate of QRs is not what this is about), then everything at once.
    const qrs = await Promise.all(Array.from({ length: 134 }, () => mintQr(srv.url, token)));
    const ops: Array<Promise<{ status: number; body: any }>> = [];
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) ops.push(scan(srv.url, srv.demoMerchantKey, qrs.pop()!));
      else if (i % 3 === 1) ops.push(sell(qrs.pop()!, p.body.id));
      else ops.push(reverse(deductions[i % deductions.length], '并发'));
    }
    const answers = await Promise.all(ops);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const reversed = answers.filter((a) => a.status === 200 && a.body.result.name === 'REVERSED');
    expect(reversed).toHaveLength(deductions.length);
    expect(answers.filter((a) => a.body.error?.code === 'ALREADY_REVERSED')).toHaveLength(66 - deductions.length);
    const ledger = await srv.storage.cards.history(17, 2, 10_000);
    const sum = ledger.reduce((total, e) => total + e.delta, 0);
    expect((await card(token))?.remaining).toBe(sum);
    expect(new Set(ledger.filter((e) => e.kind === 'reversal').map((e) => e.reversesId)).size).toBe(deductions.length);
  });
});
