import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../context.js';
import { DIST_HEADERS, HTML_TYPE, distFiles } from '../dist-files.js';

/**
 * Where apps/console's build lands: four levels up from src/http/routes/console.ts when run from source,
 * two up from dist/main.js when bundled.
 */
export const CONSOLE_DIST = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../console/dist/' : '../../../../console/dist/', import.meta.url),
);

/**
 * The browser console (apps/console) at `/`, its assets under `/console/`, read from `distDir` on each
 * request so a rebuild shows without a restart. Mounted only when `config.console` is on. The pages hold
 * no credential: the merchant key is typed in by staff and stays in their browser.
 */
export function consoleRoutes(deps: Pick<AppDeps, 'config'>, distDir = CONSOLE_DIST) {
  const routes = new Hono<AppEnv>();
  if (!deps.config.console) return routes;
  const files = distFiles(distDir, 'console');
  return routes
    .get('/', async (c) => c.body(await files.page(), 200, { ...DIST_HEADERS, 'content-type': HTML_TYPE, 'content-security-policy': policy(c) }))
    .get('/console/:file', async (c) => {
      const { body, type } = await files.asset(c.req.param('file'));
      return c.body(body, 200, { ...DIST_HEADERS, 'content-type': type });
    });
}

/**
 * Everything from this server only: the page loads nothing from elsewhere, and a script injected into it
 * could not send a merchant key anywhere else. WebSocket origins are listed for browsers that do not
 * count ws: as 'self'.
 */
function policy(c: Context<AppEnv>): string {
  const host = c.req.header('host') ?? '';
  const sockets = /^[A-Za-z0-9.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
