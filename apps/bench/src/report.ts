import type { Noise } from './machine.js';
import type { Workload } from './options.js';
import { socketIoRatios } from './ratios.js';
import { median, round, spread } from './stats.js';
import type { CapacityFigures } from './workloads/capacity.js';
import type { ClosedFigures } from './workloads/closed.js';
import type { LatencyFigures } from './workloads/latency.js';
import type { NodesCapacityFigures } from './workloads/nodes-capacity.js';
import type { NodesLatencyFigures } from './workloads/nodes-latency.js';
import type { PgClosedFigures } from './workloads/pg-closed.js';
import type { PollFigures } from './workloads/polling.js';
import type { SoakFigures } from './workloads/soak.js';

export interface PollingFigures {
  interval: PollFigures;
  /** Null when the server has no long-poll endpoint. */
  long: PollFigures | null;
  push: PollFigures;
}

export type Figures = CapacityFigures | LatencyFigures | ClosedFigures | PollingFigures | NodesCapacityFigures | NodesLatencyFigures | PgClosedFigures | SoakFigures;

/** One headline number of a workload, with the target where it sets one. */
export interface KeyFigure {
  key: string;
  label: string;
  value: number | null;
  target?: { op: '<=' | '>='; value: number };
}

/** The numbers the table and the summary line show, per workload. */
export function keyFigures(workload: Workload, f: Figures): KeyFigure[] {
  switch (workload) {
    case 'capacity': {
      const c = f as CapacityFigures;
      return [
        { key: 'opened', label: 'sockets held', value: c.opened, target: { op: '>=', value: c.sockets } },
        { key: 'stillOpen', label: 'still open after the hold', value: c.stillOpen, target: { op: '>=', value: c.sockets } },
        { key: 'kibPerSocket', label: 'server RSS per socket (KiB)', value: c.kibPerSocket, target: { op: '<=', value: 8 } },
        { key: 'marginalKibPerSocket', label: 'marginal RSS per socket (KiB)', value: c.marginalKibPerSocket },
        { key: 'socketsPerGiB', label: 'sockets per GiB of RSS', value: c.socketsPerGiB },
        { key: 'heapKibPerSocket', label: 'JS heap per socket (KiB)', value: c.heapKibPerSocket },
        { key: 'holdCpuPct', label: 'server CPU holding them (% core)', value: c.holdCpuPct },
        { key: 'holdLagMaxMs', label: 'longest event-loop stall holding them (ms)', value: c.holdLagMaxMs },
        { key: 'connectsPerSecond', label: 'connects per second', value: c.connectsPerSecond },
      ];
    }
    case 'latency': {
      const l = f as LatencyFigures;
      return [
        { key: 'pushP50', label: 'scan → push p50 (ms)', value: l.pushMs.p50 },
        { key: 'pushP99', label: 'scan → push p99 (ms)', value: l.pushMs.p99, target: { op: '<=', value: 3 } },
        { key: 'pushMax', label: 'scan → push max (ms)', value: l.pushMs.max },
        { key: 'lost', label: 'pushes lost', value: l.lost, target: { op: '<=', value: 0 } },
        { key: 'serverP99', label: 'server commit → send p99 ≤ (ms)', value: l.serverCommitToSendMs.p99AtMost },
        { key: 'answerP99', label: 'merchant answer p99 (ms)', value: l.answerMs.p99 },
        { key: 'cpuUsPerScan', label: 'server CPU per scan (µs)', value: l.serverCpuUsPerScan },
        { key: 'answeredPerSecond', label: 'scans answered per second', value: l.scansPerSecond },
        { key: 'senderLateMs', label: 'load generator late by (ms)', value: l.senderLateMs },
      ];
    }
    case 'floor-latency': {
      const l = f as LatencyFigures;
      return [
        { key: 'pushP50', label: 'bare: scan → push p50 (ms)', value: l.pushMs.p50 },
        { key: 'pushP99', label: 'bare: scan → push p99 (ms)', value: l.pushMs.p99 },
        { key: 'pushMax', label: 'bare: scan → push max (ms)', value: l.pushMs.max },
        { key: 'cpuUsPerScan', label: 'bare: server CPU per scan (µs)', value: l.serverCpuUsPerScan },
      ];
    }
    case 'socketio-capacity': {
      // capacity's figures without its targets, which are scanpush's; the same keys, for the ratios.
      return keyFigures('capacity', f).map(({ target: _, ...k }) => ({ ...k, label: `Socket.IO: ${k.label}` }));
    }
    case 'socketio-latency': {
      const l = f as LatencyFigures;
      return [
        { key: 'pushP50', label: 'Socket.IO: scan → push p50 (ms)', value: l.pushMs.p50 },
        { key: 'pushP99', label: 'Socket.IO: scan → push p99 (ms)', value: l.pushMs.p99 },
        { key: 'pushMax', label: 'Socket.IO: scan → push max (ms)', value: l.pushMs.max },
        { key: 'lost', label: 'Socket.IO: pushes lost', value: l.lost },
        { key: 'answerP99', label: 'Socket.IO: merchant answer p99 (ms)', value: l.answerMs.p99 },
        { key: 'cpuUsPerScan', label: 'Socket.IO: server CPU per in-memory push (µs)', value: l.serverCpuUsPerScan },
      ];
    }
    case 'socketio': {
      const c = f as ClosedFigures;
      return [
        { key: 'scansPerSecond', label: 'Socket.IO: in-memory scans per second', value: c.scansPerSecond },
        { key: 'pushP99', label: 'Socket.IO: scan → push p99 (ms)', value: c.pushMs.p99 },
        { key: 'answerP99', label: 'Socket.IO: merchant answer p99 (ms)', value: c.answerMs.p99 },
        { key: 'lost', label: 'Socket.IO: pushes lost', value: c.lost },
        { key: 'cpuUsPerScan', label: 'Socket.IO: server CPU per in-memory push (µs)', value: c.serverCpuUsPerScan },
      ];
    }
    // The durable peer's figures are the in-memory peer's, named for it.
    case 'socketio-sqlite-latency':
      return asDurablePeer(keyFigures('socketio-latency', f));
    case 'socketio-sqlite':
      return asDurablePeer(keyFigures('socketio', f));
    case 'floor': {
      const c = f as ClosedFigures;
      return [
        { key: 'scansPerSecond', label: 'bare ws + node:http: scans per second', value: c.scansPerSecond },
        { key: 'pushP99', label: 'bare: scan → push p99 (ms)', value: c.pushMs.p99 },
        { key: 'cpuUsPerScan', label: 'bare: server CPU per scan (µs)', value: c.serverCpuUsPerScan },
      ];
    }
    case 'closed': {
      const c = f as ClosedFigures;
      return [
        { key: 'scansPerSecond', label: 'durable scans per second', value: c.scansPerSecond, target: { op: '>=', value: 10_000 } },
        { key: 'pushP99', label: 'scan → push p99 (ms)', value: c.pushMs.p99, target: { op: '<=', value: 20 } },
        { key: 'answerP99', label: 'merchant answer p99 (ms)', value: c.answerMs.p99 },
        { key: 'lost', label: 'pushes lost', value: c.lost, target: { op: '<=', value: 0 } },
        { key: 'cpuUsPerScan', label: 'server CPU per scan (µs)', value: c.serverCpuUsPerScan },
      ];
    }
    case 'nodes-capacity': {
      const c = f as NodesCapacityFigures;
      return [
        { key: 'nodes', label: 'server processes (nodes)', value: c.nodes },
        { key: 'opened', label: 'sockets held across the nodes', value: c.opened, target: { op: '>=', value: c.sockets } },
        { key: 'stillOpen', label: 'still open after the hold (clients)', value: c.stillOpen, target: { op: '>=', value: c.sockets } },
        { key: 'serverSockets', label: 'still open after the hold (nodes)', value: c.serverSockets, target: { op: '>=', value: c.sockets } },
        { key: 'heartbeatTerminations', label: 'closed by a missed heartbeat', value: c.heartbeatTerminations, target: { op: '<=', value: 0 } },
        { key: 'kibPerSocket', label: 'nodes RSS per socket (KiB)', value: c.kibPerSocket },
        { key: 'worstNodeKib', label: 'worst node RSS per socket (KiB)', value: Math.max(...c.perNode.map((n) => n.kibPerSocket)) },
        { key: 'marginalKibPerSocket', label: 'marginal RSS per socket (KiB)', value: c.marginalKibPerSocket },
        { key: 'nodesRssMiB', label: 'nodes RSS after the hold, summed (MiB)', value: c.nodesRssAfterMiB },
        { key: 'redisKibPerSocket', label: 'Redis used_memory per socket (KiB)', value: c.redis.kibPerSocket },
        { key: 'holdCpuPct', label: 'nodes CPU holding them, summed (% core)', value: c.holdCpuPct },
        { key: 'holdLagMaxMs', label: 'longest event-loop stall of a node (ms)', value: c.holdLagMaxMs },
        { key: 'connectsPerSecond', label: 'connects per second', value: c.connectsPerSecond },
      ];
    }
    case 'nodes-latency': {
      const n = f as NodesLatencyFigures;
      // The mean over the nodes of a role (several bystanders with --bystanders).
      const role = (role: string) => {
        const us = n.crossNode.cpuUsPerScan.nodes.filter((x) => x.role === role).map((x) => x.us);
        return us.length ? round(us.reduce((a, b) => a + b, 0) / us.length, 0) : null;
      };
      return [
        { key: 'sqliteP50', label: 'one SQLite process: scan → push p50 (ms)', value: n.sqlite.pushMs.p50 },
        { key: 'sqliteP99', label: 'one SQLite process: scan → push p99 (ms)', value: n.sqlite.pushMs.p99 },
        { key: 'crossP50', label: 'cross-node: scan → push p50 (ms)', value: n.crossNode.pushMs.p50 },
        { key: 'crossP99', label: 'cross-node: scan → push p99 (ms)', value: n.crossNode.pushMs.p99 },
        { key: 'crossMax', label: 'cross-node: scan → push max (ms)', value: n.crossNode.pushMs.max },
        { key: 'crossAnswerP99', label: 'cross-node: merchant answer p99 (ms)', value: n.crossNode.answerMs.p99 },
        { key: 'brokerLagP99', label: 'cross-node: commit → arrival via Redis p99 ≤ (ms)', value: n.crossNode.brokerLagMs.p99AtMost },
        { key: 'sameP50', label: 'same node on PostgreSQL: p50 (ms)', value: n.sameNode.pushMs.p50 },
        { key: 'sameP99', label: 'same node on PostgreSQL: p99 (ms)', value: n.sameNode.pushMs.p99 },
        { key: 'lost', label: 'pushes lost (all three)', value: n.sqlite.lost + n.crossNode.lost + n.sameNode.lost, target: { op: '<=', value: 0 } },
        { key: 'entryUs', label: 'cross-node CPU per scan: entry node (µs)', value: role('entry') },
        { key: 'socketsUs', label: 'cross-node CPU per scan: members\' node (µs)', value: role('sockets') },
        { key: 'bystanderUs', label: 'cross-node CPU per scan: a node with neither (µs)', value: role('none') },
        { key: 'postgresUs', label: 'cross-node CPU per scan: PostgreSQL (µs)', value: n.crossNode.cpuUsPerScan.postgres },
        { key: 'redisUs', label: 'cross-node CPU per scan: Redis (µs)', value: n.crossNode.cpuUsPerScan.redis },
        { key: 'sameNodeUs', label: 'same node: its CPU per scan (µs)', value: n.sameNode.cpuUsPerScan.nodes[0]?.us ?? null },
        { key: 'sqliteUs', label: 'one SQLite process: CPU per scan (µs)', value: n.sqlite.serverCpuUsPerScan },
      ];
    }
    case 'pg-closed': {
      const p = f as PgClosedFigures;
      const node = p.postgres.cpuUsPerScan.nodes[0]?.us ?? null;
      return [
        { key: 'sqliteScansPerSecond', label: 'SQLite: durable scans per second', value: p.sqlite.scansPerSecond },
        { key: 'pgScansPerSecond', label: 'PostgreSQL: durable scans per second', value: p.postgres.scansPerSecond },
        { key: 'sqliteP99', label: 'SQLite: scan → push p99 (ms)', value: p.sqlite.pushMs.p99 },
        { key: 'pgP99', label: 'PostgreSQL: scan → push p99 (ms)', value: p.postgres.pushMs.p99 },
        { key: 'pgAnswerP99', label: 'PostgreSQL: merchant answer p99 (ms)', value: p.postgres.answerMs.p99 },
        { key: 'lost', label: 'pushes lost (both)', value: p.sqlite.lost + p.postgres.lost, target: { op: '<=', value: 0 } },
        { key: 'sqliteUs', label: 'SQLite: server CPU per scan (µs)', value: p.sqlite.serverCpuUsPerScan },
        { key: 'nodeUs', label: 'PostgreSQL: node CPU per scan (µs)', value: node },
        { key: 'postgresUs', label: 'PostgreSQL: its own CPU per scan (µs)', value: p.postgres.cpuUsPerScan.postgres },
        { key: 'redisUs', label: 'PostgreSQL: Redis CPU per scan (µs)', value: p.postgres.cpuUsPerScan.redis },
      ];
    }
    case 'soak': {
      const k = f as SoakFigures;
      const { before, after } = k.rest;
      return [
        { key: 'seconds', label: 'soak: timed part (s), between two rests', value: k.seconds },
        { key: 'connects', label: 'soak: sockets connected, both dialects', value: k.connects },
        { key: 'connectsPerSecond', label: 'soak: connects per second', value: k.connectsPerSecond },
        { key: 'scansOk', label: 'soak: scans deducted', value: k.scansOk },
        { key: 'refusals', label: 'soak: scans refused as expected', value: k.refusals },
        { key: 'unexpectedAnswers', label: 'soak: answers other than expected', value: k.unexpectedAnswers, target: { op: '<=', value: 0 } },
        { key: 'liveHeapBefore', label: 'soak: live JS heap at rest, before (MiB)', value: before.liveHeapMiB },
        { key: 'liveHeapAfter', label: 'soak: live JS heap at rest, after (MiB)', value: after.liveHeapMiB },
        { key: 'liveHeapGrowth', label: 'soak: live JS heap growth at rest (MiB)', value: k.verdict.liveHeapGrowthMiB, target: { op: '<=', value: k.verdict.heapLimitMiB } },
        { key: 'heapBytesPerConnect', label: 'soak: that growth per connect (bytes)', value: k.verdict.heapBytesPerConnect },
        { key: 'heapLoadStart', label: 'soak: JS heap under load, first minute (MiB)', value: k.load.heapStartMiB },
        { key: 'heapLoadEnd', label: 'soak: JS heap under load, last minute (MiB)', value: k.load.heapEndMiB },
        { key: 'heapSlope', label: 'soak: JS heap slope under load (MiB/h)', value: k.load.heapSlope?.mibPerHour ?? null },
        { key: 'rssBefore', label: 'soak: RSS at rest, before (MiB)', value: before.rssMiB },
        { key: 'rssAfter', label: 'soak: RSS at rest, after (MiB)', value: after.rssMiB },
        { key: 'rssGrowth', label: 'soak: RSS growth at rest (MiB)', value: k.verdict.rssGrowthMiB, target: { op: '<=', value: k.verdict.rssLimitMiB } },
        { key: 'databaseGrowth', label: 'soak: SQLite files growth (MiB)', value: round(after.databaseMiB - before.databaseMiB, 1) },
        { key: 'rssLoadStart', label: 'soak: RSS under load, first minute (MiB)', value: k.load.rssStartMiB },
        { key: 'rssLoadEnd', label: 'soak: RSS under load, last minute (MiB)', value: k.load.rssEndMiB },
        { key: 'rssSlope', label: 'soak: RSS slope under load (MiB/h)', value: k.load.rssSlope?.mibPerHour ?? null },
        { key: 'serverSockets', label: 'soak: member sockets after all left', value: after.serverSockets, target: { op: '<=', value: 0 } },
        { key: 'fdGrowth', label: 'soak: open files after − before', value: k.verdict.fdGrowth, target: { op: '<=', value: 0 } },
        { key: 'silentNotEnded', label: 'soak: silent sockets the heartbeat missed', value: k.churn.silentNotEnded, target: { op: '<=', value: 0 } },
        { key: 'flat', label: 'soak: flat (1 yes, 0 no)', value: k.verdict.flat ? 1 : 0, target: { op: '>=', value: 1 } },
        { key: 'serverCpuPct', label: 'soak: server CPU (% core)', value: k.serverCpuPct },
      ];
    }
    case 'polling': {
      const p = f as PollingFigures;
      const side = (name: string, m: PollFigures | null): KeyFigure[] =>
        m === null
          ? []
          : [
              { key: `${m.mode}LearnP50`, label: `${name}: learn p50 (ms)`, value: m.learnMs.p50 },
              { key: `${m.mode}LearnP99`, label: `${name}: learn p99 (ms)`, value: m.learnMs.p99 },
              { key: `${m.mode}Rps`, label: `${name}: requests/s absorbed`, value: m.requestsPerSecond },
              { key: `${m.mode}Cpu`, label: `${name}: server CPU (% core)`, value: m.serverCpuPct },
              { key: `${m.mode}Lost`, label: `${name}: results never learned`, value: m.lost },
            ];
      return [...side('poll every 2 s', p.interval), ...side('long-poll', p.long), ...side('push', p.push)];
    }
  }
}

