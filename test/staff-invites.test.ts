import { parseStaffBinding, type StaffInviteResponse, type StaffJoinResponse } from '@scanpush/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

// Staff invited by QR, against the real server and database: the operator's admin API creates a
// one-time invite, a device redeems it for a staff credential of its own, and that credential scans.
// The server trusts loopback as a proxy, so each test speaks from its own client address
// (X-Forwarded-For) and the per-address limit of refused redeems is one test's own.
let srv: TestServer;
let clock = Date.UTC(2026, 5, 1, 9);
let address = 0;
let from: Record<string, string>;

beforeAll(async () => {
  srv = await startServer({
    env: { TRUST_PROXY: '127.0.0.1,::1', PUBLIC_ORIGIN: 'https://wash.example.cn/' },
    parts: { now: () => clock },
  });
});
afterAll(async () => {
  await srv?.stop();
});
beforeEach(() => {
  address++;
  from = { 'x-forwarded-for': `198.51.100.${address}` };
});

const admin = () => srv.adminToken;

async function invite(body: object = {}, storeId = 2): Promise<StaffInviteResponse> {
  const res = await api<StaffInviteResponse>(srv.url, `/api/admin/stores/${storeId}/invites`, { token: admin(), body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

function join(code: string, deviceName = 'iPhone 15 Pro', headers = from) {
  return api(srv.url, '/api/staff/join', { body: { code, deviceName }, headers });
}

/** Everything kept about store 2's staff and invites, through Storage only. */
async function staffState() {
  return { staff: await srv.storage.invites.listStaff(2), invites: await srv.storage.invites.listInvites(2) };
}

describe('staff invites', () => {
  it('creates a one-time invite whose QR text is a join URL on the public origin; only its hash is kept', async () => {
    const made = await invite({ name: '晚班 小王', validMinutes: 10 });
    expect(made).toEqual({
      inviteId: expect.any(Number),
      code: expect.stringMatching(/^spi_[A-Za-z0-9_-]{43}$/),
      url: `https://wash.example.cn/staff/join#${made.code}`,
      expiresAt: new Date(clock + 10 * 60_000).toISOString(),
    });
    // The mini-program configured for that origin reads it as an invite.
    expect(parseStaffBinding(made.url, 'https://wash.example.cn')).toEqual({ ok: true, binding: { kind: 'invite', code: made.code } });
    expect(await srv.dump()).not.toContain(made.code.slice(4));

    const listed = await api(srv.url, '/api/admin/stores/2/invites', { token: admin() });
    expect(listed.body.invites[0]).toEqual({
      id: made.inviteId,
      storeId: 2,
      name: '晚班 小王',
      state: 'open',
      createdAt: new Date(clock).toISOString(),
      expiresAt: made.expiresAt,
      redeemedAt: null,
      merchantId: null,
      revokedAt: null,
    });
    // 30 minutes unless told.
    expect((await invite()).expiresAt).toBe(new Date(clock + 30 * 60_000).toISOString());
  });

  it('redeems for a new staff credential of this device, which scans; the invite is then used', async () => {
    const made = await invite();
    const joined = await join(made.code, 'iPhone 15 Pro');
    expect(joined.status).toBe(201);
    const body = joined.body as StaffJoinResponse;
    expect(body).toEqual({ key: expect.stringMatching(/^spk_\d+_[A-Za-z0-9_-]{43}$/), merchantId: expect.any(Number), storeId: 2, storeName: 'Demo car wash' });
    expect(body.key.startsWith(`spk_${body.merchantId}_`)).toBe(true);
    // The whole secret, not a split on '_': base64url secrets contain '_' themselves.
    const secret = body.key.slice(`spk_${body.merchantId}_`.length);
    expect(secret).toHaveLength(43);
    expect(await srv.dump()).not.toContain(secret);

    const member = await devLogin(srv.url, 17);
    const scanned = await scan(srv.url, body.key, await mintQr(srv.url, member));
    expect(scanned.status).toBe(200);
    expect(scanned.body.result.name).toBe('OK');

    const invites = await api(srv.url, '/api/admin/stores/2/invites', { token: admin() });
    expect(invites.body.invites.find((i: { id: number }) => i.id === made.inviteId)).toMatchObject({
      state: 'redeemed',
      merchantId: body.merchantId,
      redeemedAt: new Date(clock).toISOString(),
    });
    const merchants = await api(srv.url, '/api/admin/stores/2/merchants', { token: admin() });
    expect(merchants.body.merchants).toContainEqual({ id: body.merchantId, storeId: 2, name: 'iPhone 15 Pro', createdAt: new Date(clock).toISOString(), revokedAt: null });
    // The demo's key, made before invites existed, is listed too and still scans.
    expect(merchants.body.merchants[0]).toMatchObject({ id: 1, storeId: 2, revokedAt: null });
    expect((await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, member))).status).toBe(200);
  });

  it('refuses a second redeem, an expired invite, a revoked one and an unknown code, each in its own words, writing nothing', async () => {
    const used = await invite();
    expect((await join(used.code)).status).toBe(201);
    const expiring = await invite({ validMinutes: 1 });
    const revoked = await invite();
    expect((await api(srv.url, `/api/admin/invites/${revoked.inviteId}`, { method: 'DELETE', token: admin() })).body).toMatchObject({
      id: revoked.inviteId,
      state: 'revoked',
    });
    clock += 60_000;
    const before = await staffState();

    const cases: Array<[string, number, string]> = [
      [used.code, 409, 'INVITE_USED'],
      [expiring.code, 410, 'INVITE_EXPIRED'],
      [revoked.code, 404, 'INVITE_INVALID'],
      [`spi_${'x'.repeat(43)}`, 404, 'INVITE_INVALID'],
      ['not-a-code', 404, 'INVITE_INVALID'],
    ];
    for (const [code, status, errorCode] of cases) {
      const res = await join(code);
      expect({ status: res.status, code: res.body.error.code, field: res.body.error.field }, code).toEqual({ status, code: errorCode, field: 'code' });
      expect(res.body.error.message).toMatch(/\w/);
    }
    expect(await staffState()).toEqual(before);
  });

  it('lets exactly one of many concurrent redeems of one code win', async () => {
    const made = await invite();
    const before = (await srv.storage.invites.listStaff(2)).length;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => join(made.code, `device ${i}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect((await srv.storage.invites.listStaff(2)).length).toBe(before + 1);
  });

  it('refuses a revoked staff credential’s next scan at once', async () => {
    const { body } = await join((await invite()).code, 'Pixel 8');
    const member = await devLogin(srv.url, 17);
    expect((await scan(srv.url, body.key, await mintQr(srv.url, member))).status).toBe(200);
    const revoked = await api(srv.url, `/api/admin/merchants/${body.merchantId}/revoke`, { method: 'POST', token: admin() });
    expect(revoked.status).toBe(200);
    const refused = await scan(srv.url, body.key, await mintQr(srv.url, member));
    expect(refused.status).toBe(401);
    const merchants = await api(srv.url, '/api/admin/stores/2/merchants', { token: admin() });
    expect(merchants.body.merchants.find((m: { id: number }) => m.id === body.merchantId).revokedAt).toBe(new Date(clock).toISOString());
  });

  it('holds an address that keeps sending bad codes with 429, and no other address', async () => {
    for (let i = 0; i < 10; i++) expect((await join(`spi_${String(i).padStart(20, 'q')}`)).status).toBe(404);
    const held = await join(`spi_${'z'.repeat(20)}`);
    expect(held.status).toBe(429);
    expect(held.body.error.code).toBe('RATE_LIMITED');
    const retry = await fetch(`${srv.url}/api/staff/join`, { method: 'POST', headers: { 'content-type': 'application/json', ...from }, body: '{}' });
    expect(Number(retry.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even a good code waits: the address is held, not the code.
    const good = await invite();
    expect((await join(good.code)).status).toBe(429);
    expect((await join(good.code, 'other', { 'x-forwarded-for': '203.0.113.250' })).status).toBe(201);
    // A token is back after 6 s (10 a minute).
    clock += 6_000;
    expect((await join(good.code)).status).toBe(409);
  });

  it('refuses bad requests: bounds of validMinutes, unknown store, no admin token, an empty device name', async () => {
    for (const validMinutes of [0, 1441, 1.5, '30']) {
      const res = await api(srv.url, '/api/admin/stores/2/invites', { token: admin(), body: { validMinutes } });
      expect({ status: res.status, field: res.body.error.field }, String(validMinutes)).toEqual({ status: 400, field: 'validMinutes' });
    }
    expect((await api(srv.url, '/api/admin/stores/9999/invites', { token: admin(), body: {} })).body.error).toMatchObject({ code: 'NOT_FOUND', field: 'storeId' });
    expect((await api(srv.url, '/api/admin/stores/9999/merchants', { token: admin() })).status).toBe(404);
    expect((await api(srv.url, '/api/admin/stores/2/invites', { body: {} })).status).toBe(401);
    expect((await api(srv.url, '/api/admin/stores/2/merchants', { token: srv.demoMerchantKey })).status).toBe(401);
    expect((await api(srv.url, '/api/admin/invites/9999', { method: 'DELETE', token: admin() })).status).toBe(404);
    const made = await invite();
    const blank = await join(made.code, '   ');
    expect({ status: blank.status, field: blank.body.error.field }).toEqual({ status: 400, field: 'deviceName' });
    // A redeemed invite cannot be revoked; its credential can.
    const { body } = await join(made.code);
    const late = await api(srv.url, `/api/admin/invites/${made.inviteId}`, { method: 'DELETE', token: admin() });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain(`merchant ${body.merchantId}`);
  });
});

describe('staff invites without PUBLIC_ORIGIN', () => {
  it('take the request’s own origin', async () => {
    const plain = await startServer();
    try {
      const res = await api<StaffInviteResponse>(plain.url, '/api/admin/stores/2/invites', { token: plain.adminToken, body: {} });
      expect(res.body.url).toBe(`${plain.url}/staff/join#${res.body.code}`);
    } finally {
      await plain.stop();
    }
  });
});
