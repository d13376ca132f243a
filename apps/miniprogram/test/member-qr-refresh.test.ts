import { parseQrToken } from '@scanpush/shared';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { drawnToken, resetWx, serverWithWechat, topUp, wechatMember, type MemberData } from './helpers/member';
import { closePage, loadSimulate, openPage, textOf, until, type SimComponent } from './helpers/pages';

// The REAL member page against a REAL server whose QR codes live 12 s. The page replaces a code when a
// quarter of its life is left (3 s here, 10 s for the shipped 60 s), so the replacement is asked for
// 3-4 s before the old code dies: a margin a loaded CI machine's stalls do not eat, where a 5 s code's
// 2 s did (member-qr-countdown.test.ts keeps 5 s codes for what needs a code to run out).
const TTL_SECONDS = 12;
const { simulate, wx } = loadSimulate();
const h = serverWithWechat({ QR_TTL_SECONDS: String(TTL_SECONDS) });
let page: SimComponent<MemberData> | undefined;

afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

describe('member page QR refresh', () => {
  it('counts down visibly and asks for the next QR while the one on screen is still valid', async () => {
    resetWx(wx, h.srv.url);
    // When the page asks for each QR, by this process's clock (the server's too: one machine).
    const asked: number[] = [];
    const globalWx = (globalThis as unknown as { wx: { request(o: { url: string }): void } }).wx;
    const request = globalWx.request;
    onTestFinished(() => void (globalWx.request = request));
    globalWx.request = (o) => {
      if (o.url.endsWith('/api/qr')) asked.push(Date.now());
      request(o);
    };
    wx.loginCode = () => h.wechat.issueCode('o-refresh');
    await topUp(h.srv.url, h.srv.adminToken, await wechatMember(h.srv.url, h.wechat, 'o-refresh'), 2, 5);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    const first = await until(() => (p.data.phase === 'ready' ? drawnToken(wx) : undefined), 'the first QR');
    const expiry = parseQrToken(first);
    if (!expiry.ok) throw new Error(expiry.reason);
    expect(p.data.qrSeconds).toBeLessThanOrEqual(TTL_SECONDS - 1);
    await until(() => p.data.qrSeconds <= TTL_SECONDS - 3, 'the countdown to run', 10_000);
    expect(textOf(p)).toMatch(/\d+ 秒后自动刷新/);
    const second = await until(() => (drawnToken(wx) !== first ? drawnToken(wx) : undefined), 'a new QR', 20_000);
    const next = parseQrToken(second);
    if (!next.ok) throw new Error(next.reason);
    expect(next.value.claims.expiresAt).toBeGreaterThan(expiry.value.claims.expiresAt);
    // The second request left while the first code was still valid (its expiry is in whole seconds).
    expect(asked).toHaveLength(2);
    expect(asked[1]!).toBeLessThan(expiry.value.claims.expiresAt * 1000);
  });
});
