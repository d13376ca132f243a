import { parseArgs } from 'node:util';

/** The server's default HEARTBEAT_MS (apps/server/src/config.ts), Socket.IO's pingInterval too. */
export const SHIPPED_HEARTBEAT_MS = 25_000;

export const WORKLOADS = [
  'capacity', 'socketio-capacity', 'latency', 'floor-latency', 'socketio-latency', 'socketio-sqlite-latency', 'closed', 'floor', 'socketio', 'socketio-sqlite',
  'polling', 'soak', 'nodes-capacity', 'nodes-latency', 'pg-closed',
] as const;
export type Workload = (typeof WORKLOADS)[number];
/**
 * What runs without --only: one process on SQLite, each figure beside its Socket.IO reference (issue 18).
 * The workloads across nodes need PostgreSQL and Redis; the soak takes minutes by design.
 */
export const DEFAULT_WORKLOADS: readonly Workload[] = [
  'capacity', 'socketio-capacity', 'latency', 'floor-latency', 'socketio-latency', 'socketio-sqlite-latency', 'closed', 'floor', 'socketio', 'socketio-sqlite', 'polling',
];
/** `--only nodes`: every workload across several processes. */
const NODES_WORKLOADS: readonly Workload[] = ['nodes-capacity', 'nodes-latency', 'pg-closed'];

/**
 * Sockets one node is given at most by default (nodesFor). The limit here is
 * 20,000 open files per process, hard; a node also holds its log pipes, epoll, PostgreSQL pool and Redis
 * connections, and a socket closing keeps its descriptor until the close is done, so 3,000 stay spare.
 */
export const SOCKETS_PER_NODE = 17_000;
/** Client sockets per worker for the runs across nodes: 8 workers for 100,000, each far below the limit. */
export const SOCKETS_PER_CLIENT_WORKER = 12_500;

/** Client sockets per loopback source address across nodes, by default. */
export const SOCKETS_PER_ADDRESS = 2_000;

const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Everything a bench run can be told; see USAGE for the meaning of each. */
export interface Options {
  quick: boolean;
  runs: number;
  only: Workload[];
  sockets: number;
  holdSeconds: number;
  /** HEARTBEAT_MS for the workloads that hold sockets to weigh them (capacity, nodes-capacity). */
  heartbeatMs: number;
  /** HEARTBEAT_MS for the scan workloads: the server's shipped setting unless --heartbeat-ms is given. */
  scanHeartbeatMs: number;
  sqliteSynchronous: 'normal' | 'full';
  members: number;
  rate: number;
  latencySeconds: number;
  inflight: number;
  closedSeconds: number;
  closedMaxScans: number;
  pollMembers: number;
  pollRate: number;
  pollSeconds: number;
  pollIntervalMs: number;
  /** The soak's timed part, after its warm-up and before its rest (see workloads/soak.ts). */
  soakSeconds: number;
  soakWarmupSeconds: number;
  /** Seconds with no client at all, before and after the timed part: where the heap is compared. */
  soakIdleSeconds: number;
  /** Member sockets alive at once, each connecting, living a short while and leaving, over and over. */
  soakSockets: number;
  soakMembers: number;
  /** Scan requests per second, deductions and refusals together. */
  soakRate: number;
  /** Seed of the soak's choices (members, dialects, lifetimes, departures, refusals); random when unset. */
  soakSeed: number | undefined;
  workers: number | undefined;
  /** Undefined: 8, or for nodes-capacity one per SOCKETS_PER_ADDRESS (see clusterAddresses). */
  addresses: number | undefined;
  stores: number;
  dialect: 'text' | 'structured';
  nodesSockets: number;
  nodes: number | undefined;
  bystanders: number;
  pgUrl: string;
  redisUrl: string;
  pgPoolSize: number;
  profileDir: string | undefined;
  /** Node flags for the scanpush server process (not the peers), e.g. a V8 heap setting under test. */
  serverNodeFlags: string[];
  out: string | undefined;
}

