import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StreamStore } from '../storage/streams.js';
import { wallClockMs, type Broker, type ControlMessage, type PushEvent } from './broker.js';
import { Listeners } from './broker-memory.js';

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
  /** Called after Redis came back and this node subscribed again (not at the first subscription). */
  onResubscribed?: () => void;
  onListenerError: (err: unknown) => void;
  /** How often the database is read while Redis is away. Default 300 ms. */
  fallbackPollMs?: number;
  /** How far back each read reaches before the newest entry seen: entries are stamped before their commit. Default 5 s. */
  fallbackOverlapMs?: number;
  /** The wall clock in ms (entries' createdAt); Date.now by default. */
  now?: () => number;
  /** How long the start waits for Redis before it goes on without it. Default 2 s. */
  startTimeoutMs?: number;
}

/** Entries read per poll while Redis is away: far more than a node's members commit in one poll. */
const FALLBACK_BATCH = 5000;

interface Envelope {
  /** The sending node: its own messages coming back are dropped (it told its listeners already). */
  n: string;
  e?: PushEvent;
  c?: ControlMessage;
}

/**
 * The broker of several nodes, over Redis pub/sub (ioredis: it reconnects by itself with a backoff, its
 * offline queue can be turned off so nothing is sent late, and it is what socket.io's Redis adapter
 * runs on). Two channels under the key prefix: `events` (committed results) and `control` (revocations).
 *
 * Local first: `publish` and `tell` call this node's listeners synchronously, then send to Redis for the
 * others, so a node serves its own members whatever Redis does, and a same-node push costs no round trip.
 *
 * Redis lost: the events that other nodes publish meanwhile are lost with it, but not the results, which
 * are in the database. While this node is not subscribed it reads `streams.recent` every
 * `fallbackPollMs` and hands what it finds to its listeners as events (the connections drop what they
 * have seen and fill gaps, so nothing is shown twice). Once subscribed again it reads once more over the
 * outage and stops, then `onResubscribed` lets the node re-check the sessions of its sockets, because a
 * revocation told while Redis was away reached nobody. Publishing while Redis is away is dropped and
 * counted, never queued: a late flood would be stale hints.
 */
