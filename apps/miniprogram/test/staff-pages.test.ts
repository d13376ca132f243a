import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QrSigner } from '../../server/src/core/qr-signer';
import { api, devLogin, mintQr } from '../../../test/helpers/client';
import { startServer, type TestServer } from '../../../test/helpers/server';
import { BUILD_DIR } from './setup/compile';
import { closePage, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';

// The REAL staff pages (sub-package `staff`) in miniprogram-simulate against the REAL server. WeChat is
// played by the `wx` stand-in: `scanCode` answers with what the camera would read, a launch by WeChat's
// own scanner is the bind page opened with `q` (the QR's URL, URL-encoded, as WeChat passes it), and
// encrypted storage keeps values sealed from plain reads.
interface ScanData {
  phase: 'loading' | 'ready' | 'unbound';
  maskedKey: string;
  busy: boolean;
  result: { ok: boolean; title: string; detail: string; remaining: number | null } | null;
  resultLabel: string;
  error: string;
  canRetry: boolean;
  canRebind: boolean;
}

interface BindData {
  phase: 'checking' | 'unbound' | 'binding' | 'bound';
  maskedKey: string;
  error: string;
  showManual: boolean;
}

const SCAN_PAGE = '/staff/pages/scan/index';
const BIND_PAGE = '/staff/pages/bind/index';
const KEY_STORAGE = 'scanpush.staffKey';
const MARKER = 'scanpush.staffBound';

const { simulate, wx } = loadSimulate();
// The compiled module the member page asks (its 员工扫码 entry), running on the same `wx`.
const { staffBound } = createRequire(import.meta.url)(join(BUILD_DIR, 'lib/staff-credential.js')) as { staffBound(): boolean };
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
  wx.vibrations = 0;
  wx.canEncrypt = true;
  wx.routes.length = 0;
  wx.scans.length = 0;
});
afterEach(() => {
  pages.splice(0).forEach((p) => closePage(p));
});

function open<D>(name: 'staff-scan' | 'staff-bind', query: Record<string, string> = {}): SimComponent<D> {
  const page = openPage<D>(simulate, name, query);
  pages.push(page);
  return page;
}

/** The binding QR's text for a key, as `scanpush staff-qr` prints it. */
function bindingUrl(key = srv.demoMerchantKey, origin = srv.url): string {
  return `${origin}/staff/bind#${key}`;
}

/** Binds as WeChat's own scanner does: the bind page launched with `q`; waits for the move to scanning. */
async function bindByLaunch(key = srv.demoMerchantKey): Promise<SimComponent<BindData>> {
  const p = open<BindData>('staff-bind', { q: encodeURIComponent(bindingUrl(key)), scancode_time: '1700000000' });
  await until(() => wx.routes.includes(SCAN_PAGE), 'the bind page to go on to the scan page');
  return p;
}

/** A bound phone's scan page, ready to scan. */
async function openBound(key = srv.demoMerchantKey): Promise<SimComponent<ScanData>> {
  await bindByLaunch(key);
  const p = open<ScanData>('staff-scan');
  await until(() => p.data.phase === 'ready', 'the scan page to read its key');
  return p;
}

async function remaining(token = member, storeId = 2): Promise<number> {
  const { body } = await api(srv.url, '/api/cards', { token });
  return body.cards.find((c: { storeId: number }) => c.storeId === storeId).remaining as number;
}

/** Taps 扫码扣次 with the camera reading `text`, and waits for what the page then shows. */
async function scanWith(p: SimComponent<ScanData>, text: string): Promise<ScanData> {
  const answered = wx.answered;
  wx.scans.push(text);
  p.querySelector('#scan')!.dispatchEvent('tap');
  await until(() => wx.answered > answered && !p.data.busy, 'the answer to the scan');
  return p.data;
}

/** What plain storage holds for the key: sealed unless encryption is unavailable. */
function plainStored(): string {
  return wx.storage.get(KEY_STORAGE) ?? '';
}

