import { RESULT_CODES } from '@scanpush/shared';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import { T0, makeWorld, scanOf } from '../contract/harness.js';
import type { Storage } from '../storage.js';
import { createPostgresStorage } from './open.js';
import { TEST_POOL, createTestDatabase, type TestDatabase } from './test-database.js';

// What only several processes on one PostgreSQL can show: each Storage here has its own pool, as each
// node has; they share nothing but the database.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  return db;
}

async function node(url: string): Promise<Storage> {
  const storage = await createPostgresStorage({ url, ...TEST_POOL });
  cleanups.push(() => storage.close());
  return storage;
}

describe('several nodes on one PostgreSQL', () => {
  it('starting at once, migrate once and agree on one epoch', async () => {
    const db = await database();
    const nodes = await Promise.all(Array.from({ length: 4 }, () => node(db.url)));
    expect(new Set(nodes.map((n) => n.streams.epoch())).size).toBe(1);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const applied = await client.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      const { readdirSync } = await import('node:fs');
      const files = readdirSync(new URL('../../../drizzle-pg', import.meta.url)).filter((f) => f.endsWith('.sql'));
      expect(applied.rows[0].n).toBe(files.length);
    } finally {
      await client.end();
    }
    // A later start of the same database keeps its epoch.
    expect((await node(db.url)).streams.epoch()).toBe(nodes[0]!.streams.epoch());
  });

  it('racing on one card from two nodes: one deduction per QR, K deductions for K uses, one stream without gaps', async () => {
    const db = await database();
    const [a, b] = [await node(db.url), await node(db.url)];
    const w = await makeWorld(a, 12);
    const sameQr = scanOf(w);
    const distinct = Array.from({ length: 20 }, (_, i) => scanOf(w, { at: T0 + i }));
    const calls = [
      ...Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).cards.recordScan(sameQr, decideScan)),
      ...distinct.map((attempt, i) => (i % 2 ? a : b).cards.recordScan(attempt, decideScan)),
    ];
    const records = await Promise.all(calls);
    const codes = records.map((r) => (r.kind === 'recorded' ? r.entry.code : -1));
    const ok = codes.filter((c) => c === RESULT_CODES.OK.code).length;
    // 12 uses: the one QR scanned ten times deducts once, so 11 of the 20 distinct ones deduct.
    expect(ok).toBe(12);
    expect(codes.filter((c) => c === RESULT_CODES.QR_USED.code)).toHaveLength(9);
    expect(codes.filter((c) => c === RESULT_CODES.NO_USES_LEFT.code)).toHaveLength(9);
    const seqs = records.map((r) => (r.kind === 'recorded' ? r.entry.seq : 0)).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await b.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(0);
    expect((await a.audit()).problems).toEqual([]);
  });

  it('one idempotency key sent to two nodes at once: one decision, the other replays it', async () => {
    const db = await database();
    const [a, b] = [await node(db.url), await node(db.url)];
    const w = await makeWorld(a, 3);
    const attempt = scanOf(w, { idempotencyKey: 'retry-me' });
    const records = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).cards.recordScan(attempt, decideScan)));
    expect(records.filter((r) => r.kind === 'recorded')).toHaveLength(1);
    expect(records.filter((r) => r.kind === 'replayed')).toHaveLength(11);
    expect((await a.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(2);
    // The same key with another QR, from the other node: a mismatch, nothing written.
    expect(await b.cards.recordScan(scanOf(w, { idempotencyKey: 'retry-me' }), decideScan)).toEqual({ kind: 'idempotency-mismatch' });
    expect(await a.streams.head(w.memberId, w.storeId)).toBe(1);
  });
});
