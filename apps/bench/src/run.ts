import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './clock.js';
import { Fleet } from './fleet.js';
import { startNoiseProbe, type Noise } from './machine.js';
import { histogram, parseSamples, sumOf, type Bucket } from './metrics-text.js';
import type { Options } from './options.js';
import type { Progress } from './progress.js';
import { newQrSecret, provision, type Fixture } from './provision.js';
import type { ClientDialect } from './protocol.js';
import { startServerProcess, type ServerKind, type ServerProcess } from './server-process.js';

/** What a workload gets for one run: a fresh server on a fresh database, and client workers. */
export interface RunContext {
  opts: Options;
  server: ServerProcess;
  fleet: Fleet;
  fixture: Fixture;
  qrSecret: string;
  progress: Progress;
  /** Label for progress lines, e.g. "latency 2/3". */
  label: string;
  /** Runs `work` but fails at once if the server or a client worker dies meanwhile. */
  guard<T>(work: Promise<T>): Promise<T>;
  /** Resolves when the server counts `n` open sockets (its /healthz), or throws after `timeoutMs`. */
  waitForServerSockets(n: number, timeoutMs?: number): Promise<void>;
  /** The server's /metrics, parsed. */
  metrics(): Promise<ServerMetrics>;
}

export interface ServerMetrics {
  pushLatency: Bucket[];
  heapUsedBytes: number;
  pushesSent: number;
  heartbeatTerminations: number;
  /** Event-loop delay since the previous scrape (prom-client resets it on every scrape), ms. */
  eventLoopLagMaxMs: number;
  eventLoopLagP99Ms: number;
  /** Results committed on another node that reached this one through Redis: their commit → arrival. */
  brokerLag: Bucket[];
  brokerReceived: number;
}

/** The figures the bench reads from a server's /metrics text. */
export function readServerMetrics(text: string): ServerMetrics {
  const samples = parseSamples(text);
  return {
    pushLatency: histogram(samples, 'scanpush_push_latency_seconds'),
    heapUsedBytes: sumOf(samples, 'scanpush_process_nodejs_heap_size_used_bytes'),
    pushesSent: sumOf(samples, 'scanpush_pushes_sent_total'),
    heartbeatTerminations: sumOf(samples, 'scanpush_socket_disconnects_total', { reason: 'heartbeat' }),
    eventLoopLagMaxMs: sumOf(samples, 'scanpush_process_nodejs_eventloop_lag_max_seconds') * 1000,
    eventLoopLagP99Ms: sumOf(samples, 'scanpush_process_nodejs_eventloop_lag_p99_seconds') * 1000,
    brokerLag: histogram(samples, 'scanpush_broker_lag_seconds'),
    brokerReceived: sumOf(samples, 'scanpush_broker_events_received_total'),
  };
}

export interface RunOutcome<T> {
  figures: T;
  noise: Noise;
  /** Warnings and errors the server logged. */
  serverProblems: string[];
}

/** Teardowns of the runs in progress, so an interrupted bench leaves no server or worker behind. */
const active = new Set<() => Promise<void>>();

/** Keeps `teardown` for abortRuns until the returned function is called (the run ended by itself). */
export function registerTeardown(teardown: () => Promise<void>): () => void {
  active.add(teardown);
  return () => active.delete(teardown);
}

/** Resolves when `server` counts `n` open sockets (its /healthz), or throws after `timeoutMs`. */
export async function waitForSockets(server: ServerProcess, n: number, guard: <R>(work: Promise<R>) => Promise<R>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = JSON.parse(await guard(server.get('/healthz'))) as { sockets: number };
    if (health.sockets === n) return;
    if (Date.now() > deadline) throw new Error(`the server counts ${health.sockets} sockets, expected ${n}`);
    await sleep(100);
  }
}

/** How the member sockets of a run speak: Socket.IO to the Socket.IO reference, else --dialect. */
export function clientDialect(opts: Options, server: ServerProcess): ClientDialect {
  return server.kind === 'socketio' ? 'socketio' : opts.dialect;
}

/** Stops whatever runs are in progress; for SIGINT and SIGTERM. */
export async function abortRuns(): Promise<void> {
  await Promise.allSettled([...active].map((teardown) => teardown()));
}

/**
 * Provisions `members` members, starts the server and `workers` client processes, runs `body`, and
 * always tears everything down. Noise is measured over the whole body.
 */
export async function withRun<T>(
  opts: Options,
  setup: {
    members: number;
    workers: number;
    label: string;
    progress: Progress;
    nodeArgs?: string[];
    serverCwd?: string;
    kind?: ServerKind;
    heartbeatMs?: number;
    /** More environment for the server (a peer's variant). */
    env?: Record<string, string>;
  },
  body: (ctx: RunContext) => Promise<T>,
): Promise<RunOutcome<T>> {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-bench-'));
  const qrSecret = newQrSecret();
  let server: ServerProcess | undefined;
  let fleet: Fleet | undefined;
  const teardown = async () => {
    await fleet?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  active.add(teardown);
  try {
    setup.progress.update(`${setup.label}: provisioning ${setup.members} members`);
    const fixture = await provision(join(dir, 'bench.db'), setup.members, Math.min(opts.stores, setup.members));
    server = await startServerProcess({ kind: setup.kind ?? 'scanpush', dbPath: join(dir, 'bench.db'), qrSecret, heartbeatMs: setup.heartbeatMs ?? opts.scanHeartbeatMs, env: { SQLITE_SYNCHRONOUS: opts.sqliteSynchronous, ...setup.env }, nodeArgs: [...((setup.kind ?? 'scanpush') === 'scanpush' ? opts.serverNodeFlags : []), ...(setup.nodeArgs ?? [])], ...(setup.serverCwd ? { cwd: setup.serverCwd } : {}) });
    fleet = Fleet.start(setup.workers);
    const s = server;
    const f = fleet;
    const guard = <R>(work: Promise<R>) => Promise.race([work, s.died, f.died]);
    const ctx: RunContext = {
      opts,
      server: s,
      fleet: f,
      fixture,
      qrSecret,
      progress: setup.progress,
      label: setup.label,
      guard,
      waitForServerSockets: (n, timeoutMs) => waitForSockets(s, n, guard, timeoutMs),
      async metrics() {
        return readServerMetrics(await guard(s.get('/metrics')));
      },
    };
    const probe = startNoiseProbe(() => [s.pid, process.pid, ...f.pids]);
    const figures = await guard(body(ctx));
    const noise = probe.stop();
    return { figures, noise, serverProblems: [...s.problems] };
  } finally {
    active.delete(teardown);
    await teardown();
  }
}
