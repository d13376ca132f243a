// Slow: drives the browser console in real Chromium against the real server, with the CLI as the other party.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseQrToken } from '@scanpush/shared';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeQrPng, launchChromium, snapshot, type Browser } from './helpers/browser.js';
import { spawnServer } from './helpers/child-server.js';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';
import { qrLuma, qrMatrix, qrY4m } from './helpers/y4m.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'apps/cli/dist/scanpush.js');
const CONSOLE_PAGE = join(ROOT, 'apps/console/dist/index.html');
const TOKEN_RE = /^SP[A-Z2-7]{60}$/;

let srv: TestServer;
let tmp: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  for (const built of [CLI, CONSOLE_PAGE]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run the build first (npx -y pnpm@12.4.2 build)`);
  }
});
beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'scanpush-console-test-'));
});
afterEach(async () => {
  // Browsers first: their sockets close before the server waits for sockets to go.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

async function server(env: Record<string, string> = {}): Promise<TestServer> {
  const started = await startServer({ env });
  cleanups.push(() => started.stop());
  return started;
}

async function browser(args: string[] = []): Promise<Browser> {
  const b = await launchChromium(args);
  cleanups.push(async () => {
    await b.close();
    expect(b.errors, 'errors in the page').toEqual([]);
  });
  return b;
}

/** Waits for `read` to satisfy the matcher; Chromium, the socket and the camera take their time. */
function poll<T>(read: () => Promise<T> | T) {
  return expect.poll(read, { timeout: 10_000, interval: 100 });
}

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, ...args, '--server', srv.url]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

/** Opens the console; the member side logs in by itself as member 17 at store 2 and goes live. */
async function openConsole(page: Page): Promise<void> {
  await page.goto(srv.url + '/');
  await page.locator('#conn[data-kind="live"]').waitFor();
  await page.locator('#qr-box canvas').waitFor();
}

/** The member's QR as a camera would see it: decoded from a screenshot of the page, checked against the text shown. */
async function qrOnScreen(page: Page): Promise<string> {
  const token = decodeQrPng(await page.locator('#qr-box canvas').screenshot());
  expect(token).toMatch(TOKEN_RE);
  expect(await page.locator('#qr-token').textContent()).toBe(token);
  return token;
}

async function expectMemberSaw(page: Page, title: string, text: string, remaining: number): Promise<void> {
  const newest = page.locator('#feed li').first();
  await poll(() => newest.textContent()).toContain(text);
  expect(await newest.locator('.feed-title').textContent()).toBe(title);
  await poll(() => page.locator('#card-remaining').textContent()).toBe(String(remaining));
}

async function expectMerchantSaw(page: Page, code: string, title: string, remaining: string): Promise<void> {
  await page.locator(`#scan-result[data-code="${code}"]`).waitFor();
  expect(await page.locator('#result-title').textContent()).toBe(title);
  expect(await page.locator('#result-remaining').textContent()).toBe(remaining);
}

