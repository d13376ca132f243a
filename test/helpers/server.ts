import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/server/src/config.js';
import { createScanpush, type Scanpush, type ScanpushParts } from '../../apps/server/src/scanpush.js';
import type { Storage } from '../../apps/server/src/storage/storage.js';
import { createTestDatabase, type TestDatabase } from '../../apps/server/src/storage/postgres/test-database.js';

/**
 * The engine the end-to-end tests run on: SQLite unless the vitest project says `postgres` (see
 * vitest.config.ts, project e2e-postgres), in which case every server gets its own fresh PostgreSQL
 * database and its own Redis key prefix, as a node of a cluster does.
 */
export const TEST_ENGINE: 'sqlite' | 'postgres' = process.env.SCANPUSH_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
const TEST_REDIS_URL = process.env.SCANPUSH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The demo owner's password (login `demo`, shop of store 2) on every test server but production ones. */
export const DEMO_OWNER_PASSWORD = 'demo-owner-password';

/**
 * What the nodes of one cluster share (test/helpers/nodes.ts): one PostgreSQL database, one Redis key
 * prefix, the secrets and the demo merchant key. The cluster owns the database; its nodes never drop it.
 */
export interface SharedBacking {
  databaseUrl: string;
  redisKeyPrefix: string;
  adminToken: string;
  qrSecret: string;
  demoMerchantKey: string;
}

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
  /** The server's own storage, through the project's interfaces only (no SQL): what the tests check. */
  storage: Storage;
  /** Everything the database holds, as text (the SQLite file and its WAL, or a pg_dump): to prove what is NOT kept. */
  dump(): Promise<string>;
  server: Scanpush;
  stop(): Promise<void>;
}

/**
 * The real server, in this process, on an ephemeral port, on a fresh SQLite file in a temp dir, with the
 * demo seeded (member 17, store 2, 10 uses), started through the composition root as main.ts starts it.
 * `env` overrides configuration as the environment would; `parts` (a clock, say) as the composition root
 * takes them. `dir` reuses a directory (and its database) of an earlier server. `shared` makes it one node
 * of a cluster on PostgreSQL and Redis, whatever the project's engine (see SharedBacking).
 */
export async function startServer(
  opts: { env?: Record<string, string>; parts?: ScanpushParts; dir?: string; shared?: SharedBacking } = {},
): Promise<TestServer> {
  if (opts.dir && (TEST_ENGINE === 'postgres' || opts.shared)) throw new Error('startServer({ dir }) reopens a SQLite file: SQLite-only');
  const { shared } = opts;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'scanpush-test-'));
  const database: TestDatabase | undefined = TEST_ENGINE === 'postgres' && !shared ? await createTestDatabase() : undefined;
  const engineEnv: Record<string, string> = shared
    ? { DATABASE_URL: shared.databaseUrl, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: shared.redisKeyPrefix }
    : database
      ? { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:` }
      : {};
  const dbPath = join(dir, 'scanpush.db');
  const adminToken = shared?.adminToken ?? randomBytes(24).toString('base64url');
  const qrSecret = shared?.qrSecret ?? randomBytes(32).toString('base64url');
  const production = opts.env?.NODE_ENV === 'production';
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_PATH: dbPath,
      ADMIN_TOKEN: adminToken,
      QR_SECRET: qrSecret,
      LOG_LEVEL: 'silent',
      SHUTDOWN_GRACE_MS: '2000',
      // A known demo key, so a test that restarts on the same database can still scan (not in production).
      ...(production ? {} : { DEMO_MERCHANT_KEY: shared?.demoMerchantKey ?? `spk_1_${randomBytes(18).toString('base64url')}`, DEMO_OWNER_PASSWORD }),
      ...engineEnv,
      ...opts.env,
    },
    () => qrSecret,
  );
  let server: Scanpush;
  try {
    server = await createScanpush(config, opts.parts);
  } catch (err) {
    await database?.drop();
    throw err;
  }
  // The first node of a cluster seeds the demo, the others find it there.
  if (!server.demo && !opts.dir && !shared && !production) throw new Error('fresh database already had the demo');
  return {
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    port: server.port,
    dir,
    dbPath,
    adminToken,
    qrSecret,
    demoMerchantKey: server.demo?.merchantKey ?? config.demoMerchantKey ?? '',
    storage: server.storage,
    server,
    dump: () => (engineEnv.DATABASE_URL ? pgDump(engineEnv.DATABASE_URL) : Promise.resolve(sqliteText(dbPath))),
    async stop() {
      await server.close();
      await database?.drop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sqliteText(dbPath: string): string {
  const wal = `${dbPath}-wal`;
  return readFileSync(dbPath).toString('latin1') + (existsSync(wal) ? readFileSync(wal).toString('latin1') : '');
}

function pgDump(url: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('pg_dump', ['--data-only', `--dbname=${url}`], { maxBuffer: 64 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}