export const USAGE = `pnpm bench [options]

Starts the built server (apps/server/dist/main.js, NODE_ENV=production) on a fresh database per run and
measures it. JSON lines on stdout (one per workload run, then one summary per workload); progress and
the table on stderr.

  --quick                 one-minute smoke run: small sizes, 1 run
  --runs N                runs of each workload; the table shows medians (default 3; quick or soak alone 1)
  --only LIST             workloads, comma-separated: ${WORKLOADS.join(',')}, or nodes for the
                          last three (default: ${DEFAULT_WORKLOADS.join(',')}, one process on SQLite)
  --seconds S             the timed part of every workload (overrides the per-workload defaults)
  capacity (and --hold-seconds, --heartbeat-ms for nodes-capacity too):
  --sockets N             member sockets to hold (default 19000, quick 2000)
  --hold-seconds S        hold them this long with heartbeats on (default 20, quick 3)
  --heartbeat-ms MS       the server's HEARTBEAT_MS (default 10000, quick 1000, so the hold sees heartbeats;
                          the scan workloads run at the shipped ${SHIPPED_HEARTBEAT_MS} unless this is given)
  latency (open loop):
  --members N             members connected during latency and closed loop (default 10000, quick 1000)
  --rate N                scans per second (default 1000, quick 500)
  --latency-seconds S     default 20, quick 4
  closed loop:
  --inflight N            scans in flight (default 32)
  --closed-seconds S      default 10, quick 4
  --closed-max-scans N    QR tokens minted beforehand, the upper bound of scans (default 250000)
  floor: the closed loop against bare ws + node:http (floor-server.ts) on this machine, for scale
  floor-latency: the open loop (--rate) against the same bare server: what the clients and the box add
  the Socket.IO reference (socketio-server.ts): Socket.IO 4 (WebSocket only, its default 25 s heartbeat)
  doing the same push from an in-memory counter, the same clients speaking its protocol; the table gives
  each scanpush figure also as a ratio to it:
  socketio-capacity: capacity's sockets and hold against it    socketio-latency: latency's open loop
  socketio: the closed loop
  socketio-sqlite-latency, socketio-sqlite: the same Socket.IO server committing each scan to SQLite
  first (durable-counter.ts: the card's balance and the QR's nonce, one transaction a scan, scanpush's
  SQLite settings), what durability alone costs on this machine
  polling baseline:
  --poll-members N        waiting members (default 2000, quick 500)
  --poll-rate N           scans per second among them (default 100, quick 50)
  --poll-seconds S        default 20, quick 4
  --poll-interval-ms MS   the seed's polling interval (default 2000)
  soak: member sockets of both dialects connecting, living a few seconds and leaving (a close frame, a
        dropped or reset TCP connection, or falling silent until the heartbeat ends them) while
        merchants scan, a quarter of the scans refused (replayed, expired, garbage, another store's);
        the server's RSS, JS heap and open files sampled; not in the default set:
  --soak-seconds S        the timed part (default 300, quick 20; --seconds sets it too; at most 86400)
                          (its first 30 s are left out of the figures under load)
  --soak-warmup-seconds S the same load before it, not measured (default 30, quick 3)
  --soak-idle-seconds S   no client at all before and after it, where the heap is compared (default 30, quick 10)
  --soak-sockets N        sockets alive at once (default 1000, quick 100)
  --soak-members N        members they are spread over, each with a card (default 5000, quick 500)
  --soak-rate N           scan requests per second (default 100, quick 20)
  --soak-seed N           seed of the soak's random choices (default: random, printed in the figures)
  across several nodes: server processes sharing one PostgreSQL database (created for the run, dropped
  after) and one Redis (a key prefix of the run's own); not in the default set, name them in --only:
  nodes-capacity: --nodes-sockets authenticated member sockets over --nodes processes, heartbeats on, held
                  --hold-seconds; RSS per socket of every node, Redis memory per socket (INFO), and
                  whether every socket stayed open
  nodes-latency:  --members members, their sockets on bench-1; scans at --rate for --latency-seconds enter
                  bench-2 (the push crosses Redis), then bench-1 itself; --bystanders more nodes hold no
                  members (what every event costs a node that has none of its members). Beside it in
                  the same run, the latency workload on one SQLite process
  pg-closed:      the closed loop (--inflight, --closed-seconds) on one node on PostgreSQL (+ Redis),
                  beside the closed loop on one SQLite process in the same run
                  (both: each node that takes scans gets 2 s of them at --rate first, untimed, so its
                  PostgreSQL connections are open; CPU per scan of every node, PostgreSQL and Redis)
  --nodes-sockets N       member sockets for nodes-capacity (default 100000, quick 3000)
  --nodes N               nodes-capacity's server processes (default one per ${SOCKETS_PER_NODE.toLocaleString('en-US')} sockets, at least 3:
                          6 for 100,000, each far below the 20,000 open files a process may have)
  --bystanders N          nodes-latency's nodes with no members and no scans (default 1): Redis sends every
                          event to every node, so what a scan costs grows with the nodes
  --pg-url URL            PostgreSQL where each run creates its database (default ${DEFAULT_PG_URL})
  --redis-url URL         Redis (default ${DEFAULT_REDIS_URL})
  --pg-pool-size N        every node's PG_POOL_SIZE (default 10, the server's own)
  clients:
  --workers N             client processes (default: one per 5000 sockets, at least 2; across nodes
                          one per ${SOCKETS_PER_CLIENT_WORKER.toLocaleString('en-US')})
  --addresses N           loopback source addresses 127.0.0.2… to spread sockets over (default 8; for
                          nodes-capacity one per ${SOCKETS_PER_ADDRESS.toLocaleString('en-US')} sockets, at least 8: the kernel's search for a
                          free port to bind slows as an address's ports fill up)
  --stores N              stores (each with a merchant key) members are spread over (default 10)
  --dialect text|structured   the member sockets' dialect (default text, the seed's)
  server:
  --sqlite-synchronous normal|full   the server's SQLITE_SYNCHRONOUS (default normal, its own default)
  output:
  --profile DIR           run the server with --cpu-prof and take heap snapshots per socket count into DIR
  --server-node-flags F   Node flags for the scanpush server's process, space-separated (the peers keep
                          theirs), e.g. "--max-semi-space-size=8": what a V8 setting buys
  --out FILE              also append the JSON lines to FILE
  --help
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses argv; throws UsageError with a message naming the bad flag. */
export function parseOptions(argv: string[]): Options | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        help: { type: 'boolean' },
        runs: { type: 'string' },
        only: { type: 'string' },
        seconds: { type: 'string' },
        sockets: { type: 'string' },
        'hold-seconds': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        members: { type: 'string' },
        rate: { type: 'string' },
        'latency-seconds': { type: 'string' },
        inflight: { type: 'string' },
        'closed-seconds': { type: 'string' },
        'closed-max-scans': { type: 'string' },
        'poll-members': { type: 'string' },
        'poll-rate': { type: 'string' },
        'poll-seconds': { type: 'string' },
        'poll-interval-ms': { type: 'string' },
        'soak-seconds': { type: 'string' },
        'soak-warmup-seconds': { type: 'string' },
        'soak-idle-seconds': { type: 'string' },
        'soak-sockets': { type: 'string' },
        'soak-members': { type: 'string' },
        'soak-rate': { type: 'string' },
        'soak-seed': { type: 'string' },
        workers: { type: 'string' },
        addresses: { type: 'string' },
        stores: { type: 'string' },
        dialect: { type: 'string' },
        'sqlite-synchronous': { type: 'string' },
        'nodes-sockets': { type: 'string' },
        nodes: { type: 'string' },
        bystanders: { type: 'string' },
        'pg-url': { type: 'string' },
        'redis-url': { type: 'string' },
        'pg-pool-size': { type: 'string' },
        profile: { type: 'string' },
        'server-node-flags': { type: 'string' },
        out: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const quick = v.quick ?? false;
  const num = (flag: string, raw: string | undefined, fallback: number, min: number, max: number, integer = true): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`);
    }
    return n;
  };
  const seconds = v.seconds === undefined ? undefined : num('seconds', v.seconds, 0, 0.5, 3600, false);
  const secs = (flag: string, raw: string | undefined, full: number, smoke: number) => num(flag, raw, seconds ?? (quick ? smoke : full), 0.5, 3600, false);

  const only = v.only === undefined ? [...DEFAULT_WORKLOADS] : [...new Set(v.only.split(',').flatMap((w): string[] => (w.trim() === 'nodes' ? [...NODES_WORKLOADS] : [w.trim()])))];
  for (const w of only) if (!(WORKLOADS as readonly string[]).includes(w)) throw new UsageError(`--only: unknown workload "${w}" (known: ${WORKLOADS.join(', ')}, nodes)`);
  if (v.dialect !== undefined && v.dialect !== 'text' && v.dialect !== 'structured') throw new UsageError(`--dialect must be text or structured, got "${v.dialect}"`);
  const sync = v['sqlite-synchronous'];
  if (sync !== undefined && sync !== 'normal' && sync !== 'full') throw new UsageError(`--sqlite-synchronous must be normal or full, got "${sync}"`);
  const pgUrl = v['pg-url'] ?? DEFAULT_PG_URL;
  if (!/^postgres(ql)?:\/\/./.test(pgUrl)) throw new UsageError(`--pg-url must be a postgres:// URL, got "${pgUrl}"`);
  const redisUrl = v['redis-url'] ?? DEFAULT_REDIS_URL;
  if (!/^rediss?:\/\/./.test(redisUrl)) throw new UsageError(`--redis-url must be a redis:// URL, got "${redisUrl}"`);

  const options: Options = {
    quick,
    // A soak is minutes long by design: alone, it runs once unless asked.
    runs: num('runs', v.runs, quick || only.every((w) => w === 'soak') ? 1 : 3, 1, 50),
    only: only as Workload[],
    sockets: num('sockets', v.sockets, quick ? 2000 : 19_000, 1, 200_000),
    holdSeconds: secs('hold-seconds', v['hold-seconds'], 20, 3),
    heartbeatMs: num('heartbeat-ms', v['heartbeat-ms'], quick ? 1000 : 10_000, 100, 600_000),
    // Socket.IO pings every 25 s by default: the scan workloads compare like with like, at the shipped 25 s.
    scanHeartbeatMs: num('heartbeat-ms', v['heartbeat-ms'], SHIPPED_HEARTBEAT_MS, 100, 600_000),
    sqliteSynchronous: sync ?? 'normal',
    members: num('members', v.members, quick ? 1000 : 10_000, 1, 200_000),
    rate: num('rate', v.rate, quick ? 500 : 1000, 1, 100_000),
    latencySeconds: secs('latency-seconds', v['latency-seconds'], 20, 4),
    inflight: num('inflight', v.inflight, 32, 1, 4096),
    closedSeconds: secs('closed-seconds', v['closed-seconds'], 10, 4),
    closedMaxScans: num('closed-max-scans', v['closed-max-scans'], 250_000, 1, 5_000_000),
    pollMembers: num('poll-members', v['poll-members'], quick ? 500 : 2000, 1, 200_000),
    pollRate: num('poll-rate', v['poll-rate'], quick ? 50 : 100, 1, 100_000),
    pollSeconds: secs('poll-seconds', v['poll-seconds'], 20, 4),
    pollIntervalMs: num('poll-interval-ms', v['poll-interval-ms'], 2000, 50, 60_000),
    soakSeconds: num('soak-seconds', v['soak-seconds'], seconds ?? (quick ? 20 : 300), 1, 86_400, false),
    soakWarmupSeconds: num('soak-warmup-seconds', v['soak-warmup-seconds'], quick ? 3 : 30, 0, 3600, false),
    soakIdleSeconds: num('soak-idle-seconds', v['soak-idle-seconds'], quick ? 10 : 30, 5, 3600, false),
    soakSockets: num('soak-sockets', v['soak-sockets'], quick ? 100 : 1000, 1, 15_000),
    soakMembers: num('soak-members', v['soak-members'], quick ? 500 : 5000, 1, 200_000),
    soakRate: num('soak-rate', v['soak-rate'], quick ? 20 : 100, 1, 10_000),
    soakSeed: v['soak-seed'] === undefined ? undefined : num('soak-seed', v['soak-seed'], 0, 0, 2 ** 32 - 1),
    workers: v.workers === undefined ? undefined : num('workers', v.workers, 2, 1, 64),
    addresses: v.addresses === undefined ? undefined : num('addresses', v.addresses, 8, 1, 250),
    stores: num('stores', v.stores, 10, 1, 10_000),
    dialect: (v.dialect ?? 'text') as 'text' | 'structured',
    nodesSockets: num('nodes-sockets', v['nodes-sockets'], quick ? 3000 : 100_000, 1, 1_000_000),
    nodes: v.nodes === undefined ? undefined : num('nodes', v.nodes, 3, 1, 64),
    bystanders: num('bystanders', v.bystanders, 1, 0, 32),
    pgUrl,
    redisUrl,
    pgPoolSize: num('pg-pool-size', v['pg-pool-size'], 10, 1, 1000),
    profileDir: v.profile,
    serverNodeFlags: nodeFlags(v['server-node-flags']),
    out: v.out,
  };
  // Every soak socket is a member of its own: a second socket of the same member would be another test.
  if (only.includes('soak') && options.soakMembers < options.soakSockets) {
    throw new UsageError(`--soak-members (${options.soakMembers}) must be at least --soak-sockets (${options.soakSockets})`);
  }
  return options;
}

