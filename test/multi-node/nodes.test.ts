import { describe, expect, it } from 'vitest';
import { TEST_TIMEOUT_MS, useCluster } from './fixture.js';
import { Screen, addMember, mintQrs, okSeqs, scanStream, socketHolder } from './traffic.js';

// Slow: three built server processes, each in a network namespace of its own, on a PostgreSQL and a
// Redis of the test's own, behind the real nginx (see cluster.ts). Run apart: `npx vitest run test/multi-node`.
const cluster = useCluster({ nodes: 3 });
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('three nodes behind nginx', () => {
  it('pushes the results scanned through B and C to the member socket on A, each exactly once', async () => {
    const { nodes, adminToken, merchantKey, front } = cluster();
    const member = await addMember(nodes[0]!, adminToken);
    const screen = new Screen(front.url, member).start();
    await screen.live();
    // "A" is the node nginx gave the socket to; the scans enter through the two others.
    const a = await socketHolder(nodes);
    const others = nodes.filter((n) => n !== a);
    const qrs = await mintQrs(others[0]!, member, 20);

    const answers = await scanStream({ targets: others, merchantKey, qrs, intervalMs: 20, keyPrefix: 'a' });
    expect(answers.map((x) => [x.node, x.status])).toEqual(answers.map((x) => [x.node, 200]));
    expect(okSeqs(answers)).toEqual(range(20));

    await screen.showed(range(20), 10_000);
    expect(screen.shown).toEqual(answers.map((x) => x.result));
    // One socket, and over it every result once: no repeat on the wire either.
    expect(screen.connections.map((c) => c.results)).toEqual([range(20)]);
    expect(await a.metric('scanpush_pushes_sent_total')).toBe(20);
    screen.stop();
  }, TEST_TIMEOUT_MS);

  it('SIGKILL of the node holding the socket: the client resumes through nginx on another node, each result answered 200 shown once, in order', async () => {
    const { nodes, adminToken, merchantKey, front } = cluster();
    const member = await addMember(nodes[0]!, adminToken);
    const screen = new Screen(front.url, member).start();
    await screen.live();
    const a = await socketHolder(nodes.filter((n) => n.child.exitCode === null));
    const others = nodes.filter((n) => n !== a);
    const qrs = await mintQrs(others[0]!, member, 120);

    // 40 scans a second through B and C; A dies a third of the way.
    let killed: Promise<void> | undefined;
    const answers = await scanStream({
      targets: others,
      merchantKey,
      qrs,
      intervalMs: 25,
      keyPrefix: 'b',
      onAnswer: (_, all) => {
        if (all.length === 40) killed = a.kill('SIGKILL');
      },
    });
    await killed;
    expect(await a.exited).toBe('SIGKILL');
    expect(answers.filter((x) => x.status !== 200)).toEqual([]);
    const seqs = okSeqs(answers);
    expect(seqs).toEqual(range(120));

    await screen.showed(seqs, 15_000);
    expect(screen.shown.map((r) => r.seq)).toEqual(seqs);
    expect(screen.shown).toEqual(answers.map((x) => x.result));
    // It did lose its socket with A and found another node through nginx; the resume asked for what came
    // after the last result shown, so nothing came twice on the wire either.
    expect(screen.connections.length).toBeGreaterThanOrEqual(2);
    expect(screen.connections.flatMap((c) => c.results)).toEqual(range(120));
    expect(others).toContain(await socketHolder(others));
    screen.stop();
  }, TEST_TIMEOUT_MS);
});
