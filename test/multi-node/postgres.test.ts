import { describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../../apps/server/src/storage/postgres/open.js';
import type { NodeProcess } from './node-process.js';
import { TEST_TIMEOUT_MS, useCluster } from './fixture.js';
import { Screen, addMember, call, mintQrs, scanBurst, scanOnce, scanStream, socketHolder, waitUntil, type ScanAnswer } from './traffic.js';

// Slow: three built server processes on a PostgreSQL of the test's own, which is killed (pg_ctl stop -m
// immediate) and started again while scans stream in, and from which one node is cut off by its link.
// Run apart: `npx vitest run test/multi-node`.
const cluster = useCluster({ nodes: 3 });
const USES = 1000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('PostgreSQL lost', () => {
  it('restarted mid-stream: scans in the gap are refused with 503 UNAVAILABLE, none half-written; the nodes serve again without a restart; the audit is clean and balances equal the ledger', async () => {
    const { nodes, adminToken, merchantKey, front, postgres, databaseUrl } = cluster();
    const members = [await addMember(nodes[0]!, adminToken, USES), await addMember(nodes[1]!, adminToken, USES)];
    const screen = new Screen(front.url, members[0]!).start();
    await screen.live();
    await socketHolder(nodes);
    // Minted before the fault (minting reads the member's session from the database too), per member: 100
    // for the steady stream, 80 for the burst at the crash, one per node for the probes after it.
    const qrs = await Promise.all(members.map((m, i) => mintQrs(nodes[i]!, m, 180 + nodes.length)));
    const interleaved = (from: number, to: number) => Array.from({ length: 2 * (to - from) }, (_, i) => qrs[i % 2]![from + Math.floor(i / 2)]!);

    // 50 scans a second through all three nodes. After 40 answers PostgreSQL is killed while a burst keeps
    // eight more scans in flight, so the crash lands on transactions half-way through; it is started
    // again 1.5 s later, while the steady scans keep coming.
    let crashedAt = 0;
    let crashed: Promise<void> | undefined;
    let restarted: Promise<void> | undefined;
    let burst: Promise<ScanAnswer[]> = Promise.resolve([]);
    const steady = await scanStream({
      targets: nodes,
      merchantKey,
      qrs: interleaved(0, 100),
      intervalMs: 20,
      keyPrefix: 'pg',
      onAnswer: (_, all) => {
        if (all.length === 40) {
          burst = scanBurst({ targets: nodes, merchantKey, qrs: interleaved(100, 180), lanes: 8, keyPrefix: 'burst' });
          crashed = postgres.crash().then(() => void (crashedAt = Date.now()));
        } else if (crashedAt && !restarted && Date.now() - crashedAt > 1_500) restarted = postgres.start();
      },
    });
    await crashed;
    await restarted;
    const answers = [...steady, ...(await burst)];

    // During the gap: refused cleanly, never a 500 or a hang (each scan has a 10 s deadline).
    const refused = answers.filter((x) => x.status !== 200);
    expect(refused.map((x) => [x.status, x.code])).toEqual(refused.map(() => [503, 'UNAVAILABLE']));
    expect(refused.length).toBeGreaterThan(0);
    expect(steady.slice(0, 40).every((x) => x.status === 200)).toBe(true);

    // No node restarted: the same processes serve again once the database is back (a refused probe
    // consumes nothing, so it is retried with the same QR and key).
    const probes = await Promise.all(
      nodes.map((node, i) =>
        waitUntil(
          `node ${node.name} scanning again`,
          async () => {
            const answer = await scanOnce(node, merchantKey, qrs[i % 2]![180 + i]!, `pg-probe-${i}`, 1000 + i);
            return answer.status === 200 ? answer : undefined;
          },
          20_000,
          200,
        ),
      ),
    );
    for (const node of nodes) expect(node.child.exitCode).toBeNull();

    // Each refused scan, retried with its key, is answered 200 once: from its record if its commit had
    // gone through before the crash cut the answer off, else by deducting now. Never twice.
    const retried: ScanAnswer[] = [];
    for (const x of refused) retried.push(await scanOnce(nodes[x.index % 3]!, merchantKey, x.qr, x.idempotencyKey, x.index));
    expect(retried.filter((x) => x.status !== 200)).toEqual([]);

    // Per member, every scan (the stream, the retries, the probes) holds one seq, 1..n without gaps or
    // repeats, and the balance through the API is the uses minus n.
    const done = [...answers.filter((x) => x.status === 200), ...retried, ...probes];
    const seqsOf = (memberId: number) => done.filter((x) => x.result!.memberId === memberId).map((x) => x.result!.seq).sort((x, y) => x - y);
    for (const member of members) {
      const seqs = seqsOf(member.id);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const cards = await call(`${nodes[2]!.url}/api/cards`, { token: member.token });
      expect(cards.status).toBe(200);
      expect(cards.body.cards.find((c: { storeId: number }) => c.storeId === 2)).toMatchObject({ remaining: USES - seqs.length });
    }

    // Member 0's screen shows each of its results once, in order.
    const seqs0 = seqsOf(members[0]!.id);
    await screen.showed(seqs0, 15_000);
    expect(screen.shown.map((r) => r.seq)).toEqual(seqs0);
    screen.stop();

    // The engine's own audit over the database: ledger and balances agree, one stream entry per
    // deduction, every stream contiguous.
    const storage = await createPostgresStorage({ url: databaseUrl, poolSize: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 });
    try {
      const report = await storage.audit();
      expect(report.problems).toEqual([]);
      expect(report.counts.deductions).toBe(done.length);
    } finally {
      await storage.close();
    }
  }, TEST_TIMEOUT_MS);

  it('a node cut from PostgreSQL by its link going down: its scans answer 503 UNAVAILABLE, the other nodes serve on; the link back, it serves again', async () => {
    const { nodes, network, adminToken, merchantKey, front } = cluster();
    const member = await addMember(nodes[0]!, adminToken);
    const screen = new Screen(front.url, member).start();
    await screen.live();
    const holder = await socketHolder(nodes);
    const [a, b] = nodes.filter((n) => n !== holder) as [NodeProcess, NodeProcess];
    const qrs = await mintQrs(b, member, 12);
    const link = network.nodes[nodes.indexOf(a)]!.db;

    expect((await scanOnce(a, merchantKey, qrs[0]!, 'cut-0')).status).toBe(200);
    link.cut();
    let refused: ScanAnswer[];
    try {
      // A's pool holds connections that no longer answer, and new ones cannot be made: bounded by the
      // statement and connect timeouts, A refuses. B, linked, goes on, and its results reach the screen.
      const [throughA, throughB] = await Promise.all([
        Promise.all([1, 2, 3].map((i) => scanOnce(a, merchantKey, qrs[i]!, `cut-${i}`, i))),
        scanStream({ targets: [b], merchantKey, qrs: qrs.slice(4, 8), intervalMs: 50, keyPrefix: 'cut-b' }),
      ]);
      expect(throughA.map((x) => [x.status, x.code])).toEqual(throughA.map(() => [503, 'UNAVAILABLE']));
      expect(throughB.map((x) => x.status)).toEqual([200, 200, 200, 200]);
      refused = throughA;
    } finally {
      link.restore();
    }
    await waitUntil('node A scanning again', async () => (await scanOnce(a, merchantKey, qrs[8]!, 'cut-8')).status === 200, 20_000, 200);
    for (const x of refused) expect((await scanOnce(a, merchantKey, x.qr, x.idempotencyKey)).status).toBe(200);
    await screen.showed(range(9), 10_000);
    expect(screen.shown.map((r) => r.seq)).toEqual(range(9));
    expect(a.child.exitCode).toBeNull();
    screen.stop();
  }, TEST_TIMEOUT_MS);
});