describe('browser console (real Chromium)', () => {
  it('shows the member a live QR that the CLI scans; the page shows 扣费成功 and the new count', async () => {
    srv = await server();
    const { page } = await browser();
    await openConsole(page);
    expect(await page.locator('#card-store').textContent()).toContain('Demo car wash');
    expect(await page.locator('#card-remaining').textContent()).toBe('10');
    expect(await page.locator('#qr-countdown').textContent()).toMatch(/^\d+ 秒后过期$/);
    await snapshot(page, '01-member-qr');

    const token = await qrOnScreen(page);
    const scanned = await cli('scan', token, '--key', srv.demoMerchantKey);
    expect(scanned).toMatchObject({ code: 0 });
    expect(scanned.stdout).toContain('0_扣费成功_剩余次数: 9');

    await expectMemberSaw(page, '扣费成功', '0_扣费成功_剩余次数: 9', 9);
    // The shown QR was one-time and is spent: a fresh one replaces it.
    await poll(() => page.locator('#qr-token').textContent()).not.toBe(token);
    await poll(() => page.locator('#history li').first().textContent()).toContain('余 9 次');
    await snapshot(page, '02-member-after-cli-scan');
  });

  it('scans through the camera: the fake capture device shows the member QR, the result appears on both sides', async () => {
    srv = await server();
    const member = await browser();
    await openConsole(member.page);
    const token = await qrOnScreen(member.page);

    // The video is made from the QR matrix of the token; read one frame back before Chromium gets it.
    const matrix = qrMatrix(token);
    const luma = qrLuma(matrix, 640, 480);
    const rgba = new Uint8ClampedArray(luma.length * 4).map((_, i) => (i % 4 === 3 ? 255 : luma[i >> 2]!));
    expect(jsQR.default(rgba, 640, 480)?.data).toBe(token);
    const video = join(tmp, 'member-qr.y4m');
    writeFileSync(video, qrY4m(matrix));

    const counter = await browser([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    await counter.page.goto(srv.url + '/');
    await counter.page.fill('#merchant-key', srv.demoMerchantKey);
    await counter.page.click('#camera-button');
    await expectMerchantSaw(counter.page, 'OK', '扣费成功', '剩余 9 次');
    expect(await counter.page.locator('#camera-status').textContent()).toMatch(/识别引擎：(jsQR|BarcodeDetector)/);
    expect(await counter.page.locator('#result-meta').textContent()).toContain('来源：摄像头');
    await snapshot(counter.page, '03-camera-merchant');

    await expectMemberSaw(member.page, '扣费成功', '0_扣费成功_剩余次数: 9', 9);
    await snapshot(member.page, '04-camera-member');

    // The camera keeps seeing the same QR: that is one scan, not one per frame.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const history = await api(srv.url, '/api/cards/2/history', { token: await devLogin(srv.url) });
    expect(history.body.entries.filter((e: { kind: string }) => e.kind === 'deduct')).toHaveLength(1);
    expect(await counter.page.locator('#scan-result').getAttribute('data-code')).toBe('OK');
  });

  it('scans an uploaded PNG that `scanpush qr --png` wrote, and explains every refusal in Chinese with the code', async () => {
    srv = await server();
    const { page } = await browser();
    await openConsole(page);
    await page.fill('#merchant-key', srv.demoMerchantKey);

    const png = join(tmp, 'qr.png');
    expect(await cli('qr', '--user', '17', '--store', '2', '--png', png)).toMatchObject({ code: 0 });
    await page.setInputFiles('#upload', png);
    await expectMerchantSaw(page, 'OK', '扣费成功', '剩余 9 次');
    expect(await page.locator('#result-meta').textContent()).toContain('来源：图片');
    await expectMemberSaw(page, '扣费成功', '0_扣费成功_剩余次数: 9', 9);
    await poll(() => page.locator('#qr-box').getAttribute('class')).toBe('qr-box');
    await snapshot(page, '05-upload-ok');
    // The README's picture: docs/console.png is a copy of this one, made on a machine with CJK fonts
    // (fonts-noto-cjk). Not written into docs/ here, so a test run never dirties the tree.
    await snapshot(page, 'readme');

    // The same image again: the QR was used. Both sides are told.
    await page.setInputFiles('#upload', png);
    await expectMerchantSaw(page, 'QR_USED', '二维码已使用', '');
    expect(await page.locator('#result-sentence').textContent()).toContain('每个二维码只能使用一次');
    expect(await page.locator('#result-hint').textContent()).toBe('请刷新二维码后重试');
    expect(await page.locator('#result-code').textContent()).toBe('QR_USED');
    await expectMemberSaw(page, '二维码已使用', '2_二维码已使用_请刷新二维码后重试', 9);
    await snapshot(page, '06-qr-used');

    const blank = new PNG({ width: 64, height: 64 });
    blank.data.fill(255);
    writeFileSync(join(tmp, 'blank.png'), PNG.sync.write(blank));
    await page.setInputFiles('#upload', join(tmp, 'blank.png'));
    await expectMerchantSaw(page, 'NO_QR_FOUND', '操作未完成', '');
    expect(await page.locator('#result-sentence').textContent()).toContain('图片中没有找到二维码');

    await page.fill('#paste-token', 'HELLO-NOT-A-TOKEN');
    await page.click('#paste-form button');
    await expectMerchantSaw(page, 'QR_INVALID', '二维码无效', '');
    expect(await page.locator('#result-meta').textContent()).toContain('来源：粘贴');
    await snapshot(page, '07-qr-invalid');

    await page.fill('#merchant-key', 'spk_1_not-the-right-key-at-all');
    await page.fill('#paste-token', await mintQr(srv.url, await devLogin(srv.url)));
    await page.click('#paste-form button');
    await expectMerchantSaw(page, 'UNAUTHORIZED', '商户密钥无效', '');
    await snapshot(page, '08-bad-key');
  });

  it('pastes a token, remembers the key across a reload, and shows each pushed result once after resuming', async () => {
    srv = await server();
    const { page } = await browser();
    await openConsole(page);
    await page.fill('#merchant-key', srv.demoMerchantKey);
    await page.fill('#paste-token', await qrOnScreen(page));
    await page.click('#paste-form button');
    await expectMerchantSaw(page, 'OK', '扣费成功', '剩余 9 次');
    // A scan made elsewhere reaches the page too.
    expect((await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, await devLogin(srv.url)))).status).toBe(200);
    await expectMemberSaw(page, '扣费成功', '0_扣费成功_剩余次数: 8', 8);
    expect(await page.locator('#feed li').count()).toBe(2);

    // A reload shows the saved feed and resumes after its position; a replay overlapping a live push shows once.
    await page.reload();
    await page.locator('#conn[data-kind="live"]').waitFor();
    expect(await page.inputValue('#merchant-key')).toBe(srv.demoMerchantKey);
    await poll(() => page.locator('#feed li').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.seq))).toEqual(['2', '1']);
    expect(await page.locator('#card-remaining').textContent()).toBe('8');
  });

  it('keeps one stream per store: results at another store never show on this card, and switching shows each once', async () => {
    srv = await server();
    const admin = srv.adminToken;
    const store = await api(srv.url, '/api/admin/stores', { token: admin, body: { name: 'North wash' } });
    const north = { storeId: store.body.id as number, key: '' };
    north.key = (await api(srv.url, '/api/admin/merchants', { token: admin, body: { storeId: north.storeId, name: 'North counter' } })).body.key;
    await api(srv.url, '/api/admin/cards', { token: admin, body: { memberId: 17, storeId: north.storeId, uses: 5 } });
    const token = await devLogin(srv.url);
    const scanAt = async (storeId: number, key: string) => expect((await scan(srv.url, key, await mintQr(srv.url, token, storeId))).status).toBe(200);
    const feed = (page: Page) => page.locator('#feed li[data-seq]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).textContent ?? ''));

    const { page } = await browser();
    await openConsole(page); // watching store 2
    await scanAt(north.storeId, north.key); // North's seq 1, while store 2 is watched
    await scanAt(north.storeId, north.key); // North's seq 2
    await scanAt(2, srv.demoMerchantKey); // store 2's seq 1
    await expectMemberSaw(page, '扣费成功', '0_扣费成功_剩余次数: 9', 9);
    await new Promise((r) => setTimeout(r, 300));
    expect(await feed(page)).toHaveLength(1);

    // Switch to North: both of its results, once, on North's card; nothing of store 2.
    await page.fill('#store-id', String(north.storeId));
    await page.click('#login-form button');
    await poll(() => page.locator('#card-store').textContent()).toContain('North wash');
    await poll(() => feed(page)).toEqual([expect.stringContaining('剩余次数: 3'), expect.stringContaining('剩余次数: 4')]);
    expect(await page.locator('#card-remaining').textContent()).toBe('3');

    // Store 2 moves on while North is watched; back at store 2, its own feed resumes: seq 2 once.
    await scanAt(2, srv.demoMerchantKey);
    await new Promise((r) => setTimeout(r, 300));
    expect(await feed(page)).toHaveLength(2);
    await page.fill('#store-id', '2');
    await page.click('#login-form button');
    await poll(() => page.locator('#card-store').textContent()).toContain('Demo car wash');
    await poll(() => feed(page)).toEqual([expect.stringContaining('剩余次数: 8'), expect.stringContaining('剩余次数: 9')]);
    expect(await page.locator('#card-remaining').textContent()).toBe('8');

    // A reload resumes store 2's stream from its saved position: the same two, each once.
    await page.reload();
    await page.locator('#conn[data-kind="live"]').waitFor();
    await new Promise((r) => setTimeout(r, 300));
    expect(await feed(page)).toEqual([expect.stringContaining('剩余次数: 8'), expect.stringContaining('剩余次数: 9')]);
    await snapshot(page, '10-two-stores');
  });

  it('fetches a fresh QR before the old one expires, counting down', async () => {
    srv = await server({ QR_TTL_SECONDS: '8' });
    const { page } = await browser();
    await openConsole(page);
    const first = await qrOnScreen(page);
    const claims = parseQrToken(first);
    if (!claims.ok) throw new Error(claims.reason);
    await poll(() => page.locator('#qr-countdown').textContent()).toMatch(/^[1-3] 秒后过期$/);
    await poll(() => page.locator('#qr-token').textContent()).not.toBe(first);
    // Replaced while it was still valid: staff never get a QR that dies in their hands.
    expect(Date.now()).toBeLessThan(claims.value.claims.expiresAt * 1000);
    expect(await qrOnScreen(page)).not.toBe(first);
  });

  it('is served by the built server too (dist/main.js finds apps/console/dist), which prints its address', async () => {
    const child = await spawnServer({ QR_SECRET: 'x'.repeat(32), DATABASE_PATH: join(tmp, 'child.db') });
    try {
      // Printed for the newcomer who started the server, next to the demo merchant key.
      await poll(() => child.output()).toContain(`Console: ${child.url}/`);
      const page = await fetch(child.url + '/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('/console/app.js');
      const script = await fetch(child.url + '/console/app.js');
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
    }
  });
});
