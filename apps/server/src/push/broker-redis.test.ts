import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { decideScan } from '../core/scan-decision.js';
import { makeWorld, scanOf } from '../storage/contract/harness.js';
import { createSqliteStorage } from '../storage/sqlite/open.js';
import type { Storage } from '../storage/storage.js';
import type { Broker, ControlMessage, PushEvent } from './broker.js';
import { createRedisBroker } from './broker-redis.js';
import { silentLogger, testMetrics } from './testing.js';

// Real Redis: the machine's (127.0.0.1:6379, started by scripts/ensure-system-deps.sh) with a key prefix
// of this test's own, and for the outage a redis-server this test starts, kills and starts again on a
// port of its own. Fails, never skips, when Redis cannot be had.

const SHARED_REDIS = process.env.SCANPUSH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A SQLite storage on a temp file, for the entries the fallback reads. */
function storage(): Storage {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-broker-'));
  const s = createSqliteStorage(join(dir, 'db.sqlite'));
  cleanups.push(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

async function node(url: string, prefix: string, streams: Storage['streams'], name: string, extra: { onResubscribed?: () => void } = {}) {
  const metrics = testMetrics();
  const broker = await createRedisBroker({
    url,
    keyPrefix: prefix,
    nodeName: name,
    streams,
    logger: silentLogger,
    metrics,
    onListenerError: (err) => {
      throw err;
    },
    fallbackPollMs: 100,
    startTimeoutMs: 3000,
    ...extra,
  });
  cleanups.push(() => broker.close());
  const events: PushEvent[] = [];
  const control: ControlMessage[] = [];
  broker.subscribe((e) => events.push(e));
  broker.onControl((m) => control.push(m));
  const names = {
    scanpush_broker_events_received_total: metrics.brokerReceived,
    scanpush_broker_lag_seconds_count: metrics.brokerLag,
    scanpush_broker_connected: metrics.brokerConnected,
    scanpush_broker_publish_failures_total: metrics.brokerPublishFailures,
  };
  /** A metric's value summed over the series that carry `labels` (for the histogram: its count). */
  const value = async (name: keyof typeof names, labels: Record<string, string> = {}) => {
    const { values } = await names[name].get();
    return values
      .filter((v) => !('metricName' in v) || v.metricName === undefined || v.metricName === name)
      .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { broker, events, control, value };
}

const event = (seq: number): PushEvent => ({
  entry: { memberId: 7, storeId: 2, epoch: 'e', seq, code: 0, remaining: 3, ledgerId: seq, createdAt: Date.now() },
  committedAt: Date.now(),
});

describe('the Redis broker', () => {
  it('tells a result to every node once, its own listeners first; control messages cross too', async () => {
    const prefix = `test:${randomBytes(4).toString('hex')}:`;
    const s = storage();
    const a = await node(SHARED_REDIS, prefix, s.streams, 'a');
    const b = await node(SHARED_REDIS, prefix, s.streams, 'b');
    a.broker.publish(event(1));
    // Synchronous on the publishing node.
    expect(a.events.map((e) => e.entry.seq)).toEqual([1]);
    await until('b to receive seq 1', () => b.events.length === 1);
    b.broker.tell({ kind: 'close-member', memberId: 7, sessionId: 3 });
    expect(b.control).toEqual([{ kind: 'close-member', memberId: 7, sessionId: 3 }]);
    await until('a to receive the control message', () => a.control.length === 1);
    expect(a.control).toEqual([{ kind: 'close-member', memberId: 7, sessionId: 3 }]);
    // Nothing doubled by echoes, nothing leaked to another prefix.
    const other = await node(SHARED_REDIS, `${prefix}other:`, s.streams, 'c');
    a.broker.publish(event(2));
    await until('b to receive seq 2', () => b.events.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.events.map((e) => e.entry.seq)).toEqual([1, 2]);
    expect(b.events.map((e) => e.entry.seq)).toEqual([1, 2]);
    expect(other.events).toEqual([]);
    expect(await b.value('scanpush_broker_events_received_total', { source: 'redis' })).toBe(2);
    expect(await b.value('scanpush_broker_lag_seconds_count')).toBe(2);
    expect(await b.value('scanpush_broker_connected')).toBe(1);
  });

  it('while Redis is away, reads results from the database; when it is back, goes back to Redis and says so', async () => {
    const redis = await ownRedis();
    const prefix = 'outage:';
    const s = storage();
    const world = await makeWorld(s, 100);
    let resubscribed = 0;
    const a = await node(redis.url, prefix, s.streams, 'a');
    const b = await node(redis.url, prefix, s.streams, 'b', { onResubscribed: () => resubscribed++ });

    // Node A commits and publishes, as core/scan.ts does.
    const scan = async () => {
      const record = await s.cards.recordScan(scanOf(world, { at: Date.now() }), decideScan);
      if (record.kind !== 'recorded') throw new Error(record.kind);
      a.broker.publish({ entry: record.entry, committedAt: Date.now() });
      return record.entry.seq;
    };
    await scan();
    await until('b to receive seq 1 through Redis', () => b.events.length === 1);

    redis.kill();
    await until('b to notice', async () => (await b.value('scanpush_broker_connected')) === 0);
    const during = [await scan(), await scan(), await scan()];
    await until('b to read seqs 2-4 from the database', () => during.every((seq) => b.events.some((e) => e.entry.seq === seq)));
    expect(await b.value('scanpush_broker_events_received_total', { source: 'database' })).toBeGreaterThanOrEqual(3);
    expect(await a.value('scanpush_broker_publish_failures_total')).toBeGreaterThanOrEqual(3);

    await redis.start();
    await until('b to subscribe again', () => resubscribed === 1, 15_000);
    const fromDatabase = await b.value('scanpush_broker_events_received_total', { source: 'database' });
    // Publishing resumes once A's publisher reconnected; poll until a result arrives through Redis.
    const deadline = Date.now() + 10_000;
    let last = 0;
    while (!b.events.some((e) => e.entry.seq === last)) {
      if (Date.now() > deadline) throw new Error('no result through Redis after it came back');
      last = await scan();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Every seq reached B, none twice from the database, and the database is no longer read.
    const seqs = b.events.map((e) => e.entry.seq);
    for (let seq = 1; seq <= last; seq++) expect(seqs, `seq ${seq}`).toContain(seq);
    expect(await b.value('scanpush_broker_events_received_total', { source: 'database' })).toBe(fromDatabase);
    expect(await b.value('scanpush_broker_connected')).toBe(1);
  }, 40_000);
});

interface OwnRedis {
  url: string;
  kill(): void;
  start(): Promise<void>;
}

/** A redis-server of this test's own, on a free port, that it can kill and start again on the same port. */
async function ownRedis(): Promise<OwnRedis> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child.on('error', (err) => {
      throw new Error(`redis-server could not be started (install Debian's redis-server): ${err.message}`);
    });
    const deadline = Date.now() + 5000;
    for (;;) {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  await start();
  const kill = () => {
    child?.kill('SIGKILL');
  };
  cleanups.push(kill);
  return { url: `redis://127.0.0.1:${port}`, kill, start };
}
