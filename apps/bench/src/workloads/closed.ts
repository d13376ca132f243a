import { planScans } from '../provision.js';
import type { RunContext } from '../run.js';
import { closedLoop } from '../scanner.js';
import { connectMembers, measureScans, type ScanFigures } from './scan-run.js';

export interface ClosedFigures extends ScanFigures {
  members: number;
  inflight: number;
  seconds: number;
  /** True when every minted QR was used before the time was up (raise --closed-max-scans). */
  exhausted: boolean;
}

/** Tokens minted per second of closed loop: comfortably above what two cores can commit. */
const MINT_PER_SECOND = 25_000;

/** Closed loop: `inflight` scans outstanding at all times for `closedSeconds`, members connected. */
export async function closed(ctx: RunContext): Promise<ClosedFigures> {
  const members = await connectMembers(ctx, ctx.fixture.members);
  return closedLoopScans(ctx, members);
}

/** The timed part of `closed`, with the `members` sockets already open. */
export async function closedLoopScans(ctx: RunContext, members: number): Promise<ClosedFigures> {
  const { opts, fixture } = ctx;
  const count = Math.min(opts.closedMaxScans, Math.ceil(opts.closedSeconds * MINT_PER_SECOND));
  const plan = planScans(fixture, fixture.members, count, ctx.qrSecret);
  let exhausted = false;
  const figures = await measureScans(ctx, plan, opts.inflight, async (client, log) => {
    const r = await closedLoop(client, plan, opts.inflight, opts.closedSeconds, log);
    exhausted = r.exhausted;
    return r;
  });
  return { members, inflight: opts.inflight, seconds: opts.closedSeconds, exhausted, ...figures };
}
