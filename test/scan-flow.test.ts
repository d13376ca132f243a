import { decodeServerMessage, formatPushText, socketPath } from '@scanpush/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QrSigner } from '../apps/server/src/core/qr-signer.js';
import { TestSocket, api, devLogin, mintQr, scan, upgradeStatus } from './helpers/client.js';
import { TEST_ENGINE, startServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let token: string;

beforeEach(async () => {
  srv = await startServer();
  token = await devLogin(srv.url, 17);
});
afterEach(async () => {
  await srv.stop();
});

it('runs on the engine its vitest project names, with the broker that engine needs', async () => {
  // SQLite has no pool; PostgreSQL has one and, in these tests, Redis beside it.
  expect(srv.storage.pool === undefined ? 'sqlite' : 'postgres').toBe(TEST_ENGINE);
  const metrics = await (await fetch(`${srv.url}/metrics`)).text();
  expect(metrics.includes('scanpush_db_pool_connections{state="total"}')).toBe(TEST_ENGINE === 'postgres');
  expect(metrics).toMatch(/^scanpush_broker_connected 1$/m);
});

/** Creates a store with a merchant, and a card there for member 17; answers ids and the merchant key. */
async function storeWithCard(uses: number) {
  const admin = srv.adminToken;
  const store = await api(srv.url, '/api/admin/stores', { token: admin, body: { name: 'Other wash' } });
  const merchant = await api(srv.url, '/api/admin/merchants', { token: admin, body: { storeId: store.body.id, name: 'Counter' } });
  const card = await api(srv.url, '/api/admin/cards', { token: admin, body: { memberId: 17, storeId: store.body.id, uses } });
  expect([store.status, merchant.status, card.status]).toEqual([201, 201, 200]);
  return { storeId: store.body.id as number, key: merchant.body.key as string };
}

describe('scan → deduct → push', () => {
  it('pushes the seed text to the member the moment the scan commits, and answers the merchant', async () => {
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const qr = await mintQr(srv.url, token);
    const answer = await scan(srv.url, srv.demoMerchantKey, qr);
    expect(answer.status).toBe(200);
    expect(answer.body.result).toMatchObject({ code: 0, name: 'OK', ok: true, remaining: 9, memberId: 17, storeId: 2, text: '0_扣费成功_剩余次数: 9' });
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');
    socket.close();
  });

  it('reaches every device of the member, in both dialects', async () => {
    const phone = await TestSocket.open(srv.wsUrl, { token });
    const tablet = await TestSocket.open(srv.wsUrl, { token: await devLogin(srv.url, 17) });
    const modern = await TestSocket.open(srv.wsUrl, { token, structured: true });
    expect(modern.ws.protocol).toBe('scanpush.v2');
    await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token));
    expect(await phone.next()).toBe('0_扣费成功_剩余次数: 9');
    expect(await tablet.next()).toBe('0_扣费成功_剩余次数: 9');
    const envelope = decodeServerMessage(await modern.next());
    expect(envelope).toMatchObject({ ok: true, value: { type: 'result', code: 0, remaining: 9, storeId: 2, memberId: 17, text: '0_扣费成功_剩余次数: 9', seq: 1 } });
    const health = await api(srv.url, '/healthz');
    expect(health.body).toEqual({ ok: true, sockets: 3 });
    [phone, tablet, modern].forEach((s) => s.close());
  });

  it('deducts once for a QR scanned twice; the second answer and push say it was used', async () => {
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const qr = await mintQr(srv.url, token);
    expect((await scan(srv.url, srv.demoMerchantKey, qr)).status).toBe(200);
    const second = await scan(srv.url, srv.demoMerchantKey, qr);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'QR_USED', result: { code: 2, text: formatPushText('QR_USED') } });
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');
    expect(await socket.next()).toBe(formatPushText('QR_USED'));
    const cards = await api(srv.url, '/api/cards', { token });
    expect(cards.body.cards).toEqual([{ memberId: 17, storeId: 2, storeName: 'Demo car wash', remaining: 9, expiresAt: null }]);
    socket.close();
  });

  it('answers a retry with the same Idempotency-Key with the first answer, deducting and pushing nothing', async () => {
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const qr = await mintQr(srv.url, token);
    const first = await scan(srv.url, srv.demoMerchantKey, qr, 'retry-1');
    const retry = await scan(srv.url, srv.demoMerchantKey, qr, 'retry-1');
    expect(first.body.replayed).toBe(false);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ ...first.body, replayed: true });
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');
    await socket.expectSilence();
    const other = await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token), 'retry-1');
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const cards = await api(srv.url, '/api/cards', { token });
    expect(cards.body.cards[0].remaining).toBe(9);
    socket.close();
  });

  it('deducts once when one QR, or one Idempotency-Key, is posted many times at once', async () => {
    // Concurrent requests land in the same group commit: each must still see the others' writes.
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const qr = await mintQr(srv.url, token);
    const same = await Promise.all(Array.from({ length: 10 }, () => scan(srv.url, srv.demoMerchantKey, qr)));
    expect(same.map((a) => a.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    expect(same.filter((a) => a.status === 409).every((a) => a.body.error.code === 'QR_USED')).toBe(true);

    const retried = await mintQr(srv.url, token);
    const retries = await Promise.all(Array.from({ length: 10 }, () => scan(srv.url, srv.demoMerchantKey, retried, 'burst-1')));
    expect(retries.every((a) => a.status === 200)).toBe(true);
    expect(retries.filter((a) => !a.body.replayed)).toHaveLength(1);
    expect(new Set(retries.map((a) => a.body.result.seq)).size).toBe(1);

    const cards = await api(srv.url, '/api/cards', { token });
    expect(cards.body.cards[0].remaining).toBe(8);
    // One success and nine refusals for the first QR, told the member once, then one success: three frames.
    const frames = [];
    for (let i = 0; i < 3; i++) frames.push(await socket.next());
    expect(frames).toEqual(['0_扣费成功_剩余次数: 9', formatPushText('QR_USED'), '0_扣费成功_剩余次数: 8']);
    await socket.expectSilence();
    socket.close();
  });

  it('gives exactly 3 successes out of 20 concurrent scans on a card with 3 uses, ledger consistent', async () => {
    const { storeId, key } = await storeWithCard(3);
    const qrs = await Promise.all(Array.from({ length: 20 }, () => mintQr(srv.url, token, storeId)));
    const answers = await Promise.all(qrs.map((qr) => scan(srv.url, key, qr)));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(3);
    expect(ok.map((a) => a.body.result.remaining).sort()).toEqual([0, 1, 2]);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(409);
      expect(a.body.error.code).toBe('NO_USES_LEFT');
      expect(a.body.error.result.text).toBe('3_剩余次数不足_剩余次数: 0');
    }
    expect((await srv.storage.cards.getCard(17, storeId))?.remaining).toBe(0);
    const ledger = (await srv.storage.cards.history(17, storeId, 10)).reverse();
    expect(ledger.map((e) => [e.kind, e.delta, e.balanceAfter])).toEqual([
      ['topup', 3, 3],
      ['deduct', -1, 2],
      ['deduct', -1, 1],
      ['deduct', -1, 0],
    ]);
    // Every scan is in the member's stream at that store, once: 3 deductions and 17 refusals.
    const entries = await srv.storage.streams.read(17, storeId, 0, 100);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(entries.filter((e) => e.ledgerId !== null)).toHaveLength(3);
    expect((await srv.storage.audit()).problems).toEqual([]);
  });

  it('refuses an expired QR and a tampered one, deducting nothing', async () => {
    const signer = new QrSigner(srv.qrSecret);
    const expired = signer.issue(17, 2, Date.now() - 120_000, 60).token;
    const a = await scan(srv.url, srv.demoMerchantKey, expired);
    expect(a.status).toBe(410);
    expect(a.body.error).toMatchObject({ code: 'QR_EXPIRED', result: { code: 1, memberId: 17 } });

    const good = await mintQr(srv.url, token);
    const flipped = good.slice(0, 10) + (good[10] === 'A' ? 'B' : 'A') + good.slice(11);
    const b = await scan(srv.url, srv.demoMerchantKey, flipped);
    expect(b.status).toBe(422);
    expect(b.body.error).toMatchObject({ code: 'QR_INVALID', result: { code: 6, memberId: null } });

    const forged = new QrSigner('another-secret-another-secret-another-secret').issue(17, 2, Date.now(), 60).token;
    expect((await scan(srv.url, srv.demoMerchantKey, forged)).body.error.code).toBe('QR_INVALID');
    expect((await scan(srv.url, srv.demoMerchantKey, 'hello')).body.error.code).toBe('QR_INVALID');

    const cards = await api(srv.url, '/api/cards', { token });
    expect(cards.body.cards[0].remaining).toBe(10);
  });

  it('refuses a merchant key from the moment it is revoked, and keeps its past scans', async () => {
    const { storeId, key } = await storeWithCard(5);
    expect((await scan(srv.url, key, await mintQr(srv.url, token, storeId))).status).toBe(200);
    const merchantId = Number(/^spk_(\d+)_/.exec(key)![1]);
    const revoke = (id: number) => api(srv.url, `/api/admin/merchants/${id}/revoke`, { token: srv.adminToken, method: 'POST' });
    expect((await revoke(merchantId)).body).toEqual({ id: merchantId, revoked: true });
    expect((await revoke(merchantId)).status).toBe(200); // again: still revoked, no error
    expect((await revoke(999_999)).status).toBe(404);
    expect((await api(srv.url, `/api/admin/merchants/${merchantId}/revoke`, { method: 'POST' })).status).toBe(401);

    const refused = await scan(srv.url, key, await mintQr(srv.url, token, storeId));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('UNAUTHORIZED');
    const history = await api(srv.url, `/api/cards/${storeId}/history`, { token });
    expect(history.body.entries.map((e: { kind: string }) => e.kind)).toEqual(['deduct', 'topup']);
    // Other merchants are untouched.
    expect((await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token))).status).toBe(200);
  });

  it("does not let a merchant of one store deduct at another store's card", async () => {
    const other = await storeWithCard(5);
    const socket = await TestSocket.open(srv.wsUrl, { token, storeId: other.storeId });
    const qrForOther = await mintQr(srv.url, token, other.storeId);
    const refused = await scan(srv.url, srv.demoMerchantKey, qrForOther);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'QR_WRONG_STORE', result: { text: formatPushText('QR_WRONG_STORE') } });
    expect(await socket.next()).toBe(formatPushText('QR_WRONG_STORE'));
    const qrForDemo = await mintQr(srv.url, token, 2);
    expect((await scan(srv.url, other.key, qrForDemo)).body.error.code).toBe('QR_WRONG_STORE');
    const cards = await api(srv.url, '/api/cards', { token });
    expect(cards.body.cards.map((c: { remaining: number }) => c.remaining)).toEqual([10, 5]);
    socket.close();
  });

  it('refuses a wrong or missing merchant key', async () => {
    const qr = await mintQr(srv.url, token);
    // Another last character, whatever the random key ends with (appending a fixed 'xx' was the key itself 1 time in 4,096).
    const key = srv.demoMerchantKey;
    const wrong = await scan(srv.url, key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'), qr);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect((await api(srv.url, '/api/scans', { body: { qr } })).status).toBe(401);
    expect((await scan(srv.url, token, qr)).status).toBe(401); // a member session is not a merchant key
  });
});

