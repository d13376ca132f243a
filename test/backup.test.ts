import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

// `scanpush backup` in a child process (from source through tsx, so it never races the CLI's own build)
// against the database of the real server running in this process.
const root = fileURLToPath(new URL('..', import.meta.url));
const cliMain = join(root, 'apps/cli/src/main.ts');

function backup(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_PATH'));
    const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'backup', ...args], { cwd: root, env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Checks a database copy: sound, and every card's balance equal to its ledger. Answers its deduction count. */
function inspect(path: string): { deductions: number; members: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    const cards = db
      .prepare(
        `SELECT c.member_id AS memberId, c.store_id AS storeId, c.remaining,
                (SELECT coalesce(sum(delta), 0) FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id) AS ledgerSum,
                (SELECT balance_after FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id ORDER BY id DESC LIMIT 1) AS lastBalance
         FROM cards c`,
      )
      .all() as Array<{ remaining: number; ledgerSum: number; lastBalance: number }>;
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) expect(card).toMatchObject({ ledgerSum: card.remaining, lastBalance: card.remaining });
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return { deductions: count("SELECT count(*) AS n FROM ledger WHERE kind = 'deduct'"), members: count('SELECT count(*) AS n FROM members') };
  } finally {
    db.close();
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
    const extra = new Database(srv.dbPath);
    extra.pragma('busy_timeout = 5000');
    const insert = extra.prepare('INSERT INTO members (name, created_at) VALUES (?, ?)');
    extra.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run(`padding member ${i} ${'x'.repeat(200)}`, Date.now());
    })();
    extra.close();

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
      const { deductions, members } = inspect(copy.path);
      expect(members).toBeGreaterThan(20_000);
      // Every scan answered before the backup began is in the copy; none sent after it ended can be.
      expect(deductions).toBeGreaterThanOrEqual(copy.committedBefore);
      expect(deductions).toBeLessThanOrEqual(copy.sentAfter);
    }
    // The scans went on while the copies were made.
    expect(inspect(copies[0]!.path).deductions).toBeLessThan(committed);
    expect(readdirSync(srv.dir).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('reads the database path from DATABASE_PATH and refuses to overwrite without --force', async () => {
    const path = join(srv.dir, 'copy.db');
    expect((await backup([path], { DATABASE_PATH: srv.dbPath })).code).toBe(0);
    const again = await backup([path], { DATABASE_PATH: srv.dbPath });
    expect(again).toEqual({ code: 1, stdout: '', stderr: `scanpush: ${path} exists; pass --force to replace it\n` });
    expect((await backup([path, '--force'], { DATABASE_PATH: srv.dbPath })).code).toBe(0);
    inspect(path);
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
    expect(['a.db', 'b.db', 'c.db'].filter((f) => existsSync(join(srv.dir, f)))).toEqual([]);
  });
});
