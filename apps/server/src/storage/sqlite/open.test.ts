import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { openSqlite } from './open.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-sqlite-'));
  dirs.push(dir);
  return dir;
};

describe('openSqlite', () => {
  it('opens in WAL mode with the durability asked for, migrations applied', () => {
    const dir = tempDir();
    const normal = openSqlite(join(dir, 'nested', 'scanpush.db'));
    expect(normal.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(normal.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    const tables = normal.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['idempotency', 'ledger', 'meta', 'outbox', 'streams']));
    expect(normal.prepare("SELECT value FROM meta WHERE key = 'epoch'").pluck().get()).toMatch(/^[0-9a-f]{16}$/);
    normal.close();
    const full = openSqlite(join(dir, 'full.db'), 'full');
    expect(full.pragma('synchronous', { simple: true })).toBe(2); // FULL
    full.close();
  });

  it('takes the setting from SQLITE_SYNCHRONOUS and refuses anything else', () => {
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'full' }, () => 'x').sqliteSynchronous).toBe('full');
    expect(loadConfig({}, () => 'x').sqliteSynchronous).toBe('normal');
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' }, () => 'x')).toThrow(ConfigError);
  });
});

describe('the streams migration (0003)', () => {
  it('renumbers retained entries per (member, store), fills the heads, and moves the idempotency keys', () => {
    const path = join(tempDir(), 'old.db');
    // A database as the previous release left it: migrations 0000-0002 only, seqs counted per member.
    const old = new Database(path);
    migrate(drizzle(old), { migrationsFolder: migrationsUpTo(tempDir(), '0002_outbox_drop_member_store_idx') });
    old.exec(`
      INSERT INTO stores (id, name, created_at) VALUES (1, 'A', 0), (2, 'B', 0);
      INSERT INTO members (id, name, last_seq, created_at) VALUES (7, 'm', 5, 0);
      INSERT INTO cards (member_id, store_id, remaining, updated_at) VALUES (7, 1, 8, 0);
      INSERT INTO merchants (id, store_id, name, key_hash, created_at) VALUES (3, 1, 'c', 'h', 0);
      INSERT INTO ledger (id, member_id, store_id, kind, delta, balance_after, merchant_id, qr_nonce, idempotency_key, created_at)
        VALUES (1, 7, 1, 'topup', 10, 10, NULL, NULL, NULL, 0), (2, 7, 1, 'deduct', -1, 9, 3, 'n1', 'k1', 10),
               (3, 7, 1, 'deduct', -1, 8, 3, 'n2', NULL, 30);
      -- seq 1 was pruned; 2 and 4 at store 1, 3 and 5 at store 2
      INSERT INTO outbox (member_id, seq, store_id, code, remaining, ledger_id, created_at) VALUES
        (7, 2, 1, 0, 9, 2, 10), (7, 3, 2, 4, NULL, NULL, 20), (7, 4, 1, 0, 8, 3, 30), (7, 5, 2, 4, NULL, NULL, 40);
    `);
    old.close();

    const db = openSqlite(path);
    const rows = db.prepare('SELECT store_id AS s, seq, created_at AS t FROM outbox ORDER BY created_at').all();
    expect(rows).toEqual([
      { s: 1, seq: 1, t: 10 },
      { s: 2, seq: 1, t: 20 },
      { s: 1, seq: 2, t: 30 },
      { s: 2, seq: 2, t: 40 },
    ]);
    expect(db.prepare('SELECT member_id AS m, store_id AS s, last_seq AS n FROM streams ORDER BY store_id').all()).toEqual([
      { m: 7, s: 1, n: 2 },
      { m: 7, s: 2, n: 2 },
    ]);
    expect(db.prepare('SELECT merchant_id AS m, key, qr_nonce AS nonce, store_id AS s, seq FROM idempotency').all()).toEqual([
      { m: 3, key: 'k1', nonce: 'n1', s: 1, seq: 1 },
    ]);
    const columns = (table: string) => (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);
    expect(columns('members')).not.toContain('last_seq');
    expect(columns('ledger')).not.toContain('idempotency_key');
    expect(db.prepare("SELECT value FROM meta WHERE key = 'epoch'").pluck().get()).toMatch(/^[0-9a-f]{16}$/);
    db.close();
  });
});

describe('the refusal nonce migration (0004)', () => {
  it('keeps the entries, which name no nonce, and makes (qr_nonce, code) unique where a nonce is named', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    migrate(drizzle(old), { migrationsFolder: migrationsUpTo(tempDir(), '0003_streams_epoch_idempotency') });
    old.exec(`
      INSERT INTO streams (member_id, store_id, last_seq) VALUES (7, 1, 2);
      INSERT INTO outbox (member_id, store_id, seq, code, remaining, ledger_id, created_at) VALUES (7, 1, 1, 2, NULL, NULL, 10), (7, 1, 2, 2, NULL, NULL, 20);
    `);
    old.close();

    const db = openSqlite(path);
    expect(db.prepare('SELECT seq, qr_nonce AS nonce FROM outbox ORDER BY seq').all()).toEqual([
      { seq: 1, nonce: null },
      { seq: 2, nonce: null },
    ]);
    const insert = db.prepare("INSERT INTO outbox (member_id, store_id, seq, code, created_at, qr_nonce) VALUES (7, 1, ?, ?, 30, 'n')");
    insert.run(3, 2);
    insert.run(4, 1); // the same QR, another result
    expect(() => insert.run(5, 2)).toThrow(/UNIQUE constraint failed: outbox\.qr_nonce, outbox\.code/);
    db.close();
  });
});

