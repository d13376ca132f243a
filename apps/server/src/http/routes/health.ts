import { SOCKET_PATH_PREFIX } from '@scanpush/shared';
import { Hono } from 'hono';
import { AppError } from '../../errors.js';
import type { AppDeps, AppEnv } from '../context.js';

export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get('/healthz', async (c) => {
      await deps.storage.ping();
      return c.json({ ok: true, sockets: deps.openSockets() });
    })
    // A socket path reached without the upgrade (most often a proxy that drops the Upgrade and Connection
    // headers): say so, instead of a bare 404 that sends an operator looking for a missing route.
    .get(`${SOCKET_PATH_PREFIX}*`, () => {
      throw new AppError('UPGRADE_REQUIRED', 'This path only accepts WebSocket upgrades; a proxy in front must forward the Upgrade and Connection headers');
    });
}
