/**
 * `pnpm bench`: load benchmarks of the built server. See options.ts for the flags and BENCHMARKS.md for
 * what the figures mean and the latest ones.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withCluster } from './cluster.js';
import { checkPlan } from './limits.js';
import { ephemeralPorts, machineInfo, openFileLimit, type Noise } from './machine.js';
import { clusterAddresses, clusterWorkersFor, nodesFor, parseOptions, USAGE, UsageError, workersFor, type Options, type Workload } from './options.js';
import { Progress } from './progress.js';
import { socketIoRatios } from './ratios.js';
import { summarise, table, type Figures, type PollingFigures, type RunRecord, type Summary } from './report.js';
import { abortRuns, withRun, type RunOutcome } from './run.js';
import { SERVER_ENTRY } from './server-process.js';
import { capacity } from './workloads/capacity.js';
import { closed } from './workloads/closed.js';
import { latency } from './workloads/latency.js';
import { nodesCapacity } from './workloads/nodes-capacity.js';
import { latencyNodes, nodesLatency, type NodesLatencyFigures } from './workloads/nodes-latency.js';
import { pgClosed, type PgClosedFigures } from './workloads/pg-closed.js';
import { hasLongPoll, polling, type PollMode } from './workloads/polling.js';
import { soak } from './workloads/soak.js';

/** The Socket.IO reference's durable variant (durable-counter.ts). */
const DURABLE_PEER = { PEER_STORE: 'sqlite' };

