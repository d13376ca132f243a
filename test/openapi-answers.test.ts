import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { office, officeLogin, signIn, type OfficeSession } from './helpers/office.js';
import { DEMO_OWNER_PASSWORD, startServer, type TestServer } from './helpers/server.js';

// The server's real answers against the OpenAPI document it serves: each route called once (the store
// routes under both scopes), its success answer validated by a JSON Schema 2020-12 validator with every
// described object closed, so a field the server adds, drops or retypes without the document fails here.
// A route whose answer is JSON and that is called nowhere below fails the last check.

type Json = Record<string, any>;
type Res = { status: number; body: any };

let srv: TestServer;
let doc: Json;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const checked = new Set<string>();

/** Every object the document describes, closed: what it does not name must not be there. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
  if (out.type === 'object' && out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

beforeAll(async () => {
  srv = await startServer();
  const res = await api(srv.url, '/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  ajv.addSchema({ $id: 'scanpush', components: closed(doc.components) });
});
afterAll(() => srv?.stop());

const templated = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** Checks an answer against the document's success answer of `method route` (the route as registered). */
function expectDocumented(method: string, route: string, res: Res): any {
  const op = doc.paths[templated(route)]?.[method.toLowerCase()];
  expect(op, `${method} ${route} is in the document`).toBeDefined();
  const [status, ok] = Object.entries(op.responses as Json).find(([s]) => s.startsWith('2'))!;
  expect(res.status, `${method} ${route}: ${JSON.stringify(res.body)}`).toBe(Number(status));
  const schema = (ok as Json).content?.['application/json']?.schema;
  if (schema) {
    const rebased = JSON.parse(JSON.stringify(closed(schema)).replaceAll('"#/components/', '"scanpush#/components/'));
    const valid = ajv.validate(rebased, res.body);
    expect(valid, `${method} ${route}: ${ajv.errorsText(ajv.errors)}\n${JSON.stringify(res.body).slice(0, 400)}`).toBe(true);
  }
  checked.add(`${method} ${route}`);
  return res.body;
}

