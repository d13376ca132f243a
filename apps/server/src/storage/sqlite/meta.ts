import type Database from 'better-sqlite3';

/** The `meta` row that names the database's history (StreamPosition.epoch). */
export const EPOCH_KEY = 'epoch';
/** The `meta` row that marks a copy made by `scanpush backup`, until the copy is first opened. */
export const BACKUP_MARK_KEY = 'backup';

/** A fresh epoch: 64 random bits in hex, made by SQLite as the migration that created `meta` makes it. */
const NEW_EPOCH = 'lower(hex(randomblob(8)))';

/**
 * The database's epoch, as of this opening. A copy still marked as a backup is a restore being opened
 * for the first time: its history forks from the database it was copied from (which went on writing
 * after the copy), so it gets a new epoch and loses the mark, in one transaction. Opening the same backup
 * file again later (a second restore) finds the mark again and forks again: every restore is its own
 * history. A database without an epoch (never expected after the migrations) gets one.
 */
export function openEpoch(client: Database.Database): string {
  return client.transaction(() => {
    const marked = client.prepare('DELETE FROM meta WHERE key = ? RETURNING key').get(BACKUP_MARK_KEY) !== undefined;
    const current = client.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck().get(EPOCH_KEY);
    if (current !== undefined && !marked) return current;
    return client
      .prepare<[string], string>(
        `INSERT INTO meta (key, value) VALUES (?, ${NEW_EPOCH}) ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING value`,
      )
      .pluck()
      .get(EPOCH_KEY) as string;
  }).immediate();
}

/**
 * Marks `client`'s database as a backup copy, so that the storage engine gives it a new epoch when it is
 * first opened. A database from before the `meta` table needs no mark: the migration that adds the table
 * makes its epoch when it is opened. Answers whether a mark was written.
 */
export function markBackupCopy(client: Database.Database, at: number): boolean {
  const hasMeta = client.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
  if (!hasMeta) return false;
  client
    .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
    .run(BACKUP_MARK_KEY, new Date(at).toISOString());
  return true;
}
