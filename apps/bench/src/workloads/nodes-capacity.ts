import { sleep } from '../clock.js';
import { cpuUsed, type ClusterContext } from '../cluster.js';
import { openFileLimit, processRssKiB } from '../machine.js';
import { clusterAddresses, localAddresses } from '../options.js';
import { bar } from '../progress.js';
import type { ClientMember } from '../protocol.js';
import type { ServerProcess } from '../server-process.js';
import { round } from '../stats.js';
import { slope } from './capacity.js';

export interface NodeWeight {
  node: string;
  sockets: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** (RSS after the hold − RSS before) / this node's sockets. */
  kibPerSocket: number;
  heapKibPerSocket: number;
  holdCpuPct: number;
  holdLagMaxMs: number;
  heartbeatTerminations: number;
}

export interface NodesCapacityFigures {
  sockets: number;
  nodes: number;
  workers: number;
  addresses: number;
  /** Why this many processes: the open-file limit each one lives under, and the most sockets any held. */
  fileLimitPerProcess: number;
  mostSocketsPerNode: number;
  mostSocketsPerWorker: number;
  opened: number;
  failed: number;
  errors: string[];
  connectSeconds: number;
  connectsPerSecond: number;
  holdSeconds: number;
  heartbeatMs: number;
  /** Sockets open at the end of the hold, by the clients' count and by the nodes' (/healthz, summed). */
  stillOpen: number;
  serverSockets: number;
  unexpectedCloses: Record<string, number>;
  heartbeatTerminations: number;
  /** Every socket asked for opened, and every one was still open at the end, on both sides. */
  allHeld: boolean;
  /** Σ (RSS after − RSS before) over the nodes / sockets held. */
  kibPerSocket: number;
  /** Slope of the nodes' summed RSS against sockets over the ramp's steps. */
  marginalKibPerSocket: number | null;
  nodesRssAfterMiB: number;
  /** The nodes' CPU holding idle sockets with heartbeats, summed, % of one core. */
  holdCpuPct: number;
  /** The longest event-loop stall of any node during the hold (heartbeat rounds), ms. */
  holdLagMaxMs: number;
  perNode: NodeWeight[];
  redis: {
    /** INFO used_memory before the sockets opened and after the hold. */
    usedMemoryBeforeMiB: number;
    usedMemoryAfterMiB: number;
    /** (used_memory after − before) / sockets held, KiB; may be slightly negative (allocator noise). */
    kibPerSocket: number;
    rssAfterMiB: number;
    connectedClients: number;
    holdCpuPct: number;
  };
  /** PostgreSQL's CPU while the sockets opened (each upgrade reads its session), % of one core. */
  postgresConnectCpuPct: number;
  /** CPU one connect cost while they opened, µs: the nodes (summed) and PostgreSQL; a reconnect storm's price. */
  nodesUsPerConnect: number;
  postgresUsPerConnect: number;
  /** What the load generator needed for its end of the sockets, all workers summed. */
  clientRssMiB: number;
  steps: Array<{ sockets: number; nodesRssMiB: number; redisUsedMiB: number }>;
}

const WARMUP_PER_NODE = 100;

/**
 * Holds `nodesSockets` authenticated member sockets across all nodes of the cluster (member i on node
 * i mod N) with heartbeats on and weighs every node and Redis, as capacity does for one process: RSS
 * before (after a warm-up of each node) and after the hold, at each quarter of the ramp, Redis INFO
 * memory at the same points. The plan was checked beforehand (checkPlan).
 */
