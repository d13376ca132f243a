import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, scan } from '../../../test/helpers/client';
import { addStore, drawnToken, resetWx, serverWithWechat, storedSession, topUp, untilLive, wechatMember, type MemberData } from './helpers/member';
import { closePage, lifecycle, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';

// The REAL member page against the REAL server, on a `wx` that behaves like WeChat where the pages used to
// get it wrong (test/helpers/wx-node.ts): a SocketTask closed before it opened carries on and opens, at
// most five tasks at once, close codes rewritten to 1000/1005, a phone that loses and regains signal,
// the screen's brightness, screenshots. Those are the only fakes: WeChat's own behaviour, not ours.
const { simulate, wx } = loadSimulate();
const h = serverWithWechat();
let page: SimComponent<MemberData> | undefined;

beforeEach(() => resetWx(wx, h.srv.url));
afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

/** Opens the member page for a new WeChat user holding `uses` at the demo store; waits until it is live. */
async function openLive(openid: string, uses = 10): Promise<SimComponent<MemberData>> {
  wx.loginCode = () => h.wechat.issueCode(openid);
  await topUp(h.srv.url, h.srv.adminToken, await wechatMember(h.srv.url, h.wechat, openid), 2, uses);
  page = openPage<MemberData>(simulate, 'member');
  await untilLive(page);
  await until(() => drawnToken(wx), 'a QR on the canvas');
  return page;
}

/** Every connection state the page rendered, in order (setData is where the page shows them). */
function recordStates(p: SimComponent<MemberData>): string[] {
  const states: string[] = [];
  const instance = p.instance as unknown as { setData(patch: Record<string, unknown>): void };
  const setData = instance.setData.bind(instance);
  instance.setData = (patch) => {
    if (typeof patch.connection === 'string') states.push(patch.connection);
    setData(patch);
  };
  return states;
}

/** What must hold at every step: the page holds at most one socket, and WeChat never refused a sixth. */
function checkSockets(step: string): void {
  expect(wx.liveTasks, `open sockets the page holds after ${step}`).toBeLessThanOrEqual(1);
  expect(wx.socketLimitHits, `connectSocket refused for too many tasks after ${step}`).toBe(0);
}

/** A scan of the QR on screen by a merchant (the demo store's by default): the server's answer status. */
async function scanShown(merchantKey = h.srv.demoMerchantKey): Promise<number> {
  const token = await until(() => drawnToken(wx), 'a QR on the canvas');
  return (await scan(h.srv.url, merchantKey, token)).status;
}

describe('member page on WeChat’s sockets', () => {
  it('never holds more than one socket and leaves none open, across slow opens, hides, card switches, network flips and platform closes', async () => {
    wx.loginCode = () => h.wechat.issueCode('o-socket-soak');
    const id = await wechatMember(h.srv.url, h.wechat, 'o-socket-soak');
    const b = await addStore(h.srv.url, h.srv.adminToken, 'Soak wash');
    await topUp(h.srv.url, h.srv.adminToken, id, 2, 10);
    await topUp(h.srv.url, h.srv.adminToken, id, b.storeId, 10);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await untilLive(p);
    const pick = (storeId: number) =>
      p.querySelector('.card-picker')!.dispatchEvent('change', { detail: { value: p.data.cards.findIndex((c) => c.storeId === storeId) } });

    // Bad signal: handshakes hang (WeChat's onOpen comes late), and each way the page drops a socket that
    // has not opened yet asks WeChat to close a task that is not open (a no-op there) — three rounds.
    for (let round = 0; round < 3; round++) {
      wx.holdOpens = true;
      wx.killSocket(1000);
      await until(() => p.data.connection === 'connecting', `round ${round}: a reconnect attempt`);
      checkSockets(`round ${round}: a platform close`);
      lifecycle(p, 'onHide');
      await settle(50);
      checkSockets(`round ${round}: hide while connecting`);
      lifecycle(p, 'onShow');
      pick(round % 2 === 0 ? b.storeId : 2);
      await settle(1200);
      checkSockets(`round ${round}: show and a card switch while connecting`);
      wx.setOnline(false);
      await until(() => p.data.connection === 'offline', `round ${round}: offline`);
      checkSockets(`round ${round}: offline`);
      wx.setOnline(true);
      await settle(50);
      checkSockets(`round ${round}: back online`);
      // The hung handshakes complete: every task the page gave up is closed as it opens.
      wx.releaseOpens();
      await untilLive(p, `round ${round}: live again`);
      await until(() => wx.openSockets === 1, `round ${round}: one socket left open`);
      checkSockets(`round ${round}: live`);
      expect(wx.closesIgnored, 'closes WeChat ignored (the case this test is about) happened').toBeGreaterThan(0);
    }

    // A handshake that never completes: the client's connect timeout gives it up, WeChat's ends it.
    wx.holdOpens = true;
    wx.killSocket(1005);
    await until(() => p.data.connection === 'waiting', 'the connect timeout', 20_000);
    checkSockets('a connect timeout');
    wx.releaseOpens();
    await untilLive(p, 'live after the connect timeout');
    await settle();
    checkSockets('live after the connect timeout');
    expect(wx.openSockets).toBe(1);

    // And the socket that is left works: a scan on the card shown arrives.
    const storeId = p.data.cards[p.data.cardIndex]!.storeId;
    expect(await scanShown(storeId === b.storeId ? b.merchantKey : h.srv.demoMerchantKey)).toBe(200);
    await until(() => p.data.result?.storeId === storeId, 'the result on the one socket');

    closePage(p);
    page = undefined;
    await until(() => wx.openSockets === 0, 'no socket left open after the page closed');
  });

  it('reconnects after WeChat closes the socket with 1000 or 1005 and no bye', async () => {
    const p = await openLive('o-platform-close');
    for (const code of [1000, 1005] as const) {
      const states = recordStates(p);
      wx.killSocket(code);
      await untilLive(p, `live again after a platform close ${code}`);
      expect(states).not.toContain('stopped');
      expect(states).toContain('connecting');
      expect(wx.openSockets).toBe(1);
    }
    expect(await scanShown()).toBe(200);
    await until(() => p.data.result?.ok, 'the result after the reconnects');
  });

  it('logs in again on a revoked session though WeChat delivers the close as 1005 (the server’s bye says 4001)', async () => {
    wx.rewriteCloseCodes = 1005;
    const p = await openLive('o-revoked-1005');
    const before = wx.loginCalls;
    const { memberId, token } = storedSession(wx);
    const revoked = await api(h.srv.url, `/api/admin/members/${memberId}/revoke-sessions`, { method: 'POST', token: h.srv.adminToken });
    expect(revoked.status).toBe(200);
    await until(() => wx.loginCalls > before, 'a new WeChat login');
    await until(() => p.data.connection === 'live' && storedSession(wx).token !== token, 'live on the new session');
    expect(wx.loginCalls).toBe(before + 1);
    expect(await scanShown()).toBe(200);
    await until(() => p.data.result?.ok, 'the result on the new socket');
  });
});

describe('member page and the network', () => {
  it('says 当前无网络 and makes no attempt offline, keeps the valid code, and reconnects at once when the signal returns', async () => {
    const p = await openLive('o-offline');
    const token = drawnToken(wx);
    // The phone tells the page about the lost socket (1006) as well as through the network event.
    wx.dropsReported = true;
    wx.setOnline(false);
    await until(() => p.data.connection === 'offline', 'the offline state');
    expect(textOf(p)).toContain('当前无网络');
    const calls = wx.socketCalls;
    await settle(2500);
    expect(wx.socketCalls, 'connectSocket calls while offline').toBe(calls);
    expect(wx.openSockets).toBe(0);
    // The code is checked by the staff's phone, which has signal: still shown while it is valid.
    expect(drawnToken(wx)).toBe(token);
    expect(textOf(p)).toContain('二维码在倒计时结束前仍可使用');

    const states = recordStates(p);
    wx.setOnline(true);
    await untilLive(p, 'live once the signal is back');
    // At once: straight to connecting, no backoff wait in between.
    expect(states.slice(0, 2)).toEqual(['connecting', 'syncing']);
    expect(states).not.toContain('waiting');
    expect(wx.openSockets).toBe(1);
    expect(await scanShown()).toBe(200);
    await until(() => p.data.result?.ok, 'the result after the signal came back');
  });

  it('opened without signal: waits offline without attempts, then loads the card and connects when it returns', async () => {
    wx.loginCode = () => h.wechat.issueCode('o-opened-offline');
    await topUp(h.srv.url, h.srv.adminToken, await wechatMember(h.srv.url, h.wechat, 'o-opened-offline'), 2, 3);
    wx.setOnline(false);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await until(() => p.data.phase === 'error', 'the load to fail without signal');
    expect(wx.socketCalls).toBe(0);
    wx.setOnline(true);
    await untilLive(p, 'the card, live, once the signal is back');
    expect(p.data.remaining).toBe(3);
  });
});

describe('member page screen', () => {
  it('is bright and kept on while the code shows, and gives the member’s brightness back when hidden, on an empty card and when closed', async () => {
    const p = await openLive('o-bright');
    await until(() => wx.brightness === 1 && wx.keepScreenOn, 'the screen bright and kept on');

    lifecycle(p, 'onHide');
    await until(() => wx.openSockets === 0, 'the socket closed in the background');
    await until(() => wx.brightness === 0.4 && !wx.keepScreenOn, 'the member’s brightness back');
    lifecycle(p, 'onShow');
    await until(() => wx.brightness === 1 && wx.keepScreenOn, 'bright again when shown');
    await untilLive(p);

    closePage(p);
    page = undefined;
    await until(() => wx.brightness === 0.4 && !wx.keepScreenOn, 'the member’s brightness back after close');
    expect(wx.listeners).toEqual({ network: 0, capture: 0 });

    // A member with no card has no code to show: nothing is raised.
    wx.brightnessSet.length = 0;
    wx.storage.delete('scanpush.session');
    wx.loginCode = () => h.wechat.issueCode('o-bright-no-card');
    page = openPage<MemberData>(simulate, 'member');
    const empty = page;
    await until(() => empty.data.phase === 'empty', 'the empty state');
    await settle(100);
    expect(wx.brightnessSet).toEqual([]);
    expect(wx.keepScreenOn).toBe(false);
  });

  it('warns against sending a screenshot of the code', async () => {
    await openLive('o-capture');
    wx.captureScreen();
    await until(() => wx.modals.length > 0, 'the warning');
    expect(wx.modals[0]).toBe('二维码仅供本人当面使用，请勿截图发给他人');
  });
});

describe('member page session', () => {
  it('logs in once when several requests find the session revoked at the same time, and restarts the socket once', async () => {
    const p = await openLive('o-single-flight');
    const { memberId } = storedSession(wx);
    // Hidden (socket closed), the session is revoked; on show the card, the history and the QR are all
    // asked for at once (pull-down) and all refused 401.
    lifecycle(p, 'onHide');
    await until(() => wx.openSockets === 0, 'the socket closed in the background');
    const revoked = await api(h.srv.url, `/api/admin/members/${memberId}/revoke-sessions`, { method: 'POST', token: h.srv.adminToken });
    expect(revoked.status).toBe(200);
    const logins = wx.loginCalls;
    const sockets = wx.socketCalls;
    lifecycle(p, 'onShow');
    const instance = p.instance as unknown as { onPullDownRefresh(): void };
    instance.onPullDownRefresh();
    await until(() => wx.pullDownStops === 1, 'the pull-down to finish');
    await untilLive(p, 'live on the new session');
    await settle(1500);
    expect(wx.loginCalls - logins, 'WeChat logins').toBe(1);
    expect(wx.socketCalls - sockets, 'sockets opened').toBe(1);
    expect(wx.openSockets).toBe(1);
    expect(await scanShown()).toBe(200);
    await until(() => p.data.result?.ok, 'the result on the new socket');
  });
});

describe('member page staff entry', () => {
  it('shows 员工扫码 only on a phone bound as staff, and opens the staff scan page', async () => {
    const p = await openLive('o-staff-entry');
    expect(textOf(p)).not.toContain('员工扫码');
    expect(p.querySelector('.staff-entry')).toBeUndefined();
    // Bound meanwhile (on the staff bind page): seen on the next show.
    wx.storage.set('scanpush.staffBound', JSON.stringify(true));
    lifecycle(p, 'onHide');
    lifecycle(p, 'onShow');
    await until(() => p.data.staffEntry, 'the staff entry');
    expect(textOf(p)).toContain('员工扫码');
    p.querySelector('.staff-entry')!.dispatchEvent('tap');
    await until(() => wx.routes.length > 0, 'a navigation');
    expect(wx.routes.at(-1)).toBe('/staff/pages/scan/index');
  });
});
