import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/server/src/config.js';
import { createSqliteRepository } from '../../apps/server/src/db/repository-sqlite.js';
import { openSqlite } from '../../apps/server/src/db/sqlite.js';
import { createLogger } from '../../apps/server/src/logger.js';
import { createMemoryBroker } from '../../apps/server/src/push/broker-memory.js';
import { seedDemo } from '../../apps/server/src/seed.js';
import { startServer as start, type RunningServer } from '../../apps/server/src/server.js';

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  dir: string;
  dbPath: string;
  adminToken: string;
  qrSecret: string;
  /** The demo store's merchant key (store 2). */
  demoMerchantKey: string;
  server: RunningServer;
  stop(): Promise<void>;
}

/**
 * The real server, in this process, on an ephemeral port, on a fresh SQLite file in a temp dir, with the
 * demo seeded (member 17, store 2, 10 uses). `env` overrides configuration as the environment would.
 */
export async function startServer(opts: { env?: Record<string, string> } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-test-'));
  const dbPath = join(dir, 'scanpush.db');
  const adminToken = randomBytes(24).toString('base64url');
  const qrSecret = randomBytes(32).toString('base64url');
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_PATH: dbPath,
      ADMIN_TOKEN: adminToken,
      QR_SECRET: qrSecret,
      LOG_LEVEL: 'silent',
      SHUTDOWN_GRACE_MS: '2000',
      ...opts.env,
    },
    () => qrSecret,
  );
  const logger = createLogger(config.logLevel);
  const repo = createSqliteRepository(openSqlite(config.databasePath, config.sqliteSynchronous), {
    onBackgroundError: (err) => logger.error({ err }, 'database background work failed'),
  });
  const seeded = await seedDemo(repo, Date.now(), config.demoMerchantKey);
  if (!seeded) throw new Error('fresh database already had the demo');
  const server = await start(config, { repo, broker: createMemoryBroker((err) => logger.error({ err })), logger });
  return {
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    port: server.port,
    dir,
    dbPath,
    adminToken,
    qrSecret,
    demoMerchantKey: seeded.merchantKey,
    server,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
