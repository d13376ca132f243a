import { OFFLINE_CODE_PREFIX, RESULT_CODES, makeOfflineCode, parseOfflineCode, timeStep } from '@scanpush/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, scan } from '../../../test/helpers/client';
import { startServer, type TestServer } from '../../../test/helpers/server';
import { startWechatStandIn, wechatEnv, type WechatStandIn } from '../../../test/helpers/wechat-stand-in';
import { drawnToken, resetWx, storedSession, topUp, untilLive, wechatMember, type MemberData } from './helpers/member';
import { closePage, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';

// The REAL member page against the REAL server, offline: no request and no socket get through (the `wx`
// stand-in fails them as a phone without signal does), and the page still draws a code the server accepts.
// The server's online codes live 5 s and its offline codes step every 10 s, so a test sees both turn over.
const { simulate, wx } = loadSimulate();

/**
 * The phone's clock. The server runs in this process, so it is given the real clock as its own (the
 * composition root's `now`, which every rule reads) and the page's clock is moved by wrapping `Date.now`
 * (miniprogram-simulate has no clock of its own; the page reads Date.now only).
 */
const realNow = Date.now.bind(Date);
let phoneClockOffsetMs = 0;
Date.now = () => realNow() + phoneClockOffsetMs;

/** The URLs the page asked `wx.request` for, in order: offline there must be none. */
const requested: string[] = [];
const globalWx = (globalThis as unknown as { wx: { request(o: { url: string }): unknown } }).wx;
const request = globalWx.request.bind(globalWx);
globalWx.request = (o) => {
  requested.push(o.url);
  return request(o);
};

type OfflineData = MemberData & { qrOffline: boolean };
interface Enrolment {
  deviceId: number;
  secret: string;
  stepSeconds: number;
  skewSteps: number;
  clockOffsetMs: number;
}

const STEP_SECONDS = 10;
const h = {} as { srv: TestServer; wechat: WechatStandIn };
let page: SimComponent<OfflineData> | undefined;

beforeAll(async () => {
  h.wechat = await startWechatStandIn();
  h.srv = await startServer({
    env: { ...wechatEnv(h.wechat), QR_TTL_SECONDS: '5', OFFLINE_CODE_STEP_SECONDS: String(STEP_SECONDS) },
    parts: { now: realNow },
  });
});
afterAll(async () => {
  await h.srv?.stop();
  await h.wechat?.stop();
});
beforeEach(() => resetWx(wx, h.srv.url));
afterEach(() => {
  if (page) closePage(page);
  page = undefined;
  phoneClockOffsetMs = 0;
});

/** The enrolment the page keeps (encrypted storage: the stand-in's `enc:` + base64). */
function storedEnrolment(): Enrolment | undefined {
  const raw = wx.storage.get('scanpush.offlineDevice');
  if (raw === undefined) return undefined;
  const sealed = JSON.parse(raw) as string;
  expect(sealed.startsWith('enc:'), 'the enrolment is in encrypted storage').toBe(true);
  return JSON.parse(Buffer.from(sealed.slice(4), 'base64').toString()) as Enrolment;
}

/** Opens the page for a new member with `uses` at the demo store; waits until it is live and enrolled. */
async function openEnrolled(openid: string, uses: number): Promise<SimComponent<OfflineData>> {
  wx.loginCode = () => h.wechat.issueCode(openid);
  await topUp(h.srv.url, h.srv.adminToken, await wechatMember(h.srv.url, h.wechat, openid), 2, uses);
  page = openPage<OfflineData>(simulate, 'member');
  await untilLive(page);
  await until(() => storedEnrolment(), 'the device enrolled');
  return page;
}

/** Signal gone; waits for the offline code (once the online code on screen has run out). */
async function goOffline(p: SimComponent<OfflineData>): Promise<string> {
  wx.setOnline(false);
  requested.length = 0;
  return until(() => (p.data.qrOffline ? drawnToken(wx) : undefined), 'the offline code on the canvas', 10_000);
}

/** Results the page put on screen from now on (setData is where it shows them). */
function recordResults(p: SimComponent<OfflineData>): Array<{ title: string; detail: string }> {
  const shown: Array<{ title: string; detail: string }> = [];
  const instance = p.instance as unknown as { setData(patch: Record<string, unknown>): void };
  const setData = instance.setData.bind(instance);
  instance.setData = (patch) => {
    if (patch.result) shown.push(patch.result as { title: string; detail: string });
    setData(patch);
  };
  return shown;
}

describe('member page offline code', () => {
  it('without signal draws the offline code with no request; a scan deducts, and once the signal is back the page shows 扣费成功 once', async () => {
    const p = await openEnrolled('o-offline-code', 5);
    const enrolment = storedEnrolment()!;
    const code = await goOffline(p);
    expect(code.startsWith(OFFLINE_CODE_PREFIX)).toBe(true);
    const parsed = parseOfflineCode(code);
    expect(parsed.ok && parsed.value.claims).toMatchObject({ deviceId: enrolment.deviceId, storeId: 2 });
    expect(textOf(p)).toContain('离线码');
    expect(textOf(p)).toContain('无网络时使用，联网后自动显示结果');
    expect(p.data.connection).toBe('offline');

    // The staff's phone has signal: the code read off the canvas, through the real API.
    const results = recordResults(p);
    const answer = await scan(h.srv.url, h.srv.demoMerchantKey, code);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.result).toMatchObject({ code: RESULT_CODES.OK.code, remaining: 4 });
    await settle(500);
    expect(p.data.result, 'no result without a socket').toBeNull();
    expect(requested, 'requests made offline').toEqual([]);
    expect(wx.openSockets).toBe(0);

    wx.setOnline(true);
    await until(() => p.data.result, 'the result once the signal is back');
    expect(p.data.result).toMatchObject({ ok: true, title: '扣费成功' });
    expect(p.data.result!.detail).toContain('4');
    expect(p.data.remaining).toBe(4);
    // And an online code again.
    await until(() => !p.data.qrOffline && p.data.qrReady, 'an online code back');
    await settle(800);
    expect(results.filter((r) => r.title === '扣费成功')).toHaveLength(1);
    expect(wx.vibrations).toBe(1);
    lifecycleDismiss(p);
    const online = await until(() => drawnToken(wx), 'the online code drawn');
    expect(online.startsWith('SP')).toBe(true);
  });

  it('replaces the offline code at every step boundary; a code scanned twice is refused the second time', async () => {
    const p = await openEnrolled('o-offline-steps', 5);
    const first = await goOffline(p);
    const next = await until(() => (drawnToken(wx) !== first && p.data.qrOffline ? drawnToken(wx) : undefined), 'the next step’s code', (STEP_SECONDS + 2) * 1000);
    const [a, b] = [parseOfflineCode(first), parseOfflineCode(next!)];
    expect(a.ok && b.ok && b.value.claims.step - a.value.claims.step).toBe(1);
    expect(p.data.qrSeconds).toBeGreaterThan(0);
    expect(p.data.qrSeconds).toBeLessThanOrEqual(STEP_SECONDS);

    expect((await scan(h.srv.url, h.srv.demoMerchantKey, next!)).status).toBe(200);
    const again = await scan(h.srv.url, h.srv.demoMerchantKey, next!);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('QR_USED');
    const cards = await api(h.srv.url, '/api/cards', { token: storedSession(wx).token });
    expect(cards.body.cards[0].remaining).toBe(4);
    expect(requested).toEqual([]);
  });

  it('a phone clock 5 minutes slow still makes a code the server accepts, thanks to the offset learnt online', async () => {
    phoneClockOffsetMs = -5 * 60_000;
    const p = await openEnrolled('o-offline-skew', 3);
    const enrolment = storedEnrolment()!;
    // The server is 5 minutes ahead of the phone, to within the request's round trip.
    expect(Math.abs(enrolment.clockOffsetMs - 5 * 60_000)).toBeLessThan(2000);
    const code = await goOffline(p);

    // The same secret without the offset: a code of the phone's own clock, which the server must refuse.
    const naive = makeOfflineCode(Buffer.from(enrolment.secret, 'base64url'), { deviceId: enrolment.deviceId, storeId: 2, step: timeStep(Date.now(), enrolment.stepSeconds) });
    const stale = await scan(h.srv.url, h.srv.demoMerchantKey, naive);
    expect(stale.status).not.toBe(200);
    expect(stale.body.error.code).toBe('OFFLINE_CODE_STALE');

    const answer = await scan(h.srv.url, h.srv.demoMerchantKey, code);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.result).toMatchObject({ code: RESULT_CODES.OK.code, remaining: 2 });
  });

  it('opened without signal, shows the card last read online with its offline code; the scan’s result comes with the signal', async () => {
    const p = await openEnrolled('o-offline-cold', 3);
    await closeFully(p);

    // At the bay: the mini-program is opened with no signal at all.
    wx.setOnline(false);
    clearCanvas();
    const socketCalls = wx.socketCalls;
    page = openPage<OfflineData>(simulate, 'member');
    const cold = page;
    const code = await until(() => (cold.data.phase === 'ready' && cold.data.qrOffline ? drawnToken(wx) : undefined), 'the card and its offline code');
    expect(code.startsWith(OFFLINE_CODE_PREFIX)).toBe(true);
    expect(cold.data.remaining).toBe(3);
    expect(textOf(cold)).toContain('离线码');
    expect(wx.openSockets).toBe(0);
    expect(wx.socketCalls - socketCalls, 'sockets attempted without signal').toBe(0);

    const answer = await scan(h.srv.url, h.srv.demoMerchantKey, code);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const results = recordResults(cold);
    wx.setOnline(true);
    await until(() => cold.data.result, 'the result once the signal is back');
    expect(cold.data.result).toMatchObject({ ok: true, title: '扣费成功' });
    expect(cold.data.remaining).toBe(2);
    await settle(800);
    expect(results.filter((r) => r.title === '扣费成功')).toHaveLength(1);
  });

  it('opened without signal and without an enrolment, says so as before (no card from memory, no code)', async () => {
    wx.loginCode = () => h.wechat.issueCode('o-offline-none');
    await topUp(h.srv.url, h.srv.adminToken, await wechatMember(h.srv.url, h.wechat, 'o-offline-none'), 2, 3);
    page = openPage<OfflineData>(simulate, 'member');
    await untilLive(page);
    await closeFully(page);
    wx.storage.delete('scanpush.offlineDevice');
    clearCanvas();

    wx.setOnline(false);
    page = openPage<OfflineData>(simulate, 'member');
    const p = page;
    await until(() => p.data.phase === 'error', 'the load to fail without signal');
    expect(drawnToken(wx)).toBeUndefined();
  });

  it('a logout revokes the device on the server; the new login drops the old enrolment and enrols anew', async () => {
    const p = await openEnrolled('o-offline-logout', 2);
    const first = storedEnrolment()!;
    const oldToken = storedSession(wx).token;
    expect((await api(h.srv.url, '/api/auth/logout', { token: oldToken, body: {} })).status).toBe(204);
    // The server closes the socket for the revoked session: the page logs in again and enrols again.
    const second = await until(() => (storedEnrolment() && storedEnrolment()!.deviceId !== first.deviceId ? storedEnrolment() : undefined), 'a new enrolment after the new login');
    await untilLive(p);
    const list = await api(h.srv.url, '/api/devices', { token: storedSession(wx).token });
    const byId = new Map(list.body.devices.map((d: { id: number }) => [d.id, d]));
    expect(byId.get(first.deviceId)).toMatchObject({ usable: false });
    expect(byId.get(second.deviceId)).toMatchObject({ usable: true, current: true });
    // A code of the old device is refused; one of the new is taken.
    const old = makeOfflineCode(Buffer.from(first.secret, 'base64url'), { deviceId: first.deviceId, storeId: 2, step: timeStep(Date.now() + first.clockOffsetMs, first.stepSeconds) });
    expect((await scan(h.srv.url, h.srv.demoMerchantKey, old)).status).not.toBe(200);
    const fresh = makeOfflineCode(Buffer.from(second.secret, 'base64url'), { deviceId: second.deviceId, storeId: 2, step: timeStep(Date.now() + second.clockOffsetMs, second.stepSeconds) });
    expect((await scan(h.srv.url, h.srv.demoMerchantKey, fresh)).status).toBe(200);
  });

  it('enrols again when the server says its device is gone, and keeps a usable one', async () => {
    const p = await openEnrolled('o-offline-reenrol', 2);
    const first = storedEnrolment()!;
    await closeFully(p);

    // Reopened: the server lists it as usable, so it is kept.
    page = openPage<OfflineData>(simulate, 'member');
    await untilLive(page);
    await settle(500);
    expect(storedEnrolment()!.deviceId).toBe(first.deviceId);
    await closeFully(page);

    // Revoked (the member's device list, or the operator): the next open enrols a new one.
    const token = storedSession(wx).token;
    expect((await api(h.srv.url, `/api/devices/${first.deviceId}`, { method: 'DELETE', token })).status).toBeLessThan(300);
    page = openPage<OfflineData>(simulate, 'member');
    await untilLive(page);
    const second = await until(() => (storedEnrolment()!.deviceId !== first.deviceId ? storedEnrolment() : undefined), 'a new enrolment');
    const list = await api(h.srv.url, '/api/devices', { token });
    expect(list.body.devices.find((d: { id: number }) => d.id === second.deviceId)).toMatchObject({ usable: true });
  });
});

