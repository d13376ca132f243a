import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Config } from './config.js';
import { QrSigner } from './core/qr-signer.js';
import type { Repository } from './db/repository.js';
import { createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import type { Broker } from './push/broker.js';
import { LongPoll } from './push/long-poll.js';
import { SocketServer } from './push/socket-server.js';

export interface RunningServer {
  port: number;
  url: string;
  sockets: SocketServer;
  /**
   * Graceful stop: refuses new connections, closes sockets with 1001, lets in-flight requests finish
   * (up to the grace period), then closes the broker and the database.
   */
  close(): Promise<void>;
}

/** Wires the HTTP API and the push endpoint on one port. The caller picks repository and broker. */
export async function startServer(config: Config, deps: { repo: Repository; broker: Broker; logger: Logger; now?: () => number }): Promise<RunningServer> {
  const { repo, broker, logger } = deps;
  const now = deps.now ?? Date.now;
  let sockets: SocketServer | undefined;
  const metrics = createMetrics({
    openSockets: () => sockets?.registry.size ?? 0,
    undelivered: () => repo.countUndelivered(now() - config.delivery.textReplayMs),
  });
  const longPoll = new LongPoll(repo, broker);
  sockets = new SocketServer({ repo, broker, logger, metrics, now, heartbeatMs: config.heartbeatMs, delivery: config.delivery });
  const app = createApp({
    config,
    repo,
    signer: new QrSigner(config.qrSecret),
    broker,
    longPoll,
    metrics,
    logger,
    now,
    openSockets: () => sockets.registry.size,
    closeMemberSockets: (memberId, sessionId) => sockets.closeMember(memberId, sessionId),
  });
  // Plain HTTP/1.1 (nginx terminates TLS): the adaptor's union type also covers http2, which we never ask for.
  const server = createAdaptorServer({ fetch: app.fetch }) as HttpServer;
  server.on('upgrade', sockets.handleUpgrade);
  // Slow or idle clients must not hold connections for ever (slowloris), nor be cut before nginx's
  // keep-alive gives up on them.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 75_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  // Retention: the outbox keeps what a returning client may still resume from, no more.
  const prune = () =>
    repo.pruneOutbox(now() - config.delivery.retentionMs).then(
      (n) => n > 0 && logger.info({ rows: n }, 'pruned outbox'),
      (err: unknown) => logger.error({ err }, 'pruning the outbox failed'),
    );
  void prune();
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    sockets,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        clearInterval(pruneTimer);
        server.closeIdleConnections();
        longPoll.shutdown();
        await sockets.shutdown();
        // In-flight requests finish; their keep-alive connections are closed as soon as they go idle.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
        await stopped;
        clearInterval(idle);
        clearTimeout(grace);
        await broker.close();
        await repo.close();
      })()),
  };
}
