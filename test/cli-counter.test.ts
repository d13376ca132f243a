import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr } from './helpers/client.js';
import { buildCli, runCli, startCli } from './helpers/cli-process.js';
import { startServer, type TestServer } from './helpers/server.js';

// `scanpush products | sell | reverse` and `listen` printing the new results, as users run them: the
// bundled CLI in child processes (spawned asynchronously, so the server in this process keeps answering).
const start = (args: string[]) => startCli(args);
const run = (args: string[]) => runCli(args);

let srv: TestServer;
let product: { id: number };

beforeAll(buildCli);
beforeEach(async () => {
  srv = await startServer();
  product = (await api(srv.url, '/api/admin/stores/2/products', { token: srv.adminToken, body: { name: '10次洗车卡', uses: 10, priceFen: 29_900, validDays: 365 } })).body;
});
afterEach(async () => {
  expect((await srv.storage.audit()).problems).toEqual([]);
  await srv.stop();
});

const staff = (...args: string[]) => ['--server', srv.url, ...args, '--key', srv.demoMerchantKey];

describe('scanpush products, sell, reverse', () => {
  it('lists the store’s products, sells one (pushed to both listen dialects), and reverses a deduction', async () => {
    // The demo's own product (seed.ts, ¥300) first, then this test's.
    expect(await run(staff('products'))).toEqual({ code: 0, stdout: `1\t10次洗车卡\t10次\t¥300.00\t365天\n${product.id}\t10次洗车卡\t10次\t¥299.00\t365天\n`, stderr: '' });
    const text = start(['--server', srv.url, 'listen', '--text', '--user', '17', '--store', '2', '--count', '2']);
    const structured = start(['--server', srv.url, 'listen', '--user', '17', '--store', '2', '--count', '2']);
    await Promise.all([text.untilConnected, structured.untilConnected]);

    const token = await devLogin(srv.url);
    const sold = await run(staff('sell', '--qr', await mintQr(srv.url, token), '--product', String(product.id), '--idempotency-key', 'till-1'));
    expect(sold.code, sold.stderr).toBe(0);
    expect(sold.stdout).toMatch(/^7_充值成功_剩余次数: 20\nremaining: 20\nledger: \d+\n$/);

    const scanned = await run(staff('scan', await mintQr(srv.url, token), '--json'));
    const ledgerId = JSON.parse(scanned.stdout).result.ledgerId as number;
    const reversed = await run(staff('reverse', String(ledgerId), '--reason', '扫错了'));
    expect(reversed.code, reversed.stderr).toBe(0);
    expect(reversed.stdout).toMatch(/^8_撤销成功_剩余次数: 20\nremaining: 20\nledger: \d+\n$/);

    // Both dialects print the sale and the deduction (--count 2): the reversal is the third result.
    expect((await text.ended).stdout).toBe('7_充值成功_剩余次数: 20\n0_扣费成功_剩余次数: 19\n');
    expect((await structured.ended).stdout).toBe('7_充值成功_剩余次数: 20\n0_扣费成功_剩余次数: 19\n');
    const last = start(['--server', srv.url, 'listen', '--user', '17', '--store', '2', '--after', '2', '--count', '1']);
    expect((await last.ended).stdout).toBe('8_撤销成功_剩余次数: 20\n');

    const again = await run(staff('reverse', String(ledgerId), '--reason', '再撤一次'));
    expect(again).toMatchObject({ code: 2, stdout: 'refused: ALREADY_REVERSED 10_已撤销_该扣次已撤销过\n' });
  });

  it('answers a retried sale with its first answer, and refuses what cannot be sold', async () => {
    const token = await devLogin(srv.url);
    const qr = await mintQr(srv.url, token);
    const args = staff('sell', qr, '--product', String(product.id), '--idempotency-key', 'till-2');
    const first = await run(args);
    const retry = await run(args);
    expect([first.code, retry.code]).toEqual([0, 0]);
    expect(retry.stdout).toBe(first.stdout);
    expect(retry.stderr).toMatch(/replayed answer for this Idempotency-Key; nothing new sold/);

    const unknown = await run(staff('sell', await mintQr(srv.url, token), '--product', '999999'));
    expect(unknown).toMatchObject({ code: 2, stdout: 'refused: PRODUCT_NOT_FOUND This store sells no such product\n' });
    const both = await run(staff('sell', qr, '--qr', qr, '--product', String(product.id)));
    expect(both).toMatchObject({ code: 1, stdout: '' });
    expect(both.stderr).toMatch(/^scanpush: give the QR text once/);
    const noReason = await run(staff('reverse', '1'));
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/--reason/);
    const badId = await run(staff('reverse', 'abc', '--reason', 'x'));
    expect(badId.code).toBe(1);
    expect(badId.stderr).toMatch(/ledger id/);
    const notOurs = await run(staff('reverse', '1', '--reason', 'x'));
    expect(notOurs).toMatchObject({ code: 2, stdout: 'refused: NOT_REVERSIBLE 12_该记录不可撤销_只能撤销本店的扣次记录\n' });
    expect((await srv.storage.cards.getCard(17, 2))?.remaining).toBe(20);
  });
});
