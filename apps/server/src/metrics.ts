import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DELAY_FIGURE_NAMES, EventLoopDelay, NEVER_MS } from './event-loop-delay.js';

/**
 * Every metric the server exports, on a registry of its own (not prom-client's global one) so that
 * several servers in one process — tests — do not share counters.
 */
export function createMetrics(sources: {
  openSockets: () => number;
  undelivered: () => Promise<number>;
  /** The database pool's use (PostgreSQL); none for SQLite. */
  pool?: (() => { total: number; idle: number; waiting: number }) | undefined;
  /** Subscription messages (notify/notifier.ts); none when they are off. */
  notify?: { pendingJobs: () => Promise<number>; tokenAgeSeconds: () => number | undefined } | undefined;
}) {
  const registry = new Registry();
  const prefix = 'scanpush_process_';
  // prom-client's event-loop delay monitor never fires; ours (EventLoopDelay) samples only while there
  // is work, under the same names.
  collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: NEVER_MS });
  for (const name of DELAY_FIGURE_NAMES) registry.removeSingleMetric(prefix + name);
  const eventLoop = new EventLoopDelay(() => sources.openSockets() > 0);
  eventLoop.register(registry, prefix);
  const m = {
    registry,
    eventLoop,
    socketsOpen: new Gauge({
      name: 'scanpush_sockets_open',
      help: 'Member sockets open now (the seed printed this as 当前在线用户数量)',
      registers: [registry],
      collect() {
        this.set(sources.openSockets());
      },
    }),
    undelivered: new Gauge({
      name: 'scanpush_outbox_undelivered',
      help: 'Results of the text-replay window that no socket has received yet',
      registers: [registry],
      async collect() {
        this.set(await sources.undelivered());
      },
    }),
    dbPool: new Gauge({
      name: 'scanpush_db_pool_connections',
      help: 'PostgreSQL connections of this node: open (total), idle, and requests waiting for one (waiting > 0 for long: the pool is too small or the database too slow)',
      labelNames: ['state'] as const,
      registers: sources.pool ? [registry] : [],
      collect() {
        const use = sources.pool?.();
        if (!use) return;
        this.set({ state: 'total' }, use.total);
        this.set({ state: 'idle' }, use.idle);
        this.set({ state: 'waiting' }, use.waiting);
      },
    }),
    brokerLag: new Histogram({
      name: 'scanpush_broker_lag_seconds',
      help: 'From the commit of a result on another node (its wall clock) to its arrival here through Redis',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    brokerReceived: new Counter({
      name: 'scanpush_broker_events_received_total',
      help: 'Results committed on other nodes that reached this one: through Redis, or read from the database while Redis was away',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    brokerConnected: new Gauge({
      name: 'scanpush_broker_connected',
      help: '1 while this node is subscribed to Redis (or needs no broker: one process); 0 while it reads results from the database instead',
      registers: [registry],
    }),
    brokerPublishFailures: new Counter({
      name: 'scanpush_broker_publish_failures_total',
      help: 'Results and revocations this node could not tell the other nodes through Redis (dropped, not queued; results still reach them from the database)',
      registers: [registry],
    }),
    connects: new Counter({ name: 'scanpush_socket_connects_total', help: 'Sockets accepted', labelNames: ['dialect'] as const, registers: [registry] }),
    upgradeRefusals: new Counter({ name: 'scanpush_socket_refusals_total', help: 'Upgrades refused before the handshake', labelNames: ['status'] as const, registers: [registry] }),
    disconnects: new Counter({ name: 'scanpush_socket_disconnects_total', help: 'Sockets closed, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    pushesSent: new Counter({ name: 'scanpush_pushes_sent_total', help: 'Live results written to sockets (gaps filled from storage included)', labelNames: ['dialect'] as const, registers: [registry] }),
    pushesReplayed: new Counter({ name: 'scanpush_pushes_replayed_total', help: 'Results sent from the stream on (re)connect: a resume, or the text dialect\'s undelivered ones', labelNames: ['dialect'] as const, registers: [registry] }),
    gapFills: new Counter({
      name: 'scanpush_push_gap_fills_total',
      help: 'Reads of a stream from storage because a broker event was not the next one a socket expected (a gap, another epoch)',
      registers: [registry],
    }),
    scanResults: new Counter({ name: 'scanpush_scan_results_total', help: 'Scan outcomes by result name', labelNames: ['result'] as const, registers: [registry] }),
    counterResults: new Counter({
      name: 'scanpush_counter_results_total',
      help: 'Sales and reversals at the counter by outcome (first answers; an idempotent retry is not counted again)',
      labelNames: ['action', 'result'] as const,
      registers: [registry],
    }),
    refusalNoticesRepeated: new Counter({
      name: 'scanpush_refusal_notices_repeated_total',
      help: 'Refusals not told to the member again: the same QR was refused for the same reason before',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    scansLimited: new Counter({
      name: 'scanpush_scans_rate_limited_total',
      help: 'Scans answered 429 because their merchant caused too many refusals (MERCHANT_REFUSALS_PER_MINUTE)',
      registers: [registry],
    }),
    pushLatency: new Histogram({
      name: 'scanpush_push_latency_seconds',
      help: 'From the commit of a result (wall clock of the publisher) to its write on the member sockets',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
    notifySends: new Counter({
      name: 'scanpush_notify_sends_total',
      help: 'WeChat subscription message jobs by outcome: sent, dropped (no-credit, refused for 43101, errcode-N, gave-up) or retry (a transient failure, tried again later)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    notifyCredits: new Counter({
      name: 'scanpush_notify_credits_total',
      help: 'Subscription credits: granted (a member accepted a template in the mini-program) and spent (a message sent on one)',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
    notifyTokenAge: new Gauge({
      name: 'scanpush_notify_token_age_seconds',
      help: 'Age of the WeChat access token this node last used (WeChat makes them last 7,200 s; refreshed 5 minutes before)',
      registers: sources.notify ? [registry] : [],
      collect() {
        const age = sources.notify?.tokenAgeSeconds();
        if (age !== undefined) this.set(age);
      },
    }),
    notifyPending: new Gauge({
      name: 'scanpush_notify_jobs_pending',
      help: 'Subscription message jobs written and not yet sent or dropped (all nodes: they share the database)',
      registers: sources.notify ? [registry] : [],
      async collect() {
        if (sources.notify) this.set(await sources.notify.pendingJobs());
      },
    }),
    httpRequests: new Counter({ name: 'scanpush_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] }),
    scanDuration: new Histogram({
      name: 'scanpush_scan_duration_seconds',
      help: 'POST /api/scans from its arrival to its answer, refusals and errors included (the merchant waits this long)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    dbErrors: new Counter({
      name: 'scanpush_db_errors_total',
      help: 'HTTP requests that failed on the database: unavailable (answered 503: unreachable, timed out, no connection free) or failed (answered 500: any other error of the driver, such as a full disk, an I/O error, a corrupt file)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
  // Both kinds from 0, so the first error is an increase that rate() sees, not the birth of a series.
  for (const kind of ['unavailable', 'failed'] as const) m.dbErrors.inc({ kind }, 0);
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
