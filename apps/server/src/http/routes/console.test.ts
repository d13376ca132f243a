import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { AppError, HTTP_STATUS } from '../../errors.js';
import type { AppEnv } from '../context.js';
import { CONSOLE_DIST, consoleRoutes } from './console.js';

const dist = mkdtempSync(join(tmpdir(), 'scanpush-console-'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>scanpush 控制台</title>');
writeFileSync(join(dist, 'app.js'), 'console.log(1)');
writeFileSync(join(dist, 'app.css'), 'body{}');
writeFileSync(join(dist, 'app.js.map'), '{}');
writeFileSync(join(dist, 'notes.exe'), 'MZ');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

function app(env: Record<string, string>, dir = dist): Hono<AppEnv> {
  const config = loadConfig({ QR_SECRET: 'x'.repeat(32), ...env }, () => 'unused');
  const hono = new Hono<AppEnv>().route('/', consoleRoutes({ config }, dir));
  // As the real app does: AppError's code picks the status.
  hono.onError((err) => new Response(err instanceof AppError ? `${err.code}: ${err.message}` : 'bug', { status: err instanceof AppError ? HTTP_STATUS[err.code] : 500 }));
  return hono;
}

describe('console routes', () => {
  it('serves the page at / with a policy that allows only this server', async () => {
    const res = await app({ NODE_ENV: 'development' }).request('/', { headers: { host: '127.0.0.1:8089' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('scanpush 控制台');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:8089 wss://127.0.0.1:8089");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.css', 'text/css; charset=utf-8'],
    ['app.js.map', 'application/json; charset=utf-8'],
  ])('serves /console/%s as %s', async (file, type) => {
    const res = await app({}).request(`/console/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
  });

  it.each(['missing.js', 'notes.exe', '..%2Fpackage.json', '.hidden.js', '%2Fetc%2Fpasswd.js'])('answers 404 for /console/%s', async (file) => {
    const res = await app({}).request(`/console/${file}`);
    expect(res.status).toBe(404);
  });

  it('leaves out a Host header it would not put into the policy as is', async () => {
    const res = await app({}).request('/', { headers: { host: "evil'; script-src *" } });
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self';");
  });

  it('says how to build the console when it was not built, in the one error shape', async () => {
    const res = await app({}, join(dist, 'nowhere')).request('/');
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/^UNAVAILABLE: The scanpush console is not built: run `npx -y pnpm@12\.4\.2 build`/);
  });

  it('is off by default in production and on when CONSOLE says so', async () => {
    expect((await app({ NODE_ENV: 'production' }).request('/')).status).toBe(404);
    expect((await app({ NODE_ENV: 'production', CONSOLE: '1' }).request('/')).status).toBe(200);
    expect((await app({ NODE_ENV: 'development', CONSOLE: 'off' }).request('/')).status).toBe(404);
    expect((await app({ NODE_ENV: 'test' }).request('/')).status).toBe(200);
  });

  it('looks for the build in apps/console/dist when run from source', () => {
    expect(CONSOLE_DIST.replaceAll('\\', '/')).toMatch(/\/apps\/console\/dist\/$/);
  });
});
