import type { ErrorBody } from '@scanpush/shared';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { AppError, HTTP_STATUS } from '../errors.js';
import { accessLogger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { StorageUnavailableError, databaseErrorKind } from '../storage/errors.js';
import { clientAddress, trustedProxies } from './client-address.js';
import type { AppDeps, AppEnv } from './context.js';
import { auditTrail } from './audit-trail.js';
import { adminRoutes } from './routes/admin.js';
import { adminShopRoutes } from './routes/admin-shops.js';
import { authRoutes } from './routes/auth.js';
import { consoleRoutes } from './routes/console.js';
import { counterRoutes } from './routes/counter.js';
import { deviceRoutes } from './routes/devices.js';
import { healthRoutes } from './routes/health.js';
import { memberRoutes } from './routes/member.js';
import { metricsRoutes } from './routes/metrics.js';
import { notificationRoutes } from './routes/notifications.js';
import { notifyRoutes } from './routes/notify.js';
import { officeAccountRoutes } from './routes/office-account.js';
import { officePageRoutes } from './routes/office-pages.js';
import { openApiRoutes } from './routes/openapi.js';
import { merchantRefusals, scanRoutes } from './routes/scans.js';
import { staffJoinRoutes } from './routes/staff-join.js';
import { storeMemberRoutes } from './routes/store-members.js';
import { storeProductRoutes } from './routes/store-products.js';
import { storeReportRoutes } from './routes/store-reports.js';
import { storeStaffRoutes } from './routes/store-staff.js';
import { storeRoutes } from './routes/stores.js';
import { storeScopes } from './store-access.js';

/** The HTTP API. Every error, thrown anywhere below, leaves through `onError` in the one shape. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { logger, metrics } = deps;
  const trusted = trustedProxies(deps.config.trustProxy);

  const accessLog = accessLogger(logger);
  app.use(requestId());
  app.use(async (c, next) => {
    // A scrape is no work of the server's: it must not keep the delay monitor of an idle server awake.
    if (c.req.path !== '/metrics') metrics.eventLoop.touch();
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    const elapsed = performance.now() - started;
    // The scan alone is timed: it is what a merchant waits for at the counter (other routes are counted only).
    if (route === '/api/scans') metrics.scanDuration.observe(elapsed / 1000);
    const ms = Math.round(elapsed * 10) / 10;
    const level = c.res.status >= 500 ? 'error' : 'info';
    const client = clientAddress(c, trusted);
    accessLog[level]({ requestId: c.get('requestId'), client, method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'request');
  });
  app.use('/api/*', limitBody(deps.config.bodyLimitBytes));

  app.route('/', healthRoutes(deps));
  if (deps.config.metrics.onMainPort) app.route('/', metricsRoutes(metrics, deps.config.metrics.token));
  app.route('/', authRoutes(deps));
  app.route('/', memberRoutes(deps));
  app.route('/', deviceRoutes(deps));
  app.route('/', storeRoutes(deps));
  const refusals = merchantRefusals(deps.config);
  app.route('/', scanRoutes(deps, refusals));
  const audit = auditTrail(deps);
  app.route('/', counterRoutes(deps, audit, refusals));
  app.route('/', notificationRoutes(deps, deps.longPoll));
  app.route('/', notifyRoutes(deps));
  app.route('/', adminRoutes(deps, audit));
  app.route('/', adminShopRoutes(deps, audit));
  app.route('/', officeAccountRoutes(deps, audit));
  // The store routes, once for the operator (every store) and once for owners (their shop's stores).
  for (const scope of storeScopes(deps)) {
    app.route('/', storeProductRoutes(deps, scope, audit));
    app.route('/', storeStaffRoutes(deps, scope, audit));
    app.route('/', storeMemberRoutes(deps, scope, audit));
    app.route('/', storeReportRoutes(deps, scope));
  }
  app.route('/', staffJoinRoutes(deps, audit));
  app.route('/', consoleRoutes(deps));
  app.route('/', officePageRoutes(deps));
  app.route('/', openApiRoutes(deps.config, () => app.routes.filter((r) => r.method !== 'ALL')));

  return answerErrorsInOneShape(app, logger, metrics);
}

/** The `/metrics` listener of its own (METRICS_PORT): that route only, errors in the same shape. */
export function createMetricsApp(deps: Pick<AppDeps, 'metrics' | 'logger' | 'config'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.route('/', metricsRoutes(deps.metrics, deps.config.metrics.token));
  return answerErrorsInOneShape(app, deps.logger, deps.metrics);
}

/**
 * Every error leaves in the one shape: no route (404), a route without this method (405 with `Allow`),
 * AppError with its code's status, the database away (503), anything else (500, logged). Errors of the
 * database are counted in scanpush_db_errors_total by kind.
 */
export function answerErrorsInOneShape(app: Hono<AppEnv>, logger: AppDeps['logger'], metrics: Pick<Metrics, 'dbErrors'>): Hono<AppEnv> {
  let allowed: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    // Built on first use: every route is registered by then.
    allowed ??= methodsByPath(app.routes);
    const methods = allowed(c.req.path);
    if (methods.length === 0) return errorResponse(c, new AppError('NOT_FOUND', 'No such route'));
    c.header('Allow', methods.join(', '));
    return errorResponse(c, new AppError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed here: ${methods.join(', ')}`));
  });
  app.onError((err, c) => {
    if (err instanceof AppError) return errorResponse(c, err);
    const database = databaseErrorKind(err);
    if (database) metrics.dbErrors.inc({ kind: database });
    if (err instanceof StorageUnavailableError) {
      // Nothing was written: the client may retry (an Idempotency-Key makes a scan's retry safe).
      logger.warn({ err: err.message, requestId: c.get('requestId'), path: c.req.path }, 'database unavailable');
      return errorResponse(c, new AppError('UNAVAILABLE', 'The database is unavailable: try again in a moment'));
    }
    logger.error({ err, requestId: c.get('requestId'), path: c.req.path }, 'unhandled error');
    return errorResponse(c, new AppError('INTERNAL', 'Internal error'));
  });
  return app;
}

/**
 * Refuses a body over `maxBytes` with 413. A declared Content-Length is checked from the header alone:
 * Node's parser never delivers more than it declares, and the body is then read straight from the socket.
 * Hono's bodyLimit, which counts the bytes as they arrive, is kept for chunked bodies only, because it
 * makes the Node adapter build a full fetch Request (60-95 µs a scan).
 */
function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `The body is larger than ${maxBytes} bytes`);
  const counting = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return (c, next) => {
    const declared = c.req.header('content-length');
    if (declared === undefined) return c.req.header('transfer-encoding') ? counting(c, next) : next();
    if (!(Number(declared) <= maxBytes)) throw tooLarge();
    return next();
  };
}

/**
 * The methods the app answers at a path, for 405's `Allow`: its routes' patterns (`:param` one segment,
 * a trailing `*` the rest), middleware (method ALL) left out. HEAD goes with GET, as Hono serves it.
 */
function methodsByPath(routes: readonly { method: string; path: string }[]): (path: string) => string[] {
  const table = routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.split('/').map(segmentPattern).join('/')}$`) }));
  return (path) => {
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

function segmentPattern(segment: string): string {
  if (segment === '*') return '.*';
  if (segment.startsWith(':')) return '[^/]+';
  return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function errorResponse(c: Context<AppEnv>, err: AppError): Response {
  for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
  const body: ErrorBody = { error: { code: err.code, message: err.message, ...err.extra, requestId: c.get('requestId') } };
  return c.json(body, HTTP_STATUS[err.code] as ContentfulStatusCode);
}
