import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../clock.js';
import { processCpuSeconds, processRssKiB } from '../machine.js';
import { localAddresses } from '../options.js';
import { bar } from '../progress.js';
import type { BenchMember } from '../provision.js';
import { clientDialect, type RunContext, type ServerMetrics } from '../run.js';
import { round } from '../stats.js';

export interface CapacityFigures {
  sockets: number;
  opened: number;
  failed: number;
  errors: string[];
  connectSeconds: number;
  connectsPerSecond: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** (RSS after the hold − RSS before) / sockets held. */
  kibPerSocket: number;
  /** Slope of RSS against sockets over the ramp's steps: the cost of one more socket. */
  marginalKibPerSocket: number | null;
  socketsPerGiB: number;
  heapKibPerSocket: number;
  holdSeconds: number;
  heartbeatMs: number;
  /** Sockets still open at the end of the hold, by the clients' count and by the server's. */
  stillOpen: number;
  serverSockets: number;
  unexpectedCloses: Record<string, number>;
  heartbeatTerminations: number;
  /** The server's CPU while holding idle sockets with heartbeats, in % of one core. */
  holdCpuPct: number;
  /** The longest event-loop stall during the hold (a heartbeat round pings every socket at once), ms. */
  holdLagMaxMs: number;
  steps: Array<{ sockets: number; rssMiB: number; heapMiB: number }>;
  /** With --profile: a heap snapshot per step, for `profile:summary <file>:<sockets> …`. */
  heapSnapshots: Array<{ file: string; sockets: number }>;
}

const WARMUP = 100;

/**
 * Holds `sockets` authenticated member sockets with heartbeats on and weighs the server: RSS before and
 * after, and at each quarter of the ramp. A short warm-up first loads the code paths, so the baseline
 * is a server that has served sockets before rather than a cold one. With `snapshotDir`, a heap snapshot
 * is taken at each step (the server must run with --heapsnapshot-signal=SIGUSR2 and cwd there).
 */
export async function capacity(ctx: RunContext, snapshotDir?: string): Promise<CapacityFigures> {
  const { opts, server, fleet, fixture, progress, label } = ctx;
  const members = fixture.members;
  const addrs = localAddresses(opts);
  const openOpts = { localAddresses: addrs, concurrency: 64, dialect: clientDialect(opts, server) };

  const warm = await ctx.guard(fleet.open(server.wsUrl, members.slice(0, Math.min(WARMUP, members.length)), openOpts));
  if (warm.failed) throw new Error(`warm-up sockets failed: ${warm.errors.join('; ')}`);
  await ctx.guard(fleet.closeSockets());
  await ctx.waitForServerSockets(0);
  await sleep(1000);

  const heapSnapshots: CapacityFigures['heapSnapshots'] = [];
  const steps: CapacityFigures['steps'] = [];
  const sample = async (sockets: number, metrics?: ServerMetrics) => {
    const m = metrics ?? (await ctx.metrics());
    steps.push({ sockets, rssMiB: round(processRssKiB(server.pid) / 1024, 1), heapMiB: round(m.heapUsedBytes / 2 ** 20, 1) });
    if (snapshotDir) heapSnapshots.push({ file: await heapSnapshot(server.pid, snapshotDir), sockets });
  };
  await sample(0);
  const rssBefore = processRssKiB(server.pid);
  const heapBefore = (await ctx.metrics()).heapUsedBytes;

  const tranches = members.length >= 400 ? 4 : 1;
  let opened = 0;
  let failed = 0;
  const errors = new Set<string>();
  const t0 = Date.now();
  for (let k = 0; k < tranches; k++) {
    const slice: BenchMember[] = members.slice(Math.floor((k * members.length) / tranches), Math.floor(((k + 1) * members.length) / tranches));
    const stopProgress = progress.every(500, () => `${label}: opening sockets ${bar(opened + fleet.opening, members.length)} ${opened + fleet.opening}/${members.length}`);
    const r = await ctx.guard(fleet.open(server.wsUrl, slice, openOpts)).finally(stopProgress);
    opened += r.opened;
    failed += r.failed;
    r.errors.forEach((e) => errors.add(e));
    await ctx.waitForServerSockets(opened);
    if (k < tranches - 1) {
      await sleep(500);
      await sample(opened);
    }
  }
  const connectSeconds = (Date.now() - t0) / 1000;

  const cpu0 = processCpuSeconds(server.pid);
  const holdStart = Date.now();
  const stopProgress = progress.every(1000, () => {
    const s = (Date.now() - holdStart) / 1000;
    return `${label}: holding ${opened} sockets ${bar(s, opts.holdSeconds)} ${s.toFixed(0)}/${opts.holdSeconds} s, RSS ${(processRssKiB(server.pid) / 1024).toFixed(0)} MiB`;
  });
  await ctx.guard(sleep(opts.holdSeconds * 1000)).finally(stopProgress);
  const holdCpuPct = ((processCpuSeconds(server.pid) - cpu0) / ((Date.now() - holdStart) / 1000)) * 100;
  const m = await ctx.metrics();
  await sample(opened, m);
  const rssAfter = processRssKiB(server.pid);
  const status = await ctx.guard(fleet.status());
  const health = JSON.parse(await server.get('/healthz')) as { sockets: number };

  const kibPerSocket = opened > 0 ? (rssAfter - rssBefore) / opened : 0;
  return {
    sockets: members.length,
    opened,
    failed,
    errors: [...errors].slice(0, 5),
    connectSeconds: round(connectSeconds, 2),
    connectsPerSecond: Math.round(opened / connectSeconds),
    rssBeforeMiB: round(rssBefore / 1024, 1),
    rssAfterMiB: round(rssAfter / 1024, 1),
    kibPerSocket: round(kibPerSocket, 2),
    marginalKibPerSocket: slope(steps.map((s) => [s.sockets, s.rssMiB * 1024])),
    socketsPerGiB: kibPerSocket > 0 ? Math.floor(2 ** 20 / kibPerSocket) : 0,
    heapKibPerSocket: opened > 0 ? round((m.heapUsedBytes - heapBefore) / 1024 / opened, 2) : 0,
    holdSeconds: opts.holdSeconds,
    heartbeatMs: opts.heartbeatMs,
    stillOpen: status.open,
    serverSockets: health.sockets,
    unexpectedCloses: status.unexpectedCloses,
    heartbeatTerminations: m.heartbeatTerminations,
    holdCpuPct: round(holdCpuPct, 1),
    holdLagMaxMs: round(m.eventLoopLagMaxMs, 1),
    steps,
    heapSnapshots,
  };
}

/** Least-squares slope of y on x; null with fewer than 3 distinct points. */
export function slope(points: Array<[number, number]>): number | null {
  if (new Set(points.map((p) => p[0])).size < 3) return null;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return round(num / den, 2);
}

/** Signals the server to write a heap snapshot into its working directory; waits until it is complete. */
async function heapSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 300_000;
  let file: string | undefined;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(1000);
    file ??= readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    if (size > 0 && size === lastSize) return join(dir, file);
    lastSize = size;
  }
  throw new Error('heap snapshot did not complete within 5 minutes');
}
