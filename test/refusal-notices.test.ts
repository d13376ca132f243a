import { formatPushText, type ResultName } from '@scanpush/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QrSigner } from '../apps/server/src/core/qr-signer.js';
import { TestSocket, api, devLogin, mintQr, scan } from './helpers/client.js';
import { Rng } from './helpers/random.js';
import { startServer, type TestServer } from './helpers/server.js';

// Anyone holding a merchant key can replay a member's QR as often as they like: the merchant is answered
// every time, the member is told each refusal of one QR once (issue 13).

let srv: TestServer;
let token: string;

beforeEach(async () => {
  srv = await startServer();
  token = await devLogin(srv.url, 17);
});
afterEach(async () => {
  await srv.stop();
});

/** The seed of this file's shuffles: SCANPUSH_TEST_SEED reproduces a run. */
const SEED = Number(process.env.SCANPUSH_TEST_SEED ?? Date.now() % 2 ** 31);
console.log(`refusal-notices.test.ts: SCANPUSH_TEST_SEED=${SEED}`);

/** A new store with a merchant, and (with `uses`) a card of member 17 there. */
async function store(uses: number | null) {
  const admin = srv.adminToken;
  const created = await api(srv.url, '/api/admin/stores', { token: admin, body: { name: 'Wash across the street' } });
  const merchant = await api(srv.url, '/api/admin/merchants', { token: admin, body: { storeId: created.body.id, name: 'Counter' } });
  expect([created.status, merchant.status]).toEqual([201, 201]);
  if (uses !== null) expect((await topUp(created.body.id, uses)).status).toBe(200);
  return { storeId: created.body.id as number, key: merchant.body.key as string };
}

function topUp(storeId: number, uses: number) {
  return api(srv.url, '/api/admin/cards', { token: srv.adminToken, body: { memberId: 17, storeId, uses } });
}

/** The refusal a scan was answered with, as the merchant sees it; fails on anything else. */
function refusal(answer: { status: number; body: any }, name: ResultName, status: number) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.error).toMatchObject({ code: name, result: { name, ok: false, memberId: 17 } });
  return answer.body.error.result;
}

