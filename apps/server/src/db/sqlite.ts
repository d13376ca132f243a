import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type SqliteDb = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

// The committed migrations live in the package's drizzle/ folder: two levels up from src/db/sqlite.ts
// when run from source, one level up from dist/main.js when bundled.
const MIGRATIONS = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../drizzle' : '../../drizzle', import.meta.url));

/**
 * Opens (creating if needed) the SQLite file at `path` and applies pending migrations.
 *
 * Durability: WAL with synchronous=NORMAL. A committed transaction survives a crash of the process
 * (SIGKILL included); a power loss or OS crash may lose the last transactions committed before the most
 * recent checkpoint-free fsync, but never corrupts the file. synchronous=FULL would add an fsync per
 * commit for power-loss durability at a large cost per scan.
 */
export function openSqlite(path: string): SqliteDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const client = new Database(path);
  client.pragma('journal_mode = WAL');
  client.pragma('synchronous = NORMAL');
  client.pragma('foreign_keys = ON');
  // Another process (a backup, a second server by mistake) holding the write lock: wait, don't fail.
  client.pragma('busy_timeout = 5000');
  const db = drizzle(client, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return db;
}
