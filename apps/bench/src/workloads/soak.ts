/**
 * The soak (issue 13): member sockets connecting and leaving and merchants scanning, with refusals, for a
 * set time, while the server's memory and open files are sampled. A leak shows as a live heap or a
 * descriptor count that does not come back once every client has gone; BENCHMARKS.md says what "flat" means.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamCursor } from '@scanpush/shared';
import { sleep } from '../clock.js';
import { processCpuSeconds, startNoiseProbe } from '../machine.js';
import { localAddresses, type Options } from '../options.js';
import { bar, type Progress } from '../progress.js';
import { newQrSecret, provision, type Fixture } from '../provision.js';
import { registerTeardown, type RunOutcome } from '../run.js';
import { startServerProcess, type ServerProcess } from '../server-process.js';
import { round } from '../stats.js';
import { Churn, type ChurnCounts } from './soak-churn.js';
import { collectGarbage, freePort, inspectFlag } from './soak-inspector.js';
import { fdKinds, fit, MIB, mulberry32, readMemory, serverSockets, type Memory, type Slope } from './soak-probe.js';
import { ScanMix, type ScanCounts } from './soak-scans.js';

const SAMPLE_MS = 5000;
const REST_SAMPLE_MS = 2000;
/** The timed part's first seconds, while the staggered slots fill up, are left out of the fits. */
const RAMP_SECONDS = 30;
/** The window averaged for the "start" and "end" figures under load. */
const WINDOW_SECONDS = 60;
const DRAIN_TIMEOUT_MS = 60_000;
/** Flat: the live heap at rest grew by at most this much, or this share of itself if more (BENCHMARKS.md). */
const HEAP_FLAT_MIB = 2;
const HEAP_FLAT_SHARE = 0.05;
/**
 * RSS may grow by what SQLite's page cache legitimately adds — the database's growth, at most the 32,000 KiB
 * cache the server sets (storage/sqlite/open.ts) — plus the live heap's growth and this much allocator slack.
 */
const SQLITE_CACHE_MIB = 32_000 / 1024;
const RSS_SLACK_MIB = 8;
/** The soak's refusals are far above a merchant's default allowance (20 a minute); the limiter is not under test. */
const REFUSALS_PER_MINUTE = 10_000;

/** The server at rest: every client gone, nothing asked of it but /metrics every 2 s. */
export interface SoakRest {
  /** Heap used after a full collection asked through the inspector at the end of the rest: the live heap. */
  liveHeapMiB: number;
  /** The lowest heap used seen over the rest before that, on the collector's own schedule. */
  idleHeapMinMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  /** After the collection. */
  rssMiB: number;
  /** The SQLite database, its WAL and shared-memory files. */
  databaseMiB: number;
  /** Open descriptors after the collection (/proc/<pid>/fd), and by kind. */
  fds: number;
  fdKinds: Record<string, number>;
  /** The server's count of member sockets (/healthz), and how long it took to reach it after the clients left. */
  serverSockets: number;
  drainSeconds: number;
}

/** Every SAMPLE_MS of the timed part, nothing forced. */
export interface SoakSample extends Memory {
  /** Seconds into the timed part. */
  t: number;
  fds: number;
  serverSockets: number;
  clientSockets: number;
  connects: number;
  scans: number;
  /** Merchant answers since the previous sample: mean and longest, ms. */
  answerMeanMs: number | null;
  answerMaxMs: number | null;
}

export interface SoakFigures {
  seed: number;
  members: number;
  stores: number;
  sockets: number;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  idleSeconds: number;
  heartbeatMs: number;
  warmup: { connects: number; scans: number };
  churn: ChurnCounts;
  scans: ScanCounts;
  /** Over the timed part. */
  connects: number;
  connectsPerSecond: number;
  scansOk: number;
  refusals: number;
  unexpectedAnswers: number;
  rest: { before: SoakRest; after: SoakRest };
  /** Under load, after the ramp: means over the first and the last minute of the samples, and the slopes. */
  load: { heapStartMiB: number | null; heapEndMiB: number | null; rssStartMiB: number | null; rssEndMiB: number | null; heapSlope: Slope | null; rssSlope: Slope | null };
  verdict: {
    liveHeapGrowthMiB: number;
    heapLimitMiB: number;
    heapFlat: boolean;
    /** Live heap growth at rest over the timed part's connects, scans: the most a leak per connect or per scan can be. */
    heapBytesPerConnect: number | null;
    heapBytesPerScan: number | null;
    rssGrowthMiB: number;
    rssLimitMiB: number;
    rssFlat: boolean;
    /** No member socket left in the server's count, and no more socket descriptors than before. */
    socketsBack: boolean;
    fdGrowth: number;
    fdsBack: boolean;
    flat: boolean;
  };
  serverCpuPct: number;
  clientCpuPct: number;
  eventLoopLagMaxMs: number;
  samples: SoakSample[];
  /** How long each forced collection took, seen from the bench, ms (the server stalls about that long). */
  gcMs: number[];
}

