import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './helpers/cli-process.js';
import { office, signIn } from './helpers/office.js';
import { startServer, type TestServer } from './helpers/server.js';

// `scanpush shop …` as the operator runs it: the bundled CLI in child processes against the real server,
// and the owner it made signing in to the back office with the password it printed.
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

const run = (args: string[]) => runCli(['--server', srv.url, 'shop', ...args], admin);

describe('scanpush shop', () => {
  it('sets a shop up: the shop, a new store, an existing store, an owner who signs in with the printed password', async () => {
    const created = await run(['create', '--name', '洁亮洗车']);
    expect(created.code, created.stderr).toBe(0);
    const shopId = Number(/^shop (\d+) 洁亮洗车$/m.exec(created.stdout)?.[1]);
    expect(shopId).toBeGreaterThan(0);

    const fresh = await run(['add-store', '--shop', String(shopId), '--name', '洁亮 东门店']);
    expect(fresh.code, fresh.stderr).toBe(0);
    const freshId = Number(/^store (\d+) is in shop/m.exec(fresh.stdout)?.[1]);
    const moved = await run(['add-store', '--shop', String(shopId), '--store', '2']);
    expect(moved.stdout).toBe(`store 2 is in shop ${shopId}\n`);

    const owner = await run(['owner', '--shop', String(shopId), '--login', '13800138000', '--name', '王老板']);
    expect(owner.code, owner.stderr).toBe(0);
    expect(owner.stdout).toMatch(new RegExp(`^owner \\d+ of shop ${shopId}: login 13800138000\\n`));
    const password = /^password \(shown only now\): (\S+)$/m.exec(owner.stdout)?.[1];
    expect(password).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{14}$/);
    expect(owner.stdout).toContain(`back office: ${srv.url}/office/\n`);

    const session = await signIn(srv.url, '13800138000', password!);
    const stores = await office(srv.url, session, '/api/office/stores');
    expect(stores.body.stores.map((s: { id: number }) => s.id).sort((a: number, b: number) => a - b)).toEqual([2, freshId].sort((a, b) => a - b));

    const listed = await run(['list']);
    expect(listed.stdout).toContain(`${shopId}\t洁亮洗车\t2 stores\t1 owners\n`);
  });

  it('refuses in one line with a non-zero exit: a taken login, a short password, an unknown shop, no store named', async () => {
    const created = await run(['create', '--name', 'Second']);
    const shopId = /^shop (\d+)/m.exec(created.stdout)![1]!;
    expect((await run(['owner', '--shop', shopId, '--login', 'second', '--name', 'A', '--password', 'a password 1'])).code).toBe(0);
    const taken = await run(['owner', '--shop', shopId, '--login', 'SECOND', '--name', 'B', '--password', 'a password 2']);
    expect(taken).toMatchObject({ code: 1, stdout: '' });
    expect(taken.stderr).toMatch(/^scanpush: LOGIN_TAKEN: [^\n]+\n$/);
    const short = await run(['owner', '--shop', shopId, '--login', 'third', '--name', 'C', '--password', 'short']);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/10 to 200 characters/);
    const unknown = await run(['add-store', '--shop', '999999', '--name', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^scanpush: NOT_FOUND: No shop 999999\n$/);
    const neither = await run(['add-store', '--shop', shopId]);
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toMatch(/give --store <id> or --name <text>/);
    expect((await srv.storage.office.listOwners(Number(shopId))).map((o) => o.login)).toEqual(['second']);
  });
});