describe('socket upgrade', () => {
  const path = socketPath(17, 2);

  it('refuses without a handshake: 401 without or with a bad token, 403 for another member, 400 for bad ids', async () => {
    expect((await upgradeStatus(srv.wsUrl + path)).status).toBe(401);
    expect((await upgradeStatus(srv.wsUrl + path, { authorization: 'Bearer nope' })).status).toBe(401);
    const other = await api(srv.url, '/api/admin/members', { token: srv.adminToken, body: { name: 'Other' } });
    const otherToken = await devLogin(srv.url, other.body.id);
    const forbidden = await upgradeStatus(srv.wsUrl + path, { authorization: `Bearer ${otherToken}` });
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body).error.code).toBe('FORBIDDEN');
    expect((await upgradeStatus(srv.wsUrl + '/webSocket/abc/2', { authorization: `Bearer ${token}` })).status).toBe(400);
    expect((await upgradeStatus(srv.wsUrl + '/webSocket/17', { authorization: `Bearer ${token}` })).status).toBe(400);
    expect((await upgradeStatus(srv.wsUrl + '/webSocket/17/999', { authorization: `Bearer ${token}` })).status).toBe(404);
    expect((await upgradeStatus(srv.wsUrl + path, { authorization: `Bearer ${token}` })).status).toBe(101);
    expect((await upgradeStatus(`${srv.wsUrl}${path}?token=${token}`)).status).toBe(101);
  });

  it('closes the sockets of a revoked session with 4001 and refuses the token afterwards', async () => {
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const other = await TestSocket.open(srv.wsUrl, { token: await devLogin(srv.url, 17) });
    expect((await api(srv.url, '/api/auth/logout', { method: 'POST', token })).status).toBe(204);
    expect((await socket.closed).code).toBe(4001);
    expect((await upgradeStatus(srv.wsUrl + path, { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await api(srv.url, '/api/cards', { token })).status).toBe(401);
    const revoked = await api(srv.url, '/api/admin/members/17/revoke-sessions', { method: 'POST', token: srv.adminToken });
    expect(revoked.body).toEqual({ revoked: 1, socketsClosed: 1, devicesRevoked: 0 });
    expect((await other.closed).code).toBe(4001);
  });

  it('closes every socket with 1001 on shutdown', async () => {
    const socket = await TestSocket.open(srv.wsUrl, { token });
    // stop(), not server.close(): it also drops the PostgreSQL database and the temp dir of this server.
    const stopping = srv.stop();
    expect((await socket.closed).code).toBe(1001);
    await stopping;
    srv = await startServer(); // afterEach stops this one
  });
});

