import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { api } from '../../../test/helpers/client';
import { addStore, drawnToken, resetWx, serverWithWechat, storedSession, topUp, untilLive, wechatMember, type MemberData } from './helpers/member';
import { closePage, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';

// 订阅消息 on the REAL member page against the REAL server: the member's consent is asked in a tap (the
// stand-in refuses it anywhere else, as WeChat does), reported, and counted by the server.
const { simulate, wx } = loadSimulate();
const TEMPLATE = 'tmpl_ScanpushResult01';
const NOTIFY_ENV = { WECHAT_NOTIFY_TEMPLATE_ID: TEMPLATE, WECHAT_NOTIFY_FIELDS: 'thing1:store,number2:remaining,time3:time,phrase4:title' };
/** The row as lib/subscriptions.ts renders it (the page's own types need WeChat's typings, not loaded here). */
type Page = SimComponent<MemberData & { notify: { status: string; blocked: boolean; notice: string } | null }>;
let page: Page | undefined;

afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

/** A member with a card at a new store, the page open and live. */
async function openMember(h: ReturnType<typeof serverWithWechat>, openid: string, stores = 1): Promise<Page> {
  resetWx(wx, h.srv.url);
  wx.loginCode = () => h.wechat.issueCode(openid);
  const id = await wechatMember(h.srv.url, h.wechat, openid);
  for (let i = 0; i < stores; i++) {
    const store = await addStore(h.srv.url, h.srv.adminToken, `${openid} wash ${i}`);
    await topUp(h.srv.url, h.srv.adminToken, id, store.storeId, 5);
  }
  page = openPage(simulate, 'member') as Page;
  await untilLive(page);
  return page;
}

/** The member's credits as the server counts them. */
async function serverCredits(base: string): Promise<Record<string, number>> {
  const settings = await api(base, '/api/notify/settings', { token: storedSession(wx).token });
  expect(settings.status).toBe(200);
  return settings.body.credits as Record<string, number>;
}

describe('subscription messages configured', () => {
  const h = serverWithWechat(NOTIFY_ENV);

  it('asks on a tap of the row; an accept is one credit on the server and on the page', async () => {
    const p = await openMember(h, 'o-sub-accept');
    await until(() => p.data.notify, 'the reminder row');
    expect(p.data.notify).toMatchObject({ status: '未开启 · 点击开启', blocked: false });
    expect(textOf(p)).toContain('到店消费提醒');
    // Nothing asked before a tap: WeChat would refuse it, and the code comes first.
    expect(wx.subscribeRequests).toEqual([]);

    wx.subscribeAnswers = { [TEMPLATE]: 'accept' };
    p.querySelector('.notify-row')!.dispatchEvent('tap');
    await until(() => p.data.notify?.status === '已开启，可提醒 1 次', 'the credit on the page');
    expect(wx.subscribeRequests).toEqual([[TEMPLATE]]);
    expect(await serverCredits(h.srv.url)).toEqual({ [TEMPLATE]: 1 });
    expect(p.data.qrReady).toBe(true);
  });

  it('grants nothing for a reject, and nothing for a request made outside a tap', async () => {
    const p = await openMember(h, 'o-sub-reject');
    await until(() => p.data.notify, 'the reminder row');
    wx.subscribeAnswers = { [TEMPLATE]: 'reject' };
    p.querySelector('.notify-row')!.dispatchEvent('tap');
    await until(() => wx.subscribeRequests.length === 1, 'the request');
    await settle();
    expect(p.data.notify?.status).toBe('未开启 · 点击开启');
    expect(await serverCredits(h.srv.url)).toEqual({ [TEMPLATE]: 0 });

    // The handler called by code, not by a tap: the stand-in refuses as WeChat does; nothing is granted.
    wx.subscribeAnswers = { [TEMPLATE]: 'accept' };
    p.instance.onNotifyTap!();
    await until(() => p.data.notify?.notice, 'the refusal said');
    expect(wx.subscribeRequests).toHaveLength(2);
    expect(await serverCredits(h.srv.url)).toEqual({ [TEMPLATE]: 0 });
  });

  it('asks on a card switch at most once a minute', async () => {
    const p = await openMember(h, 'o-sub-switch', 2);
    await until(() => p.data.notify, 'the reminder row');
    wx.subscribeAnswers = { [TEMPLATE]: 'accept' };
    p.querySelector('.card-picker')!.dispatchEvent('change', { detail: { value: 1 } });
    await until(() => p.data.notify?.status === '已开启，可提醒 1 次', 'the credit from the switch');
    p.querySelector('.card-picker')!.dispatchEvent('change', { detail: { value: 0 } });
    await until(() => p.data.cardIndex === 0, 'the switch back');
    await settle();
    expect(wx.subscribeRequests).toEqual([[TEMPLATE]]);
    // The row itself always asks.
    p.querySelector('.notify-row')!.dispatchEvent('tap');
    await until(() => p.data.notify?.status === '已开启，可提醒 2 次', 'the second credit');
    expect(await serverCredits(h.srv.url)).toEqual({ [TEMPLATE]: 2 });
  });

  it('asks on the tap that refreshes a failed code, never on a tap of a code being shown', async () => {
    // The server refuses the first codes (503): the page masks the code, 二维码加载失败，点击重试.
    const globalWx = (globalThis as unknown as { wx: { request(o: { url: string; success?(res: unknown): void }): void } }).wx;
    const request = globalWx.request;
    onTestFinished(() => void (globalWx.request = request));
    let refuseQr = true;
    globalWx.request = (o) =>
      refuseQr && o.url.endsWith('/api/qr')
        ? void setTimeout(() => o.success?.({ statusCode: 503, data: { error: { code: 'UNAVAILABLE', message: 'busy' } }, header: {}, errMsg: 'request:ok' }), 0)
        : request(o);
    const p = await openMember(h, 'o-sub-qr');
    await until(() => p.data.notify && p.data.qrError, 'the failed code and the row');
    wx.subscribeAnswers = { [TEMPLATE]: 'accept' };
    refuseQr = false;
    p.querySelector('.qr-frame')!.dispatchEvent('tap');
    await until(() => drawnToken(wx), 'the refreshed code');
    await until(() => p.data.notify?.status === '已开启，可提醒 1 次', 'the credit from the refresh tap');
    // A tap on the code being shown: no pop-up over it.
    p.querySelector('.qr-frame')!.dispatchEvent('tap');
    await settle();
    expect(wx.subscribeRequests).toEqual([[TEMPLATE]]);
    expect(await serverCredits(h.srv.url)).toEqual({ [TEMPLATE]: 1 });
  });

  it('with the main switch off shows how to turn it on, and 去设置 opens the settings', async () => {
    const p = await openMember(h, 'o-sub-off');
    // After resetWx (in openMember): the member's WeChat has 订阅消息 off.
    wx.subscriptionsSetting = { mainSwitch: false, itemSettings: {} };
    closePage(p);
    page = openPage(simulate, 'member') as Page;
    const q = page;
    await until(() => q.data.notify?.blocked, 'the settings hint');
    expect(textOf(q)).toContain('右上角 ··· → 设置 → 订阅消息');
    expect(q.data.notify?.status).toBe('未开启 · 去设置');

    // The row does not ask (WeChat would refuse): it opens the settings, where the member turns it on.
    wx.subscriptionsSetting = { mainSwitch: true, itemSettings: {} };
    q.querySelector('.notify-row')!.dispatchEvent('tap');
    await until(() => q.data.notify?.blocked === false, 'the hint gone after the settings');
    expect(wx.settingsOpened).toBe(1);
    expect(wx.subscribeRequests).toEqual([]);
  });
});

describe('subscription messages not configured', () => {
  const h = serverWithWechat();

  it('shows no row and asks nothing, not even on a card switch', async () => {
    const p = await openMember(h, 'o-sub-none', 2);
    wx.subscribeAnswers = { [TEMPLATE]: 'accept' };
    p.querySelector('.card-picker')!.dispatchEvent('change', { detail: { value: 1 } });
    await until(() => p.data.cardIndex === 1, 'the switch');
    await settle();
    expect(p.data.notify).toBeNull();
    expect(p.querySelector('.notify-row')).toBeUndefined();
    expect(textOf(p)).not.toContain('到店消费提醒');
    expect(wx.subscribeRequests).toEqual([]);
  });
});
