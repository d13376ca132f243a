import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { AppError } from '../../errors.js';
import type { AppDeps, AppEnv } from '../context.js';

/**
 * Where apps/console's build lands: four levels up from src/http/routes/console.ts when run from source,
 * two up from dist/main.js when bundled.
 */
export const CONSOLE_DIST = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../console/dist/' : '../../../../console/dist/', import.meta.url),
);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

// One path segment of ordinary characters: no way to name a file outside dist/.
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const COMMON_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The browser console (apps/console) at `/`, its assets under `/console/`, read from `distDir` on each
 * request so a rebuild shows without a restart. Mounted only when `config.console` is on. The pages hold
 * no credential: the merchant key is typed in by staff and stays in their browser.
 */
export function consoleRoutes(deps: Pick<AppDeps, 'config'>, distDir = CONSOLE_DIST) {
  const routes = new Hono<AppEnv>();
  if (!deps.config.console) return routes;
  return routes
    .get('/', async (c) => {
      const page = await readOptional(join(distDir, 'index.html'));
      if (!page) notBuilt(distDir);
      return c.body(page, 200, { ...COMMON_HEADERS, 'content-type': CONTENT_TYPES['.html']!, 'content-security-policy': policy(c) });
    })
    .get('/console/:file', async (c) => {
      const name = c.req.param('file');
      const type = CONTENT_TYPES[extname(name)];
      const body = ASSET_NAME.test(name) && type ? await readOptional(join(distDir, name)) : undefined;
      if (!body) throw new AppError('NOT_FOUND', 'No such console file');
      return c.body(body, 200, { ...COMMON_HEADERS, 'content-type': type! });
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

/** In the one error shape like every other refusal; the message says what to run. */
function notBuilt(distDir: string): never {
  throw new AppError(
    'UNAVAILABLE',
    `The scanpush console is not built: run \`npx -y pnpm@12.4.2 build\` in the repository, then reload (looked for ${join(distDir, 'index.html')})`,
  );
}

async function readOptional(path: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
