import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { getRequestListener } from '@hono/node-server';
import type { Config, HttpTimeouts } from './config.js';
import { deviceKeys } from './core/device-secrets.js';
import { MemberCodes } from './core/member-codes.js';
import { QrSigner } from './core/qr-signer.js';
import { createApp, createMetricsApp } from './http/app.js';
import { clientErrorListener, refuseConnect, unreadableRequestHandler } from './http/node-edge.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import type { Broker } from './push/broker.js';
import { createMemoryBroker } from './push/broker-memory.js';
import { createRedisBroker } from './push/broker-redis.js';
import { Notifier } from './notify/notifier.js';
import { DeliveryMarks } from './push/delivery-marks.js';
import { LongPoll } from './push/long-poll.js';
import { createPushServer } from './push/push-server.js';
import { seedDemo, type DemoCredentials } from './seed.js';
import { openStorage } from './storage/open-storage.js';
import type { Storage } from './storage/storage.js';
import { AccessTokens } from './wechat/access-token.js';
import { createWechatClient, type WechatClient } from './wechat/client.js';

/** Parts a caller may bring instead of the ones the configuration picks (tests, the bench). */
export interface ScanpushParts {
  storage?: Storage;
  broker?: Broker;
  logger?: Logger;
  /** The clock every rule reads (QR expiry, sessions, retention); Date.now by default. */
  now?: () => number;
  wechat?: WechatClient;
}

