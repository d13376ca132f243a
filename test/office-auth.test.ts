import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from './helpers/client.js';
import { office, officeLogin, signIn } from './helpers/office.js';
import { DEMO_OWNER_PASSWORD, startServer, type TestServer } from './helpers/server.js';

// The owners' sign-in to the back office against the real server and database: the session cookie and
// its attributes, CSRF, the sign-in rate limits, sign-out, revocation by the owner and by the operator,
// password changes, disabled owners, expiry. The server trusts loopback as a proxy, so each test speaks
// from its own client address (X-Forwarded-For) and the per-address limit is one test's own.
let srv: TestServer;
let clock = Date.UTC(2026, 5, 1, 9);
let address = 0;
let from: Record<string, string>;

beforeAll(async () => {
  srv = await startServer({ env: { TRUST_PROXY: '127.0.0.1,::1' }, parts: { now: () => clock } });
});
afterAll(async () => {
  await srv?.stop();
});
beforeEach(() => {
  address++;
  from = { 'x-forwarded-for': `198.51.100.${address}`, 'user-agent': `Mozilla/5.0 test ${address}` };
});

const admin = (path: string, body?: unknown, method?: string) => api(srv.url, path, { token: srv.adminToken, body, method });

let owners = 0;

/** A new owner of a new shop, with a store. */
async function newOwner(password = 'correct horse 12') {
  const shop = await admin('/api/admin/shops', { name: `Shop ${address}` });
  expect(shop.status).toBe(201);
  const login = `owner${++owners}@wash.cn`;
  const owner = await admin(`/api/admin/shops/${shop.body.id}/owners`, { login: login.toUpperCase(), name: `店主${address}`, password });
  expect(owner.status, JSON.stringify(owner.body)).toBe(201);
  expect(owner.body).toEqual({ id: expect.any(Number), shopId: shop.body.id, login, name: `店主${address}` });
  const store = await admin('/api/admin/stores', { name: `门店${address}`, shopId: shop.body.id });
  expect(store.status).toBe(201);
  return { shopId: shop.body.id as number, ownerId: owner.body.id as number, login, password, storeId: store.body.id as number };
}

