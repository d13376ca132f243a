import { RESULT_CODES } from '@scanpush/shared';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import { T0, makeWorld, scanOf } from '../contract/harness.js';
import { StorageUnavailableError } from '../errors.js';
import type { Storage } from '../storage.js';
import { createPostgresStorage } from './open.js';
import { startTestCluster, type TestCluster } from './test-cluster.js';

// The server itself stopped and started again, on a cluster of the test's own: what the link tests
// (outage.test.ts) cannot show — sessions ended by the server with 57P01, a crash, a restart — and that
// the same Storage serves again afterwards, with no reopen.

const STATEMENT_TIMEOUT_MS = 30_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function nodeOnOwnCluster(): Promise<{ cluster: TestCluster; storage: Storage }> {
  const cluster = await startTestCluster();
  cleanups.push(() => cluster.destroy());
  // Errors of idle connections the server ended are expected here; they are only logged in production.
  const storage = await createPostgresStorage({
    url: cluster.url,
    poolSize: 4,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: 1000,
    onBackgroundError: () => undefined,
  });
  cleanups.push(() => storage.close());
  return { cluster, storage };
}

/** Waits (bounded) until a session of `cluster` waits for a lock. */
async function untilSomeoneWaitsForALock(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`);
      if (rows[0].n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no session started waiting for the lock within 5 s');
  } finally {
    await client.end();
  }
}

/** Rejects with StorageUnavailableError, and long before the statement timeout: the node answers 503 without waiting it out. */
async function refusedPromptly(call: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await expect(call()).rejects.toBeInstanceOf(StorageUnavailableError);
  expect(performance.now() - started).toBeLessThan(STATEMENT_TIMEOUT_MS / 3);
}

describe('PostgreSQL stopped and started again', () => {
  it('a fast shutdown (57P01) fails the scan it interrupts and every call while down; started again, the same node serves', async () => {
    const { cluster, storage } = await nodeOnOwnCluster();
    const w = await makeWorld(storage, 10);
    expect((await storage.cards.recordScan(scanOf(w), decideScan)).kind).toBe('recorded');

    // A scan in the middle of its transaction (waiting for the card's row, which another session holds)
    // when the server ends every session.
    const holder = new pg.Client({ connectionString: cluster.url });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM cards WHERE member_id = $1 AND store_id = $2 FOR UPDATE', [w.memberId, w.storeId]);
    const interrupted = storage.cards.recordScan(scanOf(w), decideScan).catch((err: unknown) => err);
    await untilSomeoneWaitsForALock(cluster.url);
    await cluster.stop('fast');
    expect(await interrupted).toBeInstanceOf(StorageUnavailableError);
    await holder.end().catch(() => undefined);

    // Down: refused at once (connection refused), whatever the call.
    await refusedPromptly(() => storage.cards.recordScan(scanOf(w), decideScan));
    await refusedPromptly(() => storage.streams.read(w.memberId, w.storeId, 0, 10));
    await refusedPromptly(() => storage.ping());

    await cluster.start();
    const after = await storage.cards.recordScan(scanOf(w), decideScan);
    // The interrupted scan left nothing: this is the second use and the stream's second entry.
    expect(after.kind === 'recorded' && after.entry).toMatchObject({ code: RESULT_CODES.OK.code, remaining: 8, seq: 2 });
    expect((await storage.audit()).problems).toEqual([]);
  }, 60_000);

  it('killed (immediate) under concurrent scans: each is all or nothing, those answered OK are in the ledger, and it serves after the restart', async () => {
    const { cluster, storage } = await nodeOnOwnCluster();
    const w = await makeWorld(storage, 100);
    // Every connection of the pool open, so the kill finds scans in every stage of their transactions.
    await Promise.all(Array.from({ length: 4 }, () => storage.ping()));
    let answered = 0;
    const calls = Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => storage.cards.recordScan(scanOf(w, { at: T0 + i }), decideScan).finally(() => answered++)),
    );
    for (let i = 0; i < 500 && answered < 4; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    await cluster.stop('immediate');
    const outcomes = await calls;
    expect(outcomes.some((o) => o.status === 'rejected')).toBe(true);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(StorageUnavailableError);
    await refusedPromptly(() => storage.cards.recordScan(scanOf(w), decideScan));

    await cluster.start();
    const answeredOk = outcomes.filter((o) => o.status === 'fulfilled' && o.value.kind === 'recorded' && o.value.entry.code === RESULT_CODES.OK.code);
    const report = await storage.audit();
    expect(report.problems).toEqual([]);
    // A scan whose COMMIT reached the server just before it died committed unanswered (a client retries
    // it with its Idempotency-Key); none is half-written, and none answered OK is missing.
    expect(report.counts.deductions).toBeGreaterThanOrEqual(answeredOk.length);
    expect(report.counts.entries).toBe(report.counts.deductions);
    const next = await storage.cards.recordScan(scanOf(w), decideScan);
    expect(next.kind === 'recorded' && next.entry).toMatchObject({ code: RESULT_CODES.OK.code, remaining: 99 - report.counts.deductions });
    expect(answeredOk.length).toBeGreaterThan(0);
  }, 60_000);
});
