import { parseMerchantKey } from '@scanpush/shared';
import { z } from 'zod';
import { isTimeZone } from './core/report-days.js';
import { parseTrustedProxies } from './http/client-address.js';

/**
 * The only place that reads the environment. `loadConfig` checks every value and fails fast with one
 * message naming each bad variable, so an operator sees all mistakes at once.
 */
const MIN_SECRET = 32;

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const schema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8089),
  DATABASE_PATH: z.string().min(1).default('./data/scanpush.db'),
  SQLITE_SYNCHRONOUS: z.enum(['normal', 'full']).default('normal'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL (unset: SQLite at DATABASE_PATH)')
    .optional(),
  PG_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  PG_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  PG_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - only, at most 64').default('scanpush:'),
  NODE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _ . - only, at most 64').optional(),
  QR_SECRET: z.string().min(MIN_SECRET, `must be at least ${MIN_SECRET} characters`).optional(),
  QR_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  // Offline member codes (packages/shared offline-code.ts): the key device secrets are derived under
  // (unset: derived from QR_SECRET), the one before it while devices move over, the step and its tolerance.
  DEVICE_SECRET_KEY: z.string().min(MIN_SECRET, `must be at least ${MIN_SECRET} characters`).optional(),
  DEVICE_SECRET_KEY_PREVIOUS: z.string().min(MIN_SECRET, `must be at least ${MIN_SECRET} characters`).optional(),
  OFFLINE_CODE_STEP_SECONDS: z.coerce.number().int().min(10).max(300).default(30),
  OFFLINE_CODE_SKEW_STEPS: z.coerce.number().int().min(0).max(10).default(1),
  REVERSAL_WINDOW_SECONDS: z.coerce.number().int().min(10).max(7 * 24 * 3600).default(600),
  REPORT_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Shanghai').default('Asia/Shanghai'),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(60).default(30 * 24 * 3600),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PUBLIC_ORIGIN: z
    .string()
    .regex(/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i, 'must be an http(s) URL without query or fragment, e.g. https://wash.example.cn')
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  DEMO: bool.optional(),
  // The demo owner's back-office password, for scripted demos and tests; random (and printed) otherwise.
  DEMO_OWNER_PASSWORD: z.string().min(10).max(200).optional(),
  // The demo merchant is the first one the demo creates: id 1.
  DEMO_MERCHANT_KEY: z
    .string()
    .refine((key) => {
      const parsed = parseMerchantKey(key);
      return parsed.ok && parsed.value.merchantId === 1;
    }, 'must look like spk_1_<16-128 url-safe chars>')
    .optional(),
  DEV_LOGIN: bool.optional(),
  CONSOLE: bool.optional(),
  OPENAPI: bool.optional(),
  WECHAT_APPID: z.string().regex(/^wx[0-9A-Za-z]{16}$/, 'must look like wx followed by 16 letters or digits').optional(),
  WECHAT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  WECHAT_API_BASE: z.string().url().default('https://api.weixin.qq.com'),
  // Subscription messages (订阅消息) for results no open mini-program received: the template chosen in
  // the WeChat admin, its keys mapped to what a result carries, e.g.
  // `thing1:store,number2:remaining,time3:time,phrase4:title`. Off when the template is unset.
  WECHAT_NOTIFY_TEMPLATE_ID: z.string().regex(/^[A-Za-z0-9_-]{10,128}$/, 'a template id as the WeChat admin shows it').optional(),
  WECHAT_NOTIFY_FIELDS: z
    .string()
    .transform((text, ctx) => {
      const fields = parseNotifyFields(text);
      if (typeof fields === 'string') ctx.addIssue({ code: 'custom', message: fields });
      return typeof fields === 'string' ? z.NEVER : fields;
    })
    .optional(),
  WECHAT_NOTIFY_PAGE: z.string().regex(/^[A-Za-z0-9_/.-]{1,128}(\?[^\s]{0,256})?$/, 'a mini-program page path, e.g. pages/member/index').default('pages/member/index'),
  WECHAT_NOTIFY_STATE: z.enum(['formal', 'trial', 'developer']).default('formal'),
  WECHAT_NOTIFY_DELAY_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  WECHAT_NOTIFY_REFUSALS: bool.optional(),
  HEARTBEAT_MS: z.coerce.number().int().min(100).max(600_000).default(25_000),
  TRUST_PROXY: z.string().transform((text, ctx) => {
    const parsed = parseTrustedProxies(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
    return parsed.ok ? parsed.value : [];
  }).optional(),
  MAX_SOCKETS_PER_STORE: z.coerce.number().int().min(1).max(100).default(5),
  FRAME_RATE_PER_SECOND: z.coerce.number().min(0.1).max(10_000).default(10),
  FRAME_BURST: z.coerce.number().int().min(1).max(10_000).default(20),
  TEXT_REPLAY_HOURS: z.coerce.number().min(0).max(24 * 30).default(24),
  TEXT_REPLAY_MAX: z.coerce.number().int().min(0).max(1000).default(20),
  REPLAY_RETENTION_HOURS: z.coerce.number().min(1).max(24 * 366).default(24 * 7),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(256).max(1 << 20).default(16 * 1024),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(15_000),
  HTTP_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(75_000),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  MERCHANT_REFUSALS_PER_MINUTE: z.coerce.number().min(1).max(10_000).default(20),
  MERCHANT_REFUSAL_BURST: z.coerce.number().int().min(1).max(10_000).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  env: 'production' | 'development' | 'test';
  host: string;
  port: number;
  /** SQLite's file; unused when `postgres` is set. */
  databasePath: string;
  /** SQLite's `synchronous` in WAL mode: what a committed scan survives (see openSqlite). */
  sqliteSynchronous: SqliteSynchronous;
  /** Set: the PostgreSQL engine, shared by every node; unset: SQLite at `databasePath`, one process. */
  postgres: PostgresConfig | undefined;
  /** Set: the Redis broker, so several nodes push each other's results; unset: the in-process broker. */
  redis: RedisConfig | undefined;
  /** This process's name among the nodes (logs, metrics, broker messages); host and pid by default. */
  nodeName: string | undefined;
  /** HMAC key for QR tokens. Generated per process when unset outside production. */
  qrSecret: string;
  qrSecretGenerated: boolean;
  qrTtlSeconds: number;
  /** Offline member codes: see core/device-secrets.ts and packages/shared offline-code.ts. */
  offlineCodes: { deviceSecretKey: string | undefined; previousDeviceSecretKey: string | undefined; stepSeconds: number; skewSteps: number };
  /** How long after a deduction the store's staff may reverse it. */
  reversalWindowSeconds: number;
  /** The shops' IANA time zone: where a report's day starts and ends. */
  reportTimeZone: string;
  sessionTtlSeconds: number;
  /** Undefined: the admin API is off. */
  adminToken: string | undefined;
  /**
   * The server as phones reach it (`https://wash.example.cn`, maybe with a path prefix; no trailing
   * slash): the origin of the invite QR's URL, which the mini-program checks against its own. Unset: the
   * request's own origin, right only when nothing sits in front of the server.
   */
  publicOrigin: string | undefined;
  /** Seed the demo store, member and merchant key into an empty database. */
  demo: boolean;
  demoMerchantKey: string | undefined;
  demoOwnerPassword: string | undefined;
  devLogin: boolean;
  /** Serve the browser console (apps/console) at `/`. Static files only: it holds no credential. */
  console: boolean;
  /** Serve the OpenAPI document at `/openapi.json` (on outside production; off answers 404). */
  openApi: boolean;
  /** WeChat login (`POST /api/auth/wechat`). Without appid and secret that route refuses with UNAVAILABLE. */
  wechat: { appid: string | undefined; secret: string | undefined; apiBase: string };
  /** Subscription messages; undefined when off (no template configured). */
  notify: NotifyConfig | undefined;
  heartbeatMs: number;
  /** Proxies (IPs, CIDR blocks) whose X-Forwarded-For / X-Real-IP are believed; empty: none. */
  trustProxy: string[];
  delivery: DeliveryConfig;
  bodyLimitBytes: number;
  shutdownGraceMs: number;
  http: HttpTimeouts;
  metrics: MetricsConfig;
  /** Refused scans a merchant may cause before its scans are answered 429 for a while (per node). */
  merchantRefusals: { perMinute: number; burst: number };
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
}

/** How pushes reach members: socket limits and what is replayed after a gap. */
export interface DeliveryConfig {
  /** Sockets per member and store; a newer one closes the oldest (WeChat allows 5 per mini-program). */
  maxSocketsPerStore: number;
  /** Inbound frames per socket: sustained rate and burst of a token bucket. */
  frameRatePerSecond: number;
  frameBurst: number;
  /** Text dialect: results no socket received in this window are sent on connect, at most `textReplayMax`. */
  textReplayMs: number;
  textReplayMax: number;
  /** Structured dialect and long-poll: how far back a resume can reach. */
  retentionMs: number;
}

/**
 * How long the HTTP server waits for slow clients, so a stalled client (slowloris) cannot hold a
 * connection. Node checks its connections against these every second (scanpush.ts), so a stalled
 * request is cut at most a second after its limit.
 */
export interface HttpTimeouts {
  /** The request head (request line and headers) must have arrived within this of the first byte. */
  headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this (a long-poll's wait is not counted). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; above nginx's upstream keepalive_timeout (60 s). */
  keepAliveTimeoutMs: number;
}

/** Where `/metrics` is served, so it is never public by accident. */
export interface MetricsConfig {
  /** Set: every `/metrics` answer needs `Authorization: Bearer <token>`. */
  token: string | undefined;
  /** Set: a listener of its own serves only `/metrics` (and then the main port does not). */
  listen: { host: string; port: number } | undefined;
  /**
   * The main port serves `/metrics`: when no own listener is set, and a token guards it or this is not
   * production. In production without either, `/metrics` is off (and the start says so).
   */
  onMainPort: boolean;
}

export type SqliteSynchronous = 'normal' | 'full';

export interface PostgresConfig {
  url: string;
  /** Connections this node keeps at most. */
  poolSize: number;
  /** A statement running longer is cancelled (and its transaction rolled back). */
  statementTimeoutMs: number;
  /** A connection not made within this is a failure: the request answers 503 rather than hang. */
  connectTimeoutMs: number;
}

export interface RedisConfig {
  url: string;
  /** Prefixes every channel and key, so several deployments (or tests) can share one Redis. */
  keyPrefix: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and checks configuration; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>, randomSecret: () => string): Config {
  // Empty strings mean "unset": systemd environment files and shells produce them for blank values.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const v = parsed.data;
  const production = v.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production && !v.QR_SECRET) problems.push('  QR_SECRET: required in production');
  if (production && v.DEV_LOGIN) problems.push('  DEV_LOGIN: the development login cannot be on in production');
  if (production && v.DEMO_MERCHANT_KEY) problems.push('  DEMO_MERCHANT_KEY: not allowed in production');
  if (production && v.DEMO_OWNER_PASSWORD) problems.push('  DEMO_OWNER_PASSWORD: not allowed in production');
  if (!v.WECHAT_APPID !== !v.WECHAT_SECRET) problems.push('  WECHAT_APPID, WECHAT_SECRET: set both or neither');
  if (!v.WECHAT_NOTIFY_TEMPLATE_ID !== !v.WECHAT_NOTIFY_FIELDS) problems.push('  WECHAT_NOTIFY_TEMPLATE_ID, WECHAT_NOTIFY_FIELDS: set both or neither');
  if (v.WECHAT_NOTIFY_TEMPLATE_ID && !v.WECHAT_APPID) problems.push('  WECHAT_NOTIFY_TEMPLATE_ID: needs WECHAT_APPID and WECHAT_SECRET (messages are sent as the mini-program)');
  // Several nodes need a database they can share: SQLite belongs to one process (it refuses a second).
  if (v.REDIS_URL && !v.DATABASE_URL) problems.push('  REDIS_URL: needs DATABASE_URL (PostgreSQL); SQLite serves one process, which needs no broker');
  // Node refuses a server whose headers may take longer than the whole request.
  if (v.HTTP_HEADERS_TIMEOUT_MS > v.HTTP_REQUEST_TIMEOUT_MS) problems.push('  HTTP_HEADERS_TIMEOUT_MS: must not be above HTTP_REQUEST_TIMEOUT_MS');
  if (problems.length) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return {
    env: v.NODE_ENV,
    host: v.HOST,
    port: v.PORT,
    databasePath: v.DATABASE_PATH,
    sqliteSynchronous: v.SQLITE_SYNCHRONOUS,
    postgres: v.DATABASE_URL
      ? { url: v.DATABASE_URL, poolSize: v.PG_POOL_SIZE, statementTimeoutMs: v.PG_STATEMENT_TIMEOUT_MS, connectTimeoutMs: v.PG_CONNECT_TIMEOUT_MS }
      : undefined,
    redis: v.REDIS_URL ? { url: v.REDIS_URL, keyPrefix: v.REDIS_KEY_PREFIX } : undefined,
    nodeName: v.NODE_NAME,
    qrSecret: v.QR_SECRET ?? randomSecret(),
    qrSecretGenerated: !v.QR_SECRET,
    qrTtlSeconds: v.QR_TTL_SECONDS,
    offlineCodes: {
      deviceSecretKey: v.DEVICE_SECRET_KEY,
      previousDeviceSecretKey: v.DEVICE_SECRET_KEY_PREVIOUS,
      stepSeconds: v.OFFLINE_CODE_STEP_SECONDS,
      skewSteps: v.OFFLINE_CODE_SKEW_STEPS,
    },
    reversalWindowSeconds: v.REVERSAL_WINDOW_SECONDS,
    reportTimeZone: v.REPORT_TIME_ZONE,
    sessionTtlSeconds: v.SESSION_TTL_SECONDS,
    adminToken: v.ADMIN_TOKEN,
    publicOrigin: v.PUBLIC_ORIGIN,
    demo: v.DEMO ?? !production,
    demoMerchantKey: v.DEMO_MERCHANT_KEY,
    demoOwnerPassword: v.DEMO_OWNER_PASSWORD,
    devLogin: v.DEV_LOGIN ?? !production,
    console: v.CONSOLE ?? !production,
    openApi: v.OPENAPI ?? !production,
    wechat: { appid: v.WECHAT_APPID, secret: v.WECHAT_SECRET, apiBase: v.WECHAT_API_BASE },
    notify:
      v.WECHAT_NOTIFY_TEMPLATE_ID && v.WECHAT_NOTIFY_FIELDS
        ? {
            templateId: v.WECHAT_NOTIFY_TEMPLATE_ID,
            fields: v.WECHAT_NOTIFY_FIELDS,
            page: v.WECHAT_NOTIFY_PAGE,
            state: v.WECHAT_NOTIFY_STATE,
            delayMs: v.WECHAT_NOTIFY_DELAY_SECONDS * 1000,
            refusals: v.WECHAT_NOTIFY_REFUSALS ?? false,
          }
        : undefined,
    heartbeatMs: v.HEARTBEAT_MS,
    trustProxy: v.TRUST_PROXY ?? [],
    delivery: {
      maxSocketsPerStore: v.MAX_SOCKETS_PER_STORE,
      frameRatePerSecond: v.FRAME_RATE_PER_SECOND,
      frameBurst: v.FRAME_BURST,
      textReplayMs: v.TEXT_REPLAY_HOURS * 3600_000,
      textReplayMax: v.TEXT_REPLAY_MAX,
      retentionMs: v.REPLAY_RETENTION_HOURS * 3600_000,
    },
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    http: { headersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: v.HTTP_KEEPALIVE_TIMEOUT_MS },
    metrics: {
      token: v.METRICS_TOKEN,
      listen: v.METRICS_PORT === undefined ? undefined : { host: v.METRICS_HOST, port: v.METRICS_PORT },
      onMainPort: v.METRICS_PORT === undefined && (v.METRICS_TOKEN !== undefined || !production),
    },
    merchantRefusals: { perMinute: v.MERCHANT_REFUSALS_PER_MINUTE, burst: v.MERCHANT_REFUSAL_BURST },
    logLevel: v.LOG_LEVEL,
  };
}

/** What a result gives a subscription message's keys. */
export const NOTIFY_SOURCES = ['store', 'remaining', 'time', 'title', 'detail'] as const;
export type NotifySource = (typeof NOTIFY_SOURCES)[number];

export interface NotifyConfig {
  templateId: string;
  /** The template's keys (`thing1`, `number2`, …) and what fills each, in the order configured. */
  fields: { key: string; source: NotifySource }[];
  /** The page the notification opens. */
  page: string;
  /** miniprogram_state: formal (released), trial or developer. */
  state: 'formal' | 'trial' | 'developer';
  /** How long a result may go unreceived by any socket or long-poll before a message is queued. */
  delayMs: number;
  /** Refusal notices too (off: only deductions, sales and reversals). */
  refusals: boolean;
}

/**
 * `thing1:store,number2:remaining` → the field list; a sentence saying what is wrong otherwise. A key is
 * a WeChat template key: a kind (thing, number, time, phrase, character_string, amount, date, name, …)
 * and a number.
 */
export function parseNotifyFields(text: string): NotifyConfig['fields'] | string {
  const fields: NotifyConfig['fields'] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z_]+[0-9]{1,3}):([a-z]+)$/.exec(part);
    if (!m) return `"${part}" is not key:source (e.g. thing1:store)`;
    if (!(NOTIFY_SOURCES as readonly string[]).includes(m[2]!)) return `"${m[2]}" is not one of ${NOTIFY_SOURCES.join(', ')}`;
    if (fields.some((f) => f.key === m[1])) return `"${m[1]}" is mapped twice`;
    fields.push({ key: m[1]!, source: m[2] as NotifySource });
  }
  if (fields.length === 0) return 'map at least one template key, e.g. thing1:store';
  return fields;
}
