import { planScans } from '../provision.js';
import type { RunContext } from '../run.js';
import { openLoop } from '../scanner.js';
import { round } from '../stats.js';
import { connectMembers, measureScans, type ScanFigures } from './scan-run.js';

export interface LatencyFigures extends ScanFigures {
  members: number;
  rate: number;
  seconds: number;
  /** How far behind its schedule the scan sender fell at worst: if large, the box was saturated. */
  senderLateMs: number;
}

/** Open loop: `members` connected, `rate` scans/s for `latencySeconds`, scan → push latency at the clients. */
export async function latency(ctx: RunContext): Promise<LatencyFigures> {
  const members = await connectMembers(ctx, ctx.fixture.members);
  return openLoopScans(ctx, members);
}

/** The timed part of `latency`, with the `members` sockets already open: fresh QR tokens, so it can run again. */
export async function openLoopScans(ctx: RunContext, members: number): Promise<LatencyFigures> {
  const { opts, fixture } = ctx;
  const plan = planScans(fixture, fixture.members, Math.max(1, Math.round(opts.rate * opts.latencySeconds)), ctx.qrSecret);
  let lateUs = 0;
  const figures = await measureScans(ctx, plan, 256, async (client, log) => {
    const r = await openLoop(client, plan, opts.rate, log);
    lateUs = r.lateUs;
    return r;
  });
  return { members, rate: opts.rate, seconds: opts.latencySeconds, senderLateMs: round(lateUs / 1000, 1), ...figures };
}
