import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../context.js';

export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/healthz', async (c) => {
      await deps.repo.ping();
      return c.json({ ok: true, sockets: deps.openSockets() });
    })
    .get('/metrics', async (c) => {
      const body = await deps.metrics.registry.metrics();
      return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType });
    });
}
