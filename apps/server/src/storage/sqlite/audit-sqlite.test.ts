import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import { makeWorld, scanOf, type World } from '../contract/harness.js';
import type { Storage } from '../storage.js';
import { createSqliteStorage } from './open.js';

// The audit must catch what it names: each case breaks one invariant behind the engine's back, the way a
// bug or a hand edit would, and expects exactly that problem.
let dir: string;
let path: string;
let storage: Storage;
let world: World;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-audit-'));
  path = join(dir, 'scanpush.db');
  storage = createSqliteStorage(path);
  world = await makeWorld(storage, 5);
  for (let i = 0; i < 3; i++) await storage.cards.recordScan(scanOf(world), decideScan);
});
afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

async function breakWith(sql: string): Promise<string[]> {
  const raw = new Database(path);
  raw.exec(sql);
  raw.close();
  return (await storage.audit()).problems;
}

describe('SQLite audit', () => {
  it('is clean before anything is broken', async () => {
    expect((await storage.audit()).problems).toEqual([]);
  });

  it.each([
    ['UPDATE cards SET remaining = remaining + 1', /^card balance differs from its ledger: \d+\/\d+$/],
    ["DELETE FROM outbox WHERE seq = 2", /^deduction without exactly one stream entry: \d+$/],
    ['UPDATE outbox SET ledger_id = 999 WHERE seq = 3', /stream entry pointing at no deduction: \d+\/\d+#3/],
    ['UPDATE streams SET last_seq = last_seq + 1', /^stream whose retained seqs are not contiguous up to its head: \d+\/\d+$/],
    [
      `DROP INDEX outbox_refusal_uq;
       INSERT INTO outbox (member_id, store_id, seq, code, created_at, qr_nonce) VALUES (1, 1, 100, 2, 0, 'n'), (1, 1, 101, 2, 0, 'n')`,
      /^refusal told twice for one QR: n\/2$/,
    ],
  ])('finds %s', async (sql, problem) => {
    const problems = await breakWith(sql);
    expect(problems.some((p) => problem.test(p)), problems.join('\n')).toBe(true);
  });
});
