import { describe, expect, it } from 'vitest';
import { TEST_TIMEOUT_MS, useCluster } from './fixture.js';
import { Screen, addMember, mintQrs, okSeqs, scanStream, socketHolder, waitUntil } from './traffic.js';

// Slow: three built server processes on a PostgreSQL and a Redis of the test's own, behind the real
// nginx; Redis is killed, and a node's link to it cut. Run apart: `npx vitest run test/multi-node`.
const cluster = useCluster({ nodes: 3 });
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('Redis lost', () => {
  it('killed and restarted mid-stream: every result reaches the screen once, none lost', async () => {
    const { nodes, adminToken, merchantKey, front, redis } = cluster();
    const member = await addMember(nodes[0]!, adminToken);
    const screen = new Screen(front.url, member).start();
    await screen.live();
    const a = await socketHolder(nodes);
    const others = nodes.filter((n) => n !== a);
    const qrs = await mintQrs(others[0]!, member, 120);

    // 40 scans a second through B and C; Redis dies after 30 answers and is back 30 answers later.
    let fault: Promise<void> = Promise.resolve();
    const answers = await scanStream({
      targets: others,
      merchantKey,
      qrs,
      intervalMs: 25,
      keyPrefix: 'c',
      onAnswer: (_, all) => {
        if (all.length === 30) fault = redis.kill();
        if (all.length === 60) fault = fault.then(() => redis.start());
      },
    });
    await fault;
    // The broker is a hint: a scan commits, and is answered, whether Redis is there or not.
    expect(answers.filter((x) => x.status !== 200)).toEqual([]);
    expect(okSeqs(answers)).toEqual(range(120));

    await screen.showed(range(120), 15_000);
    expect(screen.shown).toEqual(answers.map((x) => x.result));
    // The socket stayed open throughout, and even on the wire nothing came twice.
    expect(screen.connections.map((c) => c.results)).toEqual([range(120)]);
    // The fault did hit: while Redis was away, A read results from the database.
    expect(await a.metric('scanpush_broker_events_received_total', { source: 'database' })).toBeGreaterThan(0);
    await waitUntil('node A subscribed to Redis again', async () => (await a.metric('scanpush_broker_connected')) === 1, 10_000);
    screen.stop();
  }, TEST_TIMEOUT_MS);

  it('node A cut from Redis by its link going down (nothing killed): its member gets the results scanned on B from the database; the link back, Redis carries them again, and what A committed meanwhile reaches B', async () => {
    const { nodes, network, adminToken, merchantKey, front } = cluster();
    const member = await addMember(nodes[0]!, adminToken);
    const screen = new Screen(front.url, member).start();
    await screen.live();
    const a = await socketHolder(nodes);
    const b = nodes.find((n) => n !== a)!;
    // A second member, whose phone is on B (directly), is scanned through A while A is cut off.
    const other = await addMember(nodes[0]!, adminToken);
    const otherScreen = new Screen(b.url, other).start();
    await otherScreen.live();
    const qrs = await mintQrs(b, member, 60);
    const otherQrs = await mintQrs(b, other, 5);
    const link = network.nodes[nodes.indexOf(a)]!.redis;
    const received = (source: 'redis' | 'database') => a.metric('scanpush_broker_events_received_total', { source });
    const connected = () => a.metric('scanpush_broker_connected');
    const scan = (from: number, to: number, intervalMs: number) =>
      scanStream({ targets: [b], merchantKey, qrs: qrs.slice(from, to), intervalMs, keyPrefix: `e${from}` });

    // Linked: B's results reach A through Redis.
    expect(okSeqs(await scan(0, 10, 25))).toEqual(range(10));
    await screen.showed(range(10), 5_000);
    expect(await connected()).toBe(1);
    const throughRedis = await received('redis');
    expect(throughRedis).toBeGreaterThanOrEqual(10);

    // A's link to Redis goes down: no reset, no close, its connections just fall silent. Scans go on
    // through B (which still has Redis); A notices the silence and reads them from PostgreSQL. A still
    // commits scans; what it cannot publish waits for the link.
    link.cut();
    try {
      const [fromB, fromA] = await Promise.all([
        scan(10, 40, 50),
        scanStream({ targets: [a], merchantKey, qrs: otherQrs, intervalMs: 100, keyPrefix: 'e-a' }),
      ]);
      expect(okSeqs(fromB)).toEqual(range(40).slice(10));
      expect(okSeqs(fromA)).toEqual(range(5));
      await screen.showed(range(40), 15_000);
      expect(await connected()).toBe(0);
      expect(await received('database')).toBeGreaterThan(0);
      expect(await received('redis')).toBe(throughRedis);
    } finally {
      link.restore();
    }

    // The link back: A subscribes again, and B's next results come to it through Redis; A asks the
    // others to read what it could not publish, so the other member's phone on B gets those.
    await waitUntil('node A subscribed to Redis again', async () => (await connected()) === 1, 15_000);
    const before = await received('redis');
    expect(okSeqs(await scan(40, 60, 25))).toEqual(range(60).slice(40));
    await screen.showed(range(60), 5_000);
    expect(await received('redis')).toBeGreaterThanOrEqual(before + 20);
    await otherScreen.showed(range(5), 10_000);
    // Every result once on screen, in order, across both switches; one socket, nothing twice on the wire.
    expect(screen.shown.map((r) => r.seq)).toEqual(range(60));
    expect(screen.connections.map((c) => c.results)).toEqual([range(60)]);
    expect(otherScreen.shown.map((r) => r.seq)).toEqual(range(5));
    expect(otherScreen.connections.map((c) => c.results)).toEqual([range(5)]);
    screen.stop();
    otherScreen.stop();
  }, TEST_TIMEOUT_MS);
});