describe('refusal notices', () => {
  it('answers every replay of a used QR, from its own store or another, and tells the member each refusal once', async () => {
    const other = await store(null);
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const qr = await mintQr(srv.url, token);
    expect((await scan(srv.url, srv.demoMerchantKey, qr)).status).toBe(200);
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');

    // 20 replays, half with this store's key and half with the other's, shuffled and sent in bursts of 1 to
    // 4 at once (concurrent refusals of one QR must still be one notice).
    const rng = new Rng(SEED);
    const keys = [...Array(10).fill(srv.demoMerchantKey), ...Array(10).fill(other.key)] as string[];
    for (let i = keys.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    const answers: Array<{ name: ResultName; result: { seq: number } }> = [];
    for (let i = 0; i < keys.length; ) {
      const burst = keys.slice(i, (i += rng.int(1, 4)));
      const replies = await Promise.all(burst.map((k) => scan(srv.url, k, qr)));
      burst.forEach((k, n) => {
        const name = k === other.key ? 'QR_WRONG_STORE' : 'QR_USED';
        answers.push({ name, result: refusal(replies[n]!, name, name === 'QR_USED' ? 409 : 403) });
      });
    }

    // Every merchant told of one refusal was answered with the same notice (its seq and time, not the replay's).
    const names = ['QR_USED', 'QR_WRONG_STORE'] as const;
    const told = names.map((name) => {
      const results = answers.filter((a) => a.name === name).map((a) => JSON.stringify(a.result));
      expect(new Set(results).size, name).toBe(1);
      return { name, ...(JSON.parse(results[0]!) as { seq: number; epoch: string }) };
    });
    expect(told.map((t) => t.epoch)).toEqual([srv.storage.streams.epoch(), srv.storage.streams.epoch()]);
    // The member: those two notices, in the order they committed (a burst may mix both), then nothing.
    told.sort((a, b) => a.seq - b.seq);
    expect(told.map((t) => t.seq)).toEqual([2, 3]);
    for (const { name } of told) expect(await socket.next()).toBe(formatPushText(name));
    await socket.expectSilence(500);
    expect((await srv.storage.streams.read(17, 2, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await srv.storage.cards.getCard(17, 2))?.remaining).toBe(9);
    expect((await srv.storage.audit()).problems).toEqual([]);
    socket.close();
  });

  it('holds a key that keeps replaying a QR with 429 after its burst, the member told once, nothing decided', async () => {
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const qr = await mintQr(srv.url, token);
    expect((await scan(srv.url, srv.demoMerchantKey, qr)).status).toBe(200);
    // MERCHANT_REFUSAL_BURST: 10 refusals at once, then one every 3 s (MERCHANT_REFUSALS_PER_MINUTE 20).
    for (let i = 0; i < 10; i++) refusal(await scan(srv.url, srv.demoMerchantKey, qr), 'QR_USED', 409);
    const held = await scan(srv.url, srv.demoMerchantKey, qr);
    expect(held.status).toBe(429);
    expect(held.body.error).toMatchObject({ code: 'RATE_LIMITED', requestId: expect.any(String) });
    expect(held.body.error.result).toBeUndefined();
    // Held, even for a valid QR: the key is what is suspect.
    expect((await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token))).status).toBe(429);
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');
    expect(await socket.next()).toBe(formatPushText('QR_USED'));
    await socket.expectSilence(500);
    expect((await srv.storage.cards.getCard(17, 2))?.remaining).toBe(9);
    socket.close();
  });

  it('tells a new outcome of one QR: no uses left, then after a top-up the deduction, then used, each once', async () => {
    const wash = await store(1);
    const socket = await TestSocket.open(srv.wsUrl, { token, storeId: wash.storeId });
    expect((await scan(srv.url, wash.key, await mintQr(srv.url, token, wash.storeId))).status).toBe(200);
    const qr = await mintQr(srv.url, token, wash.storeId);
    for (let i = 0; i < 5; i++) refusal(await scan(srv.url, wash.key, qr), 'NO_USES_LEFT', 409);
    expect((await topUp(wash.storeId, 1)).status).toBe(200);
    expect((await scan(srv.url, wash.key, qr)).status).toBe(200);
    for (let i = 0; i < 5; i++) refusal(await scan(srv.url, wash.key, qr), 'QR_USED', 409);

    for (const text of ['0_扣费成功_剩余次数: 0', '3_剩余次数不足_剩余次数: 0', '0_扣费成功_剩余次数: 0', formatPushText('QR_USED')]) {
      expect(await socket.next()).toBe(text);
    }
    await socket.expectSilence(500);
    expect(await srv.storage.streams.head(17, wash.storeId)).toBe(4);
    socket.close();
  });

  it('answers a retry of a repeated refusal with its Idempotency-Key the same, as replayed', async () => {
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const qr = await mintQr(srv.url, token);
    expect((await scan(srv.url, srv.demoMerchantKey, qr)).status).toBe(200);
    const told = refusal(await scan(srv.url, srv.demoMerchantKey, qr), 'QR_USED', 409);

    // A replay with a key: decided now, so not `replayed`, and answered with the notice already given.
    const keyed = await scan(srv.url, srv.demoMerchantKey, qr, 'replay-1');
    expect(refusal(keyed, 'QR_USED', 409)).toEqual(told);
    expect(keyed.body.error.replayed).toBeUndefined();
    // Its retries, at once: the same answer, replayed from the key.
    const retries = await Promise.all(Array.from({ length: 5 }, () => scan(srv.url, srv.demoMerchantKey, qr, 'replay-1')));
    for (const retry of retries) {
      expect(refusal(retry, 'QR_USED', 409)).toEqual(told);
      expect(retry.body.error.replayed).toBe(true);
    }
    const reused = await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token), 'replay-1');
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');
    expect(await socket.next()).toBe(formatPushText('QR_USED'));
    await socket.expectSilence(500);
    expect(await srv.storage.streams.head(17, 2)).toBe(2);
    socket.close();
  });

  it('tells a member with no card at a store of a refused QR once, however many scan it at once', async () => {
    const empty = await store(null);
    const socket = await TestSocket.open(srv.wsUrl, { token, storeId: empty.storeId });
    // The member cannot mint a QR for a store without a card (404): the test signs one as the server would.
    const noCard = new QrSigner(srv.qrSecret).issue(17, empty.storeId, Date.now(), 60).token;
    const answers = await Promise.all(Array.from({ length: 10 }, () => scan(srv.url, empty.key, noCard)));
    const told = answers.map((a) => refusal(a, 'CARD_NOT_FOUND', 404));
    expect(new Set(told.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await socket.next()).toBe(formatPushText('CARD_NOT_FOUND'));
    await socket.expectSilence(500);
    expect(await srv.storage.streams.head(17, empty.storeId)).toBe(1);
    socket.close();
  });
});
