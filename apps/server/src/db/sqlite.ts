import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { SqliteSynchronous } from '../config.js';
import * as schema from './schema.js';

export type SqliteDb = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

// The committed migrations live in the package's drizzle/ folder: two levels up from src/db/sqlite.ts
// when run from source, one level up from dist/main.js when bundled.
const MIGRATIONS = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../drizzle' : '../../drizzle', import.meta.url));

/**
 * Opens (creating if needed) the SQLite file at `path` and applies pending migrations.
 *
 * Durability, always in WAL mode:
 * - synchronous=NORMAL (the default): a committed transaction survives a crash of the process, SIGKILL
 *   included; a power loss or an OS crash may lose the transactions committed since the WAL was last
 *   synced (at checkpoints), and never corrupts the file.
 * - synchronous=FULL: the WAL is synced at every COMMIT, so a committed transaction also survives a power
 *   loss. Group commit (GroupCommit) shares one sync among the scans of a turn; BENCHMARKS.md has the cost.
 */
export function openSqlite(path: string, synchronous: SqliteSynchronous = 'normal'): SqliteDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const client = new Database(path);
  client.pragma('journal_mode = WAL');
  client.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  client.pragma('foreign_keys = ON');
  // 32 MB of page cache instead of SQLite's 2 MB: the indexes a scan walks (nonces, idempotency keys,
  // cards, outbox) outgrow 2 MB within weeks, and then every lookup is a read from the file. On the
  // bench's small database it already saves 3-5 % a scan (pnpm bench --only closed, 2 runs each).
  client.pragma('cache_size = -32000');
  // Another process (a backup, a second server by mistake) holding the write lock: wait, don't fail.
  client.pragma('busy_timeout = 5000');
  const db = drizzle(client, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return db;
}
