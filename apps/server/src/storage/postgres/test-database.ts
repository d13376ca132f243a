import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests create their databases on: the machine's PostgreSQL unless the environment says otherwise. */
export const TEST_PG_ADMIN_URL = process.env.SCANPUSH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Pool settings of the engine under test: small, with timeouts generous enough for a loaded CI machine. */
export const TEST_POOL = { poolSize: 8, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 };

export interface TestDatabase {
  /** The new database's URL (DATABASE_URL of a server under test). */
  url: string;
  name: string;
  /** Drops it, closing any connection left to it. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database with a random name, for one test (tests run in parallel, each on its own).
 * Fails, never skips, when PostgreSQL cannot be reached: `scripts/ensure-system-deps.sh` starts it.
 */
export async function createTestDatabase(prefix = 'scanpush_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL for the tests is not reachable at ${TEST_PG_ADMIN_URL} (run scripts/ensure-system-deps.sh): ${(err as Error).message}`);
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
