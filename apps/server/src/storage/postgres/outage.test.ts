import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { RESULT_CODES } from '@scanpush/shared';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import { T0, makeWorld, scanOf } from '../contract/harness.js';
import { StorageUnavailableError } from '../errors.js';
import type { ScanRecord } from '../cards.js';
import { createPostgresStorage } from './open.js';
import { TEST_POOL, createTestDatabase } from './test-database.js';

/**
 * The network between a node and PostgreSQL, as a loopback TCP link the test controls: `up` forwards,
 * `down` resets every connection (a crashed or restarting server), `silent` accepts and never answers (a
 * server gone from the network). `cut()` drops the connections open now. The machine's PostgreSQL itself
 * is never touched.
 */
interface Link {
  url: string;
  mode: 'up' | 'down' | 'silent';
  cut(): void;
  close(): Promise<void>;
}

async function startLink(targetUrl: string): Promise<Link> {
  const target = new URL(targetUrl);
  const open = new Set<Socket>();
  const link = { mode: 'up' as Link['mode'] };
  const server: Server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (link.mode === 'down') return client.resetAndDestroy();
    if (link.mode === 'silent') return;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return Object.assign(link, {
    url: url.toString(),
    cut: () => open.forEach((s) => s.destroy()),
    close: async () => {
      open.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function nodeBehindLink() {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const link = await startLink(db.url);
  cleanups.push(() => link.close());
  const errors: Error[] = [];
  const storage = await createPostgresStorage({ url: link.url, ...TEST_POOL, connectTimeoutMs: 500, onBackgroundError: (e) => errors.push(e) });
  cleanups.push(() => storage.close());
  return { storage, link, errors };
}

/** Waits (bounded) until a session of the database at `url` waits for a lock. */
async function untilSomeoneWaitsForALock(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (rows[0].n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no session started waiting for the lock within 5 s');
  } finally {
    await client.end();
  }
}

const settle = (calls: Array<Promise<ScanRecord>>) => Promise.allSettled(calls);

describe('PostgreSQL lost and back', () => {
  it('refuses scans with StorageUnavailableError while it is down or silent, and serves again when it is back, without a reopen', async () => {
    const { storage, link } = await nodeBehindLink();
    const w = await makeWorld(storage, 10);
    expect((await storage.cards.recordScan(scanOf(w), decideScan)).kind).toBe('recorded');

    link.mode = 'down';
    link.cut();
    for (const outcome of await settle(Array.from({ length: 5 }, () => storage.cards.recordScan(scanOf(w), decideScan)))) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailableError);
    }
    await expect(storage.streams.head(w.memberId, w.storeId)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(storage.ping()).rejects.toBeInstanceOf(StorageUnavailableError);

    // Gone from the network: nothing answers; the connect timeout (500 ms here) ends the wait.
    link.mode = 'silent';
    await expect(storage.cards.recordScan(scanOf(w), decideScan)).rejects.toBeInstanceOf(StorageUnavailableError);

    link.mode = 'up';
    link.cut();
    const after = await storage.cards.recordScan(scanOf(w), decideScan);
    expect(after.kind === 'recorded' && after.entry).toMatchObject({ code: RESULT_CODES.OK.code, remaining: 8, seq: 2 });
    expect((await storage.audit()).problems).toEqual([]);
  });

  it('cut in the middle of concurrent scans: each is all or nothing, and what the node answered OK is in the ledger', async () => {
    const { storage, link } = await nodeBehindLink();
    const w = await makeWorld(storage, 100);
    const calls = settle(Array.from({ length: 40 }, (_, i) => storage.cards.recordScan(scanOf(w, { at: T0 + i }), decideScan)));
    // Let some commit, then drop every connection under the rest of them.
    await new Promise((resolve) => setTimeout(resolve, 15));
    link.cut();
    const outcomes = await calls;
    const answeredOk = outcomes.filter((o) => o.status === 'fulfilled' && o.value.kind === 'recorded' && o.value.entry.code === RESULT_CODES.OK.code).length;
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(StorageUnavailableError);

    const report = await storage.audit();
    expect(report.problems).toEqual([]);
    // A scan whose COMMIT was sent as the link died may have committed unanswered (the client retries
    // with its Idempotency-Key); none is half-written, and none answered OK is missing.
    expect(report.counts.deductions).toBeGreaterThanOrEqual(answeredOk);
    expect(report.counts.entries).toBe(report.counts.deductions);
    expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(100 - report.counts.deductions);
  });

  it('a statement over its timeout and a request that finds the pool busy past the connect timeout fail with StorageUnavailableError, writing nothing', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const storage = await createPostgresStorage({ url: db.url, poolSize: 1, statementTimeoutMs: 600, connectTimeoutMs: 200 });
    cleanups.push(() => storage.close());
    const w = await makeWorld(storage, 5);

    // Another session holds the card's row: the scan waits for it on the pool's only connection.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM cards WHERE member_id = $1 AND store_id = $2 FOR UPDATE', [w.memberId, w.storeId]);
    const stuck = storage.cards.recordScan(scanOf(w), decideScan).catch((err: unknown) => err);
    await untilSomeoneWaitsForALock(db.url);

    // Pool exhausted: the next request waits for a connection, then gives up after the connect timeout.
    const waiting = storage.streams.head(w.memberId, w.storeId).catch((err: unknown) => err);
    expect(storage.pool?.()).toEqual({ total: 1, idle: 0, waiting: 1 });
    expect(await waiting).toBeInstanceOf(StorageUnavailableError);
    // The statement timeout cancels the waiting scan (57014), and its transaction is rolled back.
    expect(await stuck).toBeInstanceOf(StorageUnavailableError);

    await holder.query('ROLLBACK');
    const after = await storage.cards.recordScan(scanOf(w), decideScan);
    expect(after.kind === 'recorded' && after.entry).toMatchObject({ code: RESULT_CODES.OK.code, remaining: 4, seq: 1 });
    expect((await storage.audit()).problems).toEqual([]);
  });
});