export async function nodesCapacity(ctx: ClusterContext): Promise<NodesCapacityFigures> {
  const { opts, nodes, fleet, fixture, progress, label } = ctx;
  const addrs = localAddresses(opts, clusterAddresses(opts, fixture.members.length));
  const fileLimit = openFileLimit();
  const mostPerWorker = Math.ceil(fixture.members.length / fleet.size);

  const members: ClientMember[] = fixture.members.map((m, i) => ({ ...m, wsUrl: (nodes[i % nodes.length] as ServerProcess).wsUrl }));
  const planned = nodes.map((_, k) => members.filter((_, i) => i % nodes.length === k).length);
  const openOpts = { localAddresses: addrs, concurrency: 64, dialect: opts.dialect };

  // Warm every node's code paths, so the baseline is a node that has served sockets before.
  const warm = members.filter((_, i) => i < WARMUP_PER_NODE * nodes.length);
  const w = await ctx.guard(fleet.open(nodes[0]!.wsUrl, warm, openOpts));
  if (w.failed) throw new Error(`warm-up sockets failed: ${w.errors.join('; ')}`);
  await ctx.guard(fleet.closeSockets());
  await waitForTotal(ctx, 0);
  await sleep(1000);

  const rss = () => nodes.map((n) => processRssKiB(n.pid));
  const steps: NodesCapacityFigures['steps'] = [];
  const sample = async (sockets: number) => {
    const info = await ctx.redis.info();
    steps.push({ sockets, nodesRssMiB: round(sum(rss()) / 1024, 1), redisUsedMiB: round(info.usedMemory / 2 ** 20, 2) });
  };
  await sample(0);
  const rssBefore = rss();
  const heapBefore = await Promise.all(nodes.map(async (n) => (await ctx.metrics(n)).heapUsedBytes));
  const redisBefore = await ctx.redis.info();

  const tranches = members.length >= 400 ? 4 : 1;
  let opened = 0;
  let failed = 0;
  const errors = new Set<string>();
  const cpuConnect0 = await ctx.cpu();
  const t0 = Date.now();
  for (let k = 0; k < tranches; k++) {
    const slice = members.slice(Math.floor((k * members.length) / tranches), Math.floor(((k + 1) * members.length) / tranches));
    const stop = progress.every(500, () => `${label}: opening sockets on ${nodes.length} nodes ${bar(opened + fleet.opening, members.length)} ${opened + fleet.opening}/${members.length}`);
    const r = await ctx.guard(fleet.open(nodes[0]!.wsUrl, slice, openOpts)).finally(stop);
    opened += r.opened;
    failed += r.failed;
    r.errors.forEach((e) => errors.add(e));
    await waitForTotal(ctx, opened);
    if (k < tranches - 1) {
      await sleep(500);
      await sample(opened);
    }
  }
  const connectSeconds = (Date.now() - t0) / 1000;
  const connectCpu = cpuUsed(cpuConnect0, await ctx.cpu());

  // A scrape resets each node's event-loop delay figures: what is read after the hold is the hold's own.
  await Promise.all(nodes.map((n) => ctx.metrics(n)));
  const cpu0 = await ctx.cpu();
  const holdStart = Date.now();
  const stop = progress.every(1000, () => {
    const s = (Date.now() - holdStart) / 1000;
    return `${label}: holding ${opened} sockets on ${nodes.length} nodes ${bar(s, opts.holdSeconds)} ${s.toFixed(0)}/${opts.holdSeconds} s, nodes' RSS ${(sum(rss()) / 1024).toFixed(0)} MiB`;
  });
  await ctx.guard(sleep(opts.holdSeconds * 1000)).finally(stop);
  const holdWall = (Date.now() - holdStart) / 1000;
  const hold = cpuUsed(cpu0, await ctx.cpu());
  const after = await Promise.all(nodes.map((n) => ctx.metrics(n)));
  await sample(opened);
  const rssAfter = rss();
  const redisAfter = await ctx.redis.info();
  const status = await ctx.guard(fleet.status());
  const perNodeOpen = await Promise.all(nodes.map(async (n) => (JSON.parse(await ctx.guard(n.get('/healthz'))) as { sockets: number }).sockets));
  const serverSockets = sum(perNodeOpen);
  const heartbeatTerminations = sum(after.map((m) => m.heartbeatTerminations));
  const pct = (seconds: number, wall: number) => round((seconds / wall) * 100, 1);

  const perNode: NodeWeight[] = nodes.map((_, k) => {
    const held = perNodeOpen[k] ?? 0;
    return {
      node: `bench-${k + 1}`,
      sockets: held,
      rssBeforeMiB: round(rssBefore[k]! / 1024, 1),
      rssAfterMiB: round(rssAfter[k]! / 1024, 1),
      kibPerSocket: held > 0 ? round((rssAfter[k]! - rssBefore[k]!) / held, 2) : 0,
      heapKibPerSocket: held > 0 ? round((after[k]!.heapUsedBytes - heapBefore[k]!) / 1024 / held, 2) : 0,
      holdCpuPct: pct(hold.nodes[k] ?? 0, holdWall),
      holdLagMaxMs: round(after[k]!.eventLoopLagMaxMs, 1),
      heartbeatTerminations: after[k]!.heartbeatTerminations,
    };
  });
  const rssDelta = sum(rssAfter) - sum(rssBefore);
  return {
    sockets: members.length,
    nodes: nodes.length,
    workers: fleet.size,
    addresses: addrs.length,
    fileLimitPerProcess: fileLimit,
    mostSocketsPerNode: Math.max(...planned),
    mostSocketsPerWorker: mostPerWorker,
    opened,
    failed,
    errors: [...errors].slice(0, 5),
    connectSeconds: round(connectSeconds, 2),
    connectsPerSecond: Math.round(opened / connectSeconds),
    holdSeconds: opts.holdSeconds,
    heartbeatMs: opts.heartbeatMs,
    stillOpen: status.open,
    serverSockets,
    unexpectedCloses: status.unexpectedCloses,
    heartbeatTerminations,
    allHeld: opened === members.length && status.open === opened && serverSockets === opened && heartbeatTerminations === 0 && Object.keys(status.unexpectedCloses).length === 0,
    kibPerSocket: opened > 0 ? round(rssDelta / opened, 2) : 0,
    marginalKibPerSocket: slope(steps.map((s) => [s.sockets, s.nodesRssMiB * 1024])),
    nodesRssAfterMiB: round(sum(rssAfter) / 1024, 1),
    holdCpuPct: pct(sum(hold.nodes), holdWall),
    holdLagMaxMs: Math.max(...perNode.map((n) => n.holdLagMaxMs)),
    perNode,
    redis: {
      usedMemoryBeforeMiB: round(redisBefore.usedMemory / 2 ** 20, 2),
      usedMemoryAfterMiB: round(redisAfter.usedMemory / 2 ** 20, 2),
      kibPerSocket: opened > 0 ? round((redisAfter.usedMemory - redisBefore.usedMemory) / 1024 / opened, 4) : 0,
      rssAfterMiB: round(redisAfter.usedMemoryRss / 2 ** 20, 1),
      connectedClients: redisAfter.connectedClients,
      holdCpuPct: pct(hold.redis, holdWall),
    },
    postgresConnectCpuPct: pct(connectCpu.postgres, connectSeconds),
    nodesUsPerConnect: opened > 0 ? Math.round((sum(connectCpu.nodes) * 1e6) / opened) : 0,
    postgresUsPerConnect: opened > 0 ? Math.round((connectCpu.postgres * 1e6) / opened) : 0,
    clientRssMiB: round(sum(fleet.pids.map((pid) => processRssKiB(pid))) / 1024, 1),
    steps,
  };
}

/** Waits until the nodes together count `n` open sockets. */
async function waitForTotal(ctx: ClusterContext, n: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(ctx.nodes.map(async (node) => (JSON.parse(await ctx.guard(node.get('/healthz'))) as { sockets: number }).sockets));
    const total = sum(counts);
    if (total === n) return;
    if (Date.now() > deadline) throw new Error(`the nodes count ${total} sockets (${counts.join(' + ')}), expected ${n}`);
    await sleep(200);
  }
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
