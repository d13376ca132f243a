import { sleep } from '../clock.js';
import { WARM_UP_SECONDS, warmUp, withScanCosts, type ClusterContext, type ScanCpu, type ScanStorage } from '../cluster.js';
import { bucketQuantile, histogramDelta } from '../metrics-text.js';
import { round } from '../stats.js';
import { openLoopScans, type LatencyFigures } from './latency.js';
import { connectMembers } from './scan-run.js';

/** One way into the cluster: the scans enter another node than the members' (through Redis), or theirs. */
export interface NodeLatencySide extends LatencyFigures {
  route: 'cross-node' | 'same-node';
  cpuUsPerScan: ScanCpu;
  storagePerScan: ScanStorage;
  /** On the members' node: a result's commit on another node → its arrival through Redis (bucket bounds). */
  brokerLagMs: { count: number; p50AtMost: number | null; p99AtMost: number | null };
}

export interface NodesLatencyFigures {
  /** The latency workload on one SQLite process, in the same run. */
  sqlite: LatencyFigures;
  crossNode: NodeLatencySide;
  sameNode: NodeLatencySide;
}

/** Nodes of the latency cluster: the members' sockets, where scans enter, and `bystanders` with neither. */
export const latencyNodes = (bystanders: number): number => 2 + bystanders;

/**
 * On a cluster of 2 + `bystanders` nodes: every member's socket on node 1; scans at `rate` enter node 2,
 * so each push crosses Redis to node 1; then the same number enter node 1 itself. The other nodes hold
 * no members and take no scans: their CPU is what each event costs a node that has none of its members.
 * Nodes 1 and 2 are warmed first (warmUp).
 */
export async function nodesLatency(ctx: ClusterContext): Promise<Omit<NodesLatencyFigures, 'sqlite'>> {
  const [sockets, entry] = ctx.nodes;
  if (!sockets || !entry) throw new Error(`nodes-latency needs 2 nodes at least, got ${ctx.nodes.length}`);
  const members = await connectMembers(ctx.view(sockets), ctx.fixture.members);
  const warm = Math.min(WARM_UP_SECONDS, ctx.opts.latencySeconds);
  await warmUp(ctx, entry, warm);
  await warmUp(ctx, sockets, warm);
  await sleep(1000);
  const side = async (route: NodeLatencySide['route']): Promise<NodeLatencySide> => {
    const from = route === 'cross-node' ? entry : sockets;
    const lag0 = (await ctx.metrics(sockets)).brokerLag;
    const f = await withScanCosts(ctx, roles(ctx.nodes.length, route), () => openLoopScans({ ...ctx.view(from, sockets), label: `${ctx.label} ${route}` }, members));
    const lag = histogramDelta(lag0, (await ctx.metrics(sockets)).brokerLag);
    const ms = (s: number | undefined) => (s === undefined ? null : Number.isFinite(s) ? round(s * 1000, 3) : Infinity);
    return { route, ...f, brokerLagMs: { count: lag.at(-1)?.count ?? 0, p50AtMost: ms(bucketQuantile(lag, 0.5)), p99AtMost: ms(bucketQuantile(lag, 0.99)) } };
  };
  const crossNode = await side('cross-node');
  await sleep(1000);
  const sameNode = await side('same-node');
  return { crossNode, sameNode };
}

/** Each node's part in one side's scans, for its CPU figures. */
function roles(nodes: number, route: NodeLatencySide['route']): string[] {
  return Array.from({ length: nodes }, (_, i) => {
    if (i === 0) return route === 'cross-node' ? 'sockets' : 'entry, sockets';
    return i === 1 && route === 'cross-node' ? 'entry' : 'none';
  });
}
