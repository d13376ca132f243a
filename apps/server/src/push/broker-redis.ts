// The broker of several nodes, over Redis pub/sub, with ioredis rather than node-redis: it reconnects by
// itself with a backoff of our choosing, its offline queue and the re-sending of unanswered commands can be
// turned off (a publish is sent now or dropped, never late), it answers PING in subscriber mode (our
// liveness check), and it is what socket.io's Redis adapter runs on, so operators know its behaviour.
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StreamStore } from '../storage/streams.js';
import { wallClockMs, type Broker, type ControlMessage, type PushEvent } from './broker.js';
import { DatabaseFallback } from './broker-fallback.js';
import { Listeners } from './broker-memory.js';
import { decodeEnvelope, type CatchUp, type Envelope } from './broker-envelope.js';
import { RedisWatchdog } from './redis-watchdog.js';

export type BrokerMetrics = Pick<Metrics, 'brokerLag' | 'brokerReceived' | 'brokerConnected' | 'brokerPublishFailures'>;

export interface RedisBrokerOptions {
  url: string;
  /** Prefixes both channels, so deployments (and tests) can share one Redis. */
  keyPrefix: string;
  /** This node's name; a random suffix makes it unique even when two processes share one. */
  nodeName: string;
  /** Where results are read from while Redis is away. */
  streams: Pick<StreamStore, 'recent'>;
  logger: Logger;
  metrics: BrokerMetrics;
  /**
   * Called when revocations may have missed this node: it subscribed after a time without Redis (lost,
   * or unreachable at start), or another node says it could not send one. The node then re-checks the
   * sessions of its sockets.
   */
  onControlMissed?: () => void;
  onListenerError: (err: unknown) => void;
  /** The clock of the entries' createdAt (the database fallback's windows); Date.now by default. */
  now?: () => number;
  /** How often the database is read while Redis is away. Default 300 ms. */
  fallbackPollMs?: number;
  /** How far back each database read reaches before the previous one: see DatabaseFallback. Default 5 s. */
  fallbackOverlapMs?: number;
  /** How long the start waits for Redis before it goes on without it. Default 2 s. */
  startTimeoutMs?: number;
  /** A connection that has shown no sign of life (a reply, a message) for this long is cut and redialled. Default 3 s. */
  deadAfterMs?: number;
}

/** Entries read per database poll while Redis is away: more than a cluster commits in one poll and overlap at 1,000 scans/s. */
const FALLBACK_BATCH = 5000;

/**
 * Creates the Redis broker and resolves once it is subscribed, or after `startTimeoutMs` without Redis
 * (then it starts on the database fallback and keeps dialling: a node serves even when Redis is down).
 *
 * Two channels under the key prefix: `events` (committed results) and `control` (revocations); every
 * message carries the sending node's id, and a node drops its own coming back.
 *
 * Local first: `publish` and `tell` call this node's listeners synchronously, then send to Redis for the
 * others, so a node serves its own members whatever Redis does, and a same-node push costs no round trip.
 * Sending while the publisher is not connected is dropped and counted, never queued: a late flood would
 * be stale hints, and the results are in the database for whoever missed them.
 *
 * Redis lost (the subscriber is closed, or silent for `deadAfterMs`): events published meanwhile are lost
 * with it, the results are not. Until it is subscribed again the node reads `streams.recent` (see
 * DatabaseFallback) from the last moment Redis was known alive, and hands the entries to its listeners;
 * connections drop what they have seen and fill gaps, so a socket shows each result once. Subscribed
 * again, it reads once more over the outage and stops, then calls `onControlMissed`.
 *
 * Publisher lost while the others still listen (this node alone cut off, or its publisher back later
 * than their subscribers): once it can publish again it sends one catch-up request with the time of its
 * first dropped message; every other node reads that window from the database once (and re-checks its
 * sockets' sessions if a revocation was dropped).
 */
