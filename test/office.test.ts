// Slow: drives the owners' back office (/office/) in real Chromium against the real server, with a staff
// device, a member and the member's socket as the other parties.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseStoreEntry } from '@scanpush/shared';
import { decodeQrPng, launchChromium, snapshot, type Browser } from './helpers/browser.js';
import { TestSocket, api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OFFICE_PAGE = join(ROOT, 'apps/office/dist/index.html');
const SHOTS = join(ROOT, 'test-output/office');
const PHONE = { width: 390, height: 844 };
const DESK = { width: 1280, height: 800 };
const LOGIN = 'li@clean-wash';
const PASSWORD = 'wash-2026-secret';

let srv: TestServer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  if (!existsSync(OFFICE_PAGE)) throw new Error(`${OFFICE_PAGE} is missing: run the build first (npx -y pnpm@12.4.2 build)`);
});
afterEach(async () => {
  // Browsers and sockets first: they close before the server waits for them.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<TestServer> {
  const started = await startServer();
  cleanups.push(() => started.stop());
  return started;
}

async function browser(): Promise<Browser> {
  const b = await launchChromium();
  cleanups.push(async () => {
    await b.close();
    expect(b.errors, 'errors in the page').toEqual([]);
  });
  return b;
}

function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 10_000, interval: 100 });
}

function admin(path: string, body?: unknown, method?: string) {
  return api(srv.url, path, { token: srv.adminToken, body, ...(method ? { method } : {}) });
}

/** A shop with one owner and one store, set up by the operator as the contract says. */
async function shopWithStore(): Promise<{ shopId: number; storeId: number; ownerId: number }> {
  const shop = await admin('/api/admin/shops', { name: '洁净洗车' });
  expect(shop.status, JSON.stringify(shop.body)).toBe(201);
  const owner = await admin(`/api/admin/shops/${shop.body.id}/owners`, { login: LOGIN, name: '李老板', password: PASSWORD });
  expect(owner.status, JSON.stringify(owner.body)).toBe(201);
  const store = await admin('/api/admin/stores', { name: '人民路店', shopId: shop.body.id });
  expect(store.status, JSON.stringify(store.body)).toBe(201);
  return { shopId: shop.body.id, storeId: store.body.id, ownerId: owner.body.id };
}

/** Both widths of the current screen, once it has settled. */
async function shots(page: Page, name: string): Promise<void> {
  await page.setViewportSize(PHONE);
  await snapshot(page, name, join(SHOTS, `${name}-phone.png`));
  await page.setViewportSize(DESK);
  await snapshot(page, name, join(SHOTS, `${name}-desk.png`));
}

/** Follows a nav link and waits for the page to have drawn its data. */
async function open(page: Page, nav: string): Promise<void> {
  await page.locator(`#nav a[data-nav="${nav}"]`).click();
  await page.locator(`.page[data-page="${nav}"][data-ready="true"]`).waitFor();
}

async function signIn(page: Page, password = PASSWORD): Promise<void> {
  await page.locator('#signin').waitFor();
  await page.fill('#signin-login', LOGIN);
  await page.fill('#signin-password', password);
  await page.click('#signin-button');
}

/** `/api/office/me` as the page's own cookies answer it. */
function meStatus(page: Page): Promise<number> {
  return page.evaluate(async () => (await fetch('/api/office/me')).status);
}

/** The CSV a download link gives, as bytes, fetched by the browser like the link would be. */
async function download(page: Page, linkText: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByText(linkText).click()]);
  return readFileSync((await file.path())!);
}

