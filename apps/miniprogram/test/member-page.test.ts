import { parseQrToken } from '@scanpush/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestSocket, api, mintQr, scan } from '../../../test/helpers/client';
import { addStore, drawnToken, resetWx, savedPosition, serverWithWechat, storedSession, topUp, untilLive, wechatMember, type MemberData } from './helpers/member';
import { closePage, lifecycle, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';

// The REAL member page (compiled as DevTools would) in miniprogram-simulate, against the REAL server on
// an ephemeral port. `wx` does real work in Node (fetch, ws, a Map, a raster canvas); the only fake is
// the local stand-in for WeChat's jscode2session.
const { simulate, wx } = loadSimulate();
const h = serverWithWechat();
let page: SimComponent<MemberData> | undefined;

beforeEach(() => resetWx(wx, h.srv.url));
afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

/** Logs a WeChat user in on the page's next wx.login. */
function asWechatUser(openid: string) {
  wx.loginCode = () => h.wechat.issueCode(openid);
}

function memberId(): number {
  return storedSession(wx).memberId;
}

/** Opens the member page for a new WeChat user holding `uses` at the demo store; waits until it is live. */
async function openLive(openid: string, uses = 10): Promise<{ page: SimComponent<MemberData>; token: string; memberId: number }> {
  asWechatUser(openid);
  await topUp(h.srv.url, h.srv.adminToken, await wechatMember(h.srv.url, h.wechat, openid), 2, uses);
  page = openPage<MemberData>(simulate, 'member');
  const p = page;
  await untilLive(p);
  const token = await until(() => drawnToken(wx), 'a QR on the canvas');
  return { page: p, token, memberId: memberId() };
}

describe('member page', () => {
  it('shows 无会员卡 to a brand-new member, and the card once the shop has topped it up', async () => {
    asWechatUser('o-brand-new');
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await until(() => p.data.phase === 'empty', 'the empty state');
    expect(textOf(p)).toContain('无会员卡');
    expect(wx.loginCalls).toBeGreaterThan(0);

    await topUp(h.srv.url, h.srv.adminToken, memberId(), 2, 3);
    p.querySelector('.action')!.dispatchEvent('tap');
    await until(() => p.data.phase === 'ready', 'the card');
    expect(p.data).toMatchObject({ storeName: 'Demo car wash', remaining: 3 });
    expect(textOf(p)).toMatch(/Demo car wash.*剩余 3 次/);
  });

  it('logs in through WeChat, draws a QR a camera reads back to the member’s token, and shows the connection', async () => {
    const { page: p, token, memberId: id } = await openLive('o-qr-reader');
    const parsed = parseQrToken(token);
    expect(parsed.ok && parsed.value.claims).toMatchObject({ memberId: id, storeId: 2 });
    expect(textOf(p)).toContain('已连接');
    expect(textOf(p)).toMatch(/\d+ 秒后自动刷新/);
    // One socket for the page, as WeChat allows only five per mini-program.
    expect(wx.openSockets).toBe(1);
    // The session stored is ours, not WeChat's session_key.
    const stored = wx.storage.get('scanpush.session')!;
    for (const key of h.wechat.sessionKeys) expect(stored).not.toContain(key);
  });

  it('turns to 扣费成功 with the new count when the merchant scans, once even if the frame arrives twice', async () => {
    wx.duplicateFrames = true;
    const { page: p, token } = await openLive('o-scanned');
    const answer = await scan(h.srv.url, h.srv.demoMerchantKey, token);
    expect(answer.status).toBe(200);
    expect(answer.body.result.remaining).toBe(9);

    await until(() => p.data.result, 'the result view');
    expect(p.data.result).toMatchObject({ ok: true, title: '扣费成功', detail: '剩余次数: 9' });
    expect(p.data.remaining).toBe(9);
    expect(textOf(p)).toContain('扣费成功');
    expect(textOf(p)).toContain('剩余次数: 9');
    await settle();
    expect(wx.vibrations).toBe(1);
    await until(() => p.data.history.some((h) => h.label === '扣次' && h.delta === '-1'), 'the deduction in the history');

    // Dismissed, the page shows a fresh QR: the scanned one is spent.
    p.querySelector('.result')!.dispatchEvent('tap');
    const next = await until(() => (p.data.result === null ? drawnToken(wx) : undefined), 'a fresh QR');
    await until(() => drawnToken(wx) !== token, 'the QR to change');
    expect(next).toBeTruthy();
    expect(parseQrToken(drawnToken(wx)!).ok).toBe(true);
  });

  it('closes the socket in the background; a scan made meanwhile shows once after the page is shown again', async () => {
    const { page: p, token } = await openLive('o-hidden');
    lifecycle(p, 'onHide');
    await until(() => wx.openSockets === 0, 'the socket to close in the background');
    expect(p.data.connection).toBe('paused');

    const answer = await scan(h.srv.url, h.srv.demoMerchantKey, token);
    expect(answer.status).toBe(200);
    await settle();
    expect(p.data.result).toBeNull();

    lifecycle(p, 'onShow');
    await until(() => p.data.result, 'the result replayed after show');
    expect(p.data.result).toMatchObject({ ok: true, title: '扣费成功', detail: '剩余次数: 9' });
    expect(p.data.connection).toBe('live');
    expect(wx.vibrations).toBe(1);

    // Hidden and shown again: the same result is not shown a second time.
    const seq = p.data.result!.seq;
    p.querySelector('.result')!.dispatchEvent('tap');
    lifecycle(p, 'onHide');
    lifecycle(p, 'onShow');
    await until(() => p.data.connection === 'live' && wx.openSockets === 1, 'the page to be live again');
    await settle();
    expect(p.data.result).toBeNull();
    expect(wx.vibrations).toBe(1);
    // Saved under this card's stream, where the next resume starts.
    expect(savedPosition(wx, memberId(), 2)).toEqual({ epoch: expect.stringMatching(/.+/), seq });
  });

  it('keeps each card’s results on its own card, once, across card switches and reconnects', async () => {
    // Every frame arrives twice, as an at-least-once network may deliver it: still nothing shows twice.
    wx.duplicateFrames = true;
    asWechatUser('o-two-stores');
    const id = await wechatMember(h.srv.url, h.wechat, 'o-two-stores');
    const b = await addStore(h.srv.url, h.srv.adminToken, 'Second wash');
    await topUp(h.srv.url, h.srv.adminToken, id, 2, 10);
    await topUp(h.srv.url, h.srv.adminToken, id, b.storeId, 4);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await untilLive(p);
    expect(p.data.storeName).toBe('Demo car wash');
    const session = storedSession(wx).token;
    // The member's other phone, showing the card of `storeId`, scanned there: the merchant's answer.
    const scanAt = async (storeId: number, merchantKey: string) => {
      const answer = await scan(h.srv.url, merchantKey, await mintQr(h.srv.url, session, storeId));
      expect(answer.status).toBe(200);
      return answer.body.result.remaining as number;
    };
    const pick = (storeId: number, name: string) => {
      p.querySelector('.card-picker')!.dispatchEvent('change', { detail: { value: p.data.cards.findIndex((c) => c.storeId === storeId) } });
      return until(() => p.data.storeName === name && p.data.connection === 'live', `the card of ${name}, live`);
    };
    const dropSocket = async (which: string) => {
      wx.sockets.at(-1)!.terminate();
      await until(() => p.data.connection === 'waiting', `${which} socket to be lost`);
      await untilLive(p, `${which} socket to be back`);
    };

    // Two results at B while the page watches A: B's stream, not A's.
    expect(await scanAt(b.storeId, b.merchantKey)).toBe(3);
    expect(await scanAt(b.storeId, b.merchantKey)).toBe(2);
    await settle();
    expect(p.data).toMatchObject({ storeName: 'Demo car wash', remaining: 10, result: null });
    expect(wx.vibrations).toBe(0);

    // Switched to B: one socket, B's, resumed from B's own position: both results, once, on B's card.
    await pick(b.storeId, 'Second wash');
    await until(() => p.data.result?.storeId === b.storeId && p.data.result.seq === 2, 'B’s second result');
    expect(p.data.result).toMatchObject({ ok: true, detail: '剩余次数: 2' });
    expect(p.data.remaining).toBe(2);
    expect(wx.vibrations).toBe(2);
    expect(wx.openSockets).toBe(1);
    expect(wx.sockets.at(-1)!.url).toContain(`/webSocket/${id}/${b.storeId}`);
    p.querySelector('.result')!.dispatchEvent('tap');
    await until(() => {
      const drawn = drawnToken(wx);
      const parsed = drawn ? parseQrToken(drawn) : undefined;
      return parsed?.ok && parsed.value.claims.storeId === b.storeId;
    }, 'a QR for card B');

    // Results at A while the page watches B, across a reconnect of B's socket: none reaches B's card.
    expect(await scanAt(2, h.srv.demoMerchantKey)).toBe(9);
    await dropSocket('B’s');
    expect(await scanAt(2, h.srv.demoMerchantKey)).toBe(8);
    await settle();
    expect(p.data).toMatchObject({ storeName: 'Second wash', remaining: 2, result: null });
    expect(wx.vibrations).toBe(2);

    // Back to A: A's two results, once, on A's card.
    await pick(2, 'Demo car wash');
    await until(() => p.data.result?.storeId === 2 && p.data.result.seq === 2, 'A’s second result');
    expect(p.data.result).toMatchObject({ ok: true, detail: '剩余次数: 8' });
    expect(p.data.remaining).toBe(8);
    await settle();
    expect(wx.vibrations).toBe(4);

    // A's socket reconnects, and B is watched once more: each resumes after its last result, nothing again.
    await dropSocket('A’s');
    await pick(b.storeId, 'Second wash');
    await settle();
    expect(p.data).toMatchObject({ remaining: 2, result: null });
    expect(wx.vibrations).toBe(4);
    expect(wx.openSockets).toBe(1);
    const epoch = expect.stringMatching(/.+/);
    expect(savedPosition(wx, id, 2)).toEqual({ epoch, seq: 2 });
    expect(savedPosition(wx, id, b.storeId)).toEqual({ epoch, seq: 2 });
  });

  it('says 记录已重新同步 when a card’s saved position is of another history, and starts over from the server’s', async () => {
    const first = await openLive('o-resynced');
    expect((await scan(h.srv.url, h.srv.demoMerchantKey, first.token)).status).toBe(200);
    await until(() => first.page.data.result, 'the result');
    const id = first.memberId;
    const serverPosition = savedPosition(wx, id, 2)!;
    expect(serverPosition.seq).toBe(1);
    closePage(first.page);
    page = undefined;
    // The page takes results recorded since its first QR's issue (to the second) as news: let that
    // second pass, so the result above is one from before the next page opened.
    await settle(1100);

    // The position as a server restored from a backup finds it: of a history it no longer has, and ahead
    // of everything it holds. And what the v1 mini-program kept, one seq per member across stores.
    wx.storage.set(`scanpush.position.${id}.2`, JSON.stringify({ epoch: 'history-before-the-restore', seq: 7 }));
    wx.storage.set(`scanpush.seq.${id}`, JSON.stringify(7));
    wx.vibrations = 0;
    // Sized, the canvas is cleared: the QR read next is the new page's.
    wx.canvas.width = 0;
    wx.canvas.height = 0;
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await untilLive(p);
    await until(() => p.data.syncNotice, 'the resync notice');
    expect(textOf(p)).toContain('记录已重新同步');
    // The server's history from the start: its position, its count, its ledger. The result from before
    // this page opened is not news.
    expect(savedPosition(wx, id, 2)).toEqual(serverPosition);
    expect(p.data.remaining).toBe(9);
    expect(p.data.result).toBeNull();
    expect(wx.vibrations).toBe(0);
    expect(wx.storage.has(`scanpush.seq.${id}`)).toBe(false);
    await until(() => p.data.history.some((h) => h.label === '扣次' && h.delta === '-1'), 'the server’s history');

    // Live from there: the next scan is seq 2 of the server's history, shown once.
    const token = await until(() => drawnToken(wx), 'a QR');
    expect((await scan(h.srv.url, h.srv.demoMerchantKey, token)).status).toBe(200);
    await until(() => p.data.result?.seq === 2, 'the next result');
    expect(p.data.result).toMatchObject({ ok: true, detail: '剩余次数: 8' });
    expect(wx.vibrations).toBe(1);
    expect(savedPosition(wx, id, 2)).toEqual({ epoch: serverPosition.epoch, seq: 2 });
  });

  it('says so when another device took the socket over, and reconnects when the line is tapped', async () => {
    const { page: p, memberId: id } = await openLive('o-replaced');
    const { token } = storedSession(wx);
    // The server keeps a few sockets per stream and closes the oldest beyond them: the page's.
    const others = [];
    for (let i = 0; i < 5; i++) others.push(await TestSocket.open(h.srv.wsUrl, { memberId: id, storeId: 2, token, structured: true }));
    try {
      await until(() => p.data.connection === 'stopped', 'the page’s socket to be replaced');
      expect(textOf(p)).toContain('已在其他设备打开');
      p.querySelector('.connection')!.dispatchEvent('tap');
      await untilLive(p, 'the page to be live again after the tap');
      const qr = await until(() => drawnToken(wx), 'a QR');
      expect((await scan(h.srv.url, h.srv.demoMerchantKey, qr)).status).toBe(200);
      await until(() => p.data.result?.seq === 1, 'the result on the new socket');
      await settle();
      expect(wx.vibrations).toBe(1);
    } finally {
      for (const socket of others) socket.close();
    }
  });

  it('logs in again and reconnects when the server revokes the session', async () => {
    const { page: p, memberId: id } = await openLive('o-revoked');
    const before = wx.loginCalls;
    const revoked = await api(h.srv.url, `/api/admin/members/${id}/revoke-sessions`, { method: 'POST', token: h.srv.adminToken });
    expect(revoked.status).toBe(200);
    await until(() => wx.loginCalls > before, 'a new WeChat login');
    await until(() => p.data.connection === 'live', 'the page to be live again');
    const token = await until(() => drawnToken(wx), 'a QR');
    expect((await scan(h.srv.url, h.srv.demoMerchantKey, token)).status).toBe(200);
    await until(() => p.data.result?.ok, 'the result on the new socket');
  });
});
