import { scan } from '../../../test/helpers/client';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { drawnToken, resetWx, serverWithWechat, topUp, wechatMember, type MemberData } from './helpers/member';
import { closePage, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';

// The REAL member page against a REAL server whose QR codes live 5 s, so a whole countdown fits a test.
const { simulate, wx } = loadSimulate();
const h = serverWithWechat({ QR_TTL_SECONDS: '5' });
let page: SimComponent<MemberData> | undefined;

afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

describe('member page QR countdown', () => {
  it('masks the code once its time is up without signal, and a tap after the signal returns draws one a merchant scan accepts', async () => {
    resetWx(wx, h.srv.url);
    // A phone without an offline enrolment (its server refuses one): nothing can take the code's place.
    // With one, the offline code does (member-offline.test.ts).
    const globalWx = (globalThis as unknown as { wx: { request(o: { url: string; success?(res: unknown): void }): void } }).wx;
    const request = globalWx.request;
    onTestFinished(() => void (globalWx.request = request));
    globalWx.request = (o) =>
      o.url.endsWith('/api/devices')
        ? void setTimeout(() => o.success?.({ statusCode: 404, data: { error: { code: 'NOT_FOUND', message: 'Not found' } }, header: {}, errMsg: 'request:ok' }), 0)
        : request(o);
    wx.loginCode = () => h.wechat.issueCode('o-expired-offline');
    await topUp(h.srv.url, h.srv.adminToken, await wechatMember(h.srv.url, h.wechat, 'o-expired-offline'), 2, 5);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    const first = await until(() => (p.data.phase === 'ready' ? drawnToken(wx) : undefined), 'the first QR');
    wx.setOnline(false);
    // Still valid: still shown (the staff's phone checks it, and it has signal).
    await until(() => p.data.online === false, 'the page to know it is offline');
    expect(drawnToken(wx)).toBe(first);
    await until(() => p.data.qrExpired, 'the code to expire', 8000);
    // Masked and wiped: nothing a camera could read and the server would refuse.
    expect(textOf(p)).toContain('二维码已失效，点击刷新');
    expect(textOf(p)).not.toMatch(/秒后自动刷新/);
    expect(drawnToken(wx)).toBeUndefined();
    // A tap without signal: still masked.
    p.querySelector('.qr-frame')!.dispatchEvent('tap');
    await settle(300);
    expect(p.data.qrExpired).toBe(true);
    expect(drawnToken(wx)).toBeUndefined();

    wx.setOnline(true);
    p.querySelector('.qr-frame')!.dispatchEvent('tap');
    const fresh = await until(() => drawnToken(wx), 'a fresh QR');
    expect(fresh).not.toBe(first);
    expect(p.data.qrExpired).toBe(false);
    expect((await scan(h.srv.url, h.srv.demoMerchantKey, fresh)).status).toBe(200);
    await until(() => p.data.result?.ok, 'the result');
  });

  it('counts down from when the QR was asked for, not from when a slow answer arrived', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-slow-answer');
    await topUp(h.srv.url, h.srv.adminToken, await wechatMember(h.srv.url, h.wechat, 'o-slow-answer'), 2, 5);
    // The QR's answer takes 2 s to reach the phone: of its 5 s, at most 3 are left (4 counted, a second h.srv).
    wx.answerDelay = (url) => (url.endsWith('/api/qr') ? 2000 : 0);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await until(() => p.data.qrReady, 'the first QR', 8000);
    expect(p.data.qrSeconds).toBeLessThanOrEqual(2);
  });
});
