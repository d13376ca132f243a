import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QrSigner } from '../../server/src/core/qr-signer';
import { api, devLogin, mintQr } from '../../../test/helpers/client';
import { startServer, type TestServer } from '../../../test/helpers/server';
import { closePage, loadSimulate, openPage, settle, textOf, until, type SimComponent } from './helpers/pages';

// The REAL merchant page in miniprogram-simulate against the REAL server; `scanCode` answers with what
// the camera would read (a member's QR minted by the server, or a forged or foreign one).
interface MerchantData {
  bound: boolean;
  bindError: string;
  maskedKey: string;
  busy: boolean;
  result: { ok: boolean; title: string; detail: string; remaining: number | null } | null;
  error: string;
  canRetry: boolean;
}

const { simulate, wx } = loadSimulate();
let srv: TestServer;
let member: string;
let page: SimComponent<MerchantData> | undefined;

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
});
afterEach(() => {
  if (page) closePage(page);
  page = undefined;
});

async function remaining(token = member, storeId = 2): Promise<number> {
  const { body } = await api(srv.url, '/api/cards', { token });
  return body.cards.find((c: { storeId: number }) => c.storeId === storeId).remaining as number;
}

/** Opens the page with the demo store's staff key already bound. */
function openBound(key = srv.demoMerchantKey): SimComponent<MerchantData> {
  wx.storage.set('scanpush.merchantKey', JSON.stringify(key));
  page = openPage<MerchantData>(simulate, 'merchant');
  expect(page.data.bound).toBe(true);
  return page;
}

/** Taps 扫码扣次 with the camera reading `text`, and waits for what the page then shows. */
async function scanWith(p: SimComponent<MerchantData>, text: string): Promise<MerchantData> {
  const answered = wx.answered;
  wx.scans.push(text);
  p.querySelector('#scan')!.dispatchEvent('tap');
  await until(() => wx.answered > answered && !p.data.busy, 'the answer to the scan');
  return p.data;
}

describe('merchant page', () => {
  it('binds the staff key once: refuses a malformed one, keeps a good one in storage across visits', async () => {
    page = openPage<MerchantData>(simulate, 'merchant');
    const p = page;
    expect(p.data.bound).toBe(false);
    expect(textOf(p)).toContain('绑定员工密钥');

    p.querySelector('.key-input')!.dispatchEvent('input', { detail: { value: 'not-a-key' } });
    p.querySelector('#bind')!.dispatchEvent('tap');
    await until(() => p.data.bindError, 'the refusal');
    expect(textOf(p)).toContain('密钥格式不对');
    expect(wx.storage.has('scanpush.merchantKey')).toBe(false);

    p.querySelector('.key-input')!.dispatchEvent('input', { detail: { value: srv.demoMerchantKey } });
    p.querySelector('#bind')!.dispatchEvent('tap');
    await until(() => p.data.bound, 'the key to be bound');
    expect(JSON.parse(wx.storage.get('scanpush.merchantKey')!)).toBe(srv.demoMerchantKey);
    expect(textOf(p)).not.toContain(srv.demoMerchantKey);
    expect(textOf(p)).toContain('扫码扣次');

    closePage(p);
    page = openPage<MerchantData>(simulate, 'merchant');
    expect(page.data.bound).toBe(true);
  });

  it('scans a member’s QR and shows 扣费成功 with the member’s remaining uses', async () => {
    const p = openBound();
    const before = await remaining();
    const shown = await scanWith(p, await mintQr(srv.url, member));
    expect(shown.result).toMatchObject({ ok: true, title: '扣费成功', detail: `剩余次数: ${before - 1}`, remaining: before - 1 });
    expect(textOf(p)).toContain('扣费成功');
    expect(textOf(p)).toContain(`剩余次数: ${before - 1}`);
    expect(await remaining()).toBe(before - 1);
    expect(wx.vibrations).toBe(1);
  });

  it('retries a scan whose answer was lost with the same Idempotency-Key: one deduction', async () => {
    const p = openBound();
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
    const p = openBound();

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

  it('asks to bind again when the key is wrong, and unbinds on request', async () => {
    const p = openBound('spk_1_thisKeyWasNeverIssuedByTheAdmin');
    const shown = await scanWith(p, await mintQr(srv.url, member));
    expect(shown).toMatchObject({ result: null, canRetry: false, error: '员工密钥无效或已停用，请重新绑定' });
    p.querySelector('#unbind')!.dispatchEvent('tap');
    await until(() => !p.data.bound, 'the key to be removed');
    expect(wx.storage.has('scanpush.merchantKey')).toBe(false);
  });

  it('does nothing when the scanner is closed without a code', async () => {
    const p = openBound();
    const before = await remaining();
    p.querySelector('#scan')!.dispatchEvent('tap');
    await settle();
    expect(p.data).toMatchObject({ busy: false, result: null, error: '' });
    expect(await remaining()).toBe(before);
  });
});
