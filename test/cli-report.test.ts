import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { buildCli, runCli } from './helpers/cli-process.js';
import { startServer, type TestServer } from './helpers/server.js';

// `scanpush report` as users run it: the bundled CLI in a child process (asynchronous, so the server in
// this process keeps answering) against the real server, on a clock set to a known day in Shanghai.
/** 2026-11-01 10:00 in Shanghai. */
const CLOCK = Date.UTC(2026, 10, 1, 2);

let srv: TestServer | undefined;
let dir: string | undefined;

const run = (args: string[]) => runCli(args);

beforeAll(buildCli);
afterEach(async () => {
  if (srv) {
    expect((await srv.storage.audit()).problems).toEqual([]);
    await srv.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  srv = undefined;
  dir = undefined;
});

describe('scanpush report', () => {
  it('prints the days as a table and saves both CSV files', async () => {
    srv = await startServer({ parts: { now: () => CLOCK } });
    const product = await api(srv.url, '/api/admin/stores/2/products', { token: srv.adminToken, body: { name: '10次洗车卡', uses: 10, priceFen: 29_900, validDays: 365 } });
    const token = await devLogin(srv.url);
    expect((await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token))).status).toBe(200);
    expect((await api(srv.url, '/api/sales', { token: srv.demoMerchantKey, body: { qr: await mintQr(srv.url, token), productId: product.body.id } })).status).toBe(200);
    dir = mkdtempSync(join(tmpdir(), 'scanpush-report-'));
    const csv = join(dir, 'days.csv');
    const ledger = join(dir, 'ledger.csv');

    const out = await run(['report', '--server', srv.url, '--admin-token', srv.adminToken, '--store', '2', '--from', '2026-10-31', '--to', '2026-11-01', '--csv', csv, '--ledger', ledger]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('日期\t扣次\t撤销\t净扣次\t充值笔数\t充值次数\t充值金额(元)\t活跃会员\n2026-10-31\t0\t0\t0\t0\t0\t0.00\t0\n2026-11-01\t1\t0\t1\t2\t20\t299.00\t1\n');
    expect(out.stderr).toBe('store 2, 2026-10-31 to 2026-11-01 (Asia/Shanghai)\n');
    expect(readFileSync(csv, 'utf8')).toBe('\uFEFF日期,扣次,充值笔数,充值次数,充值金额(元),撤销,活跃会员\r\n2026-10-31,0,0,0,0.00,0,0\r\n2026-11-01,1,2,20,299.00,0,1\r\n');
    const rows = readFileSync(ledger, 'utf8').split('\r\n');
    expect(rows[0]).toBe('\uFEFF编号,时间,类型,会员,变动,余额,商品,金额(元),员工凭证,撤销的记录,原因');
    expect(rows.slice(1, -1).map((r) => r.split(',').slice(1, 3).join(' '))).toEqual(['2026-11-01 10:00:00 充值', '2026-11-01 10:00:00 扣次', '2026-11-01 10:00:00 充值']);

    // Without a range: today in the server's zone.
    const today = await run(['report', '--server', srv.url, '--admin-token', srv.adminToken, '--store', '2', '--json']);
    expect(today.code, today.stderr).toBe(0);
    expect(JSON.parse(today.stdout)).toMatchObject({ from: '2026-11-01', to: '2026-11-01', days: [{ day: '2026-11-01', deductions: 1 }] });
  });

  it('fails with one line for a bad range, an unknown store and a missing token, writing no file', async () => {
    srv = await startServer({ parts: { now: () => CLOCK } });
    dir = mkdtempSync(join(tmpdir(), 'scanpush-report-'));
    const csv = join(dir, 'days.csv');
    const base = ['report', '--server', srv.url, '--admin-token', srv.adminToken, '--csv', csv];
    const backwards = await run([...base, '--store', '2', '--from', '2026-11-02', '--to', '2026-11-01']);
    expect(backwards).toMatchObject({ code: 1, stdout: '' });
    expect(backwards.stderr).toMatch(/^scanpush: VALIDATION_FAILED: from: 2026-11-02 is after to \(2026-11-01\)\n$/);
    const unknown = await run([...base, '--store', '999']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^scanpush: NOT_FOUND: No store 999\n$/);
    const malformed = await run([...base, '--store', '2', '--from', '2026/11/01']);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('Expected a date YYYY-MM-DD.');
    const noToken = await run(['report', '--server', srv.url, '--store', '2']);
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toContain('--admin-token');
    expect(() => readFileSync(csv)).toThrow();
  });
});