describe('every JSON answer', () => {
  it('is what the document says', async () => {
    const admin = (path: string, body?: unknown, method?: string) => api(srv.url, path, { token: srv.adminToken, body, method });
    const asAdmin = async (method: string, route: string, path: string, body?: unknown) => expectDocumented(method, route, await admin(path, body, method));

    // Members.
    expectDocumented('GET', '/healthz', await api(srv.url, '/healthz'));
    expectDocumented('POST', '/api/auth/dev', await api(srv.url, '/api/auth/dev', { body: { userId: 17 } }));
    const member = await devLogin(srv.url);
    const as = (body?: unknown, method?: string) => ({ token: member, body, method });
    expectDocumented('GET', '/api/cards', await api(srv.url, '/api/cards', as()));
    expectDocumented('GET', '/api/stores/:storeId', await api(srv.url, '/api/stores/2', as()));
    expectDocumented('POST', '/api/qr', await api(srv.url, '/api/qr', as({ storeId: 2, svg: true })));
    const device = expectDocumented('POST', '/api/devices', await api(srv.url, '/api/devices', as({ name: '手机' })));
    expectDocumented('GET', '/api/devices', await api(srv.url, '/api/devices', as()));
    expectDocumented('DELETE', '/api/devices/:id', await api(srv.url, `/api/devices/${device.deviceId}`, as(undefined, 'DELETE')));
    expectDocumented('GET', '/api/notify/settings', await api(srv.url, '/api/notify/settings', as()));
    expectDocumented('POST', '/api/notify/subscriptions', await api(srv.url, '/api/notify/subscriptions', as({ results: { t: 'accept' } })));

    // Staff at the counter.
    const key = srv.demoMerchantKey;
    const products = expectDocumented('GET', '/api/products', await api(srv.url, '/api/products', { token: key }));
    const scanned = expectDocumented('POST', '/api/scans', await scan(srv.url, key, await mintQr(srv.url, member)));
    expectDocumented('GET', '/api/cards/:storeId/history', await api(srv.url, '/api/cards/2/history', as()));
    expectDocumented('GET', '/api/notifications', await api(srv.url, '/api/notifications?storeId=2&after=0&wait=0', as()));
    expectDocumented('POST', '/api/reversals', await api(srv.url, '/api/reversals', { token: key, body: { ledgerId: scanned.result.ledgerId, reason: '扫错了' } }));
    const sale = { qr: await mintQr(srv.url, member), productId: products.products[0].id };
    expectDocumented('POST', '/api/sales', await api(srv.url, '/api/sales', { token: key, body: sale }));
    const invite = await admin('/api/admin/stores/2/invites', { name: '收银台' });
    expectDocumented('POST', '/api/staff/join', await api(srv.url, '/api/staff/join', { body: { code: invite.body.code, deviceName: 'iPad' } }));

    // The operator.
    const store = await asAdmin('POST', '/api/admin/stores', '/api/admin/stores', { name: '新店' });
    const made = await asAdmin('POST', '/api/admin/members', '/api/admin/members', { name: '新会员' });
    await asAdmin('POST', '/api/admin/cards', '/api/admin/cards', { memberId: made.id, storeId: store.id, uses: 3 });
    const merchant = await asAdmin('POST', '/api/admin/merchants', '/api/admin/merchants', { storeId: store.id, name: '前台' });
    await asAdmin('POST', '/api/admin/merchants/:id/revoke', `/api/admin/merchants/${merchant.id}/revoke`);
    const spare = (await admin(`/api/admin/stores/${store.id}/invites`, {})).body;
    await asAdmin('DELETE', '/api/admin/invites/:id', `/api/admin/invites/${spare.inviteId}`, undefined);
    await asAdmin('POST', '/api/admin/members/:id/revoke-sessions', `/api/admin/members/${made.id}/revoke-sessions`);
    await asAdmin('POST', '/api/admin/members/:id/revoke-devices', `/api/admin/members/${made.id}/revoke-devices`);
    const shop = await asAdmin('POST', '/api/admin/shops', '/api/admin/shops', { name: '新连锁' });
    await asAdmin('GET', '/api/admin/shops', '/api/admin/shops');
    const owner = await asAdmin('POST', '/api/admin/shops/:shopId/owners', `/api/admin/shops/${shop.id}/owners`, { login: 'newowner', name: '店主', password: 'a-long-password-1' });
    await asAdmin('GET', '/api/admin/shops/:shopId/owners', `/api/admin/shops/${shop.id}/owners`);
    await asAdmin('PUT', '/api/admin/stores/:storeId/shop', `/api/admin/stores/${store.id}/shop`, { shopId: shop.id });
    await asAdmin('POST', '/api/admin/owners/:id/revoke-sessions', `/api/admin/owners/${owner.id}/revoke-sessions`);
    await asAdmin('POST', '/api/admin/owners/:id/password', `/api/admin/owners/${owner.id}/password`, { password: 'another-password-2' });
    await asAdmin('POST', '/api/admin/owners/:id/disable', `/api/admin/owners/${owner.id}/disable`, { disabled: true });

    // The back office: the demo owner (shop of store 2).
    const login = await officeLogin(srv.url, 'demo', DEMO_OWNER_PASSWORD);
    expectDocumented('POST', '/api/office/login', login);
    const session = login.session!;
    // A second session, to revoke.
    await signIn(srv.url, 'demo', DEMO_OWNER_PASSWORD);
    const asOwner = async (method: string, route: string, path: string, body?: unknown, s: OfficeSession = session) =>
      expectDocumented(method, route, await office(srv.url, s, path, { method, body }));
    await asOwner('GET', '/api/office/me', '/api/office/me');
    const sessions = await asOwner('GET', '/api/office/sessions', '/api/office/sessions');
    const otherId = sessions.sessions.find((s: Json) => !s.current).id;
    await asOwner('POST', '/api/office/sessions/:id/revoke', `/api/office/sessions/${otherId}/revoke`);
    await asOwner('POST', '/api/office/sessions/revoke-others', '/api/office/sessions/revoke-others');
    await asOwner('GET', '/api/office/audit', '/api/office/audit');
    await asOwner('GET', '/api/office/stores', '/api/office/stores');
    await asOwner('POST', '/api/office/stores', '/api/office/stores', { name: '分店' });

    // The store routes, under each scope, on store 2.
    const scopes = [
      { prefix: '/api/admin/stores/:storeId', call: (method: string, path: string, body?: unknown) => admin(path, body, method) },
      { prefix: '/api/office/stores/:storeId', call: (method: string, path: string, body?: unknown) => office(srv.url, session, path, { method, body }) },
    ];
    for (const { prefix, call } of scopes) {
      const at = (suffix: string) => prefix.replace(':storeId', '2') + suffix;
      const store2 = async (method: string, suffix: string, path: string, body?: unknown) => expectDocumented(method, prefix + suffix, await call(method, at(path), body));
      const product = await store2('POST', '/products', '/products', { name: '5次卡', uses: 5, priceFen: 100, validDays: 30 });
      await store2('GET', '/products', '/products');
      await store2('POST', '/products/:id/archive', `/products/${product.id}/archive`);
      const made = await store2('POST', '/invites', '/invites', { name: '晚班', validMinutes: 10 });
      await store2('GET', '/invites', '/invites');
      await store2('DELETE', '/invites/:id', `/invites/${made.inviteId}`);
      const spareKey = (await admin('/api/admin/merchants', { storeId: 2, name: '临时设备' })).body;
      await store2('GET', '/merchants', '/merchants');
      await store2('POST', '/merchants/:id/revoke', `/merchants/${spareKey.id}/revoke`);
      await store2('GET', '/members', '/members');
      await store2('GET', '/members/:memberId', '/members/17');
      const deduction = (await scan(srv.url, key, await mintQr(srv.url, member))).body.result.ledgerId;
      await store2('POST', '/reversals', '/reversals', { ledgerId: deduction, reason: '扫错了' });
      await store2('GET', '/reports/daily', '/reports/daily');
      await store2('GET', '/audit', '/audit');
      for (const csv of ['/reports/daily.csv', '/reports/ledger.csv']) {
        const res = await fetch(srv.url + at(csv), prefix.startsWith('/api/admin') ? { headers: { authorization: `Bearer ${srv.adminToken}` } } : { headers: { cookie: session.cookie } });
        expect(res.status).toBe(200);
        expect(Object.keys(doc.paths[templated(prefix + csv)].get.responses['200'].content)).toEqual([res.headers.get('content-type')!.split(';')[0]]);
      }
    }

    // Last: the password change (it signs the other sessions out), the sign-out, the member's logout.
    await asOwner('POST', '/api/office/password', '/api/office/password', { current: DEMO_OWNER_PASSWORD, next: 'a-new-demo-password' });
    await asOwner('POST', '/api/office/logout', '/api/office/logout');
    expectDocumented('POST', '/api/auth/logout', await api(srv.url, '/api/auth/logout', { token: member, method: 'POST' }));

    expectDocumented('GET', '/openapi.json', await api(srv.url, '/openapi.json'));

    // Every route answering JSON was called above but WeChat's login, which needs WeChat (its answer is
    // SessionResponse, as the dev login's).
    const json = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json)
        .filter(([, op]) => Object.entries(op.responses as Json).some(([s, r]) => s.startsWith('2') && (r as Json).content?.['application/json']?.schema))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    const called = new Set([...checked].map((c) => templated(c)));
    expect(json.filter((op) => !called.has(op))).toEqual(['POST /api/auth/wechat']);
  });
});
