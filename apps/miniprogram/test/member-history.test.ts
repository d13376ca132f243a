import { afterEach, describe, expect, it } from 'vitest';
import { api, devLogin, scan } from '../../../test/helpers/client';
import { NO_HISTORY, nextBefore, withNewest, withOlder } from '../miniprogram/pages/member/history-list';
import { addStore, drawnToken, resetWx, serverWithWechat, topUp, untilLive, wechatMember, type MemberData } from './helpers/member';
import { closePage, loadSimulate, openPage, textOf, until, type SimComponent } from './helpers/pages';

const rows = (...ids: number[]) => ids.map((id) => ({ id }));

describe('history list', () => {
  it('appends older pages once, and knows when none are left', () => {
    const first = withNewest(NO_HISTORY, rows(50, 48, 47), 3);
    expect(first).toEqual({ rows: rows(50, 48, 47), more: true });
    expect(nextBefore(first)).toBe(47);
    // A row already shown (written between two pages of another list) is not repeated.
    const second = withOlder(first, rows(47, 45, 44), 3);
    expect(second.rows.map((r) => r.id)).toEqual([50, 48, 47, 45, 44]);
    const last = withOlder(second, rows(40), 3);
    expect(last).toEqual({ rows: rows(50, 48, 47, 45, 44, 40), more: false });
    expect(nextBefore(last)).toBeUndefined();
  });

  it('takes the newest page again: keeps the older rows it reaches, starts over past a gap', () => {
    const loaded = { rows: rows(50, 48, 47, 45, 44), more: true };
    expect(withNewest(loaded, rows(52, 50, 48), 3)).toEqual({ rows: rows(52, 50, 48, 47, 45, 44), more: true });
    // More than a page written since: what lies between is unknown, so the list starts over.
    expect(withNewest(loaded, rows(60, 59, 58), 3)).toEqual({ rows: rows(60, 59, 58), more: true });
    // The whole history fits one page.
    expect(withNewest(loaded, rows(52, 50), 3)).toEqual({ rows: rows(52, 50), more: false });
  });
});

// The REAL member page against the REAL server: the card's history 20 rows at a time.
const { simulate, wx } = loadSimulate();
const h = serverWithWechat();
let page: SimComponent<MemberData> | undefined;

afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

describe('member page history', () => {
  it('loads 20 rows at a time with 加载更多 and at the bottom, each row once, newest merged, reset on a card switch', async () => {
    resetWx(wx, h.srv.url);
    wx.loginCode = () => h.wechat.issueCode('o-history');
    const id = await wechatMember(h.srv.url, h.wechat, 'o-history');
    const b = await addStore(h.srv.url, h.srv.adminToken, 'History wash');
    // 45 top-ups: three pages (20, 20, 5), their balances 1..45.
    for (let i = 0; i < 45; i++) await topUp(h.srv.url, h.srv.adminToken, id, 2, 1);
    await topUp(h.srv.url, h.srv.adminToken, id, b.storeId, 2);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await untilLive(p);
    await until(() => p.data.history.length === 20, 'the first page');
    expect(p.data.historyMore).toBe(true);
    expect(textOf(p)).toContain('加载更多');

    p.querySelector('.history-more')!.dispatchEvent('tap');
    await until(() => p.data.history.length === 40, 'the second page');
    (p.instance as unknown as { onReachBottom(): void }).onReachBottom();
    await until(() => p.data.history.length === 45, 'the third page');
    expect(p.data.historyMore).toBe(false);
    expect(textOf(p)).toContain('没有更多了');
    const balances = p.data.history.map((h) => h.balance);
    expect(balances).toEqual(Array.from({ length: 45 }, (_, i) => `余 ${45 - i} 次`));
    const ids = p.data.history.map((h) => h.id);
    expect(new Set(ids).size).toBe(45);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);

    // A scan: its row comes on top of everything loaded, nothing repeated.
    const token = await until(() => drawnToken(wx), 'a QR');
    expect((await scan(h.srv.url, h.srv.demoMerchantKey, token)).status).toBe(200);
    await until(() => p.data.history.length === 46, 'the deduction on top');
    expect(p.data.history[0]).toMatchObject({ label: '扣次', delta: '-1', balance: '余 44 次' });
    expect(new Set(p.data.history.map((h) => h.id)).size).toBe(46);

    // Another card: its own history from its first page.
    p.querySelector('.card-picker')!.dispatchEvent('change', { detail: { value: p.data.cards.findIndex((c) => c.storeId === b.storeId) } });
    await until(() => p.data.storeName === 'History wash' && p.data.history.length === 1, 'the other card’s history');
    expect(p.data.historyMore).toBe(false);
  });

  it('the server refuses a `before` that is not a decimal ledger id, by the same rule as `limit`', async () => {
    const token = await devLogin(h.srv.url, 17);
    for (const before of ['0', '0x10', '1e3', ' 5', '', '-1', '9007199254740992']) {
      const answer = await api(h.srv.url, `/api/cards/2/history?before=${encodeURIComponent(before)}`, { token });
      expect(answer.status, `before=${JSON.stringify(before)}`).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'before' });
    }
    const all = await api(h.srv.url, '/api/cards/2/history?limit=200', { token });
    const ids = (all.body.entries as Array<{ id: number }>).map((e) => e.id);
    const older = await api(h.srv.url, `/api/cards/2/history?before=${ids[0]}`, { token });
    expect(older.status).toBe(200);
    expect((older.body.entries as Array<{ id: number }>).map((e) => e.id)).toEqual(ids.slice(1));
  });
});
