import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr } from '../../../test/helpers/client';
import { startServer, type TestServer } from '../../../test/helpers/server';
import { closePage, loadSimulate, openPage, textOf, until, type SimComponent } from './helpers/pages';

// The REAL staff scan page's counter (售卡/充值 and 撤销) in miniprogram-simulate against the REAL server.
// WeChat is the `wx` stand-in: `scanCode` answers with what the camera would read, `showModal` is
// confirmed as a staff member tapping 撤销 would.
interface ScanData {
  phase: string;
  mode: 'deduct' | 'sell';
  productLabels: string[];
  productIndex: number;
  productsNote: string;
  recent: Array<{ ledgerId: number; label: string; reversed: boolean }>;
  busy: boolean;
  result: { ok: boolean; title: string; detail: string } | null;
  error: string;
}

const SCAN_PAGE = '/staff/pages/scan/index';
const { simulate, wx } = loadSimulate();
let srv: TestServer;
let member: string;
let pages: SimComponent<unknown>[] = [];

beforeAll(async () => {
  srv = await startServer();
  member = await devLogin(srv.url, 17);
});
afterAll(async () => {
  await srv.stop();
});
beforeEach(() => {
  wx.storage.clear();
  wx.storage.set('scanpush.server', JSON.stringify(srv.url));
  wx.routes.length = 0;
  wx.scans.length = 0;
});
afterEach(async () => {
  pages.splice(0).forEach((p) => closePage(p));
  expect((await srv.storage.audit()).problems).toEqual([]);
});

/** A phone bound with the demo key (as WeChat's scanner opens the bind page), on its scan page. */
async function openBound(): Promise<SimComponent<ScanData>> {
  pages.push(openPage(simulate, 'staff-bind', { q: encodeURIComponent(`${srv.url}/staff/bind#${srv.demoMerchantKey}`), scancode_time: '1700000000' }));
  await until(() => wx.routes.includes(SCAN_PAGE), 'the bind page to go on to the scan page');
  const p = openPage<ScanData>(simulate, 'staff-scan');
  pages.push(p);
  await until(() => p.data.phase === 'ready', 'the scan page to read its key');
  return p;
}

/** Taps `button` with the camera reading `text` (none: no camera), and waits for what the page shows. */
async function tap(p: SimComponent<ScanData>, button: string, text?: string): Promise<ScanData> {
  const answered = wx.answered;
  if (text !== undefined) wx.scans.push(text);
  p.querySelector(button)!.dispatchEvent('tap');
  await until(() => wx.answered > answered && !p.data.busy, `the answer to ${button}`);
  return p.data;
}

async function remaining(): Promise<number> {
  const { body } = await api(srv.url, '/api/cards', { token: member });
  return body.cards.find((c: { storeId: number }) => c.storeId === 2).remaining as number;
}

describe('staff scan page: 售卡/充值 and 撤销', () => {
  it('sells the picked product to the scanned member, and says when the store sells nothing', async () => {
    // The demo's own product (seed.ts) archived: the store sells nothing.
    await api(srv.url, '/api/admin/stores/2/products/1/archive', { token: srv.adminToken, body: {} });
    const p = await openBound();
    p.querySelector('#mode-sell')!.dispatchEvent('tap');
    await until(() => p.data.productsNote, 'the empty product list');
    expect(textOf(p)).toContain('本店还没有可售的卡种');

    await api(srv.url, '/api/admin/stores/2/products', { token: srv.adminToken, body: { name: '5次卡', uses: 5, priceFen: 5000 } });
    await api(srv.url, '/api/admin/stores/2/products', { token: srv.adminToken, body: { name: '10次洗车卡', uses: 10, priceFen: 29900, validDays: 365 } });
    p.querySelector('#mode-deduct')!.dispatchEvent('tap');
    p.querySelector('#mode-sell')!.dispatchEvent('tap');
    await until(() => p.data.productLabels.length === 2, 'the products');
    expect(p.data.productLabels).toEqual(['5次卡 · 5次 · ¥50.00', '10次洗车卡 · 10次 · ¥299.00 · 365天有效']);
    p.querySelector('#product')!.dispatchEvent('change', { detail: { value: 1 } });
    await until(() => p.data.productIndex === 1, 'the pick');

    const before = await remaining();
    const shown = await tap(p, '#sell', await mintQr(srv.url, member));
    expect(shown.result).toMatchObject({ ok: true, title: '充值成功', detail: `剩余次数: ${before + 10}` });
    expect(await remaining()).toBe(before + 10);
  });

  it('offers the last deductions for 撤销 with a reason: one use back, once', async () => {
    const p = await openBound();
    const before = await remaining();
    await tap(p, '#scan', await mintQr(srv.url, member));
    await tap(p, '#scan', await mintQr(srv.url, member));
    expect(p.data.recent).toHaveLength(2);
    expect(p.data.recent[0]!.label).toContain(`扣费成功 剩余次数: ${before - 2}`);
    expect(textOf(p)).toContain('撤销');

    p.querySelector('#reason')!.dispatchEvent('input', { detail: { value: '洗车未完成' } });
    const reversed = await tap(p, '.reverse');
    expect(reversed.result).toMatchObject({ ok: true, title: '撤销成功', detail: `剩余次数: ${before - 1}` });
    expect(p.data.recent.map((r) => r.reversed)).toEqual([true, false]);
    expect(textOf(p)).toContain('已撤销');
    expect(await remaining()).toBe(before - 1);
    const { body } = await api(srv.url, '/api/cards/2/history?limit=1', { token: member });
    expect(body.entries[0]).toMatchObject({ kind: 'reversal', reversesId: p.data.recent[0]!.ledgerId, reason: '洗车未完成' });
  });
});
