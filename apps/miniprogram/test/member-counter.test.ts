import { afterEach, describe, expect, it } from 'vitest';
import { api, scan } from '../../../test/helpers/client';
import { addStore, drawnToken, resetWx, serverWithWechat, topUp, untilLive, wechatMember, type MemberData } from './helpers/member';
import { closePage, loadSimulate, openPage, textOf, until, type SimComponent } from './helpers/pages';

// The REAL member page against the REAL server: a sale at the counter and a reversal, as the member sees
// them live (the result box), in the history, and the card's expiry.
const { simulate, wx } = loadSimulate();
const h = serverWithWechat();
let page: SimComponent<MemberData & { expiry: string; expired: boolean }> | undefined;

afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

describe('member page at the counter', () => {
  it('shows 充值成功 with the count, then 撤销成功, and the history labels', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-counter');
    const id = await wechatMember(h.srv.url, h.wechat, 'o-counter');
    const store = await addStore(h.srv.url, h.srv.adminToken, 'Counter wash');
    await topUp(h.srv.url, h.srv.adminToken, id, store.storeId, 1);
    const product = await api(h.srv.url, `/api/admin/stores/${store.storeId}/products`, {
      token: h.srv.adminToken,
      body: { name: '10次卡', uses: 10, priceFen: 9900, validDays: 30 },
    });
    page = openPage(simulate, 'member');
    const p = page;
    await untilLive(p);
    expect(p.data.expiry).toBe('');

    const soldWith = await until(() => drawnToken(wx), 'a QR');
    const sold = await api(h.srv.url, '/api/sales', { token: store.merchantKey, body: { qr: soldWith, productId: product.body.id } });
    expect(sold.status).toBe(200);
    await until(() => p.data.result?.title === '充值成功', 'the sale’s result');
    expect(p.data.result).toMatchObject({ ok: true, detail: '剩余次数: 11' });
    // The operator's card never expired; a sale keeps it so. The history names the sale.
    await until(() => p.data.history.length === 2, 'the sale in the history');
    expect(p.data.history[0]).toMatchObject({ label: '充值', delta: '+10', balance: '余 11 次' });

    p.querySelector('.result')!.dispatchEvent('tap');
    // The sale used the QR drawn before: until the fresh one is drawn, the canvas still shows it.
    const token = await until(() => (drawnToken(wx) !== soldWith ? drawnToken(wx) : undefined), 'a fresh QR');
    const scanned = await scan(h.srv.url, store.merchantKey, token);
    await until(() => p.data.remaining === 10, 'the deduction');
    const reversed = await api(h.srv.url, '/api/reversals', { token: store.merchantKey, body: { ledgerId: scanned.body.result.ledgerId, reason: '误扣' } });
    expect(reversed.status).toBe(200);
    await until(() => p.data.result?.title === '撤销成功', 'the reversal’s result');
    expect(p.data.result).toMatchObject({ ok: true, detail: '剩余次数: 11' });
    await until(() => p.data.history[0]?.label === '撤销', 'the reversal in the history');
    expect(p.data.history.map((row) => row.label)).toEqual(['撤销', '扣次', '充值', '充值']);
    expect(textOf(p)).toContain('撤销成功');
  });

  it('shows a new card’s expiry date after its first sale', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-expiry');
    const id = await wechatMember(h.srv.url, h.wechat, 'o-expiry');
    const store = await addStore(h.srv.url, h.srv.adminToken, 'Expiry wash');
    // A first sale through the API, as staff would with the member's QR.
    const login = await api(h.srv.url, '/api/auth/wechat', { body: { code: h.wechat.issueCode('o-expiry') } });
    const qr = await api(h.srv.url, '/api/qr', { token: login.body.token, body: { storeId: store.storeId } });
    const product = await api(h.srv.url, `/api/admin/stores/${store.storeId}/products`, {
      token: h.srv.adminToken,
      body: { name: '月卡', uses: 4, priceFen: 100, validDays: 30 },
    });
    expect((await api(h.srv.url, '/api/sales', { token: store.merchantKey, body: { qr: qr.body.token, productId: product.body.id } })).status).toBe(200);
    expect(id).toBeGreaterThan(0);
    page = openPage(simulate, 'member');
    const p = page;
    await untilLive(p);
    const until30 = new Date(Date.now() + 30 * 86_400_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    const day = (d: Date) => `有效期至 ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    // The sale was a moment ago: its date is today's + 30, or the next day's if midnight passed between.
    expect([day(until30), day(new Date(until30.getTime() - 60_000))]).toContain(p.data.expiry);
    expect(p.data.expired).toBe(false);
    expect(textOf(p)).toContain('有效期至');
  });
});
