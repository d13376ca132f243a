import { Hono } from 'hono';
import serverPackage from '../../../package.json' with { type: 'json' };
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import type { AppEnv } from '../context.js';
import { openApiDocument } from '../openapi/document.js';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the routes `registered()` lists (the app's own, read
 * on the first request, when every route is registered). Built once, on that request: converting the
 * schemas takes 100-200 ms, which no server that is never asked should pay at start. Off in production
 * unless OPENAPI is on; off, it answers 404 as a missing route does.
 */
export function openApiRoutes(
  config: Pick<Config, 'openApi' | 'publicOrigin' | 'metrics'>,
  registered: () => readonly { method: string; path: string }[],
) {
  let document: string | undefined;
  return new Hono<AppEnv>().get('/openapi.json', (c) => {
    if (!config.openApi) throw new AppError('NOT_FOUND', 'The OpenAPI document is off: set OPENAPI=on to serve it');
    document ??= JSON.stringify(
      openApiDocument(registered(), { publicOrigin: config.publicOrigin, metricsToken: config.metrics.token !== undefined, version: serverPackage.version }),
    );
    return c.body(document, 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
  });
}
