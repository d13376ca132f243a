import { RESULT_CODES, parseMerchantKey } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { signIn, type OfficeSession } from './helpers/office.js';
import { PRINCIPALS, UNAUTHORIZED, judge, send, shopState, storeState, type Cred, type Req, type Want, type Who } from './helpers/roles.js';
import { DEMO_OWNER_PASSWORD, startServer, type TestServer } from './helpers/server.js';

// Each role against each route of the real server: allowed or refused as specified, and every attempt to
// reach another shop's data refused with nothing written (checked through Storage). Shop A is the demo
// shop (store 2, owner `demo`, the demo merchant key); shop B is set up through the operator's API with
// its own store, owner, product, invited staff and a card of member 17. The route table names every
// (method, path) the app registers, so a route added without a row here fails the first test.

const PUBLIC = PRINCIPALS;

interface Row {
  method: string;
  /** The path as the app registers it. */
  route: string;
  allow: readonly Who[];
  /** What an allowed principal is answered. */
  ok: Want;
  /** What a refused principal is answered when it is not 401 UNAUTHORIZED (another shop's store, another store's QR). */
  refused?: Partial<Record<Who, Want>>;
  request(who: Who): Promise<Req> | Req;
}

// Pages that hold no data and ask no credential: the same files for everyone.
const STATIC_PAGES: Record<string, string> = {
  'GET /': 'the console page (apps/console), static',
  'GET /console/:file': 'the console assets, static',
  'GET /office': 'the back-office page (apps/office), static',
  'GET /office/': 'the back-office page (apps/office), static',
  'GET /office/:file': 'the back-office assets, static',
};

let srv: TestServer;
let w: World;

interface World {
  cred: Record<Who, Cred>;
  spare: { ownerA: OfficeSession; ownerB: OfficeSession };
  member: string;
  shopA: number;
  shopB: number;
  storeB: number;
  productA: number;
  productB: number;
  ownerA: { id: number; sessionId: number };
  ownerB: { id: number; sessionId: number };
  /** An owner of shop B nobody signs in as: the operator's owner routes act on it. */
  ownerC: number;
  /** A second staff credential of store 2, beside the demo key. */
  secondKeyA: string;
}

const admin = <T = any>(path: string, body?: unknown, method?: string) => api<T>(srv.url, path, { token: srv.adminToken, body, method });

/** What store `storeId` and shop `shopId` hold (member 17's card and ledger among it). */
const stateOf = async (storeId: number, shopId: number) => ({ store: await storeState(srv.storage, storeId, 17), shop: await shopState(srv.storage, shopId) });

