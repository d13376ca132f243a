import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { requireAdmin } from './auth.js';
import type { AppDeps, AppEnv } from './context.js';
import { requireOwner } from './office-session.js';
import { check, idParam } from './validation.js';

/**
 * Who may manage a store, and under which path. The same store routes (products, staff, members,
 * reports, audit, reversals) are mounted once per scope: the platform operator reaches every store under
 * `/api/admin/stores/:storeId` with ADMIN_TOKEN; an owner reaches the stores of their own shop under
 * `/api/office/stores/:storeId` with the back-office session. Staff manage nothing: their merchant key
 * opens the counter routes of their one store only.
 */
export interface StoreScope {
  role: 'operator' | 'owner';
  prefix: '/api/admin/stores/:storeId' | '/api/office/stores/:storeId';
  /** Authenticates, then checks the `:storeId` asked: sets `actor` and `store`. */
  guard: MiddlewareHandler<AppEnv>;
}

export const storePath = z.object({ storeId: idParam });

export function storeScopes(deps: AppDeps): StoreScope[] {
  const operator = requireAdmin(deps);
  const owner = requireOwner(deps);
  const { office } = deps.storage;
  return [
    {
      role: 'operator',
      prefix: '/api/admin/stores/:storeId',
      guard: createMiddleware<AppEnv>(async (c, next) => {
        await operator(c, async () => {
          const { storeId } = check(storePath, c.req.param());
          const shopId = await office.storeShop(storeId);
          if (shopId === undefined) throw new AppError('NOT_FOUND', `No store ${storeId}`, { field: 'storeId' });
          c.set('store', { id: storeId, shopId });
          await next();
        });
      }),
    },
    {
      role: 'owner',
      prefix: '/api/office/stores/:storeId',
      guard: createMiddleware<AppEnv>(async (c, next) => {
        await owner(c, async () => {
          const { storeId } = check(storePath, c.req.param());
          const shopId = await office.storeShop(storeId);
          // Another shop's store answers as a store that does not exist: an owner learns nothing of it.
          if (shopId === undefined || shopId !== c.get('owner').shopId) throw new AppError('NOT_FOUND', `No store ${storeId}`, { field: 'storeId' });
          c.set('store', { id: storeId, shopId });
          await next();
        });
      }),
    },
  ];
}
