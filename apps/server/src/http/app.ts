import type { ErrorBody } from '@scanpush/shared';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { AppError, HTTP_STATUS } from '../errors.js';
import { StorageUnavailableError } from '../storage/errors.js';
import { clientAddress, trustedProxies } from './client-address.js';
import type { AppDeps, AppEnv } from './context.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { consoleRoutes } from './routes/console.js';
import { healthRoutes } from './routes/health.js';
import { memberRoutes } from './routes/member.js';
import { notificationRoutes } from './routes/notifications.js';
import { scanRoutes } from './routes/scans.js';

/** The HTTP API. Every error, thrown anywhere below, leaves through `onError` in the one shape. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { logger, metrics } = deps;
  const trusted = trustedProxies(deps.config.trustProxy);

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const level = c.res.status >= 500 ? 'error' : 'info';
    const client = clientAddress(c, trusted);
    logger[level]({ requestId: c.get('requestId'), client, method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'request');
  });
  app.use('/api/*', limitBody(deps.config.bodyLimitBytes));

  app.route('/', healthRoutes(deps));
  app.route('/', authRoutes(deps));
  app.route('/', memberRoutes(deps));
  app.route('/', scanRoutes(deps));
  app.route('/', notificationRoutes(deps, deps.longPoll));
  app.route('/', adminRoutes(deps));
  app.route('/', consoleRoutes(deps));

  app.notFound((c) => errorResponse(c, new AppError('NOT_FOUND', 'No such route')));
  app.onError((err, c) => {
    if (err instanceof AppError) return errorResponse(c, err);
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

function errorResponse(c: Context<AppEnv>, err: AppError): Response {
  const body: ErrorBody = { error: { code: err.code, message: err.message, ...err.extra, requestId: c.get('requestId') } };
  return c.json(body, HTTP_STATUS[err.code] as ContentfulStatusCode);
}
