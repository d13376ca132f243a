import { nowUs, sleep } from '../clock.js';
import { answers, joinScans } from '../join.js';
import { processCpuSeconds } from '../machine.js';
import { bucketQuantile, histogramDelta } from '../metrics-text.js';
import { localAddresses } from '../options.js';
import { bar } from '../progress.js';
import type { BenchMember, PlannedScan } from '../provision.js';
import { clientDialect, type RunContext } from '../run.js';
import { newScanLog, ScanClient, type ScanLog } from '../scanner.js';
import { round, summariseUs, type LatencySummary } from '../stats.js';

/** Opens one socket per member across the workers and waits until the server counts them all. */
export async function connectMembers(ctx: RunContext, members: readonly BenchMember[]): Promise<number> {
  const { fleet, server, progress, label, opts } = ctx;
  const stop = progress.every(500, () => `${label}: connecting members ${bar(fleet.opening, members.length)} ${fleet.opening}/${members.length}`);
  const r = await ctx.guard(fleet.open(server.wsUrl, members, { localAddresses: localAddresses(opts), concurrency: 64, dialect: clientDialect(opts, server) })).finally(stop);
  if (r.failed > 0) throw new Error(`${r.failed} of ${members.length} member sockets failed to open: ${r.errors.join('; ')}`);
  await ctx.waitForServerSockets(r.opened);
  return r.opened;
}

export interface ScanFigures {
  planned: number;
  sent: number;
  /** Answers by HTTP status (0: transport error). */
  statuses: Record<string, number>;
  succeeded: number;
  /** Successful scans whose push reached the member's socket, and those whose push never came. */
  pushed: number;
  lost: number;
  duplicates: number;
  unmatched: number;
  unparsed: number;
  elapsedSeconds: number;
  /** Successful (committed) scans per second over the timed part. */
  scansPerSecond: number;
  /** Request written → push frame received at the member's socket, measured at the clients. */
  pushMs: LatencySummary;
  /** Request written → merchant's answer received. */
  answerMs: LatencySummary;
  /** The server's own commit → socket write histogram: upper bounds of the buckets holding p50 and p99. */
  serverCommitToSendMs: { count: number; p50AtMost: number | null; p99AtMost: number | null };
  serverCpuPct: number;
  serverCpuUsPerScan: number | null;
  /** The server's longest event-loop stall during the timed part, ms. */
  eventLoopLagMaxMs: number;
  /** CPU of the load generator (this process and the client workers), % of one core: it shares the box. */
  clientCpuPct: number;
  /** The timed part on the monotonic clock, µs: pass to profile:summary --window to read its profile. */
  windowUs: [number, number];
}

/**
 * Runs `drive` (an open or closed loop over `plan`) with the member sockets recording, then waits for
 * the last pushes and pairs every successful scan with its push.
 */
export async function measureScans(
  ctx: RunContext,
  plan: readonly PlannedScan[],
  clientSockets: number,
  drive: (client: ScanClient, log: ScanLog) => Promise<{ elapsedUs: number }>,
): Promise<ScanFigures> {
  const { fleet, server, progress, label } = ctx;
  const client = new ScanClient(server.url, clientSockets);
  const log = newScanLog(plan.length);
  await ctx.guard(fleet.record());
  const metricsBefore = await ctx.metrics();
  const ours = () => [process.pid, ...fleet.pids].reduce((a, pid) => a + processCpuSeconds(pid), 0);
  const cpu0 = processCpuSeconds(server.pid);
  const client0 = ours();
  const t0 = nowUs();
  const stop = progress.every(500, () => `${label}: scans ${bar(client.completed, plan.length)} sent ${log.sent}, answered ${client.completed}, in flight ${client.inFlight}`);
  let elapsedUs: number;
  try {
    ({ elapsedUs } = await ctx.guard(drive(client, log)));
  } finally {
    stop();
    client.close();
  }
  const cpuSeconds = processCpuSeconds(server.pid) - cpu0;
  const clientSeconds = ours() - client0;
  const t1 = nowUs();
  const wallUs = t1 - t0;

  const ok = log.status.reduce((a, s) => a + (s === 200 ? 1 : 0), 0);
  // Pushes leave before the answer, so they are normally all in; a lost one is waited for a little.
  let seen = await ctx.guard(fleet.count());
  for (let quiet = 0; seen < ok && quiet < 30; quiet++) {
    await sleep(100);
    const now = await ctx.guard(fleet.count());
    if (now > seen) quiet = 0;
    seen = now;
  }
  const metricsAfter = await ctx.metrics();
  const obs = await ctx.guard(fleet.collect());
  const joined = joinScans(log, obs, true);
  const answered = answers(log);
  const serverHist = histogramDelta(metricsBefore.pushLatency, metricsAfter.pushLatency);
  const ms = (s: number | undefined) => (s === undefined ? null : Number.isFinite(s) ? round(s * 1000, 3) : Infinity);
  return {
    planned: plan.length,
    sent: log.sent,
    statuses: answered.statuses,
    succeeded: joined.succeeded,
    pushed: joined.learned,
    lost: joined.lost,
    duplicates: joined.duplicates,
    unmatched: joined.unmatched,
    unparsed: obs.unparsed,
    elapsedSeconds: round(elapsedUs / 1e6, 3),
    scansPerSecond: Math.round(joined.succeeded / (elapsedUs / 1e6)),
    pushMs: summariseUs(joined.latencyUs),
    answerMs: summariseUs(answered.latencyUs),
    serverCommitToSendMs: {
      count: serverHist.at(-1)?.count ?? 0,
      p50AtMost: ms(bucketQuantile(serverHist, 0.5)),
      p99AtMost: ms(bucketQuantile(serverHist, 0.99)),
    },
    serverCpuPct: round((cpuSeconds / (wallUs / 1e6)) * 100, 1),
    serverCpuUsPerScan: joined.succeeded > 0 ? round((cpuSeconds * 1e6) / joined.succeeded, 1) : null,
    clientCpuPct: round((clientSeconds / (wallUs / 1e6)) * 100, 1),
    eventLoopLagMaxMs: round(metricsAfter.eventLoopLagMaxMs, 1),
    windowUs: [Math.round(t0), Math.round(t1)],
  };
}