export async function createRedisBroker(options: RedisBrokerOptions): Promise<Broker> {
  const { logger, metrics } = options;
  const now = options.now ?? Date.now;
  const pollMs = options.fallbackPollMs ?? 300;
  const overlapMs = options.fallbackOverlapMs ?? 5000;
  const nodeId = `${options.nodeName}#${randomBytes(3).toString('hex')}`;
  const channels = { events: `${options.keyPrefix}events`, control: `${options.keyPrefix}control` };
  const events = new Listeners<PushEvent>(options.onListenerError);
  const control = new Listeners<ControlMessage>(options.onListenerError);

  const connection = (name: string, extra: RedisOptions = {}) =>
    new Redis(options.url, {
      connectionName: `scanpush-${name}-${nodeId}`,
      // Reconnect for ever, backing off to 2 s: Redis coming back must be noticed without a restart.
      retryStrategy: (times) => Math.min(100 * times, 2000),
      connectTimeout: 2000,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      ...extra,
    });
  const publisher = connection('pub', { enableOfflineQueue: false });
  // Subscriptions are made by this module on every 'ready', so it knows when they hold.
  const subscriber = connection('sub', { autoResubscribe: false });
  for (const [name, client] of [['publisher', publisher], ['subscriber', subscriber]] as const) {
    client.on('error', (err: Error) => logger.debug({ err: err.message, client: name }, 'redis connection error'));
  }

  let closed = false;
  let subscribed = false;
  let everSubscribed = false;
  let firstSubscription: () => void = () => undefined;
  const subscribedOnce = new Promise<void>((resolve) => (firstSubscription = resolve));

  // --- fallback: the database while Redis is away -------------------------------------------------
  let poller: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  /** Entries read from the database lately, so each is handed over once; forgotten after the overlap. */
  const seen = new Map<string, number>();
  /** The next read starts here (minus the overlap). */
  let cursor = 0;

  async function poll(): Promise<void> {
    const entries = await options.streams.recent(cursor - overlapMs, FALLBACK_BATCH);
    for (const entry of entries) {
      const key = `${entry.epoch}:${entry.memberId}:${entry.storeId}:${entry.seq}`;
      if (seen.has(key)) continue;
      seen.set(key, entry.createdAt);
      cursor = Math.max(cursor, entry.createdAt);
      metrics.brokerReceived.inc({ source: 'database' });
      events.emit({ entry, committedAt: entry.createdAt });
    }
    for (const [key, at] of seen) if (at < cursor - 2 * overlapMs) seen.delete(key);
  }
  const pollOnce = () =>
    (polling ??= poll()
      .catch((err: unknown) => logger.warn({ err }, 'reading results from the database while Redis is away failed'))
      .finally(() => (polling = undefined)));

  function startFallback(): void {
    if (poller || closed) return;
    // From the moment Redis was lost (minus the overlap), not from the newest entry in the database.
    cursor = Math.max(cursor, now());
    logger.warn({ node: nodeId }, 'Redis unavailable: reading results from the database until it is back');
    poller = setInterval(() => void pollOnce(), pollMs);
    void pollOnce();
  }

  async function stopFallback(): Promise<void> {
    if (!poller) return;
    clearInterval(poller);
    poller = undefined;
    // What was committed between the last read and the subscription: one more read over the outage.
    await polling;
    await pollOnce();
    seen.clear();
    logger.info({ node: nodeId }, 'Redis is back: results arrive through it again');
  }

  // --- the subscription ---------------------------------------------------------------------------
  subscriber.on('message', (channel: string, text: string) => {
    let message: Envelope;
    try {
      message = JSON.parse(text) as Envelope;
    } catch {
      return logger.warn({ channel }, 'unreadable broker message dropped');
    }
    if (message.n === nodeId) return;
    if (channel === channels.events && message.e) {
      metrics.brokerReceived.inc({ source: 'redis' });
      metrics.brokerLag.observe(Math.max(0, wallClockMs() - message.e.committedAt) / 1000);
      events.emit(message.e);
    } else if (channel === channels.control && message.c) {
      control.emit(message.c);
    }
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channels.events, channels.control).then(
      async () => {
        subscribed = true;
        metrics.brokerConnected.set(1);
        await stopFallback();
        if (everSubscribed) options.onResubscribed?.();
        everSubscribed = true;
        firstSubscription();
      },
      (err: unknown) => logger.warn({ err }, 'subscribing to Redis failed; retrying with the connection'),
    );
  });
  subscriber.on('close', () => {
    if (closed) return;
    subscribed = false;
    metrics.brokerConnected.set(0);
    startFallback();
  });

  metrics.brokerConnected.set(0);
  // Both connect in the background for ever; the start waits a little for them, then goes on without.
  publisher.connect().catch(() => undefined);
  subscriber.connect().catch(() => undefined);
  const started = await Promise.race([
    subscribedOnce.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.startTimeoutMs ?? 2000).unref()),
  ]);
  if (!started) startFallback();

  const send = (channel: string, message: Envelope) => {
    if (publisher.status !== 'ready') return metrics.brokerPublishFailures.inc();
    publisher.publish(channel, JSON.stringify(message)).catch(() => metrics.brokerPublishFailures.inc());
  };

  return {
    publish(event) {
      events.emit(event);
      send(channels.events, { n: nodeId, e: event });
    },
    subscribe: (listener) => events.add(listener),
    tell(message) {
      control.emit(message);
      send(channels.control, { n: nodeId, c: message });
    },
    onControl: (listener) => control.add(listener),
    async close() {
      closed = true;
      if (poller) clearInterval(poller);
      await polling;
      events.clear();
      control.clear();
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

