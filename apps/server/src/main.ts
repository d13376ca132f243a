import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './config.js';
import { createSqliteRepository } from './db/repository-sqlite.js';
import { openSqlite } from './db/sqlite.js';
import { createLogger } from './logger.js';
import { createMemoryBroker } from './push/broker-memory.js';
import { seedDemo } from './seed.js';
import { startServer } from './server.js';

// The composition root: the one place that reads the environment and picks implementations.
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, () => randomBytes(32).toString('base64url'));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`scanpush: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (config.qrSecretGenerated) logger.warn('QR_SECRET is not set: using a random one, QR codes die with this process');

  const repo = createSqliteRepository(openSqlite(config.databasePath, config.sqliteSynchronous), {
    onBackgroundError: (err) => logger.error({ err }, 'database background work failed'),
  });
  const broker = createMemoryBroker((err) => logger.error({ err }, 'push listener failed'));
  if (config.demo) {
    const seeded = await seedDemo(repo, Date.now(), config.demoMerchantKey);
    if (seeded) {
      // Printed once, to the console rather than the log stream: the key is a credential.
      process.stdout.write(
        `\nDemo data created: store 2 "Demo car wash", member 17 with 10 uses.\n` +
          `Demo merchant key (shown only now, keep it): ${seeded.merchantKey}\n\n`,
      );
    }
  }
  const server = await startServer(config, { repo, broker, logger });
  logger.info({ url: server.url, port: server.port, database: config.databasePath, env: config.env }, 'scanpush listening');
  // For the newcomer who just ran the README's first command: where to look.
  if (config.console) process.stdout.write(`Console: ${server.url}/\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`scanpush: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
