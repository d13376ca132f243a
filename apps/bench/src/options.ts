import { parseArgs } from 'node:util';

export const WORKLOADS = ['capacity', 'latency', 'floor-latency', 'closed', 'floor', 'polling'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Everything a bench run can be told; see USAGE for the meaning of each. */
export interface Options {
  quick: boolean;
  runs: number;
  only: Workload[];
  sockets: number;
  holdSeconds: number;
  heartbeatMs: number;
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
  workers: number | undefined;
  addresses: number;
  stores: number;
  dialect: 'text' | 'structured';
  profileDir: string | undefined;
  out: string | undefined;
}

export const USAGE = `pnpm bench [options]

Starts the built server (apps/server/dist/main.js, NODE_ENV=production) on a fresh database per run and
measures it. JSON lines on stdout (one per workload run, then one summary per workload); progress and
the table on stderr.

  --quick                 one-minute smoke run: small sizes, 1 run
  --runs N                runs of each workload; the table shows medians (default 3, quick 1)
  --only LIST             workloads, comma-separated: ${WORKLOADS.join(',')} (default all)
  --seconds S             the timed part of every workload (overrides the per-workload defaults)
  capacity:
  --sockets N             member sockets to hold (default 19000, quick 2000)
  --hold-seconds S        hold them this long with heartbeats on (default 20, quick 3)
  --heartbeat-ms MS       the server's HEARTBEAT_MS (default 10000, quick 1000)
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
  polling baseline:
  --poll-members N        waiting members (default 2000, quick 500)
  --poll-rate N           scans per second among them (default 100, quick 50)
  --poll-seconds S        default 20, quick 4
  --poll-interval-ms MS   the seed's polling interval (default 2000)
  clients:
  --workers N             client processes (default: one per 5000 sockets, at least 2)
  --addresses N           loopback source addresses 127.0.0.2… to spread sockets over (default 8)
  --stores N              stores (each with a merchant key) members are spread over (default 10)
  --dialect text|structured   the member sockets' dialect (default text, the seed's)
  server:
  --sqlite-synchronous normal|full   the server's SQLITE_SYNCHRONOUS (default normal, its own default)
  output:
  --profile DIR           run the server with --cpu-prof and take heap snapshots per socket count into DIR
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
        workers: { type: 'string' },
        addresses: { type: 'string' },
        stores: { type: 'string' },
        dialect: { type: 'string' },
        'sqlite-synchronous': { type: 'string' },
        profile: { type: 'string' },
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

  const only = v.only === undefined ? [...WORKLOADS] : v.only.split(',').map((w) => w.trim());
  for (const w of only) if (!(WORKLOADS as readonly string[]).includes(w)) throw new UsageError(`--only: unknown workload "${w}" (known: ${WORKLOADS.join(', ')})`);
  if (v.dialect !== undefined && v.dialect !== 'text' && v.dialect !== 'structured') throw new UsageError(`--dialect must be text or structured, got "${v.dialect}"`);
  const sync = v['sqlite-synchronous'];
  if (sync !== undefined && sync !== 'normal' && sync !== 'full') throw new UsageError(`--sqlite-synchronous must be normal or full, got "${sync}"`);

  return {
    quick,
    runs: num('runs', v.runs, quick ? 1 : 3, 1, 50),
    only: only as Workload[],
    sockets: num('sockets', v.sockets, quick ? 2000 : 19_000, 1, 200_000),
    holdSeconds: secs('hold-seconds', v['hold-seconds'], 20, 3),
    heartbeatMs: num('heartbeat-ms', v['heartbeat-ms'], quick ? 1000 : 10_000, 100, 600_000),
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
    workers: v.workers === undefined ? undefined : num('workers', v.workers, 2, 1, 64),
    addresses: num('addresses', v.addresses, 8, 1, 250),
    stores: num('stores', v.stores, 10, 1, 10_000),
    dialect: (v.dialect ?? 'text') as 'text' | 'structured',
    profileDir: v.profile,
    out: v.out,
  };
}

/** Client processes for `sockets` sockets: each stays far below the 20,000 open files a process may hold. */
export function workersFor(opts: Options, sockets: number): number {
  return opts.workers ?? Math.max(2, Math.ceil(sockets / 5000));
}

/** 127.0.0.2, 127.0.0.3, …: the whole of 127/8 is loopback on Linux, each with its own ephemeral ports. */
export function localAddresses(opts: Options): string[] {
  return Array.from({ length: opts.addresses }, (_, i) => `127.0.0.${i + 2}`);
}
