import type { Storage } from '../storage.js';
import { createPostgresAccounts } from './accounts-postgres.js';
import { createPostgresAudit } from './audit-postgres.js';
import { createPostgresCards } from './cards-postgres.js';
import { createPostgresDevices } from './devices-postgres.js';
import { createPostgresInvites } from './invites-postgres.js';
import { createPostgresNotify } from './notify-postgres.js';
import { createPostgresOffice } from './office-postgres.js';
import { createPostgresProducts } from './products-postgres.js';
import { createPostgresReports } from './reports-postgres.js';
import { migrateAndSettleEpoch } from './migrate.js';
import { createPool, query, type PoolOptions } from './pool.js';
import { createPostgresStreams } from './streams-postgres.js';

export interface PostgresStorageOptions extends PoolOptions {
  /** Errors of idle connections (PostgreSQL restarted): logged, they never fail a request. */
  onBackgroundError?: (err: Error) => void;
}

/**
 * The PostgreSQL storage engine, for several nodes sharing one database: a pool per node (pool.ts),
 * migrations and the epoch settled at start under an advisory lock (migrate.ts), and the three stores
 * over the pool. Starting fails (the node does not come up) when PostgreSQL cannot be reached then;
 * once started, an outage makes calls fail with StorageUnavailableError and the pool reconnects by
 * itself when PostgreSQL is back.
 *
 * Drizzle is used for the schema and its migrations only, as on SQLite: the queries are hand-written
 * SQL, each scan two statements (three when it raced another) between BEGIN and COMMIT (cards-postgres.ts).
 */
export async function createPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const report = options.onBackgroundError ?? ((err: Error) => process.emitWarning(err));
  const epoch = await migrateAndSettleEpoch(options);
  let closed: Promise<void> | undefined;
  // Connections still closing when the pool has ended may report their end: that is no news.
  const pool = createPool(options, (err) => closed === undefined && report(err));
  return {
    accounts: createPostgresAccounts(pool),
    cards: createPostgresCards(pool, epoch),
    streams: createPostgresStreams(pool, epoch),
    invites: createPostgresInvites(pool),
    office: createPostgresOffice(pool),
    devices: createPostgresDevices(pool),
    notify: createPostgresNotify(pool),
    products: createPostgresProducts(pool),
    reports: createPostgresReports(pool),
    audit: createPostgresAudit(pool),
    async ping() {
      await query(pool, 'SELECT 1');
    },
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => (closed ??= pool.end()),
  };
}
