import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { AuditTrail } from '../audit-trail.js';
import type { AppDeps, AppEnv } from '../context.js';
import type { StoreScope } from '../store-access.js';
import { check, idParam, readJson } from '../validation.js';

export const newProduct = z.object({
  name: z.string().trim().min(1).max(100),
  uses: z.number().int().min(1).max(1000),
  priceFen: z.number().int().min(0).max(10_000_000),
  validDays: z.number().int().min(1).max(3650).nullable().optional(),
});
export const productPath = z.object({ storeId: idParam, id: idParam });

/**
 * A store's card products, for whoever manages the store (see StoreScope): create, list (archived ones
 * too, marked), archive. Products are never deleted: ledger rows name them.
 */
export function storeProductRoutes(deps: Pick<AppDeps, 'storage' | 'now'>, scope: StoreScope, audit: AuditTrail) {
  const { products } = deps.storage;
  const { prefix, guard } = scope;
  return new Hono<AppEnv>()
    .post(`${prefix}/products`, guard, async (c) => {
      const body = await readJson(c, newProduct);
      const product = await products.create(c.get('store').id, { ...body, validDays: body.validDays ?? null }, deps.now());
      await audit(c, { action: 'product.create', subject: `product:${product.id}`, detail: { name: product.name, uses: product.uses, priceFen: product.priceFen, validDays: product.validDays } });
      return c.json(product, 201);
    })
    .get(`${prefix}/products`, guard, async (c) => c.json({ products: await products.list(c.get('store').id, true) }))
    .post(`${prefix}/products/:id/archive`, guard, async (c) => {
      const { id } = check(productPath, c.req.param());
      const storeId = c.get('store').id;
      const archived = await products.archive(storeId, id);
      if (!archived) throw new AppError('PRODUCT_NOT_FOUND', `Store ${storeId} has no product ${id}`);
      await audit(c, { action: 'product.archive', subject: `product:${id}`, detail: { name: archived.name } });
      return c.json(archived);
    });
}