interface Session {
  opts: Options;
  server: ServerProcess;
  inspectorPort: number;
  dbPath: string;
  gcMs: number[];
  fixture: Fixture;
  qrSecret: string;
  cursors: Map<number, StreamCursor>;
  /** Seeds each part's generator: the sockets' and the scans' draws do not interleave. */
  seed: number;
  progress: Progress;
  label: string;
  guard<T>(work: Promise<T>): Promise<T>;
}

/** One soak run: a fresh server on a fresh SQLite file, the load, the rests around it; always torn down. */
export async function soak(opts: Options, label: string, progress: Progress): Promise<RunOutcome<SoakFigures>> {
  const seed = opts.soakSeed ?? Math.floor(Math.random() * 2 ** 32);
  progress.log(`${label}: seed ${seed} (--soak-seed ${seed} repeats the random draws; which socket or scan gets which depends on timing)`);
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-soak-'));
  let server: ServerProcess | undefined;
  const teardown = async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = registerTeardown(teardown);
  try {
    progress.update(`${label}: provisioning ${opts.soakMembers} members`);
    const dbPath = join(dir, 'soak.db');
    const fixture = await provision(dbPath, opts.soakMembers, Math.min(opts.stores, opts.soakMembers));
    const qrSecret = newQrSecret();
    const inspectorPort = await freePort();
    server = await startServerProcess({
      dbPath,
      qrSecret,
      heartbeatMs: opts.heartbeatMs,
      nodeArgs: [inspectFlag(inspectorPort)],
      env: { SQLITE_SYNCHRONOUS: opts.sqliteSynchronous, MERCHANT_REFUSALS_PER_MINUTE: String(REFUSALS_PER_MINUTE), MERCHANT_REFUSAL_BURST: String(REFUSALS_PER_MINUTE) },
    });
    const srv = server;
    const guard = <T>(work: Promise<T>) => Promise.race([work, srv.died]);
    const session: Session = { opts, server: srv, inspectorPort, dbPath, gcMs: [], fixture, qrSecret, cursors: new Map(), seed, progress, label, guard };
    const probe = startNoiseProbe(() => [srv.pid, process.pid]);
    const figures = await guard(run(session));
    return { figures, noise: probe.stop(), serverProblems: [...srv.problems] };
  } finally {
    unregister();
    await teardown();
  }
}

