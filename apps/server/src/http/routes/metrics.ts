import { Hono } from 'hono';
import type { Metrics } from '../../metrics.js';
import { requireToken } from '../auth.js';
import type { AppEnv } from '../context.js';

/**
 * `GET /metrics` for Prometheus: memory, file descriptors, versions, routes and scan counts, nothing a
 * stranger should read. Where it is served (the main port, a port of its own, nowhere) is config.ts's
 * `metrics`; with METRICS_TOKEN set it needs that bearer token wherever it is served.
 */
export function metricsRoutes(metrics: Pick<Metrics, 'registry'>, token: string | undefined) {
  const app = new Hono<AppEnv>();
  if (token !== undefined) app.use('/metrics', requireToken(token, 'The metrics need METRICS_TOKEN (Authorization: Bearer …)'));
  return app.get('/metrics', async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': metrics.registry.contentType });
  });
}
