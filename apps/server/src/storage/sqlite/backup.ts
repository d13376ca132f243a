import Database from 'better-sqlite3';
import { markBackupCopy } from './meta.js';

/** A backup refused for a reason worth telling the operator as is (not a scanpush database, a bad copy). */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

// Pages per backup step after the first. All of them: the copy is then made inside one read transaction,
// a single snapshot, and a write by the running server cannot make the step restart for ever, as it can
// between steps of a piecewise copy. WAL keeps the server writing meanwhile.
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the scanpush database at `source` to `target` while a server may be writing it, through SQLite's
 * online backup API (a file copy could catch a half-written page or miss the WAL), then makes the copy
 * one self-contained file (rollback journal, no WAL beside it), marks it as a backup copy (see
 * `openEpoch`: a restore of it starts a new epoch) and checks it with `PRAGMA integrity_check`.
 *
 * Writes `target` in place: the caller picks a temporary name and renames it when this resolves, and
 * removes it (and its -journal) when this throws. Throws BackupRefused for a database that is not
 * scanpush's and for a copy that fails the check; anything else SQLite says is thrown as it comes.
 */
export async function backupSqlite(source: string, target: string, at: number): Promise<{ pages: number }> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  let pages: number;
  try {
    // The server may hold the write lock for a moment; wait rather than fail.
    db.pragma('busy_timeout = 5000');
    const isScanpush = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger'").get() !== undefined;
    if (!isScanpush) throw new BackupRefused(`${source} is not a scanpush database`);
    pages = (await db.backup(target, { progress: () => ALL_PAGES })).totalPages;
  } finally {
    db.close();
  }
  const copy = new Database(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    markBackupCopy(copy, at);
    const problems = (copy.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (problems.join() !== 'ok') throw new BackupRefused(`the copy failed its integrity check: ${problems.slice(0, 3).join('; ')}`);
  } finally {
    copy.close();
  }
  return { pages };
}
