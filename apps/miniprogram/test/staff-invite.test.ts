import { parseMerchantKey, type StaffInviteResponse } from '@scanpush/shared';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr } from '../../../test/helpers/client';
import { startServer, type TestServer } from '../../../test/helpers/server';
import { closePage, loadSimulate, openPage, until, type SimComponent } from './helpers/pages';

// The REAL bind page redeeming staff invites against the REAL server. WeChat is the `wx` stand-in, plus
// the device APIs this page alone asks (`getDeviceInfo`, `getSystemInfoSync`), set per test below
// because the phone's brand and model are WeChat's to say.
interface BindData {
  phase: 'checking' | 'unbound' | 'binding' | 'bound';
  maskedKey: string;
  error: string;
}
interface ScanData {
  phase: 'loading' | 'ready' | 'unbound';
  busy: boolean;
  result: { ok: boolean; title: string; remaining: number | null } | null;
}

const SCAN_PAGE = '/staff/pages/scan/index';
const KEY_STORAGE = 'scanpush.staffKey';

const { simulate, wx } = loadSimulate();
const globalWx = (globalThis as unknown as { wx: Record<string, unknown> }).wx;
const originalSystemInfo = globalWx.getSystemInfoSync;
let srv: TestServer;
let clock = Date.UTC(2026, 5, 1, 9);
let pages: SimComponent<unknown>[] = [];

beforeAll(async () => {
  srv = await startServer({ parts: { now: () => clock } });
});
afterAll(async () => {
  await srv?.stop();
});
beforeEach(() => {
  wx.storage.clear();
  wx.storage.set('scanpush.server', JSON.stringify(srv.url));
  wx.canEncrypt = true;
  wx.routes.length = 0;
  wx.scans.length = 0;
  globalWx.getDeviceInfo = () => ({ brand: 'HUAWEI', model: 'Mate 60', system: 'HarmonyOS 4.0', platform: 'android' });
  delete globalWx.getSystemInfoSync;
});
afterEach(() => {
  pages.splice(0).forEach((p) => closePage(p));
  delete globalWx.getDeviceInfo;
  globalWx.getSystemInfoSync = originalSystemInfo;
});

function open<D>(name: 'staff-scan' | 'staff-bind', query: Record<string, string> = {}): SimComponent<D> {
  const page = openPage<D>(simulate, name, query);
  pages.push(page);
  return page;
}

async function invite(validMinutes = 30): Promise<StaffInviteResponse> {
  const res = await api<StaffInviteResponse>(srv.url, '/api/admin/stores/2/invites', { token: srv.adminToken, body: { validMinutes } });
  expect(res.status).toBe(201);
  return res.body;
}

/** The key the page saved, read through the stand-in's sealing (WeChat's encryption stands in as base64). */
function savedKey(): string {
  const sealed = JSON.parse(wx.storage.get(KEY_STORAGE)!) as string;
  expect(sealed.startsWith('enc:')).toBe(true);
  return (JSON.parse(Buffer.from(sealed.slice(4), 'base64').toString()) as { key: string }).key;
}

/** Taps 扫码绑定 with the camera reading `text` and waits for a refusal. */
async function refusedScan(p: SimComponent<BindData>, text: string): Promise<string> {
  wx.scans.push(text);
  p.querySelector('#scan-bind')!.dispatchEvent('tap');
  await until(() => p.data.error, `the refusal of ${text}`);
  const error = p.data.error;
  // 手动输入密钥 opened and closed clears the message, so the next refusal is seen anew.
  p.querySelector('#manual-toggle')!.dispatchEvent('tap');
  p.querySelector('#manual-toggle')!.dispatchEvent('tap');
  return error;
}

describe('staff invite on the bind page', () => {
  it('redeems an invite QR WeChat’s scanner opened the page with: this phone’s own key, named after it, scans', async () => {
    const made = await invite();
    const p = open<BindData>('staff-bind', { q: encodeURIComponent(made.url), scancode_time: '1700000000' });
    await until(() => wx.routes.includes(SCAN_PAGE), 'the move to the scan page');
    expect(p.data).toMatchObject({ phase: 'bound', error: '' });

    const key = savedKey();
    const parsed = parseMerchantKey(key);
    expect(parsed.ok).toBe(true);
    const staff = await srv.storage.invites.listStaff(2);
    expect(staff.find((s) => parsed.ok && s.id === parsed.value.merchantId)).toMatchObject({ name: 'HUAWEI Mate 60', revokedAt: null });
    expect(p.data.maskedKey).toBe(parsed.ok ? `spk_${parsed.value.merchantId}_${parsed.value.secret.slice(0, 4)}…` : 'unparsed');

    // The scan page works with it as with any bound key.
    const scanPage = open<ScanData>('staff-scan');
    await until(() => scanPage.data.phase === 'ready', 'the scan page to read its key');
    const answered = wx.answered;
    wx.scans.push(await mintQr(srv.url, await devLogin(srv.url, 17)));
    scanPage.querySelector('#scan')!.dispatchEvent('tap');
    await until(() => wx.answered > answered && !scanPage.data.busy, 'the answer to the scan');
    expect(scanPage.data.result).toMatchObject({ ok: true, title: '扣费成功' });
  });

  it('says 已使用, 已过期 and 无效 for a used, an expired and a revoked invite, binding nothing', async () => {
    const used = await invite();
    const joined = await api(srv.url, '/api/staff/join', { body: { code: used.code, deviceName: 'first phone' } });
    expect(joined.status).toBe(201);
    const expired = await invite(1);
    const revoked = await invite();
    expect((await api(srv.url, `/api/admin/invites/${revoked.inviteId}`, { method: 'DELETE', token: srv.adminToken })).status).toBe(200);
    clock += 60_000;
    const staffBefore = await srv.storage.invites.listStaff(2);

    const p = open<BindData>('staff-bind');
    await until(() => p.data.phase === 'unbound', 'the unbound state');
    expect(await refusedScan(p, used.url)).toBe('邀请码已使用，每个邀请码只能绑定一台手机');
    expect(p.data.phase).toBe('unbound');
    expect(await refusedScan(p, expired.url)).toBe('邀请码已过期，请向门店管理员重新索取');
    expect(await refusedScan(p, revoked.url)).toBe('邀请码无效，请向门店管理员重新索取');
    expect(await refusedScan(p, `${srv.url}/staff/join#spi_short`)).toBe('员工邀请码格式不对，请向门店管理员重新索取');

    expect(wx.storage.has(KEY_STORAGE)).toBe(false);
    expect(wx.routes).toEqual([]);
    expect(await srv.storage.invites.listStaff(2)).toEqual(staffBefore);
  });

  it('names the phone from getSystemInfoSync on an older base library, and falls back when neither answers', async () => {
    delete globalWx.getDeviceInfo;
    globalWx.getSystemInfoSync = () => ({ brand: 'iPhone', model: 'iPhone 15 Pro<iPhone16,1>' });
    const first = open<BindData>('staff-bind', { q: encodeURIComponent((await invite()).url) });
    await until(() => first.data.phase === 'bound', 'the first bind');

    globalWx.getSystemInfoSync = () => {
      throw new Error('getSystemInfoSync:fail');
    };
    wx.routes.length = 0;
    const second = open<BindData>('staff-bind', { q: encodeURIComponent((await invite()).url) });
    await until(() => second.data.phase === 'bound', 'the second bind');

    const names = (await srv.storage.invites.listStaff(2)).map((s) => s.name);
    expect(names.slice(-2)).toEqual(['iPhone 15 Pro', '员工手机']);
  });
});