describe('back-office sign-in', () => {
  it('signs in with an HttpOnly, SameSite=Strict session cookie; /me answers who and the CSRF token; nothing secret is kept', async () => {
    const o = await newOwner();
    const res = await officeLogin(srv.url, o.login, o.password, from);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      owner: { id: o.ownerId, name: `店主${address}`, login: o.login, shopId: o.shopId, shopName: `Shop ${address}` },
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: new Date(clock + 7 * 24 * 3600_000).toISOString(),
      timeZone: 'Asia/Shanghai',
    });
    const cookie = res.session!.setCookie;
    expect(cookie).toMatch(/^sp_office=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    // Plain HTTP straight to Node: a Secure cookie would never come back.
    expect(cookie).not.toMatch(/; Secure/);

    const me = await office(srv.url, res.session, '/api/office/me');
    expect(me.body).toEqual({ owner: res.body.owner, csrfToken: res.body.csrfToken, session: { id: expect.any(Number), expiresAt: res.body.expiresAt }, timeZone: 'Asia/Shanghai' });
    const stores = await office(srv.url, res.session, '/api/office/stores');
    expect(stores.body.stores).toEqual([{ id: o.storeId, name: `门店${address}`, createdAt: expect.any(String), entryUrl: `${srv.url}/m/store/${o.storeId}` }]);

    const dump = await srv.dump();
    expect(dump).not.toContain(res.session!.cookie.slice('sp_office='.length));
    expect(dump).not.toContain(o.password);
    expect(dump).not.toContain(res.body.csrfToken);
  });

  it('marks the cookie Secure when a trusted proxy says the browser came over TLS', async () => {
    const o = await newOwner();
    const res = await officeLogin(srv.url, o.login, o.password, { ...from, 'x-forwarded-proto': 'https' });
    expect(res.session!.setCookie).toMatch(/; Secure/);
  });

  it('answers a wrong password, an unknown login and a disabled owner alike: 401 LOGIN_FAILED', async () => {
    const o = await newOwner();
    const wrong = await officeLogin(srv.url, o.login, 'not the password', from);
    const unknown = await officeLogin(srv.url, 'nobody@wash.cn', o.password, from);
    await admin(`/api/admin/owners/${o.ownerId}/disable`, { disabled: true });
    const disabled = await officeLogin(srv.url, o.login, o.password, from);
    for (const res of [wrong, unknown, disabled]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toEqual({ code: 'LOGIN_FAILED', message: 'Wrong login or password', requestId: expect.any(String) });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    await admin(`/api/admin/owners/${o.ownerId}/disable`, { disabled: false });
    expect((await officeLogin(srv.url, o.login, o.password, { ...from, 'x-forwarded-for': '203.0.113.250' })).status).toBe(200);
  });

  it('limits failed sign-ins per login: five, then one a minute, and the right password waits too', async () => {
    const o = await newOwner();
    for (let i = 0; i < 5; i++) {
      // From five addresses: the login's own limit is what stops the sixth.
      expect((await officeLogin(srv.url, o.login, `guess ${i}`, { 'x-forwarded-for': `192.0.2.${i + 1}` })).status).toBe(401);
    }
    const limited = await officeLogin(srv.url, o.login, o.password, from);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('retry-after')).toBe('60');
    clock += 60_000;
    expect((await officeLogin(srv.url, o.login, o.password, from)).status).toBe(200);
  });

  it('limits failed sign-ins per client address across logins', async () => {
    const o = await newOwner();
    for (let i = 0; i < 20; i++) expect((await officeLogin(srv.url, `spray${i}@wash.cn`, 'password123', from)).status).toBe(401);
    expect((await officeLogin(srv.url, o.login, o.password, from)).status).toBe(429);
    expect((await officeLogin(srv.url, o.login, o.password, { ...from, 'x-forwarded-for': '203.0.113.77' })).status).toBe(200);
  });

  it('refuses bad input with the one error shape, asking the database nothing it need not', async () => {
    const res = await api(srv.url, '/api/office/login', { body: { login: 'x' }, headers: from });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const form = await fetch(`${srv.url}/api/office/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...from }, body: 'login=demo&password=x' });
    // A cross-site HTML form cannot even try: only JSON is read.
    expect(form.status).toBe(415);
  });
});

describe('a signed-in owner', () => {
  it('needs the CSRF token on every form post; a GET does not', async () => {
    const o = await newOwner();
    const s = await signIn(srv.url, o.login, o.password, from);
    for (const csrf of [null, 'x'.repeat(43)]) {
      const res = await office(srv.url, s, `/api/office/stores/${o.storeId}/products`, { body: { name: '10次卡', uses: 10, priceFen: 1000 }, csrf });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('CSRF_FAILED');
    }
    expect((await srv.storage.products.list(o.storeId, true)).length).toBe(0);
    const ok = await office(srv.url, s, `/api/office/stores/${o.storeId}/products`, { body: { name: '10次卡', uses: 10, priceFen: 1000 } });
    expect(ok.status).toBe(201);
    // Another session's token is not this one's.
    const other = await signIn(srv.url, o.login, o.password, from);
    const crossed = await office(srv.url, s, `/api/office/stores/${o.storeId}/products`, { body: { name: 'x', uses: 1, priceFen: 1 }, csrf: other.csrfToken });
    expect(crossed.body.error.code).toBe('CSRF_FAILED');
  });

  it('signs out: the cookie is cleared and the session is dead even if the cookie is replayed', async () => {
    const o = await newOwner();
    const s = await signIn(srv.url, o.login, o.password, from);
    const res = await fetch(`${srv.url}/api/office/logout`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken } });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^sp_office=;.*Max-Age=0/);
    const me = await office(srv.url, s, '/api/office/me');
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('UNAUTHORIZED');
    // Signing out with no session at all still clears the cookie.
    expect((await fetch(`${srv.url}/api/office/logout`, { method: 'POST' })).status).toBe(200);
  });

  it('lists its sessions and revokes one or all the others; a password change ends the others', async () => {
    const o = await newOwner();
    const phone = await signIn(srv.url, o.login, o.password, { ...from, 'user-agent': 'iPhone Safari' });
    const desk = await signIn(srv.url, o.login, o.password, { ...from, 'user-agent': 'Desk Chrome' });
    const third = await signIn(srv.url, o.login, o.password, from);
    const listed = await office(srv.url, desk, '/api/office/sessions');
    expect(listed.body.sessions.map((s: any) => [s.userAgent, s.current])).toEqual([
      [from['user-agent'], false],
      ['Desk Chrome', true],
      ['iPhone Safari', false],
    ]);
    const phoneId = listed.body.sessions[2].id;
    expect((await office(srv.url, desk, `/api/office/sessions/${phoneId}/revoke`, { body: {} })).status).toBe(200);
    expect((await office(srv.url, phone, '/api/office/me')).status).toBe(401);
    // Not a session of another owner's.
    const b = await newOwner();
    const bs = await signIn(srv.url, b.login, b.password, from);
    expect((await office(srv.url, bs, `/api/office/sessions/${listed.body.sessions[0].id}/revoke`, { body: {} })).status).toBe(404);
    expect((await office(srv.url, third, '/api/office/me')).status).toBe(200);

    const wrong = await office(srv.url, desk, '/api/office/password', { body: { current: 'nope', next: 'a new password 1' } });
    expect(wrong.body.error).toMatchObject({ code: 'LOGIN_FAILED', field: 'current' });
    const changed = await office(srv.url, desk, '/api/office/password', { body: { current: o.password, next: 'a new password 1' } });
    expect(changed.body).toEqual({ changed: true, revoked: 1 });
    expect((await office(srv.url, third, '/api/office/me')).status).toBe(401);
    expect((await office(srv.url, desk, '/api/office/me')).status).toBe(200);
    expect((await officeLogin(srv.url, o.login, o.password, from)).status).toBe(401);
    expect((await officeLogin(srv.url, o.login, 'a new password 1', from)).status).toBe(200);
  });

  it('is signed out everywhere by the operator, and after seven days', async () => {
    const o = await newOwner();
    const s = await signIn(srv.url, o.login, o.password, from);
    const revoked = await admin(`/api/admin/owners/${o.ownerId}/revoke-sessions`, {});
    expect(revoked.body).toEqual({ revoked: 1 });
    expect((await office(srv.url, s, '/api/office/me')).status).toBe(401);

    const later = await signIn(srv.url, o.login, o.password, from);
    clock += 7 * 24 * 3600_000 - 1;
    expect((await office(srv.url, later, '/api/office/me')).status).toBe(200);
    clock += 1;
    expect((await office(srv.url, later, '/api/office/me')).status).toBe(401);
  });

  it('the demo owner signs in with the demo password and sees the demo store', async () => {
    const s = await signIn(srv.url, 'demo', DEMO_OWNER_PASSWORD, from);
    const stores = await office(srv.url, s, '/api/office/stores');
    expect(stores.body.stores.map((x: any) => x.id)).toEqual([2]);
    const products = await office(srv.url, s, '/api/office/stores/2/products');
    expect(products.body.products.map((p: any) => p.name)).toEqual(['10次洗车卡']);
  });

  it('leaves its sign-ins, sign-outs and password changes in the shop audit log, with the browser', async () => {
    const o = await newOwner();
    const s = await signIn(srv.url, o.login, o.password, from);
    await office(srv.url, s, `/api/office/stores/${o.storeId}/products`, { body: { name: '5次卡', uses: 5, priceFen: 15000, validDays: 90 }, headers: from });
    await office(srv.url, s, '/api/office/logout', { body: {}, headers: from });
    const log = await srv.storage.office.listAudit({ shopId: o.shopId }, 20);
    expect(log.map((e) => e.action)).toEqual(['owner.logout', 'product.create', 'owner.login', 'store.create', 'owner.create', 'shop.create']);
    // The owner reads the same through the shop's log, and nothing of another shop.
    const again = await signIn(srv.url, o.login, o.password, from);
    const read = await office(srv.url, again, '/api/office/audit');
    expect(read.body.entries.map((e: { action: string }) => e.action)).toEqual(['owner.login', ...log.map((e) => e.action)]);
    expect(read.body.entries.every((e: { shopId: number }) => e.shopId === o.shopId)).toBe(true);
    expect(log[1]).toMatchObject({
      actor: { kind: 'owner', ownerId: o.ownerId },
      actorName: `店主${address}`,
      storeId: o.storeId,
      shopId: o.shopId,
      device: from['user-agent'],
      client: from['x-forwarded-for'],
      detail: { name: '5次卡', uses: 5, priceFen: 15000, validDays: 90 },
    });
  });
});
