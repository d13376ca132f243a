import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { BackupRefused, backupSqlite } from '../../../server/src/storage/sqlite/backup.js';
import { CliError } from '../errors.js';

interface BackupOptions {
  db: string;
  force?: boolean;
}

/** Where the server keeps its database unless told otherwise (its DATABASE_PATH default). */
export const DEFAULT_DATABASE_PATH = './data/scanpush.db';
export const DATABASE_PATH_ENV = 'DATABASE_PATH';

/**
 * `scanpush backup FILE`: a consistent copy of the server's SQLite database, taken while the server runs
 * (the storage engine's `backupSqlite`: online backup, integrity check, and the mark that gives a restore
 * of it a new epoch). The copy is written beside FILE, then renamed into place: FILE is either the whole
 * copy or untouched.
 */
export function backupCommand(): Command {
  return new Command('backup')
    .description("copy the server's SQLite database while it runs (SQLite online backup)")
    .argument('<file>', 'where to write the copy')
    .addOption(new Option('--db <path>', "the server's database").env(DATABASE_PATH_ENV).default(DEFAULT_DATABASE_PATH))
    .option('--force', 'replace FILE if it exists')
    .action(async (file: string, options: BackupOptions) => {
      // The server's environment file is often sourced for this command too: say what to use instead
      // rather than copy a SQLite file the server does not use.
      if (process.env.DATABASE_URL) {
        throw new CliError('DATABASE_URL is set: the server uses PostgreSQL, back it up with pg_dump (docs/production.md)');
      }
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
  try {
    const { pages } = await backupSqlite(source, partial, Date.now());
    renameSync(partial, target);
    return { pages, bytes: statSync(target).size };
  } catch (error) {
    if (error instanceof BackupRefused) throw new CliError(error.message);
    throw new CliError(`backup of ${source} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    for (const leftover of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`]) rmSync(leftover, { force: true });
  }
}