async function main(): Promise<number> {
  let opts: Options;
  try {
    const parsed = parseOptions(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    opts = parsed;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  const progress = new Progress();
  const machine = machineInfo();
  const stale = serverBuildIsStale();
  const revision = serverRevision();
  progress.log(
    `scanpush bench: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memTotalMiB} MiB, node ${machine.node}, open files ${machine.fileLimit}; ` +
      `${opts.runs} run(s) of ${opts.only.join(', ')}${opts.quick ? ' (quick)' : ''}`,
  );
  if (opts.profileDir) {
    progress.log(`profiling into ${opts.profileDir}: the profiler and heap snapshots distort every figure of this run`);
    // The profiles name lines of the bundle: keep the map of this very build beside them.
    mkdirSync(opts.profileDir, { recursive: true });
    if (existsSync(`${SERVER_ENTRY}.map`)) copyFileSync(`${SERVER_ENTRY}.map`, join(opts.profileDir, 'main.js.map'));
  }
  if (stale) progress.log(`warning: ${SERVER_ENTRY} is older than the server's sources; run pnpm build for current figures`);

  const emit = (line: object) => {
    const text = `${JSON.stringify(line)}\n`;
    process.stdout.write(text);
    if (opts.out) appendFileSync(opts.out, text);
  };
  const summaries: Summary[] = [];
  let failures = 0;
  for (const workload of opts.only) {
    const records: RunRecord[] = [];
    let failed = 0;
    for (let run = 1; run <= opts.runs; run++) {
      const label = `${workload} ${run}/${opts.runs}`;
      try {
        const outcome = await runWorkload(opts, workload, run, label, progress);
        records.push({ workload, run, figures: outcome.figures, noise: outcome.noise });
        emit({
          bench: 'scanpush',
          type: 'run',
          workload,
          run,
          of: opts.runs,
          at: new Date().toISOString(),
          machine,
          serverBuildStale: stale,
          revision,
          profiled: opts.profileDir !== undefined,
          options: opts,
          figures: outcome.figures,
          noise: outcome.noise,
          serverProblems: { count: outcome.serverProblems.length, first: outcome.serverProblems.slice(0, 3) },
        });
        progress.log(`${label}: done (other load ${outcome.noise.otherCores} cores, steal ${outcome.noise.stealPct}%)`);
      } catch (err) {
        failed++;
        failures++;
        const message = describeError(err);
        emit({ bench: 'scanpush', type: 'error', workload, run, at: new Date().toISOString(), message });
        progress.log(`${label}: FAILED: ${message}`);
      }
    }
    const summary = summarise(workload, records, failed);
    summaries.push(summary);
    emit({ bench: 'scanpush', ...summary });
  }
  const ratios = socketIoRatios(summaries);
  if (ratios.length) emit({ bench: 'scanpush', type: 'ratios', against: 'socketio', ratios });
  progress.log(`\n${table(summaries)}`);
  return failures > 0 ? 1 : 0;
}

async function runWorkload(opts: Options, workload: Workload, run: number, label: string, progress: Progress): Promise<RunOutcome<Figures>> {
  const profile = profileSetup(opts, `${workload}-${run}`, workload === 'capacity' || workload === 'socketio-capacity');
  const clusterProfile = opts.profileDir ? join(opts.profileDir, `${workload}-${run}-nodes`) : undefined;
  switch (workload) {
    case 'capacity':
      return withRun(opts, { members: opts.sockets, workers: workersFor(opts, opts.sockets), label, progress, ...profile, heartbeatMs: opts.heartbeatMs }, (ctx) =>
        capacity(ctx, profile.serverCwd),
      );
    case 'latency':
      return withRun(opts, { members: opts.members, workers: workersFor(opts, opts.members), label, progress, ...profile }, latency);
    case 'closed':
      return withRun(opts, { members: opts.members, workers: workersFor(opts, opts.members), label, progress, ...profile }, closed);
    case 'floor':
      return withRun(opts, { members: opts.members, workers: workersFor(opts, opts.members), label, progress, ...profile, kind: 'floor' }, closed);
    case 'floor-latency':
      return withRun(opts, { members: opts.members, workers: workersFor(opts, opts.members), label, progress, ...profile, kind: 'floor' }, latency);
    case 'socketio-capacity':
      return withRun(opts, { members: opts.sockets, workers: workersFor(opts, opts.sockets), label, progress, ...profile, kind: 'socketio' }, (ctx) => capacity(ctx, profile.serverCwd));
    case 'socketio-latency':
      return withRun(opts, { members: opts.members, workers: workersFor(opts, opts.members), label, progress, ...profile, kind: 'socketio' }, latency);
    case 'socketio':
      return withRun(opts, { members: opts.members, workers: workersFor(opts, opts.members), label, progress, ...profile, kind: 'socketio' }, closed);
    case 'socketio-sqlite-latency':
      return withRun(opts, { members: opts.members, workers: workersFor(opts, opts.members), label, progress, ...profile, kind: 'socketio', env: DURABLE_PEER }, latency);
    case 'socketio-sqlite':
      return withRun(opts, { members: opts.members, workers: workersFor(opts, opts.members), label, progress, ...profile, kind: 'socketio', env: DURABLE_PEER }, closed);
    case 'polling': {
      // Three servers in turn, the same members and scans: only how members learn results differs.
      const side = (mode: PollMode) =>
        withRun(opts, { members: opts.pollMembers, workers: workersFor(opts, opts.pollMembers), label: `${label} ${mode}`, progress, ...profileSetup(opts, `polling-${mode}-${run}`, false) }, async (ctx) =>
          mode === 'long' && !(await hasLongPoll(ctx.server.url)) ? null : polling(ctx, mode),
        );
      const interval = await side('interval');
      const long = await side('long');
      const push = await side('push');
      if (!interval.figures || !push.figures) throw new Error('polling: a side produced no figures');
      const figures: PollingFigures = { interval: interval.figures, long: long.figures, push: push.figures };
      return { figures, noise: worst([interval.noise, long.noise, push.noise]), serverProblems: [...interval.serverProblems, ...long.serverProblems, ...push.serverProblems] };
    }
    case 'soak':
      return soak(opts, label, progress);
    case 'nodes-capacity': {
      const sockets = opts.nodesSockets;
      const setup = { members: sockets, nodes: nodesFor(opts, sockets), workers: clusterWorkersFor(opts, sockets), label, progress, profileDir: clusterProfile };
      // Before minutes of provisioning: a plan beyond a process's open files or the ports fails now.
      checkPlan(sockets, setup.nodes, setup.workers, clusterAddresses(opts, sockets), openFileLimit(), ephemeralPorts());
      return withCluster(opts, setup, nodesCapacity);
    }
    case 'nodes-latency': {
      // One SQLite process, then the cluster, the same members and rate: the figures sit side by side.
      const setup = { members: opts.members, workers: workersFor(opts, opts.members), progress };
      const sqlite = await withRun(opts, { ...setup, label: `${label} sqlite`, ...profile }, latency);
      const cluster = await withCluster(opts, { ...setup, nodes: latencyNodes(opts.bystanders), label: `${label} nodes`, profileDir: clusterProfile }, nodesLatency);
      const figures: NodesLatencyFigures = { sqlite: sqlite.figures, ...cluster.figures };
      return { figures, noise: worst([sqlite.noise, cluster.noise]), serverProblems: [...sqlite.serverProblems, ...cluster.serverProblems] };
    }
    case 'pg-closed': {
      const setup = { members: opts.members, workers: workersFor(opts, opts.members), progress };
      const sqlite = await withRun(opts, { ...setup, label: `${label} sqlite`, ...profile }, closed);
      const cluster = await withCluster(opts, { ...setup, nodes: 1, label: `${label} postgres`, profileDir: clusterProfile }, pgClosed);
      const figures: PgClosedFigures = { sqlite: sqlite.figures, postgres: cluster.figures };
      return { figures, noise: worst([sqlite.noise, cluster.noise]), serverProblems: [...sqlite.serverProblems, ...cluster.serverProblems] };
    }
  }
}

/** With --profile: the server writes a CPU profile on exit (and heap snapshots on SIGUSR2) into its own folder. */
function profileSetup(opts: Options, name: string, heap: boolean): { nodeArgs?: string[]; serverCwd?: string } {
  if (!opts.profileDir) return {};
  const dir = join(opts.profileDir, name);
  mkdirSync(dir, { recursive: true });
  return { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(heap ? ['--heapsnapshot-signal=SIGUSR2'] : [])], serverCwd: dir };
}

function worst(noises: Noise[]): Noise {
  return {
    load1: Math.max(...noises.map((n) => n.load1)),
    otherCores: Math.max(...noises.map((n) => n.otherCores)),
    stealPct: Math.max(...noises.map((n) => n.stealPct)),
  };
}

/** The commit measured, and whether the server's sources differ from it (work in progress). */
function serverRevision(): { commit: string; dirty: boolean } | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--', '../../server', '../../../packages/shared') !== '' };
  } catch {
    return null; // not a git checkout: the figures still stand, unlabelled
  }
}

/** True when a server or shared source file is newer than the built server. */
function serverBuildIsStale(): boolean {
  const built = statSync(SERVER_ENTRY, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return false; // the run itself reports the missing build
  const roots = ['../../server/src', '../../../packages/shared/src'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  return roots.some((r) => newest(r) > built);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the server and the clients\n`);
    void abortRuns().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

/** An error's message with its causes ("fetch failed: other side closed (UND_ERR_SOCKET)"). */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 4; depth++) {
    if (!(e instanceof Error)) {
      parts.push(String(e));
      break;
    }
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${e.message} (${code})` : e.message);
    e = e.cause;
  }
  return parts.join(': ');
}