describe('the fewer-pages migration (0011)', () => {
  it('keeps the ledger and the outbox, ids and constraints, and a deduction no longer writes sqlite_sequence', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    migrate(drizzle(old), { migrationsFolder: migrationsUpTo(tempDir(), '0010_notify') });
    old.exec(`
      INSERT INTO ledger (id, member_id, store_id, kind, delta, balance_after, merchant_id, qr_nonce, created_at, reverses_id, reason)
        VALUES (1, 7, 1, 'topup', 10, 10, NULL, NULL, 0, NULL, NULL), (2, 7, 1, 'deduct', -1, 9, 3, 'n1', 10, NULL, NULL),
               (3, 7, 1, 'reversal', 1, 10, 3, NULL, 20, 2, 'wrong car');
      INSERT INTO outbox (id, member_id, store_id, seq, code, remaining, ledger_id, created_at, delivered_at, qr_nonce)
        VALUES (4, 7, 1, 1, 0, 9, 2, 10, 11, NULL), (5, 7, 1, 2, 2, NULL, NULL, 15, NULL, 'n9');
    `);
    old.close();

    const db = openSqlite(path);
    expect(db.prepare('SELECT id, kind, reverses_id AS r, reason FROM ledger ORDER BY id').all()).toEqual([
      { id: 1, kind: 'topup', r: null, reason: null },
      { id: 2, kind: 'deduct', r: null, reason: null },
      { id: 3, kind: 'reversal', r: 2, reason: 'wrong car' },
    ]);
    expect(db.prepare('SELECT id, seq, delivered_at AS d, qr_nonce AS n FROM outbox ORDER BY id').all()).toEqual([
      { id: 4, seq: 1, d: 11, n: null },
      { id: 5, seq: 2, d: null, n: 'n9' },
    ]);
    const sequence = () => db.prepare("SELECT name FROM sqlite_sequence WHERE name IN ('ledger', 'outbox')").pluck().all();
    db.exec(`INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, qr_nonce, created_at)
               VALUES (7, 1, 'deduct', -1, 9, 3, 'n2', 30);
             INSERT INTO outbox (member_id, store_id, seq, code, remaining, ledger_id, created_at) VALUES (7, 1, 3, 0, 9, 4, 30)`);
    expect(db.prepare("SELECT max(id) FROM ledger WHERE qr_nonce = 'n2'").pluck().get()).toBe(4);
    expect(sequence()).toEqual([]);
    // The constraints came along: a deduction reversed once, a nonce deducting once, no zero delta.
    expect(() => db.exec("INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, reverses_id, created_at) VALUES (7, 1, 'reversal', 1, 10, 2, 40)")).toThrow(
      /UNIQUE constraint failed: ledger\.reverses_id/,
    );
    expect(() => db.exec("INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, qr_nonce, created_at) VALUES (7, 1, 'deduct', -1, 8, 'n1', 40)")).toThrow(
      /UNIQUE constraint failed: ledger\.qr_nonce/,
    );
    expect(() => db.exec("INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, created_at) VALUES (7, 1, 'topup', 0, 8, 40)")).toThrow(/CHECK constraint failed/);
    expect(() => db.exec('INSERT INTO outbox (member_id, store_id, seq, code, created_at) VALUES (7, 1, 3, 0, 40)')).toThrow(/UNIQUE constraint failed: outbox\.member_id/);
    // The reversal check still reads the partial index: `reverses_id = ?` implies its WHERE.
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT EXISTS (SELECT 1 FROM ledger WHERE reverses_id = ?)').all(2) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING COVERING INDEX ledger_reverses_uq/);
    db.close();
  });
});

/** A copy of the committed migrations folder whose journal ends at `lastTag`. */
function migrationsUpTo(dir: string, lastTag: string): string {
  const source = join(import.meta.dirname, '../../../drizzle');
  cpSync(source, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const end = journal.entries.findIndex((e) => e.tag === lastTag);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

describe('one process per database', () => {
  it('refuses a second storage on a file that is open, and takes it once the first one closed', async () => {
    const { createSqliteStorage } = await import('./open.js');
    const { DatabaseInUseError } = await import('./process-lock.js');
    const path = join(tempDir(), 'one.db');
    const first = createSqliteStorage(path);
    // One side file, the lock; its journal is kept in memory.
    expect(readdirSync(dirname(path)).filter((f) => f.startsWith('one.db.lock'))).toEqual(['one.db.lock']);
    expect(() => createSqliteStorage(path)).toThrow(DatabaseInUseError);
    expect(() => createSqliteStorage(path)).toThrow(/one\.db is in use by another scanpush process: .*DATABASE_URL/);
    await first.close();
    const second = createSqliteStorage(path);
    await second.close();
  });
});
