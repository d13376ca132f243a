import { Hono } from 'hono';
import { z } from 'zod';
import { hashPassword } from '../../core/passwords.js';
import { AppError } from '../../errors.js';
import type { AuditTrail } from '../audit-trail.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, id, idParam, readJson } from '../validation.js';
import { ownerLogin, ownerPassword } from './office-account.js';

const name = z.string().trim().min(1).max(100);
export const shopPath = z.object({ shopId: idParam });
export const storePath = z.object({ storeId: idParam });
export const idPath = z.object({ id: idParam });
export const newOwner = z.object({ login: ownerLogin, name, password: ownerPassword });
export const storeShop = z.object({ shopId: id.nullable() });
export const newShop = z.object({ name });
export const passwordReset = z.object({ password: ownerPassword });
export const ownerDisabled = z.object({ disabled: z.boolean() });

/**
 * The platform operator sets shops up: a shop, its owners (who then sign in to the back office), which
 * stores belong to it; and helps an owner who lost a password or a phone.
 */
export function adminShopRoutes(deps: Pick<AppDeps, 'storage' | 'now' | 'config'>, audit: AuditTrail) {
  const { office } = deps.storage;
  const admin = requireAdmin(deps);
  const shopExists = async (shopId: number) => {
    if (!(await office.getShop(shopId))) throw new AppError('NOT_FOUND', `No shop ${shopId}`, { field: 'shopId' });
  };
  const ownerExists = async (ownerId: number) => {
    const owner = await office.getOwner(ownerId);
    if (!owner) throw new AppError('NOT_FOUND', `No owner ${ownerId}`);
    return owner;
  };
  return new Hono<AppEnv>()
    .post('/api/admin/shops', admin, async (c) => {
      const body = await readJson(c, newShop);
      const shop = await office.createShop(body.name, deps.now());
      await audit(c, { action: 'shop.create', subject: `shop:${shop.id}`, shopId: shop.id, storeId: null, detail: { name: shop.name } });
      return c.json({ ...shop, createdAt: new Date(shop.createdAt).toISOString() }, 201);
    })
    .get('/api/admin/shops', admin, async (c) => {
      const shops = await office.listShops();
      return c.json({ shops: shops.map((s) => ({ ...s, createdAt: new Date(s.createdAt).toISOString() })) });
    })
    .post('/api/admin/shops/:shopId/owners', admin, async (c) => {
      const { shopId } = check(shopPath, c.req.param());
      const body = await readJson(c, newOwner);
      await shopExists(shopId);
      const made = await office.createOwner({ shopId, login: body.login, name: body.name, passwordHash: await hashPassword(body.password) }, deps.now());
      if (!made.ok) throw new AppError('LOGIN_TAKEN', `The login ${body.login} is taken`, { field: 'login' });
      await audit(c, { action: 'owner.create', subject: `owner:${made.owner.id}`, shopId, storeId: null, detail: { login: body.login, name: body.name } });
      return c.json({ id: made.owner.id, shopId, login: made.owner.login, name: made.owner.name }, 201);
    })
    .get('/api/admin/shops/:shopId/owners', admin, async (c) => {
      const { shopId } = check(shopPath, c.req.param());
      await shopExists(shopId);
      const owners = await office.listOwners(shopId);
      return c.json({
        owners: owners.map((o) => ({ ...o, createdAt: new Date(o.createdAt).toISOString(), disabledAt: o.disabledAt === null ? null : new Date(o.disabledAt).toISOString() })),
      });
    })
    .put('/api/admin/stores/:storeId/shop', admin, async (c) => {
      const { storeId } = check(storePath, c.req.param());
      const body = await readJson(c, storeShop);
      if (body.shopId !== null) await shopExists(body.shopId);
      if (!(await office.setStoreShop(storeId, body.shopId))) throw new AppError('NOT_FOUND', `No store ${storeId}`, { field: 'storeId' });
      await audit(c, { action: 'store.shop', subject: `store:${storeId}`, storeId, shopId: body.shopId });
      return c.json({ storeId, shopId: body.shopId });
    })
    .post('/api/admin/owners/:id/revoke-sessions', admin, async (c) => {
      const { id: ownerId } = check(idPath, c.req.param());
      const owner = await ownerExists(ownerId);
      const revoked = await office.revokeOwnerSessions(ownerId, deps.now());
      await audit(c, { action: 'owner.session.revoke_all', subject: `owner:${ownerId}`, shopId: owner.shopId, storeId: null, detail: { revoked } });
      return c.json({ revoked });
    })
    .post('/api/admin/owners/:id/password', admin, async (c) => {
      const { id: ownerId } = check(idPath, c.req.param());
      const body = await readJson(c, passwordReset);
      const owner = await ownerExists(ownerId);
      await office.setOwnerPassword(ownerId, await hashPassword(body.password));
      const revoked = await office.revokeOwnerSessions(ownerId, deps.now());
      await audit(c, { action: 'owner.password.reset', subject: `owner:${ownerId}`, shopId: owner.shopId, storeId: null, detail: { revokedSessions: revoked } });
      return c.json({ changed: true, revoked });
    })
    .post('/api/admin/owners/:id/disable', admin, async (c) => {
      const { id: ownerId } = check(idPath, c.req.param());
      const body = await readJson(c, ownerDisabled);
      const owner = await ownerExists(ownerId);
      await office.setOwnerDisabled(ownerId, body.disabled, deps.now());
      const revoked = body.disabled ? await office.revokeOwnerSessions(ownerId, deps.now()) : 0;
      await audit(c, { action: body.disabled ? 'owner.disable' : 'owner.enable', subject: `owner:${ownerId}`, shopId: owner.shopId, storeId: null, detail: { revokedSessions: revoked } });
      return c.json({ id: ownerId, disabled: body.disabled, revoked });
    });
}
