import { parseQrToken } from '@scanpush/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../../test/helpers/server';
import { startWechatStandIn, wechatEnv, type WechatStandIn } from '../../../test/helpers/wechat-stand-in';
import { drawnToken, resetWx, topUp, wechatMember, type MemberData } from './helpers/member';
import { closePage, loadSimulate, openPage, textOf, until, type SimComponent } from './helpers/pages';

// The REAL member page against a REAL server whose QR codes live 5 s, so a whole countdown fits a test.
const { simulate, wx } = loadSimulate();
let wechat: WechatStandIn;
let short: TestServer;
let page: SimComponent<MemberData> | undefined;

beforeAll(async () => {
  wechat = await startWechatStandIn();
  short = await startServer({ env: { ...wechatEnv(wechat), QR_TTL_SECONDS: '5' } });
});
afterAll(async () => {
  await short.stop();
  await wechat.stop();
});
afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

describe('member page QR countdown', () => {
  it('counts down visibly and replaces the QR before it expires', async () => {
    resetWx(wx, short.url);
    wx.loginCode = () => wechat.issueCode('o-countdown');
    await topUp(short.url, short.adminToken, await wechatMember(short.url, wechat, 'o-countdown'), 2, 5);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    const first = await until(() => (p.data.phase === 'ready' ? drawnToken(wx) : undefined), 'the first QR');
    const expiry = parseQrToken(first);
    expect(p.data.qrSeconds).toBeLessThanOrEqual(4);
    await until(() => p.data.qrSeconds <= 3, 'the countdown to run');
    expect(textOf(p)).toMatch(/[0-3] 秒后自动刷新/);
    const second = await until(() => (drawnToken(wx) !== first ? drawnToken(wx) : undefined), 'a new QR', 8000);
    const next = parseQrToken(second);
    expect(expiry.ok && next.ok && next.value.claims.expiresAt > expiry.value.claims.expiresAt).toBe(true);
    // Replaced while the old one was still valid: the new one was issued (expiry − TTL, on the server's
    // clock) before the old one's expiry.
    expect(expiry.ok && next.ok && next.value.claims.expiresAt - 5 < expiry.value.claims.expiresAt).toBe(true);
  });
});
