import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import { T0, makeWorld, scanOf, type World } from '../contract/harness.js';
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
  // A sale and a reversal too, so the audit is seen clean with every kind of ledger row.
  const product = await storage.products.create(world.storeId, { name: '10次卡', uses: 10, priceFen: 9900, validDays: 30 }, T0);
  const { nonce: _n, ...scan } = scanOf(world);
  await storage.cards.recordSale({ ...scan, nonce: 'sale-nonce', productId: product.id });
  const [deduction] = (await storage.cards.history(world.memberId, world.storeId, 10)).filter((e) => e.kind === 'deduct');
  const reversal = { ledgerId: deduction!.id, reason: '误扣', storeId: world.storeId, merchantId: world.merchant.id, idempotencyKey: null, at: T0 + 2000, windowMs: 600_000 };
  expect((await storage.cards.recordReversal(reversal)).kind).toBe('recorded');
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
    ["DELETE FROM outbox WHERE seq = 2", /^deduction, sale or reversal without exactly one stream entry: \d+$/],
    ['UPDATE outbox SET ledger_id = 999 WHERE seq = 3', /stream entry pointing at no ledger row of its result: \d+\/\d+#3/],
    ['DELETE FROM outbox WHERE code = 7', /^deduction, sale or reversal without exactly one stream entry: \d+$/],
    ['UPDATE outbox SET code = 0 WHERE code = 8', /^stream entry pointing at no ledger row of its result: \d+\/\d+#\d+$/],
    ["UPDATE ledger SET reverses_id = 999 WHERE kind = 'reversal'", /^reversal of no deduction of its card: \d+$/],
    ["UPDATE ledger SET reason = NULL WHERE kind = 'reversal'", /^ledger row whose delta does not fit its kind: \d+$/],
    ["UPDATE ledger SET delta = 2, balance_after = balance_after + 1 WHERE kind = 'reversal'", /^ledger row whose delta does not fit its kind: \d+$/],
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
