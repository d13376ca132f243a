/**
 * The shared engines of a run across several nodes: a fresh PostgreSQL database and a fresh Redis key
 * prefix, both dropped at the end, and what the bench reads of them (their memory and CPU, the
 * PostgreSQL processes serving the run).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface BenchDatabase {
  /** The new database's URL: the nodes' DATABASE_URL. */
  url: string;
  name: string;
  /**
   * PostgreSQL processes working for this run now: the backends connected to this database, and the
   * server's WAL writer, checkpointer and background writer (shared with other databases, quiet here).
   */
  pids(): Promise<number[]>;
  /** WAL the whole PostgreSQL server has written and flushed so far (pg_stat_wal), and this database's size. */
  stats(): Promise<DatabaseStats>;
  /** Drops the database (closing any connection left to it) and the admin connection. */
  drop(): Promise<void>;
}

export interface DatabaseStats {
  walBytes: number;
  walSyncs: number;
  sizeBytes: number;
}

/**
 * Creates `scanpush_bench_<random>` through `adminUrl` (a database that exists, e.g. `postgres`). Fails
 * with the URL in the message when PostgreSQL cannot be reached.
 */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `scanpush_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000, application_name: 'scanpush-bench' });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${redact(adminUrl)} (--pg-url): ${(err as Error).message}`);
  }
  // A connection that breaks while the run goes on is reported by the next query; never an uncaught error.
  admin.on('error', () => undefined);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    async pids() {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`,
        [name],
      );
      return rows.map((r) => r.pid);
    },
    async stats() {
      const { rows } = await admin.query<{ wal_bytes: string; wal_sync: string; size: string }>(
        'SELECT wal_bytes::text, wal_sync::text, pg_database_size($1)::text AS size FROM pg_stat_wal',
        [name],
      );
      const row = rows[0];
      if (!row) throw new Error('pg_stat_wal answered no row');
      return { walBytes: Number(row.wal_bytes), walSyncs: Number(row.wal_sync), sizeBytes: Number(row.size) };
    },
    drop: () =>
      (dropped ??= (async () => {
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await admin.end().catch(() => undefined);
        }
      })()),
  };
}

/** What the bench reads of Redis's INFO. */
export interface RedisInfo {
  /** Bytes the allocator holds for data, clients and buffers (`used_memory`). */
  usedMemory: number;
  usedMemoryRss: number;
  /** User + system CPU seconds Redis has used since it started. */
  cpuSeconds: number;
  connectedClients: number;
  pubsubChannels: number;
  pid: number;
}

export interface BenchRedis {
  url: string;
  /** The nodes' REDIS_KEY_PREFIX: unique to this run. */
  prefix: string;
  info(): Promise<RedisInfo>;
  /** Deletes every key under the prefix (the broker keeps none today; a later one may), then disconnects. */
  drop(): Promise<void>;
}

/** Connects to Redis at `url` and picks a fresh key prefix; fails with the URL when it cannot be reached. */
export async function openBenchRedis(url: string): Promise<BenchRedis> {
  const prefix = `scanpush-bench-${randomBytes(6).toString('hex')}:`;
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1, retryStrategy: () => null, connectionName: 'scanpush-bench' });
  // Reported by the command that fails; the connection's own error says more than "Connection is closed".
  let lastError: Error | undefined;
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(`Redis is not reachable at ${redact(url)} (--redis-url): ${(lastError ?? (err as Error)).message}`);
  }
  let dropped: Promise<void> | undefined;
  return {
    url,
    prefix,
    async info() {
      return parseRedisInfo(await client.info());
    },
    drop: () =>
      (dropped ??= (async () => {
        try {
          let cursor = '0';
          do {
            const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
            if (keys.length) await client.del(...keys);
            cursor = next;
          } while (cursor !== '0');
        } finally {
          client.disconnect();
        }
      })()),
  };
}

/** The fields of INFO's `key:value` lines the bench uses. */
export function parseRedisInfo(text: string): RedisInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  const num = (key: string): number => {
    const v = Number(fields.get(key));
    if (!Number.isFinite(v)) throw new Error(`Redis INFO has no numeric ${key}`);
    return v;
  };
  return {
    usedMemory: num('used_memory'),
    usedMemoryRss: num('used_memory_rss'),
    cpuSeconds: num('used_cpu_sys') + num('used_cpu_user'),
    connectedClients: num('connected_clients'),
    pubsubChannels: num('pubsub_channels'),
    pid: num('process_id'),
  };
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
