import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase, openBenchRedis, type BenchDatabase, type BenchRedis } from './backing.js';
import { Fleet } from './fleet.js';
import { processCpuSeconds, startNoiseProbe } from './machine.js';
import type { Options } from './options.js';
import { bar, type Progress } from './progress.js';
import { newQrSecret, planScans, provisionPostgres, type Fixture } from './provision.js';
import { readServerMetrics, registerTeardown, waitForSockets, type RunContext, type RunOutcome, type ServerMetrics } from './run.js';
import { newScanLog, openLoop, ScanClient } from './scanner.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** What a workload across nodes gets for one run: several servers on one fresh database and Redis prefix. */
export interface ClusterContext {
  opts: Options;
  nodes: ServerProcess[];
  fleet: Fleet;
  fixture: Fixture;
  qrSecret: string;
  database: BenchDatabase;
  redis: BenchRedis;
  progress: Progress;
  label: string;
  /** Runs `work` but fails at once if a node or a client worker dies meanwhile. */
  guard<T>(work: Promise<T>): Promise<T>;
  metrics(node: ServerProcess): Promise<ServerMetrics>;
  /**
   * The single-server view the scan helpers take (connectMembers, measureScans): sockets and scans go to
   * `entry`, its CPU is the "server CPU", and `metrics()` reads `pushing`, the node the pushes leave from.
   */
  view(entry: ServerProcess, pushing?: ServerProcess): RunContext;
  /** CPU seconds used so far by each node, by this run's PostgreSQL processes, and by Redis. */
  cpu(): Promise<CpuReading>;
}

export interface CpuReading {
  nodes: number[];
  /** Per PostgreSQL process: backends come and go with the pools. */
  postgres: Map<number, number>;
  redis: number;
}

/** CPU seconds between two readings. A PostgreSQL process that started in between counts whole. */
export interface CpuUse {
  nodes: number[];
  postgres: number;
  redis: number;
}

export function cpuUsed(before: CpuReading, after: CpuReading): CpuUse {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) postgres += seconds - (before.postgres.get(pid) ?? 0);
  return { nodes: after.nodes.map((s, i) => s - (before.nodes[i] ?? 0)), postgres, redis: after.redis - before.redis };
}

/**
 * Creates a database and a Redis prefix, writes `members` members into the database, starts `nodes`
 * server processes on both (DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, NODE_NAME bench-1…) and
 * `workers` client processes, runs `body`, and always tears everything down, the database and the
 * prefix included. The noise probe counts PostgreSQL and Redis as the run's own processes. With
 * `profileDir`, node i writes a CPU profile into `profileDir/node-i` when it stops.
 */
