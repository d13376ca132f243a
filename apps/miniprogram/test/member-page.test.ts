import { parseQrToken } from '@scanpush/shared';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, scan } from '../../../test/helpers/client';
import { startServer, type TestServer } from '../../../test/helpers/server';
import { startWechatStandIn, wechatEnv, type WechatStandIn } from '../../../test/helpers/wechat-stand-in';
import { closePage, lifecycle, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';
import type { WxNode } from './helpers/wx-node';

// The REAL member page (compiled as DevTools would) in miniprogram-simulate, against the REAL server on
// an ephemeral port. `wx` does real work in Node (fetch, ws, a Map, a raster canvas); the only fake is
// the local stand-in for WeChat's jscode2session.
interface MemberData {
  phase: string;
  storeName: string;
  remaining: number;
  qrReady: boolean;
  qrSeconds: number;
  connection: string;
  result: { seq: number; ok: boolean; title: string; detail: string } | null;
  history: Array<{ label: string; delta: string; balance: string }>;
}

const { simulate, wx } = loadSimulate();
let wechat: WechatStandIn;
let srv: TestServer;
let page: SimComponent<MemberData> | undefined;

beforeAll(async () => {
  wechat = await startWechatStandIn();
  srv = await startServer({ env: wechatEnv(wechat) });
});
afterAll(async () => {
  await srv.stop();
  await wechat.stop();
});
beforeEach(() => resetWx(wx, srv.url));
afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

function resetWx(w: WxNode, server: string) {
  w.storage.clear();
  w.storage.set('scanpush.server', JSON.stringify(server));
  w.vibrations = 0;
  w.duplicateFrames = false;
  // A canvas is cleared when it is sized: nothing from the previous test can be read off it.
  w.canvas.width = 0;
  w.canvas.height = 0;
}

/** Logs a WeChat user in on the page's next wx.login. */
function asWechatUser(openid: string) {
  wx.loginCode = () => wechat.issueCode(openid);
}

async function topUp(memberId: number, uses: number, base = srv.url, adminToken = srv.adminToken) {
  const answer = await api(base, '/api/admin/cards', { token: adminToken, body: { memberId, storeId: 2, uses } });
  expect(answer.status).toBe(200);
}

function memberId(): number {
  return JSON.parse(wx.storage.get('scanpush.session')!).memberId as number;
}

/** The token a camera reads off the page's canvas right now. */
function drawnToken(): string | undefined {
  return wx.canvas.decode();
}

/** Opens the member page for a new WeChat user holding `uses` at the demo store; waits until it is live. */
async function openLive(openid: string, uses = 10): Promise<{ page: SimComponent<MemberData>; token: string; memberId: number }> {
  asWechatUser(openid);
  const login = await api(srv.url, '/api/auth/wechat', { body: { code: wechat.issueCode(openid) } });
  await topUp(login.body.memberId, uses);
  page = openPage<MemberData>(simulate, 'member');
  const p = page;
  await until(() => p.data.phase === 'ready' && p.data.connection === 'live', 'the page to be ready and live');
  const token = await until(drawnToken, 'a QR on the canvas');
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

    await topUp(memberId(), 3);
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
    for (const key of wechat.sessionKeys) expect(stored).not.toContain(key);
  });

  it('turns to 扣费成功 with the new count when the merchant scans, once even if the frame arrives twice', async () => {
    wx.duplicateFrames = true;
    const { page: p, token } = await openLive('o-scanned');
    const answer = await scan(srv.url, srv.demoMerchantKey, token);
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
    const next = await until(() => (p.data.result === null ? drawnToken() : undefined), 'a fresh QR');
    await until(() => drawnToken() !== token, 'the QR to change');
    expect(next).toBeTruthy();
    expect(parseQrToken(drawnToken()!).ok).toBe(true);
  });

  it('closes the socket in the background; a scan made meanwhile shows once after the page is shown again', async () => {
    const { page: p, token } = await openLive('o-hidden');
    lifecycle(p, 'onHide');
    await until(() => wx.openSockets === 0, 'the socket to close in the background');
    expect(p.data.connection).toBe('paused');

    const answer = await scan(srv.url, srv.demoMerchantKey, token);
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
    expect(JSON.parse(wx.storage.get(`scanpush.seq.${memberId()}`)!)).toBe(seq);
  });

  it('follows the card chosen in the picker: its QR, its socket, its results', async () => {
    const admin = srv.adminToken;
    asWechatUser('o-two-cards');
    const login = await api(srv.url, '/api/auth/wechat', { body: { code: wechat.issueCode('o-two-cards') } });
    const id = login.body.memberId as number;
    await topUp(id, 10);
    const store = await api(srv.url, '/api/admin/stores', { token: admin, body: { name: 'Second wash' } });
    const merchant = await api(srv.url, '/api/admin/merchants', { token: admin, body: { storeId: store.body.id, name: 'Counter' } });
    await api(srv.url, '/api/admin/cards', { token: admin, body: { memberId: id, storeId: store.body.id, uses: 4 } });

    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    await until(() => p.data.phase === 'ready' && p.data.connection === 'live', 'the first card');
    expect(p.data.storeName).toBe('Demo car wash');
    p.querySelector('.card-picker')!.dispatchEvent('change', { detail: { value: 1 } });
    await until(() => p.data.storeName === 'Second wash' && p.data.connection === 'live', 'the second card, live');
    expect(p.data.remaining).toBe(4);
    const token = await until(() => {
      const drawn = drawnToken();
      const parsed = drawn ? parseQrToken(drawn) : undefined;
      return parsed?.ok && parsed.value.claims.storeId === store.body.id ? drawn : undefined;
    }, 'a QR for the second store');
    expect(wx.openSockets).toBe(1);
    expect(wx.sockets.at(-1)!.url).toContain(`/webSocket/${id}/${store.body.id}`);

    expect((await scan(srv.url, merchant.body.key, token)).status).toBe(200);
    await until(() => p.data.result, 'the result at the second store');
    expect(p.data.result).toMatchObject({ ok: true, detail: '剩余次数: 3' });
  });

  it('logs in again and reconnects when the server revokes the session', async () => {
    const { page: p, memberId: id } = await openLive('o-revoked');
    const before = wx.loginCalls;
    const revoked = await api(srv.url, `/api/admin/members/${id}/revoke-sessions`, { method: 'POST', token: srv.adminToken });
    expect(revoked.status).toBe(200);
    await until(() => wx.loginCalls > before, 'a new WeChat login');
    await until(() => p.data.connection === 'live', 'the page to be live again');
    const token = await until(drawnToken, 'a QR');
    expect((await scan(srv.url, srv.demoMerchantKey, token)).status).toBe(200);
    await until(() => p.data.result?.ok, 'the result on the new socket');
  });
});