describe('member page offline code across a server key rotation', () => {
  it('re-enrols a device still under the previous DEVICE_SECRET_KEY and revokes the old one, so it keeps working once that key is dropped', async () => {
    const OLD = 'old-device-secret-key-0123456789abcdef';
    const NEW = 'new-device-secret-key-0123456789abcdef';
    const wechat = await startWechatStandIn();
    // Its own directory, kept across the restart (a server started without one removes its own on stop).
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-rotate-'));
    let srv: TestServer | undefined = await startServer({ dir, env: { ...wechatEnv(wechat), DEVICE_SECRET_KEY: OLD } });
    const { port } = srv;
    try {
      resetWx(wx, srv.url);
      wx.loginCode = () => wechat.issueCode('o-offline-rotate');
      await topUp(srv.url, srv.adminToken, await wechatMember(srv.url, wechat, 'o-offline-rotate'), 2, 2);
      page = openPage<OfflineData>(simulate, 'member');
      await untilLive(page, 'live before the rotation');
      const first = await until(() => storedEnrolment(), 'the device enrolled under the old key');
      await closeFully(page);
      await srv.stop();
      srv = undefined;

      // The same server (same port, same database), its key rotated: the old one kept as PREVIOUS.
      srv = await startServer({ dir, env: { ...wechatEnv(wechat), PORT: String(port), DEVICE_SECRET_KEY: NEW, DEVICE_SECRET_KEY_PREVIOUS: OLD } });
      const server = srv;
      page = openPage<OfflineData>(simulate, 'member');
      await untilLive(page, 'live after the rotation');
      const second = await until(() => (storedEnrolment()!.deviceId !== first.deviceId ? storedEnrolment() : undefined), 'a new enrolment under the new key');
      const token = storedSession(wx).token;
      await until(async () => {
        const list = await api(server.url, '/api/devices', { token });
        const byId = new Map(list.body.devices.map((d: { id: number }) => [d.id, d]));
        return (byId.get(first.deviceId) as { usable?: boolean } | undefined)?.usable === false && byId.get(second.deviceId) ? true : undefined;
      }, 'the old device revoked');
      const list = await api(server.url, '/api/devices', { token });
      expect(list.body.devices.find((d: { id: number }) => d.id === second.deviceId)).toMatchObject({ usable: true, keyCurrent: true });
      await closeFully(page);
    } finally {
      await srv?.stop();
      await wechat.stop();
      rmSync(dir, { recursive: true, force: true });
      resetWx(wx, h.srv.url);
    }
  });
});

/** Taps 知道了 under the result, as the member would, so the canvas shows again. */
function lifecycleDismiss(p: SimComponent<OfflineData>): void {
  p.querySelector('.result')!.dispatchEvent('tap');
}

/**
 * Closes the page and waits until its socket is closed: the connector opens one task at a time, so a
 * page opened (or the signal dropped) while the old close is in flight would wait on it.
 */
async function closeFully(p: SimComponent<OfflineData>): Promise<void> {
  closePage(p);
  page = undefined;
  await until(() => wx.sockets.every((socket) => socket.readyState === socket.CLOSED), 'the page’s socket closed');
}

/** A blank canvas, as a fresh page has (sizing a canvas clears it). */
function clearCanvas(): void {
  wx.canvas.width = 0;
  wx.canvas.height = 0;
}