describe('staff binding', () => {
  it('binds when WeChat’s scanner opens the bind page with the QR’s URL in q; the key is kept encrypted', async () => {
    expect(staffBound()).toBe(false);
    const bind = await bindByLaunch();
    expect(bind.data).toMatchObject({ phase: 'bound', error: '' });
    expect(staffBound()).toBe(true);
    expect(wx.storage.get(MARKER)).toBe('true');
    // Plain storage never holds the key itself.
    expect(plainStored()).not.toBe('');
    expect(plainStored()).not.toContain(srv.demoMerchantKey);
    expect(textOf(bind)).not.toContain(srv.demoMerchantKey);

    const p = open<ScanData>('staff-scan');
    await until(() => p.data.phase === 'ready', 'the scan page to read its key');
    expect(p.data.maskedKey).toMatch(/^spk_1_.{4}…$/);
    expect(textOf(p)).toContain('扫码扣次');
    expect(textOf(p)).not.toContain(srv.demoMerchantKey);
  });

  it('binds with 扫码绑定; refuses another server’s QR, a member QR and junk, storing nothing', async () => {
    const p = open<BindData>('staff-bind');
    await until(() => p.data.phase === 'unbound', 'the unbound state');
    expect(textOf(p)).toContain('扫码绑定');

    const refused = async (text: string) => {
      wx.scans.push(text);
      p.querySelector('#scan-bind')!.dispatchEvent('tap');
      await until(() => p.data.error, `the refusal of ${text}`);
      const error = p.data.error;
      p.querySelector('#manual-toggle')!.dispatchEvent('tap'); // clears the message for the next one
      p.querySelector('#manual-toggle')!.dispatchEvent('tap');
      return error;
    };
    expect(await refused(bindingUrl(srv.demoMerchantKey, 'https://other.example.cn'))).toContain('另一台服务器');
    expect(await refused(await mintQr(srv.url, member))).toBe('这是会员的二维码，请扫描员工绑定码');
    expect(await refused('hello')).toBe('无法识别的二维码，请扫描门店管理员提供的员工绑定码');
    expect(wx.storage.has(KEY_STORAGE)).toBe(false);
    expect(staffBound()).toBe(false);
    expect(wx.routes).toEqual([]);

    wx.scans.push(bindingUrl());
    p.querySelector('#scan-bind')!.dispatchEvent('tap');
    await until(() => wx.routes.includes(SCAN_PAGE), 'the move to the scan page');
    expect(p.data.phase).toBe('bound');
    expect(staffBound()).toBe(true);
  });

  it('keeps typing the key as a collapsed fallback: refuses a malformed key, binds a good one', async () => {
    const p = open<BindData>('staff-bind');
    await until(() => p.data.phase === 'unbound', 'the unbound state');
    expect(p.querySelector('.key-input')).toBeUndefined();
    p.querySelector('#manual-toggle')!.dispatchEvent('tap');
    await until(() => p.querySelector('.key-input'), 'the key input');

    p.querySelector('.key-input')!.dispatchEvent('input', { detail: { value: 'spk_1_short' } });
    p.querySelector('#manual-bind')!.dispatchEvent('tap');
    await until(() => p.data.error, 'the refusal');
    expect(textOf(p)).toContain('员工密钥格式不对');
    expect(wx.storage.has(KEY_STORAGE)).toBe(false);

    p.querySelector('.key-input')!.dispatchEvent('input', { detail: { value: srv.demoMerchantKey } });
    p.querySelector('#manual-bind')!.dispatchEvent('tap');
    await until(() => wx.routes.includes(SCAN_PAGE), 'the move to the scan page');
    expect(staffBound()).toBe(true);
  });

  it('falls back to plain storage where the base library has no encrypted storage, and still works', async () => {
    wx.canEncrypt = false;
    const p = await openBound();
    expect(JSON.parse(plainStored())).toEqual({ key: srv.demoMerchantKey, server: srv.url });
    const before = await remaining();
    expect((await scanWith(p, await mintQr(srv.url, member))).result).toMatchObject({ ok: true, remaining: before - 1 });
  });

  it('moves a key bound by an earlier version (plain scanpush.merchantKey) into encrypted storage', async () => {
    wx.storage.set('scanpush.merchantKey', JSON.stringify(srv.demoMerchantKey));
    expect(staffBound()).toBe(true);
    const p = open<ScanData>('staff-scan');
    await until(() => p.data.phase === 'ready', 'the scan page to read its key');
    expect(wx.storage.has('scanpush.merchantKey')).toBe(false);
    expect(plainStored()).not.toContain(srv.demoMerchantKey);
    expect(staffBound()).toBe(true);
  });

  it('sends an unbound phone from the scan page to the bind page', async () => {
    const p = open<ScanData>('staff-scan');
    await until(() => p.data.phase === 'unbound', 'the unbound state');
    expect(wx.routes).toEqual([BIND_PAGE]);
    expect(p.querySelector('#scan')).toBeUndefined();
  });

  it('a bound bind page offers 去扫码, re-binding, and unbinding that removes key and marker', async () => {
    await bindByLaunch();
    const p = open<BindData>('staff-bind');
    await until(() => p.data.phase === 'bound', 'the bound state');
    expect(textOf(p)).toContain('已绑定员工密钥');
    p.querySelector('#unbind')!.dispatchEvent('tap');
    await until(() => p.data.phase === 'unbound', 'the unbound state');
    expect(wx.storage.has(KEY_STORAGE)).toBe(false);
    expect(wx.storage.has(MARKER)).toBe(false);
    expect(staffBound()).toBe(false);
  });
});

