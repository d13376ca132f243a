import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createPostgresStorage } from './postgres/open.js';
import { createSqliteStorage } from './sqlite/open.js';
import type { Storage } from './storage.js';

/** The engine the configuration names: PostgreSQL when DATABASE_URL is set, else SQLite at DATABASE_PATH. */
export async function openStorage(config: Config, logger: Logger): Promise<Storage> {
  const onBackgroundError = (err: Error) => logger.error({ err }, 'database background work failed');
  if (config.postgres) return createPostgresStorage({ ...config.postgres, onBackgroundError });
  return createSqliteStorage({ path: config.databasePath, synchronous: config.sqliteSynchronous, onBackgroundError });
}

/** Where the data is, for the log: the file, or the PostgreSQL URL without its password (in either place libpq takes one). */
export function describeDatabase(config: Config): string {
  if (!config.postgres) return `sqlite:${config.databasePath}`;
  const url = new URL(config.postgres.url);
  if (url.password) url.password = '***';
  if (url.searchParams.has('password')) url.searchParams.set('password', '***');
  return url.toString();
}
