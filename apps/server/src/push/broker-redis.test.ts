import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decideScan } from '../core/scan-decision.js';
import { makeWorld, scanOf, type World } from '../storage/contract/harness.js';
import { createSqliteStorage } from '../storage/sqlite/open.js';
import type { Storage } from '../storage/storage.js';
import type { Broker, ControlMessage, PushEvent } from './broker.js';
import { createRedisBroker, type RedisBrokerOptions } from './broker-redis.js';
import { structuredDialect } from './dialect-structured.js';
import { Hub } from './hub.js';
import { SHARED_REDIS_URL, assertRedisAnswers, ownRedis, relay, type OwnRedis } from './redis-testing.js';
import { FakeSocket, delivery, silentLogger, testMetrics } from './testing.js';

// Real Redis: the machine's (127.0.0.1:6379) with a key prefix of each test's own, and for the outages a
// redis-server each test starts, kills, freezes and starts again on a port of its own. Two brokers in one
// process are two nodes; one SQLite file is the database they share. Fails, never skips, without Redis.

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(() => assertRedisAnswers(SHARED_REDIS_URL));

const prefix = () => `test:${randomBytes(4).toString('hex')}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function started(redis: OwnRedis): Promise<OwnRedis> {
  cleanups.push(() => redis.kill());
  await redis.start();
  return redis;
}

/** The database the nodes share: SQLite on a temp file, with a member and a card of 1,000 uses. */
async function database(): Promise<{ storage: Storage; world: World }> {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-broker-'));
  const storage = createSqliteStorage(join(dir, 'db.sqlite'));
  cleanups.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { storage, world: await makeWorld(storage, 1000) };
}

type NodeOptions = Partial<Omit<RedisBrokerOptions, 'url' | 'keyPrefix' | 'nodeName' | 'streams'>>;

async function node(url: string, keyPrefix: string, storage: Storage, name: string, extra: NodeOptions = {}) {
  const metrics = testMetrics();
  let controlMissed = 0;
  let reads = 0;
  const broker = await createRedisBroker({
    url,
    keyPrefix,
    nodeName: name,
    streams: { recent: (since, limit) => (reads++, storage.streams.recent(since, limit)) },
    logger: silentLogger,
    metrics,
    onListenerError: (err) => {
      throw err;
    },
    onControlMissed: () => controlMissed++,
    fallbackPollMs: 100,
    startTimeoutMs: 3000,
    deadAfterMs: 900,
    ...extra,
  });
  cleanups.push(() => broker.close());
  const events: PushEvent[] = [];
  const control: ControlMessage[] = [];
  broker.subscribe((e) => events.push(e));
  broker.onControl((m) => control.push(m));
  /** A metric's value summed over the series that carry `labels` (for the histogram: its count). */
  const value = async (metric: 'received' | 'lag' | 'connected' | 'failures', labels: Record<string, string> = {}) => {
    const m = { received: metrics.brokerReceived, lag: metrics.brokerLag, connected: metrics.brokerConnected, failures: metrics.brokerPublishFailures }[metric];
    const { values } = await m.get();
    return values
      .filter((v) => metric !== 'lag' || (v as { metricName?: string }).metricName === 'scanpush_broker_lag_seconds_count')
      .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { broker, events, control, value, controlMissed: () => controlMissed, databaseReads: () => reads };
}

/** Records a scan on the shared database and publishes it from `broker`, as core/scan.ts does. */
async function scan(storage: Storage, world: World, broker: Broker): Promise<number> {
  const record = await storage.cards.recordScan(scanOf(world, { at: Date.now() }), decideScan);
  if (record.kind !== 'recorded') throw new Error(record.kind);
  broker.publish({ entry: record.entry, committedAt: Date.now() });
  return record.entry.seq;
}

/** A member socket on a node's hub, structured dialect, from the start of the stream: the seqs it was sent. */
function screen(storage: Storage, broker: Broker, world: World) {
  const hub = new Hub({ streams: storage.streams, broker, logger: silentLogger, metrics: testMetrics(), now: Date.now, heartbeatMs: 60_000, delivery });
  cleanups.push(() => hub.shutdown());
  const socket = new FakeSocket();
  const grant = { memberId: world.memberId, storeId: world.storeId, sessionId: 1, tokenHash: 'h', resume: { after: 0 } };
  const conn = hub.connect(grant, socket, structuredDialect);
  socket.onClosed = (code) => conn.socketClosed(code);
  return () => socket.sent.map((f) => JSON.parse(f) as { type: string; seq?: number }).filter((m) => m.type === 'result').map((m) => m.seq!);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const event = (seq: number): PushEvent => ({
  entry: { memberId: 7, storeId: 2, epoch: 'e', seq, code: 0, remaining: 3, ledgerId: seq, createdAt: Date.now() },
  committedAt: Date.now(),
});

describe('the Redis broker', () => {
  it('tells a result to every node once, its own listeners first; control messages cross too', async () => {
    const p = prefix();
    const { storage } = await database();
    const a = await node(SHARED_REDIS_URL, p, storage, 'a');
    const b = await node(SHARED_REDIS_URL, p, storage, 'b');
    const other = await node(SHARED_REDIS_URL, `${p}other:`, storage, 'c');
    a.broker.publish(event(1));
    // Synchronous on the publishing node.
    expect(a.events.map((e) => e.entry.seq)).toEqual([1]);
    await until('b to receive seq 1', () => b.events.length === 1);
    b.broker.tell({ kind: 'close-member', memberId: 7, sessionId: 3 });
    expect(b.control).toEqual([{ kind: 'close-member', memberId: 7, sessionId: 3 }]);
    await until('a to receive the control message', () => a.control.length === 1);
    a.broker.publish(event(2));
    await until('b to receive seq 2', () => b.events.length === 2);
    // A round trip more, for echoes or doubles to show up if there were any.
    b.broker.publish(event(3));
    await until('a to receive seq 3', () => a.events.length === 3);
    expect(a.events.map((e) => e.entry.seq)).toEqual([1, 2, 3]);
    expect(b.events.map((e) => e.entry.seq)).toEqual([1, 2, 3]);
    expect(a.control).toEqual([{ kind: 'close-member', memberId: 7, sessionId: 3 }]);
    expect(b.control).toHaveLength(1);
    expect(other.events).toEqual([]);
    expect(await b.value('received', { source: 'redis' })).toBe(1 + 1);
    expect(await b.value('lag')).toBe(2);
    expect(await b.value('connected')).toBe(1);
    expect(await b.value('failures')).toBe(0);
  });

  it('drops messages on its channels that are not its envelopes', async () => {
    const p = prefix();
    const { storage } = await database();
    const b = await node(SHARED_REDIS_URL, p, storage, 'b');
    const raw = new Redis(SHARED_REDIS_URL);
    cleanups.push(() => raw.quit());
    await raw.publish(`${p}events`, 'not json');
    await raw.publish(`${p}events`, JSON.stringify({ n: 'x', e: { entry: { memberId: 'seven' }, committedAt: 1 } }));
    await raw.publish(`${p}control`, JSON.stringify({ n: 'x', c: { kind: 'shutdown-everything' } }));
    await raw.publish(`${p}events`, JSON.stringify({ n: 'x', e: event(4) }));
    await until('the valid event', () => b.events.length === 1);
    expect(b.events.map((e) => e.entry.seq)).toEqual([4]);
    expect(b.control).toEqual([]);
  });

  it('Redis killed mid-stream and restarted: a socket on another node shows every result once, in order', async () => {
    const redis = await started(await ownRedis());
    const { storage, world } = await database();
    const a = await node(redis.url, 'outage:', storage, 'a');
    const b = await node(redis.url, 'outage:', storage, 'b');
    const shown = screen(storage, b.broker, world);

    // Scans keep entering node A, 40 a second; Redis dies after the 10th and is back after the 30th.
    let last = 0;
    for (let i = 1; i <= 40; i++) {
      last = await scan(storage, world, a.broker);
      if (i === 10) {
        await until('b to show 1-10 through Redis', () => shown().length === 10);
        await redis.kill();
      }
      if (i === 20) await until('b to be on the database', async () => (await b.value('connected')) === 0);
      if (i === 30) await redis.start();
      await sleep(25);
    }
    await until('b to subscribe again', async () => (await b.value('connected')) === 1, 10_000);
    await until('b to show all 40', () => shown().length >= 40, 10_000);
    expect(await b.value('received', { source: 'database' })).toBeGreaterThan(0);

    // Back on Redis: once A publishes again (its publisher may redial after B's subscriber), results
    // arrive through it, and the database is no longer read.
    const fromRedis = await b.value('received', { source: 'redis' });
    const deadline = Date.now() + 10_000;
    while ((await b.value('received', { source: 'redis' })) === fromRedis) {
      if (Date.now() > deadline) throw new Error('no result through Redis after it came back');
      last = await scan(storage, world, a.broker);
      await sleep(100);
    }
    await until('b to show them', () => shown().length >= last);
    await sleep(300); // for A's catch-up request, if it had dropped publishes after B subscribed
    const reads = b.databaseReads();
    for (let i = 0; i < 5; i++) last = await scan(storage, world, a.broker);
    await until('b to show 5 more', () => shown().length >= last);
    await sleep(500); // five poll intervals: a fallback still polling would read here
    expect(b.databaseReads()).toBe(reads);
    expect(shown()).toEqual(range(1, last));
    expect(await a.value('failures')).toBeGreaterThan(0);
  }, 30_000);

  it('a frozen Redis (open connections, no answers) is cut off and the node reads the database until it answers again', async () => {
    const redis = await started(await ownRedis());
    const { storage, world } = await database();
    const a = await node(redis.url, 'frozen:', storage, 'a');
    const b = await node(redis.url, 'frozen:', storage, 'b');
    const shown = screen(storage, b.broker, world);
    await scan(storage, world, a.broker);
    await until('b to show seq 1', () => shown().length === 1);

    redis.freeze();
    await until('b to give up on the silent connection', async () => (await b.value('connected')) === 0, 8000);
    for (let i = 0; i < 3; i++) await scan(storage, world, a.broker);
    await until('b to show 2-4 from the database', () => shown().length === 4);
    redis.thaw();
    await until('b to subscribe again', async () => (await b.value('connected')) === 1, 10_000);
    expect(b.controlMissed()).toBe(1);
    const last = await scan(storage, world, a.broker);
    await until('b to show the next one', () => shown().length === last, 10_000);
    expect(shown()).toEqual(range(1, last));
  }, 30_000);

  it('Redis unreachable at start: the node starts anyway on the database and subscribes when Redis comes', async () => {
    const redis = await ownRedis();
    cleanups.push(() => redis.kill());
    const { storage, world } = await database();
    const b = await node(redis.url, 'late:', storage, 'b', { startTimeoutMs: 300 });
    expect(await b.value('connected')).toBe(0);
    const publishOnly = { publish: () => undefined } as unknown as Broker;
    await scan(storage, world, publishOnly);
    await until('b to read seq 1 from the database', () => b.events.length === 1);
    await redis.start();
    await until('b to subscribe', async () => (await b.value('connected')) === 1, 10_000);
    // Revocations told before it subscribed reached nobody here.
    await until('b to re-check sessions', () => b.controlMissed() === 1);
  }, 20_000);

  it('a node cut off from Redis alone asks the others, once back, to read what it could not publish', async () => {
    const redis = await started(await ownRedis());
    const link = await relay(redis.port);
    cleanups.push(() => link.close());
    const { storage, world } = await database();
    const a = await node(link.url, 'cut:', storage, 'a');
    const b = await node(redis.url, 'cut:', storage, 'b');
    const shown = screen(storage, b.broker, world);
    await scan(storage, world, a.broker);
    await until('b to show seq 1', () => shown().length === 1);

    await link.cut();
    await until('a to notice', async () => (await a.value('connected')) === 0);
    // B is subscribed all along and hears nothing of these.
    for (let i = 0; i < 3; i++) await scan(storage, world, a.broker);
    a.broker.tell({ kind: 'close-member', memberId: world.memberId });
    await until('a to count 4 failed publishes', async () => (await a.value('failures')) === 4);
    await sleep(300);
    expect(shown()).toEqual([1]);

    await link.mend();
    await until('b to show 2-4, read from the database at a’s request', () => shown().length === 4, 10_000);
    expect(shown()).toEqual([1, 2, 3, 4]);
    // A revocation was among what was lost: B re-checks its sockets' sessions.
    await until('b to re-check sessions', () => b.controlMissed() === 1);
  }, 30_000);
});