describe('staff scan page', () => {
  it('labels the scan button and the result for screen readers', () => {
    // The simulator drops aria-* attributes when it renders, so the markup is read as written.
    const wxml = readFileSync(join(BUILD_DIR, 'staff/pages/scan/index.wxml'), 'utf8');
    expect(wxml).toMatch(/<button[^>]*id="scan"[^>]*aria-label="扫描会员二维码并扣一次"/);
    expect(wxml).toMatch(/class="result[^"]*"[^>]*aria-role="alert" aria-label="\{\{resultLabel\}\}"/);
  });

  it('scans a member’s QR and shows 扣费成功 with the remaining uses, and says it to a screen reader', async () => {
    const p = await openBound();
    const before = await remaining();
    const shown = await scanWith(p, await mintQr(srv.url, member));
    expect(shown.result).toMatchObject({ ok: true, title: '扣费成功', detail: `剩余次数: ${before - 1}`, remaining: before - 1 });
    expect(textOf(p)).toContain(`剩余次数: ${before - 1}`);
    expect(p.data.resultLabel).toBe(`扣费成功，剩余次数: ${before - 1}`);
    expect(await remaining()).toBe(before - 1);
    expect(wx.vibrations).toBe(1);
  });

  it('retries a scan whose answer was lost with the same Idempotency-Key: one deduction', async () => {
    const p = await openBound();
    const before = await remaining();
    wx.loseNextAnswer = true;
    const lost = await scanWith(p, await mintQr(srv.url, member));
    expect(lost).toMatchObject({ canRetry: true, result: null });
    expect(lost.error).toContain('网络异常');
    expect(textOf(p)).toContain('重试不会重复扣次');
    // The server did deduct: the answer was lost on the way back.
    expect(await remaining()).toBe(before - 1);

    p.querySelector('#retry')!.dispatchEvent('tap');
    await until(() => p.data.result, 'the retried answer');
    expect(p.data.result).toMatchObject({ ok: true, title: '扣费成功', remaining: before - 1 });
    expect(p.data.canRetry).toBe(false);
    expect(await remaining()).toBe(before - 1);
  });

  it('says clearly what went wrong for every refusal the server gives', async () => {
    const admin = srv.adminToken;
    const signer = new QrSigner(srv.qrSecret);
    const p = await openBound();

    const used = await mintQr(srv.url, member);
    expect((await scanWith(p, used)).result?.ok).toBe(true);
    expect((await scanWith(p, used)).result).toMatchObject({ ok: false, title: '二维码已使用', detail: '请刷新二维码后重试' });

    expect((await scanWith(p, 'https://example.com/not-ours')).result).toMatchObject({ ok: false, title: '二维码无效' });

    const expired = signer.issue(17, 2, Date.now() - 3_600_000, 60).token;
    expect((await scanWith(p, expired)).result).toMatchObject({ ok: false, title: '二维码已过期', detail: '请刷新二维码后重试' });

    const other = await api(srv.url, '/api/admin/stores', { token: admin, body: { name: 'Other wash' } });
    await api(srv.url, '/api/admin/cards', { token: admin, body: { memberId: 17, storeId: other.body.id, uses: 1 } });
    const foreign = await mintQr(srv.url, member, other.body.id);
    expect((await scanWith(p, foreign)).result).toMatchObject({ ok: false, title: '非本店二维码', detail: '请出示本店会员卡二维码' });

    const newcomer = await api(srv.url, '/api/admin/members', { token: admin, body: { name: 'Newcomer' } });
    const noCard = signer.issue(newcomer.body.id, 2, Date.now(), 60).token;
    expect((await scanWith(p, noCard)).result).toMatchObject({ ok: false, title: '未找到会员卡', detail: '请联系门店办卡' });

    await api(srv.url, '/api/admin/cards', { token: admin, body: { memberId: newcomer.body.id, storeId: 2, uses: 1 } });
    const newcomerToken = await devLogin(srv.url, newcomer.body.id);
    expect((await scanWith(p, await mintQr(srv.url, newcomerToken))).result).toMatchObject({ ok: true, detail: '剩余次数: 0' });
    expect((await scanWith(p, await mintQr(srv.url, newcomerToken))).result).toMatchObject({ ok: false, title: '剩余次数不足', detail: '剩余次数: 0' });
    expect(textOf(p)).toContain('剩余次数不足');
  });

  it('asks to bind again when the key is wrong; unbinding removes key and marker and opens the bind page', async () => {
    const p = await openBound('spk_1_thisKeyWasNeverIssuedByTheAdmin');
    const shown = await scanWith(p, await mintQr(srv.url, member));
    expect(shown).toMatchObject({ result: null, canRetry: false, canRebind: true, error: '员工密钥无效或已停用，请重新绑定' });
    wx.routes.length = 0;
    p.querySelector('#rebind')!.dispatchEvent('tap');
    await until(() => wx.routes.length, 'the move to the bind page');
    expect(wx.routes).toEqual([BIND_PAGE]);

    p.querySelector('#unbind')!.dispatchEvent('tap');
    await until(() => p.data.phase === 'unbound', 'the key to be removed');
    expect(wx.storage.has(KEY_STORAGE)).toBe(false);
    expect(wx.storage.has(MARKER)).toBe(false);
    expect(staffBound()).toBe(false);
    expect(wx.routes).toEqual([BIND_PAGE, BIND_PAGE]);
  });

  it('does nothing when the scanner is closed without a code', async () => {
    const p = await openBound();
    const before = await remaining();
    p.querySelector('#scan')!.dispatchEvent('tap');
    await settle();
    expect(p.data).toMatchObject({ busy: false, result: null, error: '' });
    expect(await remaining()).toBe(before);
  });
});