export interface Scanpush {
  url: string;
  port: number;
  /** The port of `/metrics`'s own listener, when METRICS_PORT asks for one. */
  metricsPort: number | undefined;
  storage: Storage;
  /** Set when this start seeded the demo into an empty database: its merchant key, shown once. */
  demo: DemoCredentials | undefined;
  /** Member sockets open on this process. */
  openSockets(): number;
  /** The routes the HTTP API registers (method, path pattern; middleware left out), for tests that cover every route. */
  routes(): { method: string; path: string }[];
  /**
   * Graceful stop: refuses new connections, closes sockets with 1001, lets in-flight requests finish
   * (up to SHUTDOWN_GRACE_MS), then closes the broker and the storage. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The composition root: picks the storage, broker, logger and WeChat client from the configuration
 * (or takes the caller's), wires the HTTP API and the push endpoint on one port and starts listening.
 * main.ts, the end-to-end tests and the bench all start scanpush through here.
 */
export async function createScanpush(config: Config, parts: ScanpushParts = {}): Promise<Scanpush> {
  const logger = parts.logger ?? createLogger(config.logLevel);
  const now = parts.now ?? Date.now;
  const storage = parts.storage ?? (await openStorage(config, logger));
  const { appid, secret, apiBase } = config.wechat;
  const wechat = parts.wechat ?? (appid && secret ? createWechatClient({ appid, secret, apiBase }) : undefined);
  const demo = config.demo ? await seedDemo(storage, now(), config.demoMerchantKey, config.demoOwnerPassword) : undefined;

  let openSockets = () => 0;
  const nodeName = config.nodeName ?? `${hostname()}-${process.pid}`;
  // Subscription messages: on only when configured (config.ts refuses a template without WeChat's appid).
  const tokens = config.notify && wechat ? new AccessTokens({ store: storage.notify, wechat, holder: nodeName, now, logger }) : undefined;
  const metrics = createMetrics({
    openSockets: () => openSockets(),
    undelivered: () => storage.streams.countUndelivered(now() - config.delivery.textReplayMs),
    pool: storage.pool ? () => storage.pool!() : undefined,
    notify: tokens && { pendingJobs: async () => (await storage.notify.countJobs()).pending, tokenAgeSeconds: () => tokens.ageSeconds() },
  });
  const onListenerError = (err: unknown) => logger.error({ err }, 'push listener failed');
  // A revocation told while Redis was away reached no other node: then every socket's session is re-checked.
  let revalidateSessions = () => {};
  const broker =
    parts.broker ??
    (config.redis
      ? await createRedisBroker({
          ...config.redis,
          nodeName,
          streams: storage.streams,
          logger,
          metrics,
          onListenerError,
          onControlMissed: () => revalidateSessions(),
          // The clock that stamps the entries' createdAt, which the database fallback reads by.
          now,
        })
      : createMemoryBroker(onListenerError));
  if (!config.redis && !parts.broker) metrics.brokerConnected.set(1);
  // A long-poll answer counts as received, as a socket's write does: no subscription message for it.
  const pollMarks = new DeliveryMarks(storage.streams, now, (err) => logger.error({ err }, 'marking long-poll deliveries failed'));
  const longPoll = new LongPoll(storage.streams, broker, pollMarks);
  const push = createPushServer({
    accounts: storage.accounts,
    streams: storage.streams,
    broker,
    logger,
    metrics,
    now,
    heartbeatMs: config.heartbeatMs,
    delivery: config.delivery,
  });
  openSockets = () => push.openSockets();
  revalidateSessions = () =>
    void push.revalidateSessions().then(
      (n) => n > 0 && logger.info({ sockets: n }, 'closed sockets whose session was revoked while a revocation could not reach this node'),
      (err: unknown) => logger.error({ err }, 're-checking the sessions of open sockets failed'),
    );
  const signer = new QrSigner(config.qrSecret);
  const { stepSeconds, skewSteps } = config.offlineCodes;
  const codes = new MemberCodes({ signer, devices: storage.devices, keys: deviceKeys(config), stepSeconds, skewSteps });
  const app = createApp({
    config,
    storage,
    signer,
    codes,
    broker,
    longPoll,
    metrics,
    logger,
    now,
    wechat,
    openSockets,
    // Closes this node's sockets at once (the answer counts them) and tells the other nodes to close theirs.
    closeMemberSockets: (memberId, sessionId) => {
      const closed = push.closeMember(memberId, sessionId);
      broker.tell({ kind: 'close-member', memberId, ...(sessionId === undefined ? {} : { sessionId }) });
      return closed;
    },
  });
  broker.onControl((message) => {
    if (message.kind === 'close-member') push.closeMember(message.memberId, message.sessionId);
  });
  const server = httpServer(app, config.http, logger);
  server.on('upgrade', push.handleUpgrade);
  const port = await listen(server, config.port, config.host);
  const metricsServer = config.metrics.listen && httpServer(createMetricsApp({ metrics, logger, config }), config.http, logger);
  let metricsPort: number | undefined;
  try {
    if (metricsServer && config.metrics.listen) metricsPort = await listen(metricsServer, config.metrics.listen.port, config.metrics.listen.host);
  } catch (err) {
    server.close();
    throw err;
  }
  if (!config.metrics.onMainPort && !metricsServer) logger.warn('/metrics is off: set METRICS_PORT (a listener of its own) or METRICS_TOKEN to scrape it');

  // Retention: the streams keep what a returning client may still resume from, no more.
  const prune = () =>
    storage.streams.prune(now() - config.delivery.retentionMs).then(
      (n) => n > 0 && logger.info({ rows: n }, 'pruned stream entries'),
      (err: unknown) => logger.error({ err }, 'pruning the streams failed'),
    );
  void prune();
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();
  const notifier =
    config.notify && tokens && wechat
      ? new Notifier({ config: config.notify, timeZone: config.reportTimeZone, store: storage.notify, tokens, wechat, metrics, logger, now })
      : undefined;
  notifier?.start();
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    metricsPort,
    storage,
    demo,
    openSockets,
    routes: () => [...new Map(app.routes.filter((r) => r.method !== 'ALL').map((r) => [`${r.method} ${r.path}`, { method: r.method, path: r.path }])).values()],
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        metricsServer?.close();
        metricsServer?.closeAllConnections();
        clearInterval(pruneTimer);
        server.closeIdleConnections();
        longPoll.shutdown();
        await notifier?.stop();
        await push.shutdown();
        // In-flight requests finish; their keep-alive connections are closed as soon as they go idle.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
        await stopped;
        clearInterval(idle);
        clearTimeout(grace);
        await pollMarks.flush();
        await broker.close();
        await storage.close();
        metrics.eventLoop.stop();
      })()),
  };
}

/**
 * Plain HTTP/1.1 (nginx terminates TLS). Slow or idle clients must not hold connections (slowloris), nor
 * be cut before nginx's keep-alive gives up on them: the limits are config.ts's HttpTimeouts, checked
 * every second (Node's default, 30 s, let a stalled request head live 40 s). What Node would answer with
 * a bare status line, or not at all, is answered in the one error shape (http/node-edge.ts).
 */
function httpServer(app: { fetch: (req: Request) => Response | Promise<Response> }, timeouts: HttpTimeouts, logger: Logger): HttpServer {
  const listener = getRequestListener(app.fetch, { errorHandler: unreadableRequestHandler(logger) });
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
      // Node's own refusal of a missing Host is a bare 400; the adaptor's errorHandler answers it instead.
      requireHostHeader: false,
    },
    listener,
  );
  server.on('clientError', clientErrorListener(logger));
  server.on('connect', refuseConnect);
  // An Expect other than 100-continue: served anyway rather than Node's bare 417 (RFC 9110 allows both).
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  // A client that sends its request and then half-closes (`nc -N`, some HTTP/1.0 tools) still gets its
  // answer, and the connection closes after it. Node's default drops the request on the client's FIN.
  (server as HttpServer & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return server;
}

const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

async function listen(server: HttpServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