describe('member page QR countdown', () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startServer({ env: { ...wechatEnv(wechat), QR_TTL_SECONDS: '5' } });
  });
  afterAll(async () => {
    await short.stop();
  });

  it('counts down visibly and replaces the QR before it expires', async () => {
    resetWx(wx, short.url);
    asWechatUser('o-countdown');
    const login = await api(short.url, '/api/auth/wechat', { body: { code: wechat.issueCode('o-countdown') } });
    await topUp(login.body.memberId, 5, short.url, short.adminToken);
    page = openPage<MemberData>(simulate, 'member');
    const p = page;
    const first = await until(() => (p.data.phase === 'ready' ? drawnToken() : undefined), 'the first QR');
    const expiry = parseQrToken(first);
    expect(p.data.qrSeconds).toBeLessThanOrEqual(4);
    await until(() => p.data.qrSeconds <= 3, 'the countdown to run');
    expect(textOf(p)).toMatch(/[0-3] 秒后自动刷新/);
    const second = await until(() => (drawnToken() !== first ? drawnToken() : undefined), 'a new QR', 8000);
    const next = parseQrToken(second);
    expect(expiry.ok && next.ok && next.value.claims.expiresAt > expiry.value.claims.expiresAt).toBe(true);
    // Replaced while the old one was still valid: the new one was issued (expiry − TTL, on the server's
    // clock) before the old one's expiry.
    expect(expiry.ok && next.ok && next.value.claims.expiresAt - 5 < expiry.value.claims.expiresAt).toBe(true);
  });
});
