import { join } from 'node:path';
import { parseStaffBinding } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQrPng } from '../apps/cli/src/qr-image.js';
import { devLogin, mintQr, scan } from './helpers/client.js';
import { buildCli, runCli } from './helpers/cli-process.js';
import { startServer, type TestServer } from './helpers/server.js';

// `scanpush staff …` as users run it: the bundled CLI in child processes (spawned asynchronously, so
// the server in this process keeps answering) against the real server.
const run = runCli;

let srv: TestServer;
let admin: Record<string, string>;

beforeAll(async () => {
  buildCli();
  srv = await startServer();
  admin = { SCANPUSH_ADMIN_TOKEN: srv.adminToken };
});
afterAll(async () => {
  await srv?.stop();
});

/** The invite URL `staff invite` printed (the line after the terminal QR). */
function inviteUrl(stdout: string): string {
  const url = /^(http\S+\/staff\/join#spi_\S+)$/m.exec(stdout)?.[1];
  if (!url) throw new Error(`no invite URL in ${stdout}`);
  return url;
}

describe('scanpush staff invite and staff join', () => {
  it('invites by QR, and the device that redeems the URL gets a staff key that scans', async () => {
    const png = join(srv.dir, 'invite.png');
    const invited = await run(['--server', srv.url, 'staff', 'invite', '--store', '2', '--name', 'till 1', '--minutes', '5', '--png', png], admin);
    expect(invited.code, invited.stderr).toBe(0);
    const url = inviteUrl(invited.stdout);
    expect(url.startsWith(`${srv.url}/staff/join#spi_`)).toBe(true);
    expect(invited.stdout).toMatch(/invite \d+ for store 2, valid until \S+Z, one device/);
    expect(invited.stdout).toContain(`q=${encodeURIComponent(url)}\n`);
    expect(await decodeQrPng(png)).toBe(url);
    expect(parseStaffBinding(url, srv.url)).toMatchObject({ ok: true, binding: { kind: 'invite' } });

    // No --server: the URL names it.
    const joined = await run(['staff', 'join', url, '--device', 'till 1']);
    expect(joined.code, joined.stderr).toBe(0);
    const key = /^(spk_\d+_\S+)$/m.exec(joined.stdout)?.[1];
    expect(key).toBeDefined();
    expect(joined.stdout).toMatch(/staff key of merchant \d+ at store 2 \(Demo car wash\); shown this once/);
    const member = await devLogin(srv.url, 17);
    expect((await scan(srv.url, key!, await mintQr(srv.url, member))).status).toBe(200);
    expect((await srv.storage.invites.listStaff(2)).map((s) => s.name)).toContain('till 1');

    // The same invite again, by its bare code: refused in one line, exit 1.
    const code = url.slice(url.indexOf('#') + 1);
    const again = await run(['--server', srv.url, 'staff', 'join', code, '--device', 'till 2']);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toMatch(/^scanpush: INVITE_USED: [^\n]+\n$/);
  });

  it('refuses without the admin token, with a wrong one, and an invite for another server', async () => {
    const missing = await run(['--server', srv.url, 'staff', 'invite', '--store', '2']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--admin-token');
    const wrong = await run(['--server', srv.url, 'staff', 'invite', '--store', '2'], { SCANPUSH_ADMIN_TOKEN: 'x'.repeat(24) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^scanpush: UNAUTHORIZED: /);
    const elsewhere = await run(['--server', srv.url, 'staff', 'join', `https://other.example.cn/staff/join#spi_${'a'.repeat(43)}`, '--device', 'd']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('另一台服务器');
    const keyQr = await run(['--server', srv.url, 'staff', 'join', `${srv.url}/staff/bind#${srv.demoMerchantKey}`, '--device', 'd']);
    expect(keyQr.code).toBe(1);
    expect(keyQr.stderr).toMatch(/that is a staff key, not an invite/);
    expect(keyQr.stderr).not.toContain(srv.demoMerchantKey);
  });

  it('draws the key binding QR as `staff qr`, and still as `staff-qr`', async () => {
    const env = { SCANPUSH_MERCHANT_KEY: srv.demoMerchantKey };
    const now = await run(['--server', srv.url, 'staff', 'qr'], env);
    const old = await run(['--server', srv.url, 'staff-qr'], env);
    expect(now.code, now.stderr).toBe(0);
    expect(now).toEqual(old);
    expect(now.stdout).toContain(`\n${srv.url}/staff/bind#${srv.demoMerchantKey}\n`);
  });
});
