import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorBody } from '@scanpush/shared';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../core/credentials.js';
import { AppError, HTTP_STATUS } from '../../errors.js';
import { createSqliteStorage } from '../../storage/sqlite/open.js';
import type { Storage } from '../../storage/storage.js';
import type { AppEnv } from '../context.js';
import { storeRoutes } from './stores.js';

const T0 = Date.UTC(2026, 0, 1);
const TOKEN = 's'.repeat(43);

let dir: string;
let storage: Storage;
let app: Hono<AppEnv>;
let storeId: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-stores-'));
  storage = createSqliteStorage(join(dir, 'scanpush.db'));
  // An owner may name a store anything: the page must show it as text, never as markup.
  storeId = (await storage.accounts.createStore('洗车 <b>&</b> 店', T0)).id;
  const memberId = (await storage.accounts.createMember({}, T0)).id;
  await storage.accounts.createSession(memberId, hashSecret(TOKEN), T0, T0 + 86_400_000);
  // The app's error handler in miniature: the code picks the status, the body is the one error shape.
  app = new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set('requestId', 'req-1');
      await next();
    })
    .route('/', storeRoutes({ storage, now: () => T0 }));
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

const asMember = { headers: { authorization: `Bearer ${TOKEN}` } };

describe('GET /api/stores/:storeId', () => {
  it('names the store to a signed-in member, who holds no card there', async () => {
    const res = await app.request(`/api/stores/${storeId}`, asMember);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: storeId, name: '洗车 <b>&</b> 店' });
  });

  it('refuses without a session, or with an unknown one (401)', async () => {
    const none = await app.request(`/api/stores/${storeId}`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
    const unknown = await app.request(`/api/stores/${storeId}`, { headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
    expect(unknown.status).toBe(401);
  });

  it('answers NOT_FOUND for an unknown store, and a malformed id as a bad request', async () => {
    const res = await app.request(`/api/stores/${storeId + 1}`, asMember);
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
    const malformed = await app.request('/api/stores/01', asMember);
    expect(malformed.status).toBe(400);
  });
});

describe('GET /m/store/:storeId', () => {
  it('answers a Chinese page naming the store, escaped, with no credential asked', async () => {
    const res = await app.request(`/m/store/${storeId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/i);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await res.text();
    expect(body).toContain('请用微信扫码打开小程序办卡');
    expect(body).toContain('洗车 &lt;b&gt;&amp;&lt;/b&gt; 店');
    expect(body).not.toContain('<b>');
  });

  it('answers NOT_FOUND in the one error shape for an unknown store', async () => {
    const res = await app.request(`/m/store/${storeId + 1}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
  });
});
