import { RESULT_CODES } from '@scanpush/shared';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import { T0, makeWorld, scanOf } from '../contract/harness.js';
import type { Storage } from '../storage.js';
import { STARTUP_LOCK } from './migrate.js';
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

  it('a node starting while another migrates waits for it, however long that is beyond the statement timeout', async () => {
    const db = await database();
    // Another node's long migration, as seen from here: the startup lock held for a while.
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK.toString()]);
    let started = false;
    const starting = createPostgresStorage({ url: db.url, ...TEST_POOL, statementTimeoutMs: 200 }).then((storage) => {
      started = true;
      cleanups.push(() => storage.close());
      return storage;
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(started).toBe(false);
    await other.query('SELECT pg_advisory_unlock($1)', [STARTUP_LOCK.toString()]);
    const storage = await starting;
    expect(storage.streams.epoch()).toMatch(/^[0-9a-f]{16}$/);
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
    const codes = records.map((r) => (r.kind === 'recorded' || r.kind === 'repeated' ? r.entry.code : -1));
    const ok = codes.filter((c) => c === RESULT_CODES.OK.code).length;
    // 12 uses: the one QR scanned ten times deducts once, so 11 of the 20 distinct ones deduct.
    expect(ok).toBe(12);
    expect(codes.filter((c) => c === RESULT_CODES.QR_USED.code)).toHaveLength(9);
    expect(codes.filter((c) => c === RESULT_CODES.NO_USES_LEFT.code)).toHaveLength(9);
    // The nine QR_USED answers are one notice: 12 deductions, 1 + 9 refusals in the stream.
    expect(records.filter((r) => r.kind === 'repeated')).toHaveLength(8);
    const seqs = records.flatMap((r) => (r.kind === 'recorded' ? [r.entry.seq] : [])).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect((await b.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(0);
    expect((await a.audit()).problems).toEqual([]);
  });

  it("one QR taking a card's last use, scanned on two nodes at once: one OK, every other QR_USED, never NO_USES_LEFT", async () => {
    // The losers wait for the card's row while the winner takes the use: they must see the winner's
    // ledger row as well as the card it left (cards-postgres.ts, FACTS), as scan-decision.ts orders it.
    const db = await database();
    const [a, b] = [await node(db.url), await node(db.url)];
    for (let round = 0; round < 3; round++) {
      const w = await makeWorld(a, 1);
      const attempt = scanOf(w);
      const records = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).cards.recordScan(attempt, decideScan)));
      const codes = records.map((r) => (r.kind === 'recorded' || r.kind === 'repeated' ? r.entry.code : -1)).sort((x, y) => x - y);
      expect(codes).toEqual([RESULT_CODES.OK.code, ...Array.from({ length: 11 }, () => RESULT_CODES.QR_USED.code)]);
      expect(records.filter((r) => r.kind === 'recorded')).toHaveLength(2);
    }
    expect((await a.audit()).problems).toEqual([]);
  });

  it('one QR of a member with no card there, refused on two nodes at once: one notice, every other answered with it', async () => {
    // No card row to lock: the unique (qr_nonce, code) makes the losers fail, run again and find the notice.
    const db = await database();
    const [a, b] = [await node(db.url), await node(db.url)];
    for (let round = 0; round < 3; round++) {
      const w = await makeWorld(a, null);
      const attempt = scanOf(w);
      const records = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).cards.recordScan(attempt, decideScan)));
      const recorded = records.filter((r) => r.kind === 'recorded');
      expect(recorded).toHaveLength(1);
      expect(records.filter((r) => r.kind === 'repeated')).toHaveLength(11);
      for (const r of records) expect(r).toMatchObject({ entry: { ...recorded[0]!.entry, code: RESULT_CODES.CARD_NOT_FOUND.code } });
      expect(await b.streams.head(w.memberId, w.storeId)).toBe(1);
    }
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
