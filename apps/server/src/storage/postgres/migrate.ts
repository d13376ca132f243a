import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { rethrow } from './pool.js';

// The committed migrations live in the package's drizzle-pg/ folder: three levels up from
// src/storage/postgres/ when run from source, one level up from dist/main.js when bundled.
const MIGRATIONS = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../drizzle-pg' : '../../../drizzle-pg', import.meta.url));

/**
 * The advisory lock every node takes to migrate and settle the epoch: nodes starting at once run the
 * migrations once, one after the other, and agree on one epoch. (A constant: "scanpush" in ASCII.)
 */
export const STARTUP_LOCK = 0x7363616e70757368n;

export const EPOCH_KEY = 'epoch';
/** The identity of the database the epoch was made in (see databaseIdentity). */
export const IDENTITY_KEY = 'epoch_identity';

/**
 * Applies pending migrations and answers the database's epoch, under STARTUP_LOCK, on a connection of its
 * own rather than the pool's: without the pool's statement and read timeouts, which are sized for a scan,
 * so that a migration may take as long as it takes and a node that starts meanwhile waits for the lock
 * instead of failing. The lock is a session lock: it goes when the connection ends, also if this process
 * dies. Unreachable PostgreSQL: StorageUnavailableError, and the node does not start.
 */
export async function migrateAndSettleEpoch(options: { url: string; connectTimeoutMs: number }): Promise<string> {
  const client = new pg.Client({
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
    application_name: 'scanpush',
  });
  // A connection that dies also fails the statement in progress, which reports it; this only keeps the
  // event from crashing the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Not even a default of the role or database may cut a migration short.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK.toString()]);
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS });
    return await settleEpoch(client);
  } catch (err) {
    rethrow(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The database's epoch. It names the history of the streams, so it must change when the history forks:
 * when a copy of the database is opened in place of the original (pg_dump restored into a new database,
 * a cluster rebuilt from a dump), seqs after the copy's point are issued again with other results.
 * PostgreSQL has nothing like SQLite's "this file is a backup copy" mark that survives pg_dump, so the
 * epoch is stored with the identity of the database it was made in, and a new epoch is made when the
 * identity no longer matches: a restored copy is always another database (another OID) or in another
 * cluster (another system identifier).
 *
 * Not detected, because the identity survives them: a physical copy (pg_basebackup, a replica) promoted
 * in place of the primary (an asynchronous replica may lack the last commits, whose seqs are then issued
 * again), point-in-time recovery into the same cluster, and, where the role cannot read the system
 * identifier, a restore into a new cluster under the same database OID (databaseIdentity). After any of
 * these, the operator deletes the `epoch_identity` row of `meta` and restarts every node
 * (docs/production.md), which makes a new epoch. Synchronous replication makes a failover lose nothing, and then the history does not fork.
 */
async function settleEpoch(client: pg.ClientBase): Promise<string> {
  await client.query('BEGIN');
  try {
    const identity = await databaseIdentity(client);
    const rows = (await client.query<{ key: string; value: string }>('SELECT key, value FROM meta WHERE key IN ($1, $2)', [EPOCH_KEY, IDENTITY_KEY])).rows;
    const stored = new Map(rows.map((r) => [r.key, r.value]));
    let epoch = stored.get(EPOCH_KEY);
    const storedIdentity = stored.get(IDENTITY_KEY);
    if (epoch === undefined || storedIdentity === undefined || !sameDatabase(storedIdentity, identity)) {
      epoch = randomBytes(8).toString('hex');
      await client.query(`INSERT INTO meta (key, value) VALUES ($1, $2), ($3, $4) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
        EPOCH_KEY,
        epoch,
        IDENTITY_KEY,
        identity,
      ]);
    } else if (storedIdentity !== identity && !identity.startsWith('?/')) {
      // The same database, now that the system identifier can be read: keep it for the next comparison.
      await client.query('UPDATE meta SET value = $2 WHERE key = $1', [IDENTITY_KEY, identity]);
    }
    await client.query('COMMIT');
    return epoch;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Two identities name one database when their OIDs match, and their system identifiers where both are known. */
export function sameDatabase(a: string, b: string): boolean {
  const [systemA, oidA] = a.split('/');
  const [systemB, oidB] = b.split('/');
  return oidA === oidB && (systemA === systemB || systemA === '?' || systemB === '?');
}

/**
 * `<system identifier>/<database OID>`. The system identifier (made by initdb, kept by physical copies)
 * comes from pg_control_system(), which every role may call unless the installation revoked it (some
 * managed services do). Without it the identity is the database OID alone: that still tells apart a
 * restore into another database of the same cluster, but not always one into a new cluster, where the
 * first database created gets the same OID as in any other fresh cluster (16384): docs/production.md
 * says to delete the `epoch_identity` row after such a restore.
 */
async function databaseIdentity(client: pg.ClientBase): Promise<string> {
  const oid = (await client.query<{ oid: number }>('SELECT oid::int8 AS oid FROM pg_database WHERE datname = current_database()')).rows[0]!.oid;
  await client.query('SAVEPOINT identity');
  try {
    const system = (await client.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')).rows[0]!.id;
    await client.query('RELEASE SAVEPOINT identity');
    return `${system}/${oid}`;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT identity');
    return `?/${oid}`;
  }
}
