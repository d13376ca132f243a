import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createScanpush } from './scanpush.js';
import { describeDatabase } from './storage/open-storage.js';

// The process edge: reads the environment once, starts scanpush through its composition root, and
// turns signals into a graceful stop.
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

  const server = await createScanpush(config, { logger });
  if (server.demo) {
    // Printed once, to the console rather than the log stream: the key is a credential.
    process.stdout.write(
      `\nDemo data created: store 2 "Demo car wash", member 17 with 10 uses.\n` +
        `Demo merchant key (shown only now, keep it): ${server.demo.merchantKey}\n` +
        `Back office: ${server.url}/office/  login ${server.demo.ownerLogin}, password ${server.demo.ownerPassword} (shown only now)\n\n`,
    );
  }
  logger.info(
    { url: server.url, port: server.port, database: describeDatabase(config), epoch: server.storage.streams.epoch(), env: config.env },
    'scanpush listening',
  );
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