async function run(s: Session): Promise<SoakFigures> {
  const { opts } = s;
  const warm = await load(s, 'warm-up', opts.soakWarmupSeconds, false, 0);
  const before = await rest(s, 'rest before');
  const cpu0 = processCpuSeconds(s.server.pid);
  const own0 = processCpuSeconds(process.pid);
  const timed = await load(s, 'soak', opts.soakSeconds, true, 1);
  const cpuSeconds = processCpuSeconds(s.server.pid) - cpu0;
  const ownSeconds = processCpuSeconds(process.pid) - own0;
  const after = await rest(s, 'rest after');

  const { churn, scans, samples, elapsedSeconds } = timed;
  const connects = churn.opened.text + churn.opened.structured;
  const refusals = scans.expected.replay + scans.expected.expired + scans.expected.garbage + scans.expected.wrongStore;
  const settled = samples.filter((x) => x.t >= RAMP_SECONDS);
  const end = samples.at(-1)?.t ?? 0;
  const mean = (from: number, to: number, pick: (x: SoakSample) => number) => {
    const xs = settled.filter((x) => x.t >= from && x.t < to).map(pick);
    return xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length, 1) : null;
  };
  const growth = after.liveHeapMiB - before.liveHeapMiB;
  const limit = Math.max(HEAP_FLAT_MIB, HEAP_FLAT_SHARE * before.liveHeapMiB);
  const rssGrowth = after.rssMiB - before.rssMiB;
  const rssLimit = Math.min(SQLITE_CACHE_MIB, Math.max(0, after.databaseMiB - before.databaseMiB)) + Math.max(0, growth) + RSS_SLACK_MIB;
  const socketsBack = after.serverSockets === 0 && (after.fdKinds.socket ?? 0) <= (before.fdKinds.socket ?? 0);
  const fdGrowth = after.fds - before.fds;
  const perEvent = (n: number) => (n > 0 ? Math.round((growth * MIB) / n) : null);
  return {
    seed: s.seed,
    members: opts.soakMembers,
    stores: s.fixture.merchantKeys.size,
    sockets: opts.soakSockets,
    rate: opts.soakRate,
    seconds: round(elapsedSeconds, 1),
    warmupSeconds: opts.soakWarmupSeconds,
    idleSeconds: opts.soakIdleSeconds,
    heartbeatMs: opts.heartbeatMs,
    warmup: { connects: warm.churn.opened.text + warm.churn.opened.structured, scans: warm.scans.sent },
    churn,
    scans,
    connects,
    connectsPerSecond: round(connects / elapsedSeconds, 1),
    scansOk: scans.expected.valid,
    refusals,
    unexpectedAnswers: Object.values(scans.unexpected).reduce((a, b) => a + b, 0),
    rest: { before, after },
    load: {
      heapStartMiB: mean(RAMP_SECONDS, RAMP_SECONDS + WINDOW_SECONDS, (x) => x.heapUsedMiB),
      heapEndMiB: mean(end - WINDOW_SECONDS, Infinity, (x) => x.heapUsedMiB),
      rssStartMiB: mean(RAMP_SECONDS, RAMP_SECONDS + WINDOW_SECONDS, (x) => x.rssMiB),
      rssEndMiB: mean(end - WINDOW_SECONDS, Infinity, (x) => x.rssMiB),
      heapSlope: fit(settled.map((x) => [x.t / 3600, x.heapUsedMiB])),
      rssSlope: fit(settled.map((x) => [x.t / 3600, x.rssMiB])),
    },
    verdict: {
      liveHeapGrowthMiB: round(growth, 2),
      heapLimitMiB: round(limit, 2),
      heapFlat: growth <= limit,
      heapBytesPerConnect: perEvent(connects),
      heapBytesPerScan: perEvent(scans.sent),
      rssGrowthMiB: round(rssGrowth, 1),
      rssLimitMiB: round(rssLimit, 1),
      rssFlat: rssGrowth <= rssLimit,
      socketsBack,
      fdGrowth,
      fdsBack: fdGrowth <= 0,
      flat: growth <= limit && rssGrowth <= rssLimit && socketsBack && fdGrowth <= 0,
    },
    serverCpuPct: round((cpuSeconds / elapsedSeconds) * 100, 1),
    clientCpuPct: round((ownSeconds / elapsedSeconds) * 100, 1),
    eventLoopLagMaxMs: Math.max(0, ...samples.map((x) => x.eventLoopLagMaxMs)),
    samples,
    gcMs: s.gcMs,
  };
}

interface Loaded {
  churn: ChurnCounts;
  scans: ScanCounts;
  samples: SoakSample[];
  elapsedSeconds: number;
}

