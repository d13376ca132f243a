import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, idParam, readJson } from '../validation.js';

const newProduct = z.object({
  name: z.string().trim().min(1).max(100),
  uses: z.number().int().min(1).max(1000),
  priceFen: z.number().int().min(0).max(10_000_000),
  validDays: z.number().int().min(1).max(3650).nullable().optional(),
});
const storePath = z.object({ storeId: idParam });
const productPath = z.object({ storeId: idParam, id: idParam });

/**
 * The operator's products of a store (until owners manage their own): create, list (archived ones
 * too, marked), archive. Products are never deleted: ledger rows name them.
 */
export function adminProductRoutes(deps: AppDeps) {
  const admin = requireAdmin(deps);
  const { accounts, products } = deps.storage;
  const store = async (storeId: number) => {
    if (!(await accounts.getStore(storeId))) throw new AppError('NOT_FOUND', `No store ${storeId}`, { field: 'storeId' });
  };
  return new Hono<AppEnv>()
    .post('/api/admin/stores/:storeId/products', admin, async (c) => {
      const { storeId } = check(storePath, c.req.param());
      const body = await readJson(c, newProduct);
      await store(storeId);
      return c.json(await products.create(storeId, { ...body, validDays: body.validDays ?? null }, deps.now()), 201);
    })
    .get('/api/admin/stores/:storeId/products', admin, async (c) => {
      const { storeId } = check(storePath, c.req.param());
      await store(storeId);
      return c.json({ products: await products.list(storeId, true) });
    })
    .post('/api/admin/stores/:storeId/products/:id/archive', admin, async (c) => {
      const { storeId, id } = check(productPath, c.req.param());
      const archived = await products.archive(storeId, id);
      if (!archived) throw new AppError('PRODUCT_NOT_FOUND', `Store ${storeId} has no product ${id}`);
      return c.json(archived);
    });
}
