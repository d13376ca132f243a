import pg from 'pg';
import { StorageUnavailableError } from '../errors.js';

/** What the engine needs of PostgresConfig (config.ts). */
export interface PoolOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

// int8 (bigint: times in ms, row ids) and numeric come back from node-postgres as strings by default;
// every such value of ours stays below 2^53, so numbers. Set per pool, not on the driver's global table.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The node's pool. Every limit is finite, so a request waits a bounded time for PostgreSQL and then
 * answers 503, never hangs: a connection must be made within `connectTimeoutMs` (the pool's wait for a
 * free connection included), a statement is cancelled by the server after `statementTimeoutMs`, and the
 * client gives up on an answer a second after that (a server that vanished from the network answers
 * nothing at all). TCP keep-alive finds dead idle connections; the pool replaces broken ones on its own,
 * so the node recovers when PostgreSQL is back, with no restart.
 */
export function createPool(options: PoolOptions, onIdleError: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + 1000,
    keepAlive: true,
    application_name: 'scanpush',
    types,
  });
  // An idle connection that breaks (PostgreSQL restarted) emits here; without a listener it would crash
  // the process. The pool drops it and connects anew when next asked.
  pool.on('error', onIdleError);
  return pool;
}

// SQLSTATEs of "the database is not reachable now": connection exceptions (08…), the server shutting
// down or starting (57P01-57P03), too many connections (53300), and a statement cancelled by
// statement_timeout (57014; its transaction was rolled back).
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres reports its own timeouts and lost connections as plain Errors with these messages.
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'the database system is',
];

/** Whether a driver error means the database could not be reached (as opposed to a bug or bad data). */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code } = err as { code?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || UNAVAILABLE_ERRNOS.has(code))) return true;
  if (err instanceof AggregateError) return err.errors.some(isUnavailable);
  return UNAVAILABLE_MESSAGES.some((m) => err.message.includes(m));
}

/** Re-throws a driver error, as StorageUnavailableError when the database could not be reached. */
export function rethrow(err: unknown): never {
  if (isUnavailable(err)) throw new StorageUnavailableError(`PostgreSQL: ${(err as Error).message}`, { cause: err });
  throw err;
}

/** The SQLSTATE of a driver error, if it has one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * A statement outside any transaction; unavailability as StorageUnavailableError. A `name` makes it a
 * prepared statement, parsed and planned once per connection: for the statements on the scan's path
 * (BENCHMARKS.md, the driver measurement).
 */
export async function query<R extends pg.QueryResultRow>(pool: pg.Pool, text: string, values: unknown[] = [], name?: string): Promise<R[]> {
  try {
    return (await pool.query<R>(name ? { name, text, values } : { text, values })).rows;
  } catch (err) {
    rethrow(err);
  }
}

/** Races that a retry of the whole transaction resolves: unique violations, serialization failures, deadlocks. */
const RETRYABLE = new Set(['23505', '40001', '40P01']);
const ATTEMPTS = 4;

/**
 * Runs `work` in one transaction on one connection of the pool, and commits. A transaction that loses a
 * race (a unique index two nodes insert into at once, a deadlock) is rolled back and run again from the
 * start, up to ATTEMPTS times: the retry sees the winner's rows and decides accordingly (a nonce already
 * used, a key already answered). Connection failures become StorageUnavailableError; a connection that
 * failed is destroyed rather than returned to the pool.
 */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      rethrow(err);
    }
    let broken: Error | undefined;
    // The connection may die between two statements (while the decision runs): the client then emits
    // 'error', which would crash the process without a listener; the next statement fails anyway.
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (isUnavailable(err)) {
        broken = err as Error;
        rethrow(err);
      }
      await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
      if (attempt < ATTEMPTS && RETRYABLE.has(sqlState(err) ?? '')) continue;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