export async function createRedisBroker(options: RedisBrokerOptions): Promise<Broker> {
  const { logger, metrics } = options;
  const now = options.now ?? Date.now;
  const nodeId = `${options.nodeName}#${randomBytes(3).toString('hex')}`;
  const channels = { events: `${options.keyPrefix}events`, control: `${options.keyPrefix}control` };
  const events = new Listeners<PushEvent>(options.onListenerError);
  const control = new Listeners<ControlMessage>(options.onListenerError);
  const fallback = new DatabaseFallback({
    streams: options.streams,
    logger,
    now,
    pollMs: options.fallbackPollMs ?? 300,
    overlapMs: options.fallbackOverlapMs ?? 5000,
    batch: FALLBACK_BATCH,
    emit(entry) {
      metrics.brokerReceived.inc({ source: 'database' });
      events.emit({ entry, committedAt: entry.createdAt });
    },
  });

  const connection = (name: string, extra: RedisOptions) =>
    new Redis(options.url, {
      connectionName: `scanpush-${name}-${nodeId}`,
      // Redial for ever, backing off to 2 s: Redis coming back must be noticed without a restart.
      retryStrategy: (times) => Math.min(100 * times, 2000),
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      // A command written before a connection died is not sent again on the next one: it would be late.
      autoResendUnfulfilledCommands: false,
      lazyConnect: true,
      ...extra,
    });
  // A publish waits for no connection and for no reply longer than a second.
  const publisher = connection('pub', { enableOfflineQueue: false, commandTimeout: 1000 });
  // The subscriptions are made by this module on every 'ready', so it knows when they hold.
  const subscriber = connection('sub', { autoResubscribe: false });
  const deadAfterMs = options.deadAfterMs ?? 3000;
  const watchdogs = [new RedisWatchdog(publisher, 'publisher', deadAfterMs, logger), new RedisWatchdog(subscriber, 'subscriber', deadAfterMs, logger)];
  const subscriberWatchdog = watchdogs[1]!;

  let closed = false;
  let subscribed = false;
  /** Set once createRedisBroker has answered: a subscription after that follows a time without Redis. */
  let startSettled = false;
  let settleStart: (subscribed: boolean) => void = () => undefined;
  const startResult = new Promise<boolean>((resolve) => (settleStart = resolve));

  function lose(lastAlive: number): void {
    subscribed = false;
    metrics.brokerConnected.set(0);
    if (fallback.active) return;
    logger.warn({ node: nodeId }, 'Redis unavailable: reading results from the database until it is back');
    // lastAlive is Date.now-based; the fallback's windows are on `now`, the entries' clock.
    fallback.start(now() - (Date.now() - lastAlive));
  }

  subscriber.on('message', (channel: string, text: string) => {
    const message: Envelope | undefined = decodeEnvelope(text);
    if (!message) return logger.warn({ channel }, 'unreadable broker message dropped');
    if (message.n === nodeId) return;
    if (channel === channels.events && message.e) {
      metrics.brokerReceived.inc({ source: 'redis' });
      metrics.brokerLag.observe(Math.max(0, wallClockMs() - message.e.committedAt) / 1000);
      events.emit(message.e);
    } else if (channel === channels.control && message.c) {
      control.emit(message.c);
    } else if (channel === channels.control && message.r) {
      const { since, sessions } = message.r;
      logger.info({ node: nodeId, from: message.n, since }, 'another node could not publish for a while: reading its results from the database');
      void fallback.catchUp(since);
      if (sessions) options.onControlMissed?.();
    }
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channels.events, channels.control).then(
      async () => {
        if (closed) return;
        subscribed = true;
        metrics.brokerConnected.set(1);
        const after = startSettled;
        startSettled = true;
        settleStart(true);
        if (!fallback.active) return;
        await fallback.stop();
        if (!subscribed) return;
        logger.info({ node: nodeId }, 'Redis is back: results arrive through it again');
        if (after) options.onControlMissed?.();
      },
      (err: unknown) => logger.warn({ err }, 'subscribing to Redis failed; retrying with the connection'),
    );
  });
  // Closed by Redis, by the network or by the watchdog: lost from the subscriber's last sign of life on.
  subscriber.on('close', () => {
    if (!closed && (subscribed || startSettled)) lose(subscriberWatchdog.lastAlive);
  });
  for (const [name, client] of [['publisher', publisher], ['subscriber', subscriber]] as const) {
    client.on('error', (err: Error) => logger.debug({ err: err.message, client: name }, 'redis connection error'));
  }

  metrics.brokerConnected.set(0);
  // Both dial in the background for ever; the start waits a little for the subscription, then goes on.
  publisher.connect().catch(() => undefined);
  subscriber.connect().catch(() => undefined);
  const startTimer = setTimeout(() => {
    if (startSettled) return;
    startSettled = true;
    settleStart(false);
  }, options.startTimeoutMs ?? 2000);
  if (!(await startResult)) {
    logger.warn({ node: nodeId, url: redactedUrl(options.url) }, 'Redis unreachable at start: serving, reading results from the database until it is there');
    lose(Date.now());
  }
  clearTimeout(startTimer);

  /**
   * What this node could not publish, from when: once the publisher is back it asks the other nodes to
   * read that window from the database (one message, not a queue of stale hints).
   */
  let missed: CatchUp | undefined;
  const failed = (since: number, sessions: boolean) => {
    metrics.brokerPublishFailures.inc();
    missed = { since: Math.min(missed?.since ?? since, since), sessions: sessions || (missed?.sessions ?? false) };
  };
  const askCatchUp = () => {
    const request = missed;
    if (!request || closed || publisher.status !== 'ready') return;
    missed = undefined;
    publisher.publish(channels.control, JSON.stringify({ n: nodeId, r: request } satisfies Envelope)).then(
      () => logger.info({ node: nodeId, since: request.since }, 'publishing again: asked the other nodes to read what could not be published'),
      () => failed(request.since, request.sessions),
    );
  };
  const send = (channel: string, message: Envelope, since: number) => {
    const sessions = message.c !== undefined;
    if (publisher.status !== 'ready') return failed(since, sessions);
    publisher.publish(channel, JSON.stringify(message)).then(
      // A publish can fail on a connection that stays up (a reply later than commandTimeout).
      () => missed && askCatchUp(),
      () => failed(since, sessions),
    );
  };
  publisher.on('ready', askCatchUp);

  return {
    publish(event) {
      fallback.own(event.entry);
      events.emit(event);
      send(channels.events, { n: nodeId, e: event }, event.entry.createdAt);
    },
    subscribe: (listener) => events.add(listener),
    tell(message) {
      control.emit(message);
      send(channels.control, { n: nodeId, c: message }, now());
    },
    onControl: (listener) => control.add(listener),
    async close() {
      closed = true;
      for (const watchdog of watchdogs) watchdog.stop();
      await fallback.close();
      events.clear();
      control.clear();
      // QUIT lets Redis finish what it has; a Redis that does not answer is not waited for long.
      const quitting = Promise.allSettled([publisher.quit(), subscriber.quit()]);
      await Promise.race([quitting, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

/** The URL without its password, for logs. */
function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://…';
  }
}
