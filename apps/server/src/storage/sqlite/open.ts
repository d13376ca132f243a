import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { SqliteSynchronous } from '../../config.js';
import type { Storage } from '../storage.js';
import { createSqliteAccounts } from './accounts-sqlite.js';
import { createSqliteAudit } from './audit-sqlite.js';
import { createSqliteCards } from './cards-sqlite.js';
import { createSqliteDevices } from './devices-sqlite.js';
import { createSqliteInvites } from './invites-sqlite.js';
import { createSqliteNotify } from './notify-sqlite.js';
import { createSqliteOffice } from './office-sqlite.js';
import { createSqliteProducts } from './products-sqlite.js';
import { createSqliteReports } from './reports-sqlite.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';
import { openEpoch } from './meta.js';
import { lockDatabase } from './process-lock.js';
import { createSqliteStreams, createStreamWriter } from './streams-sqlite.js';

// The committed migrations live in the package's drizzle/ folder: three levels up from
// src/storage/sqlite/open.ts when run from source, one level up from dist/main.js when bundled.
const MIGRATIONS = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../drizzle' : '../../../drizzle', import.meta.url));

export interface SqliteStorageOptions {
  /** The database file, created with its directory if missing; `:memory:` for a throwaway one. */
  path: string;
  /** See `openSqlite`. Default: normal. */
  synchronous?: SqliteSynchronous;
  /** Errors of background work (WAL checkpoints): logged, they never fail a request. */
  onBackgroundError?: (err: Error) => void;
}

/**
 * Opens (creating if needed) the SQLite connection at `path`, in WAL mode, and applies pending migrations
 * with drizzle's migrator. Drizzle is used for the schema and its migrations only; every query of the
 * engine is hand-written SQL prepared once on this connection (drizzle's query building and row mapping
 * cost about 150 µs a scan, see BENCHMARKS.md).
 *
 * Durability, always in WAL mode:
 * - synchronous=NORMAL (the default): a committed transaction survives a crash of the process, SIGKILL
 *   included; a power loss or an OS crash may lose the transactions committed since the WAL was last
 *   synced (at checkpoints), and never corrupts the file.
 * - synchronous=FULL: the WAL is synced at every COMMIT, so a committed transaction also survives a power
 *   loss. Group commit (GroupCommit) shares one sync among the scans of a turn; BENCHMARKS.md has the cost.
 */
export function openSqlite(path: string, synchronous: SqliteSynchronous = 'normal'): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const client = new Database(path);
  client.pragma('journal_mode = WAL');
  client.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  client.pragma('foreign_keys = ON');
  // 32 MB of page cache instead of SQLite's 2 MB: the indexes a scan walks (nonces, idempotency keys,
  // cards, streams) outgrow 2 MB within weeks, and then every lookup is a read from the file. On the
  // bench's small database it already saves 3-5 % a scan (pnpm bench --only closed, 2 runs each).
  client.pragma('cache_size = -32000');
  // Another process (a backup, a second server by mistake) holding the write lock: wait, don't fail.
  client.pragma('busy_timeout = 5000');
  // Savepoints (one per write in a group commit) journal the pages they change to a temporary file:
  // two system calls a page, most of the time a scan spent in the kernel after the WAL's own writes.
  // In memory they are undone the same way; a batch's journal is a few pages.
  client.pragma('temp_store = MEMORY');
  migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
  return client;
}

/**
 * The SQLite storage engine on one connection, for one process (a second one is refused, see
 * lockDatabase): opens the database (see `openSqlite`), settles its epoch
 * (a marked backup copy gets a new one, see `openEpoch`), and builds the three stores over it.
 *
 * Every write (scans, delivery marks, top-ups, accounts) goes through one GroupCommit: the writes of an
 * event-loop turn commit together, each in its own savepoint, and each promise settles after the COMMIT.
 * The WAL is checkpointed from a worker thread (see Checkpointer), not inside a scan's COMMIT.
 */
export function createSqliteStorage(options: string | SqliteStorageOptions): Storage {
  const { path, synchronous, onBackgroundError } = typeof options === 'string' ? { path: options } : options;
  const held = path === ':memory:' ? undefined : (mkdirSync(dirname(path), { recursive: true }), lockDatabase(path));
  let client: Database.Database;
  try {
    client = openSqlite(path, synchronous);
  } catch (err) {
    held?.release();
    throw err;
  }
  const epoch = openEpoch(client);
  const checkpointer = client.memory ? undefined : new Checkpointer(client, onBackgroundError ?? ((err) => process.emitWarning(err)));
  const writes = new GroupCommit(client, () => checkpointer?.committed());
  const ping = client.prepare('SELECT 1');
  let closed: Promise<void> | undefined;
  return {
    accounts: createSqliteAccounts(client, writes),
    cards: createSqliteCards(client, writes, createStreamWriter(client, epoch)),
    streams: createSqliteStreams(client, writes, epoch),
    invites: createSqliteInvites(client, writes),
    office: createSqliteOffice(client, writes),
    devices: createSqliteDevices(client, writes),
    notify: createSqliteNotify(client, writes),
    products: createSqliteProducts(client, writes),
    reports: createSqliteReports(client),
    audit: createSqliteAudit(client),
    async ping() {
      ping.get();
    },
    close: () =>
      (closed ??= (async () => {
        // What is queued for this turn commits before the connection goes.
        writes.flush();
        await checkpointer?.stop();
        client.close();
        held?.release();
      })()),
  };
}