describe('back office (real Chromium)', () => {
  it('serves the page with a strict CSP at /office/ and /office, and its assets', async () => {
    srv = await server();
    for (const path of ['/office/', '/office']) {
      const res = await fetch(srv.url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await res.text()).toContain('店主后台');
    }
    expect((await fetch(srv.url + '/office/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const missing = await fetch(srv.url + '/office/..%2Fpackage.json');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
  });

  it('runs a store: product, staff invite by QR, a sale, a reversal pushed to the member, reports, CSV, audit log, sign-out', async () => {
    srv = await server();
    const { storeId } = await shopWithStore();
    const { page } = await browser();
    await page.goto(srv.url + '/office/');

    // A wrong password first: said in Chinese, the login kept.
    await signIn(page, 'not-the-password');
    await poll(() => page.locator('#signin-message').textContent()).toContain('账号或密码错误');
    expect(await page.inputValue('#signin-login')).toBe(LOGIN);
    await shots(page, '01-sign-in-refused');

    await signIn(page);
    await page.locator('.page[data-page="products"][data-ready="true"]').waitFor();
    expect(await page.locator('#shop-name').textContent()).toBe('洁净洗车');
    expect(await page.locator('.page').textContent()).toContain('还没有卡种 — 新建一个');
    await shots(page, '02-products-empty');

    // 卡种: a bad price is refused in the page and the form keeps its input.
    await page.fill('input[name="name"]', '10次洗车卡');
    await page.fill('input[name="uses"]', '10');
    await page.fill('input[name="price"]', '299.999');
    await page.getByRole('button', { name: '新建卡种' }).click();
    await poll(() => page.locator('.page .message.error').first().textContent()).toContain('价格');
    expect(await page.inputValue('input[name="name"]')).toBe('10次洗车卡');
    await page.fill('input[name="price"]', '299');
    await page.fill('input[name="validDays"]', '365');
    await page.getByRole('button', { name: '新建卡种' }).click();
    const productRow = page.locator('.row[data-product-id]', { hasText: '10次洗车卡' });
    await poll(() => productRow.textContent()).toContain('10 次 · 299.00 元 · 有效期 365 天');
    const productId = Number(await productRow.getAttribute('data-product-id'));
    // A second product, archived after a confirmation (a cancelled one changes nothing).
    await page.fill('input[name="name"]', '旧月卡');
    await page.fill('input[name="uses"]', '4');
    await page.fill('input[name="price"]', '88.8');
    await page.getByRole('button', { name: '新建卡种' }).click();
    const oldRow = page.locator('.row[data-product-id]', { hasText: '旧月卡' });
    await poll(() => oldRow.textContent()).toContain('4 次 · 88.80 元 · 不过期');
    await oldRow.getByRole('button', { name: '下架' }).click();
    await page.locator('dialog.confirm').getByRole('button', { name: '取消' }).click();
    expect(await oldRow.textContent()).toContain('在售');
    await oldRow.getByRole('button', { name: '下架' }).click();
    await page.locator('dialog.confirm').getByRole('button', { name: '下架' }).click();
    await poll(() => oldRow.textContent()).toContain('已下架');
    expect(await productRow.textContent()).toContain('在售');
    // The store's 办卡 code, read off the screen: the URL a new member's WeChat opens the mini-program with.
    const entry = page.locator('.entry-card canvas');
    await entry.waitFor();
    const entryUrl = decodeQrPng(await entry.screenshot());
    expect(entryUrl).toBe(`${srv.url}/m/store/${storeId}`);
    expect(parseStoreEntry(entryUrl, srv.url)).toEqual({ ok: true, value: { storeId } });
    await shots(page, '03-products');

    // 员工与设备: the invite QR read off the screen, redeemed by a device through the API.
    await open(page, 'staff');
    await page.fill('input[name="name"]', '前台小王');
    await page.getByRole('button', { name: '生成邀请二维码' }).click();
    const qr = page.locator('.invite-card canvas');
    await qr.waitFor();
    const url = decodeQrPng(await qr.screenshot());
    expect(url).toMatch(/\/staff\/join#spi_[A-Za-z0-9_-]+$/);
    expect(await page.locator('.invite-code').textContent()).toBe(url);
    await poll(() => page.locator('.row[data-invite-id]').first().textContent()).toContain('待使用');
    await shots(page, '04-staff-invite');
    const joined = await api(srv.url, '/api/staff/join', { body: { code: url.split('#')[1], deviceName: '收银台 iPad' } });
    expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    expect(joined.body.storeId).toBe(storeId);
    const staffKey: string = joined.body.key;
    // The page sees the device take the invite by itself, and lists it.
    await poll(() => page.locator('.invite-status').textContent()).toBe('已绑定设备：收银台 iPad');
    await poll(() => page.locator('.row[data-merchant-id]').first().textContent()).toContain('收银台 iPad');
    expect(await page.locator('.row[data-merchant-id]').first().textContent()).toContain('使用中');
    expect(await page.locator('.row[data-invite-id]').first().textContent()).toContain('已使用');
    await shots(page, '05-staff-joined');

    // The member (the demo member 17) is sold a card with that key, then scanned once; the socket hears both.
    const member = await devLogin(srv.url, 17);
    const socket = await TestSocket.open(srv.wsUrl, { memberId: 17, storeId, token: member });
    cleanups.push(async () => socket.close());
    const sold = await api(srv.url, '/api/sales', { token: staffKey, body: { qr: await mintQr(srv.url, member, storeId), productId } });
    expect(sold.status, JSON.stringify(sold.body)).toBe(200);
    expect(await socket.next()).toBe('7_充值成功_剩余次数: 10');
    const scanned = await scan(srv.url, staffKey, await mintQr(srv.url, member, storeId));
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');

    // 会员: the card, then its ledger; the deduction is reversed with a reason.
    await open(page, 'members');
    const memberRow = page.locator('.row[data-member-id="17"]');
    expect(await memberRow.textContent()).toContain('剩余 9 次');
    await shots(page, '06-members');
    await memberRow.click();
    await page.locator('.page[data-page="members"][data-ready="true"] .ledger-row').first().waitFor();
    expect(await page.locator('.member-card').getAttribute('data-remaining')).toBe('9');
    const sale = page.locator('.ledger-row.kind-topup');
    expect(await sale.textContent()).toContain('售卡：10次洗车卡');
    expect(await sale.textContent()).toContain('299.00 元');
    const deduction = page.locator('.ledger-row.kind-deduct');
    await deduction.getByRole('button', { name: '撤销' }).click();
    const dialog = page.locator('dialog.confirm');
    await dialog.getByRole('button', { name: '确认撤销' }).click();
    expect(await dialog.locator('.message.error').textContent()).toBe('请填写原因。');
    await dialog.locator('input[name="reason"]').fill('误扫了两次');
    await shots(page, '07-member-reverse-confirm');
    await dialog.getByRole('button', { name: '确认撤销' }).click();
    await poll(() => page.locator('.page .message.notice').textContent()).toContain('已撤销，退回 1 次，剩余 10 次');
    expect(await socket.next()).toBe('8_撤销成功_剩余次数: 10');
    expect(await page.locator('.member-card').getAttribute('data-remaining')).toBe('10');
    expect(await page.locator('.ledger-row.kind-deduct').textContent()).toContain('已撤销');
    expect(await page.locator('.ledger-row.kind-reversal').textContent()).toContain('原因：误扫了两次');
    await shots(page, '08-member-ledger');

    // 报表: today (the shop's day) has the sale, the deduction and its reversal; the CSV opens in Excel.
    await open(page, 'reports');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const todayRow = page.locator(`tr[data-day="${today}"]`);
    expect((await todayRow.locator('td').allTextContents())).toEqual(['1', '1', '0', '1', '10', '299.00', '1']);
    await shots(page, '09-reports');
    const daily = await download(page, '下载日报 CSV');
    expect([...daily.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = daily.subarray(3).toString('utf8').split(/\r?\n/);
    expect(lines[0]).toBe('日期,扣次,充值笔数,充值次数,充值金额(元),撤销,活跃会员');
    expect(lines).toContain(`${today},1,1,10,299.00,1,1`);
    const ledger = await download(page, '下载流水明细 CSV');
    expect([...ledger.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(ledger.subarray(3).toString('utf8')).toContain('误扫了两次');

    // 操作记录: who did what, from which device.
    await open(page, 'audit');
    const actions = await page.locator('.audit-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.action));
    for (const action of ['reversal', 'sale', 'staff.join', 'invite.create', 'product.create']) expect(actions).toContain(action);
    expect(await page.locator('.audit-row[data-action="reversal"]').textContent()).toContain('店主 李老板');
    expect(await page.locator('.audit-row[data-action="reversal"]').textContent()).toContain('原因：误扫了两次');
    expect(await page.locator('.audit-row[data-action="sale"]').textContent()).toContain('员工设备 收银台 iPad');
    await shots(page, '10-audit');
    // The whole shop's log has the owner's own sign-in, which concerns no one store.
    await page.locator('.scope-tabs a[href="#/audit/shop"]').click();
    await page.locator('.page[data-page="audit"][data-ready="true"] .audit-row[data-action="owner.login"]').first().waitFor();
    expect(await page.locator('.audit-row[data-action="owner.login"]').first().textContent()).toContain('登录后台');

    // 账户: this browser's session, then 退出登录: back to the sign-in form, and the cookie opens nothing.
    await open(page, 'account');
    expect(await page.locator('.row[data-session-id]').textContent()).toContain('本设备');
    await shots(page, '11-account');
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.locator('#signin').waitFor();
    expect(await page.locator('#signin-message').textContent()).toContain('已退出登录');
    expect(await meStatus(page)).toBe(401);
    expect(await page.locator('#shell').isHidden()).toBe(true);
  });

  it('ends a session revoked from another browser: its next action shows the sign-in form', async () => {
    srv = await server();
    await shopWithStore();
    const phone = await browser();
    await phone.page.goto(srv.url + '/office/');
    await signIn(phone.page);
    await phone.page.locator('.page[data-page="products"][data-ready="true"]').waitFor();

    const desk = await browser();
    await desk.page.goto(srv.url + '/office/#/account');
    await signIn(desk.page);
    await desk.page.locator('.page[data-page="account"][data-ready="true"]').waitFor();
    expect(await desk.page.locator('.row[data-session-id]').count()).toBe(2);
    await desk.page.getByRole('button', { name: '退出其他设备' }).click();
    await desk.page.locator('dialog.confirm').getByRole('button', { name: '全部退出' }).click();
    await poll(() => desk.page.locator('.page .message.notice').first().textContent()).toContain('已让 1 台其他设备退出登录');
    await poll(() => desk.page.locator('.row[data-session-id]').count()).toBe(1);

    // The phone still shows its page; the next thing it asks for finds the session gone.
    await phone.page.locator('#nav a[data-nav="members"]').click();
    await phone.page.locator('#signin').waitFor();
    expect(await phone.page.locator('#signin-message').textContent()).toContain('登录已失效');
    expect(await meStatus(phone.page)).toBe(401);
    expect(await meStatus(desk.page)).toBe(200);
    await shots(phone.page, '12-session-ended');

    // 修改密码: a wrong current password is said in the form, which keeps what was typed.
    await desk.page.fill('input[name="current"]', 'not-my-password');
    await desk.page.fill('input[name="next"]', 'a-new-wash-password');
    await desk.page.fill('input[name="again"]', 'a-new-wash-password');
    await desk.page.getByRole('button', { name: '修改密码' }).click();
    await poll(() => desk.page.locator('form .message.error').textContent()).toBe('当前密码不正确。');
    expect(await desk.page.inputValue('input[name="next"]')).toBe('a-new-wash-password');
    expect(await meStatus(desk.page)).toBe(200);
    await desk.page.fill('input[name="current"]', PASSWORD);
    await desk.page.getByRole('button', { name: '修改密码' }).click();
    await poll(() => desk.page.locator('form .message.notice').textContent()).toBe('密码已修改。');
    expect(await desk.page.inputValue('input[name="current"]')).toBe('');

    // Signing in again (with the new password) lands on the page asked for.
    await signIn(phone.page, 'a-new-wash-password');
    await phone.page.locator('.page[data-page="members"][data-ready="true"]').waitFor();
    expect(await phone.page.locator('.page').textContent()).toContain('还没有会员');
  });
});
