import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../context.js';
import { DIST_HEADERS, HTML_TYPE, distFiles } from '../dist-files.js';

/**
 * Where apps/office's build lands: four levels up from src/http/routes/office-pages.ts when run from
 * source, two up from dist/main.js when bundled (as CONSOLE_DIST).
 */
export const OFFICE_DIST = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../office/dist/' : '../../../../office/dist/', import.meta.url),
);

/**
 * Everything from this server only, nothing framed: the back office holds an owner's session, so a
 * script injected into it could send nothing elsewhere, and no other site can put it in a frame to
 * have an owner click for it.
 */
const POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The owners' back office (apps/office) at `/office/` (and `/office`), its assets under `/office/`.
 * Always mounted: production serves it. The pages hold no credential; the session is the HttpOnly
 * cookie the API sets.
 */
export function officePageRoutes(_deps: Pick<AppDeps, 'config'>, distDir = OFFICE_DIST) {
  const files = distFiles(distDir, 'back office');
  const page = async (c: Context<AppEnv>) =>
    c.body(await files.page(), 200, { ...DIST_HEADERS, 'content-type': HTML_TYPE, 'content-security-policy': POLICY, 'x-frame-options': 'DENY' });
  return new Hono<AppEnv>()
    .get('/office', page)
    .get('/office/', page)
    .get('/office/:file', async (c) => {
      const { body, type } = await files.asset(c.req.param('file'));
      return c.body(body, 200, { ...DIST_HEADERS, 'content-type': type });
    });
}
