import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from '../../../test/helpers/client';
import { startServer, type TestServer } from '../../../test/helpers/server';
import { BUILD_DIR } from './setup/compile';
import { resetWx, storedSession, type MemberData } from './helpers/member';
import { closePage, loadSimulate, openPage, until, type SimComponent } from './helpers/pages';

// A newcomer's DevTools: the develop version of the development build (what the tests compile), against
// a server started without WeChat credentials, so `/api/auth/wechat` answers 503 UNAVAILABLE.
const { simulate, wx } = loadSimulate();
const session = createRequire(import.meta.url)(join(BUILD_DIR, 'lib/session.js')) as { login(server: string): Promise<{ memberId: number }> };
const globalWx = (globalThis as unknown as { wx: Record<string, unknown> }).wx;
const developAccount = globalWx.getAccountInfoSync;
let srv: TestServer;
let page: SimComponent<MemberData> | undefined;

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});
beforeEach(() => resetWx(wx, srv.url));
afterEach(() => {
  globalWx.getAccountInfoSync = developAccount;
  if (page) closePage(page);
  page = undefined;
});

describe('development login', () => {
  it('logs the member page in as the demo member and shows the demo card', async () => {
    const wechat = await api(srv.url, '/api/auth/wechat', { body: { code: 'any-code' } });
    expect([wechat.status, wechat.body.error.code]).toEqual([503, 'UNAVAILABLE']);

    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await until(() => p.data.phase === 'ready', 'the demo card');
    expect(storedSession(wx).memberId).toBe(17);
    expect(p.data.cards.map((c) => c.storeId)).toEqual([2]);
    expect(wx.loginCalls).toBeGreaterThan(0);
  });

  it('logs in as the member named under scanpush.devMember', async () => {
    const other = await api(srv.url, '/api/admin/members', { token: srv.adminToken, body: { name: 'Dev tester' } });
    wx.storage.set('scanpush.devMember', JSON.stringify(other.body.id));
    expect((await session.login(srv.url)).memberId).toBe(other.body.id);
  });

  it('is not used outside the develop version: trial gets the server’s refusal', async () => {
    globalWx.getAccountInfoSync = () => ({ miniProgram: { appId: 'wxtest', envVersion: 'trial', version: '1.0.0' } });
    await expect(session.login(srv.url)).rejects.toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(wx.storage.has('scanpush.session')).toBe(false);
  });
});