export async function withCluster<T>(
  opts: Options,
  setup: { members: number; nodes: number; workers: number; label: string; progress: Progress; profileDir?: string | undefined },
  body: (ctx: ClusterContext) => Promise<T>,
): Promise<RunOutcome<T>> {
  const { progress, label } = setup;
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-bench-'));
  const qrSecret = newQrSecret();
  let database: BenchDatabase | undefined;
  let redis: BenchRedis | undefined;
  const nodes: ServerProcess[] = [];
  let fleet: Fleet | undefined;
  const teardown = async () => {
    await fleet?.stop();
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await Promise.allSettled([database?.drop(), redis?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = registerTeardown(teardown);
  try {
    database = await createBenchDatabase(opts.pgUrl);
    redis = await openBenchRedis(opts.redisUrl);
    let written = 0;
    const stopProvision = progress.every(1000, () => `${label}: provisioning ${bar(written, setup.members)} ${written}/${setup.members} members in PostgreSQL`);
    const fixture = await provisionPostgres(database.url, setup.members, Math.min(opts.stores, setup.members), (n) => (written = n)).finally(stopProvision);
    const db = database;
    const rd = redis;
    progress.update(`${label}: starting ${setup.nodes} nodes`);
    const started = await Promise.allSettled(
      Array.from({ length: setup.nodes }, (_, i) =>
        startServerProcess({
          qrSecret,
          ...(setup.profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(setup.profileDir, `node-${i + 1}`)}`] } : {}),
          heartbeatMs: opts.heartbeatMs,
          env: { DATABASE_URL: db.url, PG_POOL_SIZE: String(opts.pgPoolSize), REDIS_URL: rd.url, REDIS_KEY_PREFIX: rd.prefix, NODE_NAME: `bench-${i + 1}` },
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    const refused = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (refused) throw refused.reason;
    fleet = Fleet.start(setup.workers);
    const f = fleet;
    const guard = <R>(work: Promise<R>) => Promise.race([work, f.died, ...nodes.map((n) => n.died)]);
    const metrics = async (node: ServerProcess) => readServerMetrics(await guard(node.get('/metrics')));

    let enginePids: number[] = [];
    const refreshEnginePids = async () => {
      const redisPid = (await rd.info()).pid;
      enginePids = [...(await db.pids()), ...(existsSync(`/proc/${redisPid}`) ? [redisPid] : [])];
    };
    const ctx: ClusterContext = {
      opts,
      nodes,
      fleet: f,
      fixture,
      qrSecret,
      database: db,
      redis: rd,
      progress,
      label,
      guard,
      metrics,
      view: (entry, pushing = entry) => ({
        opts,
        server: entry,
        fleet: f,
        fixture,
        qrSecret,
        progress,
        label,
        guard,
        waitForServerSockets: (n, timeoutMs) => waitForSockets(entry, n, guard, timeoutMs),
        metrics: () => metrics(pushing),
      }),
      async cpu() {
        const postgres = new Map<number, number>();
        for (const pid of await db.pids()) postgres.set(pid, cpuOrZero(pid));
        return { nodes: nodes.map((n) => cpuOrZero(n.pid)), postgres, redis: (await rd.info()).cpuSeconds };
      },
    };
    await refreshEnginePids();
    const probe = startNoiseProbe(() => [process.pid, ...nodes.map((n) => n.pid), ...f.pids, ...enginePids]);
    const figures = await guard(body(ctx));
    await refreshEnginePids();
    const noise = probe.stop();
    return { figures, noise, serverProblems: nodes.flatMap((n, i) => n.problems.map((p) => `bench-${i + 1}: ${p}`)) };
  } finally {
    unregister();
    await teardown();
  }
}

function cpuOrZero(pid: number): number {
  try {
    return processCpuSeconds(pid);
  } catch {
    return 0; // ended meanwhile
  }
}

/** Server-side CPU per committed scan, µs: each node by its part in the scans, PostgreSQL, Redis. */
export interface ScanCpu {
  nodes: Array<{ node: string; role: string; us: number }>;
  postgres: number;
  redis: number;
  /** All of the above: what one scan costs the deployment. */
  total: number;
}

/** What one committed scan costs PostgreSQL's disk: WAL written, WAL flushes, database growth. */
export interface ScanStorage {
  walBytes: number;
  walSyncs: number;
  dbBytes: number;
}

/**
 * Runs `work` (a measureScans) and divides what the server side used meanwhile by the scans committed:
 * the CPU of each process (`roles[i]` names node i's part, e.g. "entry" or "sockets"), and PostgreSQL's
 * WAL and growth (its WAL counters are the whole server's: quiet on a box with nothing else running).
 */
export async function withScanCosts<F extends { succeeded: number }>(
  ctx: ClusterContext,
  roles: readonly string[],
  work: () => Promise<F>,
): Promise<F & { cpuUsPerScan: ScanCpu; storagePerScan: ScanStorage }> {
  const stats0 = await ctx.database.stats();
  const before = await ctx.cpu();
  const figures = await work();
  const used = cpuUsed(before, await ctx.cpu());
  const stats1 = await ctx.database.stats();
  const n = figures.succeeded;
  const per = (seconds: number) => (n > 0 ? Math.round((seconds * 1e6) / n) : 0);
  const nodes = used.nodes.map((s, i) => ({ node: `bench-${i + 1}`, role: roles[i] ?? 'none', us: per(s) }));
  const all = used.nodes.reduce((a, b) => a + b, 0) + used.postgres + used.redis;
  const each = (d: number, digits = 0) => (n > 0 ? Math.round((d / n) * 10 ** digits) / 10 ** digits : 0);
  return {
    ...figures,
    cpuUsPerScan: { nodes, postgres: per(used.postgres), redis: per(used.redis), total: per(all) },
    storagePerScan: { walBytes: each(stats1.walBytes - stats0.walBytes), walSyncs: each(stats1.walSyncs - stats0.walSyncs, 3), dbBytes: each(stats1.sizeBytes - stats0.sizeBytes) },
  };
}

/** Seconds of scans a node takes at --rate before a timed part (warmUp). */
export const WARM_UP_SECONDS = 2;

/**
 * Scans at --rate into `node` for `seconds`, not timed: a node's first scans open its PostgreSQL pool's
 * connections (a backend forked for each) and prepare its statements on each; measured from cold, that
 * queue takes ten seconds to drain on two busy cores. A production node is warm. Every scan must answer 200.
 */
export async function warmUp(ctx: ClusterContext, node: ServerProcess, seconds = WARM_UP_SECONDS): Promise<void> {
  const { opts, fixture, progress, label } = ctx;
  const plan = planScans(fixture, fixture.members, Math.max(1, Math.round(opts.rate * seconds)), ctx.qrSecret);
  const client = new ScanClient(node.url, 256);
  const log = newScanLog(plan.length);
  progress.update(`${label}: warming ${node.url} with ${plan.length} scans`);
  try {
    await ctx.guard(openLoop(client, plan, opts.rate, log));
  } finally {
    client.close();
  }
  const refused = log.status.filter((s) => s !== 200).length;
  if (refused > 0) throw new Error(`${refused} of ${plan.length} warm-up scans into ${node.url} were not answered 200`);
}
