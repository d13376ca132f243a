import { nowUs, sleep } from '../clock.js';
import { answers, joinScans } from '../join.js';
import { processCpuSeconds } from '../machine.js';
import { localAddresses } from '../options.js';
import { bar } from '../progress.js';
import { planScans } from '../provision.js';
import type { RunContext } from '../run.js';
import { newScanLog, openLoop, ScanClient } from '../scanner.js';
import { round, summariseUs, type LatencySummary } from '../stats.js';
import { connectMembers, measureScans } from './scan-run.js';

/** How members learn results: the seed's polling, the long-poll fallback, or the push socket. */
export type PollMode = 'interval' | 'long' | 'push';

export interface PollFigures {
  mode: PollMode;
  members: number;
  scanRate: number;
  seconds: number;
  /** The probe scans' answers by HTTP status (0: transport error or 30 s timeout). */
  scanStatuses: Record<string, number>;
  succeeded: number;
  learned: number;
  lost: number;
  /** Scan request written → the member learned the result. */
  learnMs: LatencySummary;
  /** Requests the members' clients made per second, and how many the server answered per second. */
  offeredRequestsPerSecond: number;
  requestsPerSecond: number;
  requestErrors: number;
  /** Interval polls skipped because the member's previous poll was still unanswered. */
  skippedPolls: number;
  requestMs: LatencySummary | null;
  /** The server's CPU over the scan window, % of one core: the price of keeping members informed. */
  serverCpuPct: number;
}

/**
 * One side of the comparison: `pollMembers` members waiting at the counter while `pollRate` scans/s hit
 * them for `pollSeconds`. Interval: each member polls GET /api/cards every `pollIntervalMs` from a
 * random phase. Long: each member holds GET /api/notifications?wait=25. Push: each member holds its socket.
 */
export async function polling(ctx: RunContext, mode: PollMode): Promise<PollFigures> {
  const { opts, fixture, server, fleet, progress, label } = ctx;
  const members = fixture.members;
  const plan = planScans(fixture, members, Math.max(1, Math.round(opts.pollRate * opts.pollSeconds)), ctx.qrSecret);
  const base = { mode, members: members.length, scanRate: opts.pollRate, seconds: opts.pollSeconds };

  if (mode === 'push') {
    await connectMembers(ctx, members);
    const f = await measureScans(ctx, plan, 64, (client, log) => openLoop(client, plan, opts.pollRate, log));
    return {
      ...base,
      scanStatuses: f.statuses,
      succeeded: f.succeeded,
      learned: f.pushed,
      lost: f.lost,
      learnMs: f.pushMs,
      offeredRequestsPerSecond: 0,
      requestsPerSecond: 0,
      requestErrors: 0,
      skippedPolls: 0,
      requestMs: null,
      serverCpuPct: f.serverCpuPct,
    };
  }

  const pollMode = mode === 'interval' ? ({ kind: 'interval', intervalMs: opts.pollIntervalMs } as const) : ({ kind: 'long', waitSeconds: 25 } as const);
  const t0 = nowUs();
  await ctx.guard(fleet.poll(server.url, members, localAddresses(opts), pollMode));
  // Interval: every member has its baseline answer before the first scan. Long: every poll is parked.
  const settleMs = mode === 'interval' ? opts.pollIntervalMs + 500 : 2000 + members.length / 5;
  await ctx.guard(sleep(settleMs));

  const client = new ScanClient(server.url, 64);
  const log = newScanLog(plan.length);
  const cpu0 = processCpuSeconds(server.pid);
  const w0 = nowUs();
  const stop = progress.every(500, () => `${label}: ${mode} polling, scans ${bar(client.completed, plan.length)}`);
  try {
    await ctx.guard(openLoop(client, plan, opts.pollRate, log));
    // Give every member the chance to poll once more after the last scan.
    await ctx.guard(sleep(mode === 'interval' ? opts.pollIntervalMs + 1000 : 2000));
  } finally {
    stop();
    client.close();
  }
  const cpuSeconds = processCpuSeconds(server.pid) - cpu0;
  const windowSeconds = (nowUs() - w0) / 1e6;
  const reply = await ctx.guard(fleet.stopPolling());
  const pollSeconds = (nowUs() - t0) / 1e6;
  const joined = joinScans(log, reply, mode === 'long');
  return {
    ...base,
    scanStatuses: answers(log).statuses,
    succeeded: joined.succeeded,
    learned: joined.learned,
    lost: joined.lost,
    learnMs: summariseUs(joined.latencyUs),
    offeredRequestsPerSecond: mode === 'interval' ? Math.round(members.length / (opts.pollIntervalMs / 1000)) : 0,
    requestsPerSecond: Math.round(reply.requests / pollSeconds),
    requestErrors: reply.errors,
    skippedPolls: reply.skipped,
    requestMs: summariseUs(reply.durations),
    serverCpuPct: round((cpuSeconds / windowSeconds) * 100, 1),
  };
}

/** Whether the server has the long-poll endpoint: without credentials it answers 401, not 404. */
export async function hasLongPoll(url: string): Promise<boolean> {
  const res = await fetch(`${url}/api/notifications?storeId=1&after=0&wait=0`);
  await res.text();
  return res.status === 401;
}