async function made(pending: Promise<{ status: number; body: any }>, status = 201): Promise<any> {
  const res = await pending;
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

// Fresh subjects, made through the operator's API, for the requests that use one up.
const keyOf = (storeId: number) => (storeId === 2 ? srv.demoMerchantKey : (w.cred.staffB.bearer as string));
const freshProduct = async (storeId: number) =>
  (await made(admin(`/api/admin/stores/${storeId}/products`, { name: '3次卡', uses: 3, priceFen: 100, validDays: 30 }))).id as number;
const freshInvite = async (storeId: number) => (await made(admin(`/api/admin/stores/${storeId}/invites`, { name: '临时' }))).inviteId as number;
const freshMerchant = async (storeId: number) => (await made(admin('/api/admin/merchants', { storeId, name: '临时设备' }))).id as number;
const freshMember = async () => (await made(admin('/api/admin/members', { name: '临时会员' }))).id as number;
const freshStore = async () => (await made(admin('/api/admin/stores', { name: '临时门店' }))).id as number;
const freshDevice = async () => (await made(api(srv.url, '/api/devices', { token: w.member, body: { name: '临时手机' } }))).deviceId as number;
async function freshDeduction(storeId: number, key = keyOf(storeId)): Promise<number> {
  const res = await scan(srv.url, key, await mintQr(srv.url, w.member, storeId));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.result.ledgerId as number;
}

/** The store routes, mounted for the operator and for owners alike; `path` relative to …/stores/:storeId. */
interface StoreCall {
  method: string;
  suffix: string;
  ok: Want;
  request(storeId: number): Promise<{ path: string; body?: unknown }> | { path: string; body?: unknown };
}
const STORE_CALLS: StoreCall[] = [
  { method: 'POST', suffix: '/products', ok: { status: 201 }, request: () => ({ path: '/products', body: { name: '5次卡', uses: 5, priceFen: 100, validDays: 30 } }) },
  { method: 'GET', suffix: '/products', ok: { status: 200 }, request: () => ({ path: '/products' }) },
  { method: 'POST', suffix: '/products/:id/archive', ok: { status: 200 }, request: async (s) => ({ path: `/products/${await freshProduct(s)}/archive` }) },
  { method: 'POST', suffix: '/invites', ok: { status: 201 }, request: () => ({ path: '/invites', body: { name: '晚班', validMinutes: 10 } }) },
  { method: 'GET', suffix: '/invites', ok: { status: 200 }, request: () => ({ path: '/invites' }) },
  { method: 'DELETE', suffix: '/invites/:id', ok: { status: 200 }, request: async (s) => ({ path: `/invites/${await freshInvite(s)}` }) },
  { method: 'GET', suffix: '/merchants', ok: { status: 200 }, request: () => ({ path: '/merchants' }) },
  { method: 'POST', suffix: '/merchants/:id/revoke', ok: { status: 200 }, request: async (s) => ({ path: `/merchants/${await freshMerchant(s)}/revoke` }) },
  { method: 'GET', suffix: '/members', ok: { status: 200 }, request: () => ({ path: '/members' }) },
  { method: 'GET', suffix: '/members/:memberId', ok: { status: 200 }, request: () => ({ path: '/members/17' }) },
  { method: 'POST', suffix: '/reversals', ok: { status: 200 }, request: async (s) => ({ path: '/reversals', body: { ledgerId: await freshDeduction(s), reason: '扫错了' } }) },
  { method: 'GET', suffix: '/reports/daily', ok: { status: 200 }, request: () => ({ path: '/reports/daily' }) },
  { method: 'GET', suffix: '/reports/daily.csv', ok: { status: 200 }, request: () => ({ path: '/reports/daily.csv' }) },
  { method: 'GET', suffix: '/reports/ledger.csv', ok: { status: 200 }, request: () => ({ path: '/reports/ledger.csv' }) },
  { method: 'GET', suffix: '/audit', ok: { status: 200 }, request: () => ({ path: '/audit' }) },
];

const noStore = (storeId: number): Want => ({ status: 404, code: 'NOT_FOUND', message: `No store ${storeId}` });

async function storeRequest(scope: 'admin' | 'office', call: StoreCall, storeId: number): Promise<Req> {
  const { path, body } = await call.request(storeId);
  return { method: call.method, path: `/api/${scope}/stores/${storeId}${path}`, body };
}

function storeRows(scope: 'admin' | 'office'): Row[] {
  return STORE_CALLS.map((call) => ({
    method: call.method,
    route: `/api/${scope}/stores/:storeId${call.suffix}`,
    allow: scope === 'admin' ? ['operator'] : ['ownerA'],
    ok: call.ok,
    // Shop B's owner asking for store 2 is answered as if there were no store 2.
    refused: scope === 'office' ? { ownerB: noStore(2) } : {},
    request: () => storeRequest(scope, call, 2),
  }));
}

const get = (path: string) => (): Req => ({ method: 'GET', path });
const post = (path: string, body?: unknown) => (): Req => ({ method: 'POST', path, body });

/** Every route the app answers, with who may use it. The store routes target store 2 (shop A). */
function routeTable(): Row[] {
  return [
    // Public.
    { method: 'GET', route: '/healthz', allow: PUBLIC, ok: { status: 200 }, request: get('/healthz') },
    { method: 'GET', route: '/metrics', allow: PUBLIC, ok: { status: 200 }, request: get('/metrics') },
    { method: 'GET', route: '/webSocket/*', allow: PUBLIC, ok: { status: 400, code: 'UPGRADE_REQUIRED' }, request: get('/webSocket/17/2') },
    { method: 'POST', route: '/api/auth/wechat', allow: PUBLIC, ok: { status: 503, code: 'UNAVAILABLE' }, request: post('/api/auth/wechat', { code: 'wx-code' }) },
    { method: 'POST', route: '/api/auth/dev', allow: PUBLIC, ok: { status: 200 }, request: post('/api/auth/dev', { userId: 17 }) },
    // A body that fails validation: a sign-in costs a scrypt hash, and what is judged here is who may ask.
    { method: 'POST', route: '/api/office/login', allow: PUBLIC, ok: { status: 400, code: 'VALIDATION_FAILED' }, request: post('/api/office/login', {}) },
    {
      method: 'POST',
      route: '/api/office/logout',
      allow: PUBLIC,
      ok: { status: 200 },
      // An owner signs out a spare session, so the main one serves the other rows.
      request: (who) => ({ method: 'POST', path: '/api/office/logout', as: who === 'ownerA' || who === 'ownerB' ? { office: w.spare[who] } : undefined }),
    },
    // The 办卡 entry a plain camera opens: a page naming the store, for anyone.
    { method: 'GET', route: '/m/store/:storeId', allow: PUBLIC, ok: { status: 200 }, request: get('/m/store/2') },
    // The API's description: on outside production (OPENAPI), and it holds no data.
    { method: 'GET', route: '/openapi.json', allow: PUBLIC, ok: { status: 200 }, request: get('/openapi.json') },
    // Without a device name: refused before the code is looked at, so no refusal is counted against the address.
    { method: 'POST', route: '/api/staff/join', allow: PUBLIC, ok: { status: 400, code: 'VALIDATION_FAILED' }, request: post('/api/staff/join', { code: 'spi_x' }) },

    // Members.
    {
      method: 'POST',
      route: '/api/auth/logout',
      allow: ['member'],
      ok: { status: 204 },
      request: async (who) => ({ method: 'POST', path: '/api/auth/logout', as: who === 'member' ? { bearer: await devLogin(srv.url) } : undefined }),
    },
    { method: 'GET', route: '/api/cards', allow: ['member'], ok: { status: 200 }, request: get('/api/cards') },
    { method: 'GET', route: '/api/cards/:storeId/history', allow: ['member'], ok: { status: 200 }, request: get('/api/cards/2/history') },
    { method: 'GET', route: '/api/stores/:storeId', allow: ['member'], ok: { status: 200 }, request: get('/api/stores/2') },
    { method: 'POST', route: '/api/qr', allow: ['member'], ok: { status: 200 }, request: post('/api/qr', { storeId: 2 }) },
    { method: 'GET', route: '/api/notifications', allow: ['member'], ok: { status: 200 }, request: get('/api/notifications?storeId=2&after=0&wait=0') },
    { method: 'GET', route: '/api/notify/settings', allow: ['member'], ok: { status: 200 }, request: get('/api/notify/settings') },
    { method: 'POST', route: '/api/notify/subscriptions', allow: ['member'], ok: { status: 200 }, request: post('/api/notify/subscriptions', { results: { someTemplate: 'accept' } }) },
    { method: 'POST', route: '/api/devices', allow: ['member'], ok: { status: 201 }, request: post('/api/devices', { name: '我的手机' }) },
    { method: 'GET', route: '/api/devices', allow: ['member'], ok: { status: 200 }, request: get('/api/devices') },
    { method: 'DELETE', route: '/api/devices/:id', allow: ['member'], ok: { status: 200 }, request: async () => ({ method: 'DELETE', path: `/api/devices/${await freshDevice()}` }) },

    // Staff: their own store only. A store-2 QR at shop B's counter is the counter's own refusal.
    {
      method: 'POST',
      route: '/api/scans',
      allow: ['staffA'],
      ok: { status: 200 },
      refused: { staffB: { status: 403, code: 'QR_WRONG_STORE' } },
      request: async () => ({ method: 'POST', path: '/api/scans', body: { qr: await mintQr(srv.url, w.member, 2) } }),
    },
    { method: 'GET', route: '/api/products', allow: ['staffA', 'staffB'], ok: { status: 200 }, request: get('/api/products') },
    {
      method: 'POST',
      route: '/api/sales',
      allow: ['staffA'],
      ok: { status: 200 },
      refused: { staffB: { status: 403, code: 'QR_WRONG_STORE' } },
      // Each staff sells a product of their own store: the QR is what belongs to store 2.
      request: async (who) => ({
        method: 'POST',
        path: '/api/sales',
        body: { qr: await mintQr(srv.url, w.member, 2), productId: who === 'staffB' ? w.productB : w.productA },
      }),
    },
    {
      method: 'POST',
      route: '/api/reversals',
      allow: ['staffA'],
      ok: { status: 200 },
      refused: { staffB: { status: 422, code: 'NOT_REVERSIBLE' } },
      request: async () => ({ method: 'POST', path: '/api/reversals', body: { ledgerId: await freshDeduction(2), reason: '扫错了' } }),
    },

    // The operator.
    { method: 'POST', route: '/api/admin/stores', allow: ['operator'], ok: { status: 201 }, request: post('/api/admin/stores', { name: '新门店' }) },
    { method: 'POST', route: '/api/admin/members', allow: ['operator'], ok: { status: 201 }, request: post('/api/admin/members', { name: '新会员' }) },
    { method: 'POST', route: '/api/admin/cards', allow: ['operator'], ok: { status: 200 }, request: () => post('/api/admin/cards', { memberId: 17, storeId: w.storeB, uses: 1 })() },
    { method: 'POST', route: '/api/admin/merchants', allow: ['operator'], ok: { status: 201 }, request: () => post('/api/admin/merchants', { storeId: w.storeB, name: '收银台' })() },
    { method: 'POST', route: '/api/admin/merchants/:id/revoke', allow: ['operator'], ok: { status: 200 }, request: async () => post(`/api/admin/merchants/${await freshMerchant(w.storeB)}/revoke`)() },
    { method: 'DELETE', route: '/api/admin/invites/:id', allow: ['operator'], ok: { status: 200 }, request: async () => ({ method: 'DELETE', path: `/api/admin/invites/${await freshInvite(w.storeB)}` }) },
    { method: 'POST', route: '/api/admin/members/:id/revoke-sessions', allow: ['operator'], ok: { status: 200 }, request: async () => post(`/api/admin/members/${await freshMember()}/revoke-sessions`)() },
    { method: 'POST', route: '/api/admin/members/:id/revoke-devices', allow: ['operator'], ok: { status: 200 }, request: async () => post(`/api/admin/members/${await freshMember()}/revoke-devices`)() },
    { method: 'POST', route: '/api/admin/shops', allow: ['operator'], ok: { status: 201 }, request: post('/api/admin/shops', { name: '新店' }) },
    { method: 'GET', route: '/api/admin/shops', allow: ['operator'], ok: { status: 200 }, request: get('/api/admin/shops') },
    {
      method: 'POST',
      route: '/api/admin/shops/:shopId/owners',
      allow: ['operator'],
      ok: { status: 201 },
      request: (who) => post(`/api/admin/shops/${w.shopB}/owners`, { login: `owner-${who.toLowerCase()}`, name: '新店主', password: 'a-new-password' })(),
    },
    { method: 'GET', route: '/api/admin/shops/:shopId/owners', allow: ['operator'], ok: { status: 200 }, request: () => get(`/api/admin/shops/${w.shopB}/owners`)() },
    {
      method: 'PUT',
      route: '/api/admin/stores/:storeId/shop',
      allow: ['operator'],
      ok: { status: 200 },
      request: async () => ({ method: 'PUT', path: `/api/admin/stores/${await freshStore()}/shop`, body: { shopId: w.shopB } }),
    },
    { method: 'POST', route: '/api/admin/owners/:id/revoke-sessions', allow: ['operator'], ok: { status: 200 }, request: () => post(`/api/admin/owners/${w.ownerC}/revoke-sessions`)() },
    { method: 'POST', route: '/api/admin/owners/:id/password', allow: ['operator'], ok: { status: 200 }, request: () => post(`/api/admin/owners/${w.ownerC}/password`, { password: 'owner-c-password-2' })() },
    { method: 'POST', route: '/api/admin/owners/:id/disable', allow: ['operator'], ok: { status: 200 }, request: () => post(`/api/admin/owners/${w.ownerC}/disable`, { disabled: true })() },
    ...storeRows('admin'),

    // Owners, each in their own account and shop.
    { method: 'GET', route: '/api/office/me', allow: ['ownerA', 'ownerB'], ok: { status: 200 }, request: get('/api/office/me') },
    { method: 'GET', route: '/api/office/sessions', allow: ['ownerA', 'ownerB'], ok: { status: 200 }, request: get('/api/office/sessions') },
    {
      method: 'POST',
      route: '/api/office/sessions/:id/revoke',
      allow: ['ownerA', 'ownerB'],
      // Each owner names the other owner's session: not theirs, so none.
      ok: { status: 404, code: 'NOT_FOUND' },
      request: (who) => post(`/api/office/sessions/${who === 'ownerA' ? w.ownerB.sessionId : w.ownerA.sessionId}/revoke`)(),
    },
    { method: 'POST', route: '/api/office/sessions/revoke-others', allow: ['ownerA', 'ownerB'], ok: { status: 200 }, request: post('/api/office/sessions/revoke-others') },
    // A new password too short: judged after the session and CSRF, and nothing changes.
    { method: 'POST', route: '/api/office/password', allow: ['ownerA', 'ownerB'], ok: { status: 400, code: 'VALIDATION_FAILED' }, request: post('/api/office/password', { current: 'x', next: 'short' }) },
    { method: 'GET', route: '/api/office/audit', allow: ['ownerA', 'ownerB'], ok: { status: 200 }, request: get('/api/office/audit') },
    { method: 'GET', route: '/api/office/stores', allow: ['ownerA', 'ownerB'], ok: { status: 200 }, request: get('/api/office/stores') },
    { method: 'POST', route: '/api/office/stores', allow: ['ownerA', 'ownerB'], ok: { status: 201 }, request: post('/api/office/stores', { name: '分店' }) },
    ...storeRows('office'),
  ];
}

beforeAll(async () => {
  srv = await startServer();
  const member = await devLogin(srv.url);
  const shopB = (await made(admin('/api/admin/shops', { name: 'Shop B' }))).id as number;
  const storeB = (await made(admin('/api/admin/stores', { name: 'B wash', shopId: shopB }))).id as number;
  const [ownerB, ownerC] = await Promise.all([
    made(admin(`/api/admin/shops/${shopB}/owners`, { login: 'owner-b', name: '店主B', password: 'owner-b-password' })),
    made(admin(`/api/admin/shops/${shopB}/owners`, { login: 'owner-c', name: '店主C', password: 'owner-c-password' })),
  ]);
  const productB = (await made(admin(`/api/admin/stores/${storeB}/products`, { name: 'B卡', uses: 5, priceFen: 100, validDays: 30 }))).id as number;
  const invite = await made(admin(`/api/admin/stores/${storeB}/invites`, { name: 'B 前台' }));
  const staffB = (await made(api(srv.url, '/api/staff/join', { body: { code: invite.code, deviceName: 'B iPhone' } }))).key as string;
  // Member 17's card at shop B, sold at B's counter.
  const sold = await api(srv.url, '/api/sales', { token: staffB, body: { qr: await mintQr(srv.url, member, storeB), productId: productB } });
  expect(sold.status, JSON.stringify(sold.body)).toBe(200);
  // Uses enough for every deduction below at either store.
  await made(admin('/api/admin/cards', { memberId: 17, storeId: 2, uses: 200 }), 200);
  await made(admin('/api/admin/cards', { memberId: 17, storeId: storeB, uses: 200 }), 200);
  const secondKeyA = (await made(admin('/api/admin/merchants', { storeId: 2, name: 'Second till' }))).key as string;
  const productA = (await srv.storage.products.list(2, false))[0]!.id;
  const [sessionA, sessionB, spareA, spareB] = await Promise.all([
    signIn(srv.url, 'demo', DEMO_OWNER_PASSWORD),
    signIn(srv.url, 'owner-b', 'owner-b-password'),
    signIn(srv.url, 'demo', DEMO_OWNER_PASSWORD),
    signIn(srv.url, 'owner-b', 'owner-b-password'),
  ]);
  const me = async (session: OfficeSession) => (await api(srv.url, '/api/office/me', { headers: { cookie: session.cookie } })).body;
  const [meA, meB] = [await me(sessionA), await me(sessionB)];
  w = {
    cred: {
      anonymous: {},
      member: { bearer: member },
      staffA: { bearer: srv.demoMerchantKey },
      staffB: { bearer: staffB },
      ownerA: { office: sessionA },
      ownerB: { office: sessionB },
      operator: { bearer: srv.adminToken },
    },
    spare: { ownerA: spareA, ownerB: spareB },
    member,
    shopA: meA.owner.shopId,
    shopB,
    storeB,
    productA,
    productB,
    ownerA: { id: meA.owner.id, sessionId: meA.session.id },
    ownerB: { id: meB.owner.id, sessionId: meB.session.id },
    ownerC: ownerC.id,
    secondKeyA,
  };
  expect(ownerB.id).toBe(w.ownerB.id);
  expect(meB.owner.shopId).toBe(shopB);
});

afterAll(async () => {
  if (!srv) return;
  expect((await srv.storage.audit()).problems).toEqual([]);
  await srv.stop();
});

describe('roles', () => {
  it('has a row for every route the app registers, and none for a route it does not', () => {
    const registered = srv.server
      .routes()
      .map((r) => `${r.method} ${r.path}`)
      .filter((key) => !(key in STATIC_PAGES));
    const table = routeTable().map((r) => `${r.method} ${r.route}`);
    expect(new Set(table).size).toBe(table.length);
    expect([...table].sort()).toEqual([...new Set(registered)].sort());
  });

  it('answers each principal on each route as specified, every error in the one shape', async () => {
    const problems: string[] = [];
    for (const row of routeTable()) {
      for (const who of PRINCIPALS) {
        const req = await row.request(who);
        const want = row.allow.includes(who) ? row.ok : (row.refused?.[who] ?? UNAUTHORIZED);
        const problem = judge(await send(srv.url, req, req.as ?? w.cred[who]), want);
        if (problem) problems.push(`${who} ${req.method} ${req.path}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    // The sign-outs ended the spare sessions, and only those.
    for (const owner of ['ownerA', 'ownerB'] as const) {
      expect((await send(srv.url, { method: 'GET', path: '/api/office/me' }, { office: w.spare[owner] })).status).toBe(401);
      expect((await send(srv.url, { method: 'GET', path: '/api/office/me' }, w.cred[owner])).status).toBe(200);
    }
  });

  it("refuses shop B's owner every store route of shop A's store with 404, writing nothing", async () => {
    const demoMerchant = parseMerchantKey(srv.demoMerchantKey);
    if (!demoMerchant.ok) throw new Error('demo key');
    const requests: Req[] = [];
    for (const call of STORE_CALLS) requests.push(await storeRequest('office', call, 2));
    requests.push({ method: 'POST', path: `/api/office/stores/2/merchants/${demoMerchant.value.merchantId}/revoke` });
    requests.push({ method: 'POST', path: `/api/office/stores/2/products/${w.productA}/archive` });
    const before = await stateOf(2, w.shopA);
    const problems: string[] = [];
    for (const req of requests) {
      const problem = judge(await send(srv.url, req, w.cred.ownerB), noStore(2));
      if (problem) problems.push(`${req.method} ${req.path}: ${problem}`);
    }
    expect(problems).toEqual([]);
    // The same answer as for a store that does not exist: owner B learns nothing of store 2.
    expect(judge(await send(srv.url, { method: 'GET', path: '/api/office/stores/999999/products' }, w.cred.ownerB), noStore(999_999))).toBeUndefined();
    expect(await stateOf(2, w.shopA)).toEqual(before);
    expect((await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, w.member, 2))).status).toBe(200);
  });

  it("refuses shop B's owner shop A's products, invites, staff and deductions named through shop B's own store", async () => {
    const demoMerchant = parseMerchantKey(srv.demoMerchantKey);
    if (!demoMerchant.ok) throw new Error('demo key');
    const inviteA = await freshInvite(2);
    const deductionA = await freshDeduction(2);
    const B = `/api/office/stores/${w.storeB}`;
    const cases: Array<[Req, Want]> = [
      [{ method: 'POST', path: `${B}/products/${w.productA}/archive` }, { status: 404, code: 'PRODUCT_NOT_FOUND' }],
      [{ method: 'DELETE', path: `${B}/invites/${inviteA}` }, { status: 404, code: 'NOT_FOUND' }],
      [{ method: 'POST', path: `${B}/merchants/${demoMerchant.value.merchantId}/revoke` }, { status: 404, code: 'NOT_FOUND' }],
      [{ method: 'POST', path: `${B}/reversals`, body: { ledgerId: deductionA, reason: '误扣' } }, { status: 422, code: 'NOT_REVERSIBLE' }],
    ];
    const before = await stateOf(2, w.shopA);
    const problems: string[] = [];
    for (const [req, want] of cases) {
      const problem = judge(await send(srv.url, req, w.cred.ownerB), want);
      if (problem) problems.push(`${req.method} ${req.path}: ${problem}`);
    }
    expect(problems).toEqual([]);
    expect(await stateOf(2, w.shopA)).toEqual(before);

    // Member 17 holds cards at both shops: shop B's owner sees the store-B card and its ledger only.
    const detail = await send(srv.url, { method: 'GET', path: `${B}/members/17` }, w.cred.ownerB);
    expect(detail.status).toBe(200);
    const storeALedger = new Set(before.store.ledger.map((e) => e.id));
    expect(detail.body.ledger.length).toBeGreaterThan(0);
    expect(detail.body.ledger.filter((e: { id: number; storeId: number }) => e.storeId !== w.storeB || storeALedger.has(e.id))).toEqual([]);
    const audit = await send(srv.url, { method: 'GET', path: `${B}/audit` }, w.cred.ownerB);
    const storeAAudit = new Set(before.store.audit.map((e) => e.id));
    expect(audit.body.entries.filter((e: { id: number }) => storeAAudit.has(e.id))).toEqual([]);
  });

  it("refuses shop A's owner every store route of shop B's store with 404, writing nothing", async () => {
    const requests: Req[] = [];
    for (const call of STORE_CALLS) requests.push(await storeRequest('office', call, w.storeB));
    const before = await stateOf(w.storeB, w.shopB);
    const problems: string[] = [];
    for (const req of requests) {
      const problem = judge(await send(srv.url, req, w.cred.ownerA), noStore(w.storeB));
      if (problem) problems.push(`${req.method} ${req.path}: ${problem}`);
    }
    expect(problems).toEqual([]);
    expect(await stateOf(w.storeB, w.shopB)).toEqual(before);
  });

  it("lets staff reverse only their own store's deductions they made; the owner reverses any of the store's", async () => {
    const byDemo = await freshDeduction(2);
    const bySecond = await freshDeduction(2, w.secondKeyA);
    const before = await storeState(srv.storage, 2, 17);
    const reverse = (key: string, ledgerId: number) => api(srv.url, '/api/reversals', { token: key, body: { ledgerId, reason: '误扣' } });

    const fromB = await reverse(w.cred.staffB.bearer!, byDemo);
    expect([fromB.status, fromB.body.error?.code, fromB.body.error?.result?.code]).toEqual([422, 'NOT_REVERSIBLE', RESULT_CODES.NOT_REVERSIBLE.code]);
    // Result code 13, REVERSAL_NOT_ALLOWED: another credential's deduction, even of the same store.
    const fromOtherTill = await reverse(srv.demoMerchantKey, bySecond);
    expect([fromOtherTill.status, fromOtherTill.body.error?.code, fromOtherTill.body.error?.result?.code]).toEqual([403, 'REVERSAL_NOT_ALLOWED', 13]);
    expect(await storeState(srv.storage, 2, 17)).toEqual(before);
    const productsAtB = (await api(srv.url, '/api/products', { token: w.cred.staffB.bearer! })).body.products as Array<{ id: number; storeId: number }>;
    expect(productsAtB.map((p) => p.id)).toContain(w.productB);
    expect(productsAtB.filter((p) => p.storeId !== w.storeB)).toEqual([]);

    const byOwner = await send(srv.url, { method: 'POST', path: '/api/office/stores/2/reversals', body: { ledgerId: bySecond, reason: '店长撤销' } }, w.cred.ownerA);
    expect([byOwner.status, byOwner.body.result?.name]).toEqual([200, 'REVERSED']);
    expect((await reverse(srv.demoMerchantKey, byDemo)).body.result?.name).toBe('REVERSED');
  });

  it('refuses every back-office write without the CSRF token or with a wrong one (403 CSRF_FAILED), writing nothing', async () => {
    const rows = routeTable().filter((r) => r.route.startsWith('/api/office/') && r.method !== 'GET' && r.route !== '/api/office/login');
    expect(rows.length).toBeGreaterThan(10);
    const requests: Req[] = [];
    for (const row of rows) requests.push({ ...(await row.request('ownerA')), as: undefined });
    const before = await stateOf(2, w.shopA);
    const problems: string[] = [];
    const wrongTokens = ['none', w.cred.ownerB.office!.csrfToken, 'x'.repeat(43), ''];
    for (const req of requests) {
      for (const csrf of wrongTokens) {
        const problem = judge(await send(srv.url, req, w.cred.ownerA, csrf), { status: 403, code: 'CSRF_FAILED' });
        if (problem) problems.push(`${req.method} ${req.path} (csrf ${csrf.slice(0, 8) || 'empty'}): ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(await stateOf(2, w.shopA)).toEqual(before);
    expect((await send(srv.url, { method: 'GET', path: '/api/office/me' }, w.cred.ownerA)).status).toBe(200);
  });
});