/** Client processes for `sockets` sockets: each stays far below the 20,000 open files a process may hold. */
export function workersFor(opts: Options, sockets: number): number {
  return opts.workers ?? Math.max(2, Math.ceil(sockets / 5000));
}

/** Server processes for `sockets` member sockets across nodes: at most SOCKETS_PER_NODE each, at least 3. */
export function nodesFor(opts: Options, sockets: number): number {
  return opts.nodes ?? Math.max(3, Math.ceil(sockets / SOCKETS_PER_NODE));
}

/** Client processes for the runs across nodes. */
export function clusterWorkersFor(opts: Options, sockets: number): number {
  return opts.workers ?? Math.max(2, Math.ceil(sockets / SOCKETS_PER_CLIENT_WORKER));
}

/** 127.0.0.2, 127.0.0.3, …: the whole of 127/8 is loopback on Linux, each with its own ephemeral ports. */
export function localAddresses(opts: Options, count = opts.addresses ?? 8): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}

/**
 * Source addresses for `sockets` sockets across nodes. Binding a source address with port 0 makes the
 * kernel search that address's ephemeral ports for a free one, which slows as they fill: measured here,
 * 36,000 sockets opened at 400/s on 2 addresses and at 1,000/s on 24 (three times less system CPU).
 */
export function clusterAddresses(opts: Options, sockets: number): number {
  return opts.addresses ?? Math.min(250, Math.max(8, Math.ceil(sockets / SOCKETS_PER_ADDRESS)));
}

/** `--server-node-flags`: space-separated flags, each starting with `--`. */
function nodeFlags(raw: string | undefined): string[] {
  const flags = (raw ?? '').split(/\s+/).filter(Boolean);
  const bad = flags.find((f) => !f.startsWith('--'));
  if (bad !== undefined) throw new UsageError(`--server-node-flags: "${bad}" is not a flag (each starts with --)`);
  return flags;
}