/** The sockets' churn and the scans for `seconds`, sampled when `sampled`; then every client leaves. */
async function load(s: Session, phase: string, seconds: number, sampled: boolean, part: number): Promise<Loaded> {
  const { opts, server, guard } = s;
  const churn = new Churn({ wsUrl: server.wsUrl, members: s.fixture.members, slots: opts.soakSockets, heartbeatMs: opts.heartbeatMs, localAddresses: localAddresses(opts), cursors: s.cursors, rng: mulberry32(s.seed + 2 * part) });
  const scans = new ScanMix({ baseUrl: server.url, fixture: s.fixture, qrSecret: s.qrSecret, rate: opts.soakRate, rng: mulberry32(s.seed + 2 * part + 1), connected: () => churn.randomConnected() });
  const samples: SoakSample[] = [];
  const t0 = Date.now();
  const elapsed = () => (Date.now() - t0) / 1000;
  const stopProgress = s.progress.every(1000, () => {
    const last = samples.at(-1);
    const memory = last ? `, RSS ${last.rssMiB} MiB, heap ${last.heapUsedMiB} MiB, ${last.fds} files` : '';
    return `${s.label}: ${phase} ${bar(elapsed(), seconds)} ${elapsed().toFixed(0)}/${seconds} s, ${churn.open} sockets, ${churn.opened} connects, ${scans.counts.sent} scans${memory}`;
  });
  churn.start();
  scans.start();
  try {
    for (let k = 1; elapsed() < seconds; k++) {
      await guard(sleep(Math.max(0, Math.min(t0 + k * SAMPLE_MS, t0 + seconds * 1000) - Date.now())));
      if (!sampled || elapsed() >= seconds) continue;
      const m = await readMemory(server, guard);
      const sockets = await serverSockets(server, guard);
      const w = scans.takeWindow();
      samples.push({
        t: round(elapsed(), 1),
        ...m,
        fds: fdKinds(server.pid).total,
        serverSockets: sockets,
        clientSockets: churn.open,
        connects: churn.opened,
        scans: scans.counts.sent,
        answerMeanMs: w.meanMs === null ? null : round(w.meanMs, 2),
        answerMaxMs: w.maxMs === null ? null : round(w.maxMs, 1),
      });
    }
  } finally {
    stopProgress();
  }
  const elapsedSeconds = elapsed();
  s.progress.update(`${s.label}: ${phase}: every client leaving`);
  await guard(Promise.all([scans.stop(), churn.stop()]));
  return { churn: churn.counts, scans: scans.counts, samples, elapsedSeconds };
}

/**
 * Waits for the server to count no member socket, lets it idle `soakIdleSeconds` (reading /metrics every
 * 2 s), then asks for a full collection and weighs it.
 */
async function rest(s: Session, phase: string): Promise<SoakRest> {
  const { server, guard } = s;
  const t0 = Date.now();
  let sockets = await serverSockets(server, guard);
  while (sockets > 0 && Date.now() - t0 < DRAIN_TIMEOUT_MS) {
    await guard(sleep(200));
    sockets = await serverSockets(server, guard);
  }
  const drainSeconds = (Date.now() - t0) / 1000;
  const idle0 = Date.now();
  const until = idle0 + s.opts.soakIdleSeconds * 1000;
  let idleHeapMin = Infinity;
  const stopProgress = s.progress.every(1000, () => `${s.label}: ${phase}, no client ${bar(Date.now() - idle0, until - idle0)}`);
  try {
    while (Date.now() < until) {
      await guard(sleep(Math.min(REST_SAMPLE_MS, Math.max(0, until - Date.now()))));
      idleHeapMin = Math.min(idleHeapMin, (await readMemory(server, guard)).heapUsedMiB);
    }
  } finally {
    stopProgress();
  }
  const gc0 = Date.now();
  await guard(collectGarbage(s.inspectorPort));
  s.gcMs.push(Date.now() - gc0);
  await guard(sleep(1000)); // V8 hands freed pages back to the system just after the collection
  const m = await readMemory(server, guard);
  // Read right after a request, both times: the bench's one keep-alive connection to the server is in both counts.
  const remaining = await serverSockets(server, guard);
  const fds = fdKinds(server.pid);
  return {
    liveHeapMiB: m.heapUsedMiB,
    idleHeapMinMiB: idleHeapMin,
    heapTotalMiB: m.heapTotalMiB,
    externalMiB: m.externalMiB,
    rssMiB: m.rssMiB,
    databaseMiB: round(['', '-wal', '-shm'].reduce((a, suffix) => a + (statSync(s.dbPath + suffix, { throwIfNoEntry: false })?.size ?? 0), 0) / MIB, 1),
    fds: fds.total,
    fdKinds: fds.kinds,
    serverSockets: remaining,
    drainSeconds: round(drainSeconds, 1),
  };
}
