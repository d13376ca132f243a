import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/server/src/config.js';
import { createScanpush, type Scanpush, type ScanpushParts } from '../../apps/server/src/scanpush.js';
import type { Storage } from '../../apps/server/src/storage/storage.js';

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
  server: Scanpush;
  stop(): Promise<void>;
}

/**
 * The real server, in this process, on an ephemeral port, on a fresh SQLite file in a temp dir, with the
 * demo seeded (member 17, store 2, 10 uses), started through the composition root as main.ts starts it.
 * `env` overrides configuration as the environment would; `parts` (a clock, say) as the composition root
 * takes them. `dir` reuses a directory (and its database) of an earlier server.
 */
export async function startServer(opts: { env?: Record<string, string>; parts?: ScanpushParts; dir?: string } = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'scanpush-test-'));
  const dbPath = join(dir, 'scanpush.db');
  const adminToken = randomBytes(24).toString('base64url');
  const qrSecret = randomBytes(32).toString('base64url');
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
      ...(production ? {} : { DEMO_MERCHANT_KEY: `spk_1_${randomBytes(18).toString('base64url')}` }),
      ...opts.env,
    },
    () => qrSecret,
  );
  const server = await createScanpush(config, opts.parts);
  if (!server.demo && !opts.dir && !production) throw new Error('fresh database already had the demo');
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
    async stop() {
      await server.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