/** The Socket.IO peer's figures as the durable variant's (socketio-server.ts with PEER_STORE=sqlite). */
function asDurablePeer(figures: KeyFigure[]): KeyFigure[] {
  return figures.map((k) => ({ ...k, label: k.label.replace('Socket.IO:', 'Socket.IO + SQLite:').replace('in-memory', 'durable') }));
}

export interface RunRecord {
  workload: Workload;
  run: number;
  figures: Figures;
  noise: Noise;
}

export interface Summary {
  type: 'summary';
  workload: Workload;
  runs: number;
  failedRuns: number;
  figures: Array<{ key: string; label: string; median: number | null; min: number | null; max: number | null; spread: number; target?: KeyFigure['target']; met?: boolean }>;
  noisy: boolean;
  noiseNotes: string[];
}

/** Medians over runs, and whether the machine was noisy (other load, steal, or runs far apart). */
export function summarise(workload: Workload, records: readonly RunRecord[], failedRuns: number): Summary {
  const perRun = records.map((r) => keyFigures(workload, r.figures));
  const figures: Summary['figures'] = (perRun[0] ?? []).map((first, i) => {
    const values = perRun.map((k) => k[i]?.value).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const med = values.length ? round(median(values), 3) : null;
    const out: Summary['figures'][number] = {
      key: first.key,
      label: first.label,
      median: med,
      min: values.length ? Math.min(...values) : null,
      max: values.length ? Math.max(...values) : null,
      spread: round(spread(values), 3),
    };
    if (first.target) {
      out.target = first.target;
      out.met = med !== null && (first.target.op === '<=' ? med <= first.target.value : med >= first.target.value);
    }
    return out;
  });
  const notes: string[] = [];
  const maxOther = Math.max(0, ...records.map((r) => r.noise.otherCores));
  const maxSteal = Math.max(0, ...records.map((r) => r.noise.stealPct));
  const maxLoad = Math.max(0, ...records.map((r) => r.noise.load1));
  if (maxOther >= 0.25) notes.push(`other processes kept up to ${maxOther} cores busy during a run`);
  if (maxSteal >= 2) notes.push(`CPU steal up to ${maxSteal}%`);
  const wide = figures.filter((f) => f.spread > 0.25 && f.median !== null && Math.abs(f.median) >= 1);
  if (records.length > 1 && wide.length) notes.push(`runs differed by more than 25% on: ${wide.map((f) => f.label).join(', ')}`);
  if (maxLoad > 0) notes.push(`load average (1 min) at run starts up to ${maxLoad}`);
  return { type: 'summary', workload, runs: records.length, failedRuns, figures, noisy: maxOther >= 0.25 || maxSteal >= 2 || wide.length > 0, noiseNotes: notes };
}

/** The human table: one row per headline figure, scanpush's beside its Socket.IO reference as a ratio. */
export function table(summaries: readonly Summary[]): string {
  const ratios = socketIoRatios(summaries);
  const rows: string[][] = [['workload', 'figure', 'median', 'runs min–max', '÷ Socket.IO', 'target', '']];
  for (const s of summaries) {
    for (const f of s.figures) {
      const ratio = ratios.find((r) => r.workload === s.workload && r.key === f.key)?.ratio;
      rows.push([
        s.workload,
        f.label,
        fmt(f.median),
        s.runs > 1 ? `${fmt(f.min)}–${fmt(f.max)}` : '',
        ratio === undefined ? '' : `${ratio}×`,
        f.target ? `${f.target.op === '<=' ? '≤' : '≥'} ${fmt(f.target.value)}` : '',
        f.met === undefined ? '' : f.met ? 'met' : 'MISSED',
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]) => r.map((cell, c) => (c >= 2 && c <= 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const notes = summaries.filter((s) => s.noiseNotes.length).map((s) => `${s.workload}: ${s.noisy ? 'NOISY — ' : ''}${s.noiseNotes.join('; ')}`);
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return '∞';
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(round(v, 3));
}
