import { sleep } from '../clock.js';
import { WARM_UP_SECONDS, warmUp, withScanCosts, type ClusterContext, type ScanCpu, type ScanStorage } from '../cluster.js';
import { closedLoopScans, type ClosedFigures } from './closed.js';
import { connectMembers } from './scan-run.js';

export interface PgClosedFigures {
  /** The closed loop on one SQLite process, in the same run. */
  sqlite: ClosedFigures;
  postgres: ClosedFigures & { cpuUsPerScan: ScanCpu; storagePerScan: ScanStorage; poolSize: number };
}

/** The closed loop on one node on PostgreSQL, configured as a node of several is (Redis broker on), warmed first (warmUp). */
export async function pgClosed(ctx: ClusterContext): Promise<PgClosedFigures['postgres']> {
  const [node] = ctx.nodes;
  if (!node) throw new Error('pg-closed needs a node');
  const members = await connectMembers(ctx.view(node), ctx.fixture.members);
  await warmUp(ctx, node, Math.min(WARM_UP_SECONDS, ctx.opts.closedSeconds));
  await sleep(1000);
  const f = await withScanCosts(ctx, ['entry, sockets'], () => closedLoopScans(ctx.view(node), members));
  return { ...f, poolSize: ctx.opts.pgPoolSize };
}
