import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { AppError, HTTP_STATUS } from '../../errors.js';
import type { AppEnv } from '../context.js';
import { OFFICE_DIST, officePageRoutes } from './office-pages.js';

const dist = mkdtempSync(join(tmpdir(), 'scanpush-office-'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>店主后台</title>');
writeFileSync(join(dist, 'app.js'), 'console.log(1)');
writeFileSync(join(dist, 'app.css'), 'body{}');
writeFileSync(join(dist, 'app.js.map'), '{}');
writeFileSync(join(dist, 'notes.exe'), 'MZ');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

function app(env: Record<string, string>, dir = dist): Hono<AppEnv> {
  const config = loadConfig({ QR_SECRET: 'x'.repeat(32), ...env }, () => 'unused');
  const hono = new Hono<AppEnv>().route('/', officePageRoutes({ config }, dir));
  // As the real app does: AppError's code picks the status.
  hono.onError((err) => new Response(err instanceof AppError ? `${err.code}: ${err.message}` : 'bug', { status: err instanceof AppError ? HTTP_STATUS[err.code] : 500 }));
  return hono;
}

describe('back-office page routes', () => {
  it.each(['/office/', '/office'])('serves the page at %s with a policy of this server only, never framed', async (path) => {
    const res = await app({}).request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('店主后台');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.css', 'text/css; charset=utf-8'],
    ['app.js.map', 'application/json; charset=utf-8'],
  ])('serves /office/%s as %s', async (file, type) => {
    const res = await app({}).request(`/office/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
  });

  it.each(['missing.js', 'notes.exe', '..%2Fpackage.json', '.hidden.js', '%2Fetc%2Fpasswd.js'])('answers 404 for /office/%s', async (file) => {
    const res = await app({}).request(`/office/${file}`);
    expect(res.status).toBe(404);
  });

  it('is served in production too, whatever CONSOLE says', async () => {
    expect((await app({ NODE_ENV: 'production', ADMIN_TOKEN: 'a'.repeat(32) }).request('/office/')).status).toBe(200);
    expect((await app({ NODE_ENV: 'development', CONSOLE: 'off' }).request('/office/')).status).toBe(200);
  });

  it('says how to build the back office when it was not built, in the one error shape', async () => {
    const res = await app({}, join(dist, 'nowhere')).request('/office/');
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/^UNAVAILABLE: The scanpush back office is not built: run `npx -y pnpm@12\.4\.2 build`/);
  });

  it('looks for the build in apps/office/dist when run from source', () => {
    expect(OFFICE_DIST.replaceAll('\\', '/')).toMatch(/\/apps\/office\/dist\/$/);
  });
});
