import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Command, Option } from 'commander';
import { CliError } from '../errors.js';

interface BackupOptions {
  db: string;
  force?: boolean;
}

/** Where the server keeps its database unless told otherwise (its DATABASE_PATH default). */
export const DEFAULT_DATABASE_PATH = './data/scanpush.db';
export const DATABASE_PATH_ENV = 'DATABASE_PATH';

// Pages per backup step after the first. All of them: the copy is then made inside one read transaction,
// a single snapshot, and a write by the running server cannot make the step restart for ever, as it can
// between steps of a piecewise copy. WAL keeps the server writing meanwhile.
const ALL_PAGES = 0x7fffffff;

/**
 * `scanpush backup FILE`: a consistent copy of the server's SQLite database, taken while the server runs,
 * through SQLite's online backup API (a file copy could catch a half-written page or miss the WAL). The
 * copy is written beside FILE, checked with `PRAGMA integrity_check`, then renamed into place: FILE is
 * either the whole copy or untouched.
 */
export function backupCommand(): Command {
  return new Command('backup')
    .description("copy the server's SQLite database while it runs (SQLite online backup)")
    .argument('<file>', 'where to write the copy')
    .addOption(new Option('--db <path>', "the server's database").env(DATABASE_PATH_ENV).default(DEFAULT_DATABASE_PATH))
    .option('--force', 'replace FILE if it exists')
    .action(async (file: string, options: BackupOptions) => {
      const { pages, bytes } = await backupDatabase(resolve(options.db), resolve(file), options.force ?? false);
      process.stdout.write(`backed up ${options.db} to ${file}: ${pages} pages, ${bytes} bytes\n`);
    });
}

/** Copies `source` to `target`; throws a CliError saying why it could not. */
export async function backupDatabase(source: string, target: string, force: boolean): Promise<{ pages: number; bytes: number }> {
  if (source === target) throw new CliError('FILE must not be the database itself');
  if (!existsSync(source)) throw new CliError(`no database at ${source} (set --db or ${DATABASE_PATH_ENV})`);
  if (!existsSync(dirname(target))) throw new CliError(`directory ${dirname(target)} does not exist`);
  if (existsSync(target) && !force) throw new CliError(`${target} exists; pass --force to replace it`);

  const partial = resolve(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  let db: Database.Database | undefined;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true });
    // The server may hold the write lock for a moment; wait rather than fail.
    db.pragma('busy_timeout = 5000');
    const isScanpush = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'ledger'").get() as { n: number };
    if (isScanpush.n === 0) throw new CliError(`${source} is not a scanpush database`);
    const { totalPages } = await db.backup(partial, { progress: () => ALL_PAGES });
    db.close();
    db = undefined;
    verify(partial);
    renameSync(partial, target);
    return { pages: totalPages, bytes: statSync(target).size };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`backup of ${source} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    db?.close();
    for (const leftover of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`]) rmSync(leftover, { force: true });
  }
}

/** Makes the copy one self-contained file (no WAL beside it) and refuses it unless SQLite finds it sound. */
function verify(path: string): void {
  const copy = new Database(path, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const problems = (copy.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (problems.join() !== 'ok') throw new CliError(`the copy failed its integrity check: ${problems.slice(0, 3).join('; ')}`);
  } finally {
    copy.close();
  }
}