describe('HTTP errors', () => {
  it('answers malformed JSON, bad fields, wrong media type, oversized bodies and unknown routes in one shape', async () => {
    const bad = await api(srv.url, '/api/qr', { token, body: '{"storeId": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_JSON', message: expect.any(String), requestId: expect.any(String) });

    const field = await api(srv.url, '/api/qr', { token, body: { storeId: 'two' } });
    expect(field.status).toBe(400);
    expect(field.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'storeId' });

    const media = await api(srv.url, '/api/qr', { token, body: 'storeId=2', headers: { 'content-type': 'text/plain' } });
    expect(media.status).toBe(415);

    const big = await api(srv.url, '/api/scans', { token: srv.demoMerchantKey, body: { qr: 'x'.repeat(100_000) } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');

    const plain = await api(srv.url, '/webSocket/17/2');
    expect(plain.status).toBe(400);
    expect(plain.body.error.code).toBe('UPGRADE_REQUIRED');

    const missing = await api(srv.url, '/api/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');

    const noCard = await api(srv.url, '/api/qr', { token, body: { storeId: 999 } });
    expect(noCard.status).toBe(404);
    expect(noCard.body.error.code).toBe('CARD_NOT_FOUND');
  });

  it('limits chunked bodies too, which declare no length, and still reads a small one', async () => {
    // fetch sends a streamed body chunked, without Content-Length.
    const chunked = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < text.length; i += 1000) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 1000)));
          controller.close();
        },
      });
    const post = async (path: string, text: string, auth: string) => {
      const res = await fetch(srv.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
        body: chunked(text),
        duplex: 'half',
      } as RequestInit);
      return { status: res.status, body: (await res.json()) as any };
    };
    const big = await post('/api/scans', JSON.stringify({ qr: 'x'.repeat(100_000) }), srv.demoMerchantKey);
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const small = await post('/api/qr', JSON.stringify({ storeId: 2 }), token);
    expect(small.status).toBe(200);
    expect(small.body.token).toMatch(/^SP/);
  });

  it('returns the QR as SVG on request and the card history', async () => {
    const qr = await api(srv.url, '/api/qr', { token, body: { storeId: 2, svg: true } });
    expect(qr.body.token).toMatch(/^SP[A-Z2-7]{60}$/);
    expect(qr.body.svg).toContain('<svg');
    await scan(srv.url, srv.demoMerchantKey, qr.body.token);
    const history = await api(srv.url, '/api/cards/2/history', { token });
    expect(history.body.entries.map((e: { kind: string; balanceAfter: number }) => [e.kind, e.balanceAfter])).toEqual([
      ['deduct', 9],
      ['topup', 10],
    ]);
  });

  it('keeps the development login off in production', async () => {
    const prod = await startServer({ env: { NODE_ENV: 'production' } });
    try {
      const res = await api(prod.url, '/api/auth/dev', { body: { userId: 17 } });
      expect(res.status).toBe(404);
    } finally {
      await prod.stop();
    }
  });
});
