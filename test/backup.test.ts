import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../apps/server/src/storage/sqlite/open.js';
import { runBackup as backup } from './helpers/backup.js';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

// `scanpush backup` in a child process against the database of the real server running in this process.

/**
 * Restores a copy as an operator would (into a scratch file, so the copy itself stays as it was made),
 * opens it with the server's storage engine and audits it: sound, every balance equal to its ledger,
 * every stream without gaps. Answers its counts.
 */
async function inspect(path: string): Promise<{ deductions: number; members: number }> {
  const restored = `${path}.restored`;
  copyFileSync(path, restored);
  const storage = createSqliteStorage({ path: restored });
  try {
    const report = await storage.audit();
    expect(report.problems).toEqual([]);
    expect(report.counts.cards).toBeGreaterThan(0);
    return { deductions: report.counts.deductions, members: report.counts.members };
  } finally {
    await storage.close();
  }
}

let srv: TestServer;
beforeEach(async () => {
  srv = await startServer();
});
afterEach(async () => {
  await srv.stop();
});

describe('scanpush backup', () => {
  it('copies the database of a running server under a stream of scans: sound, balanced, taken mid-stream', async () => {
    // Bulk, so the copy is thousands of pages, not one step's worth.
    for (let i = 0; i < 20_000; i++) await srv.storage.accounts.createMember({ name: `padding member ${i} ${'x'.repeat(90)}` }, Date.now());

    const admin = srv.adminToken;
    const other = await api(srv.url, '/api/admin/members', { token: admin, body: { name: 'Second' } });
    expect((await api(srv.url, '/api/admin/cards', { token: admin, body: { memberId: other.body.id, storeId: 2, uses: 5000 } })).status).toBe(200);
    expect((await api(srv.url, '/api/admin/cards', { token: admin, body: { memberId: 17, storeId: 2, uses: 5000 } })).status).toBe(200);
    const tokens = [await devLogin(srv.url, 17), await devLogin(srv.url, other.body.id as number)];

    let committed = 0;
    let sent = 0;
    let streaming = true;
    const stream = async (token: string) => {
      while (streaming) {
        const qr = await mintQr(srv.url, token);
        sent++;
        const answer = await scan(srv.url, srv.demoMerchantKey, qr);
        expect(answer.status).toBe(200);
        committed++;
      }
    };
    const scanners = [...tokens, ...tokens].map(stream);
    while (committed < 20) await new Promise((r) => setTimeout(r, 20));

    const copies: Array<{ path: string; committedBefore: number; sentAfter: number }> = [];
    for (let i = 1; i <= 3; i++) {
      const path = join(srv.dir, `copy-${i}.db`);
      const committedBefore = committed;
      const result = await backup([path, '--db', srv.dbPath]);
      copies.push({ path, committedBefore, sentAfter: sent });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^backed up .+ to ${path}: \\d+ pages, \\d+ bytes\\n$`));
    }
    streaming = false;
    await Promise.all(scanners);

    for (const copy of copies) {
      const { deductions, members } = await inspect(copy.path);
      expect(members).toBeGreaterThan(20_000);
      // Every scan answered before the backup began is in the copy; none sent after it ended can be.
      expect(deductions).toBeGreaterThanOrEqual(copy.committedBefore);
      expect(deductions).toBeLessThanOrEqual(copy.sentAfter);
    }
    // The scans went on while the copies were made.
    expect((await inspect(copies[0]!.path)).deductions).toBeLessThan(committed);
    expect(readdirSync(srv.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('reads the database path from DATABASE_PATH and refuses to overwrite without --force', async () => {
    const path = join(srv.dir, 'copy.db');
    expect((await backup([path], { DATABASE_PATH: srv.dbPath })).code).toBe(0);
    const again = await backup([path], { DATABASE_PATH: srv.dbPath });
    expect(again).toEqual({ code: 1, stdout: '', stderr: `scanpush: ${path} exists; pass --force to replace it\n` });
    expect((await backup([path, '--force'], { DATABASE_PATH: srv.dbPath })).code).toBe(0);
    await inspect(path);
  });

  it('fails with a one-line reason', async () => {
    const missing = join(srv.dir, 'nope.db');
    const notSqlite = join(srv.dir, 'notes.txt');
    writeFileSync(notSqlite, 'not a database at all, just text long enough to have a header'.repeat(10));
    const emptySqlite = join(srv.dir, 'empty.db');
    new Database(emptySqlite).exec('CREATE TABLE t (x)');

    const cases: Array<[string[], RegExp]> = [
      [[join(srv.dir, 'a.db'), '--db', missing], /^scanpush: no database at .*nope\.db \(set --db or DATABASE_PATH\)\n$/],
      [[join(srv.dir, 'no-such-dir', 'a.db'), '--db', srv.dbPath], /^scanpush: directory .*no-such-dir does not exist\n$/],
      [[join(srv.dir, 'b.db'), '--db', notSqlite], /^scanpush: backup of .*notes\.txt failed: file is not a database\n$/],
      [[join(srv.dir, 'c.db'), '--db', emptySqlite], /^scanpush: .*empty\.db is not a scanpush database\n$/],
      [[srv.dbPath, '--db', srv.dbPath], /^scanpush: FILE must not be the database itself\n$/],
      [[], /^scanpush: missing required argument 'file'\n$/],
    ];
    for (const [args, reason] of cases) {
      const result = await backup(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(reason);
    }
    // The server's environment sourced for the command, on PostgreSQL: pg_dump is the tool, not this one.
    const onPostgres = await backup([join(srv.dir, 'd.db'), '--db', srv.dbPath], { DATABASE_URL: 'postgres://scanpush@db.example/scanpush' });
    expect(onPostgres).toMatchObject({ code: 1, stderr: 'scanpush: DATABASE_URL is set: the server uses PostgreSQL, back it up with pg_dump (docs/production.md)\n' });
    expect(['a.db', 'b.db', 'c.db', 'd.db'].filter((f) => existsSync(join(srv.dir, f)))).toEqual([]);
  });
});
