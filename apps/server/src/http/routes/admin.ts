import { Hono } from 'hono';
import { z } from 'zod';
import { formatMerchantKey } from '@scanpush/shared';
import { hashSecret, newSecret } from '../../core/credentials.js';
import { AppError } from '../../errors.js';
import type { AuditTrail } from '../audit-trail.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, id, idParam, readJson } from '../validation.js';
import { revokeInvite } from './store-staff.js';

const name = z.string().trim().min(1).max(100);
export const newStore = z.object({ name, shopId: id.optional() });
export const newMember = z.object({ name: name.optional() });
export const topUp = z.object({ memberId: id, storeId: id, uses: z.number().int().min(1).max(10_000) });
export const newMerchant = z.object({ storeId: id, name });
export const idPath = z.object({ id: idParam });

/**
 * The operator's API: stores, members, cards, merchant keys, session revocation. A store's own routes
 * (products, staff, members, reports, audit) are the store routes under /api/admin/stores/:storeId
 * (http/store-access.ts); shops and owners are in admin-shops.ts.
 */
export function adminRoutes(deps: AppDeps, audit: AuditTrail) {
  const { now } = deps;
  const { accounts, cards, office } = deps.storage;
  // On each route rather than `use`: a wrong method is answered 405 before the token is asked.
  const admin = requireAdmin(deps);
  return new Hono<AppEnv>()
    .post('/api/admin/stores', admin, async (c) => {
      const body = await readJson(c, newStore);
      if (body.shopId !== undefined && !(await office.getShop(body.shopId))) throw new AppError('NOT_FOUND', `No shop ${body.shopId}`, { field: 'shopId' });
      const store = body.shopId === undefined ? await accounts.createStore(body.name, now()) : await office.createShopStore(body.shopId, body.name, now());
      await audit(c, { action: 'store.create', subject: `store:${store.id}`, storeId: store.id, shopId: body.shopId ?? null, detail: { name: store.name } });
      return c.json(store, 201);
    })
    .post('/api/admin/members', admin, async (c) => {
      const body = await readJson(c, newMember);
      return c.json(await accounts.createMember({ name: body.name ?? null }, now()), 201);
    })
    .post('/api/admin/cards', admin, async (c) => {
      const body = await readJson(c, topUp);
      if (!(await accounts.getMember(body.memberId))) throw new AppError('NOT_FOUND', `No member ${body.memberId}`, { field: 'memberId' });
      if (!(await accounts.getStore(body.storeId))) throw new AppError('NOT_FOUND', `No store ${body.storeId}`, { field: 'storeId' });
      return c.json(await cards.topUp(body.memberId, body.storeId, body.uses, now()));
    })
    .post('/api/admin/merchants', admin, async (c) => {
      const body = await readJson(c, newMerchant);
      if (!(await accounts.getStore(body.storeId))) throw new AppError('NOT_FOUND', `No store ${body.storeId}`, { field: 'storeId' });
      const secret = newSecret();
      const merchant = await accounts.createMerchant(body.storeId, body.name, hashSecret(secret), now());
      // The only time the key exists outside the staff's device.
      return c.json({ id: merchant.id, storeId: body.storeId, name: body.name, key: formatMerchantKey(merchant.id, secret) }, 201);
    })
    .post('/api/admin/merchants/:id/revoke', admin, async (c) => {
      // Staff gone or a device lost: the key stops working at once, its past scans stay in the ledger.
      const { id: merchantId } = check(idPath, c.req.param());
      const merchant = await accounts.getMerchant(merchantId);
      if (!merchant || !(await accounts.revokeMerchant(merchantId, now()))) throw new AppError('NOT_FOUND', `No merchant ${merchantId}`);
      await audit(c, { action: 'staff.revoke', subject: `merchant:${merchantId}`, storeId: merchant.storeId });
      return c.json({ id: merchantId, revoked: true });
    })
    .delete('/api/admin/invites/:id', admin, async (c) => {
      const { id: inviteId } = check(idPath, c.req.param());
      const invite = await revokeInvite(deps, inviteId);
      await audit(c, { action: 'invite.revoke', subject: `invite:${inviteId}`, storeId: invite.storeId });
      return c.json(invite);
    })
    .post('/api/admin/members/:id/revoke-sessions', admin, async (c) => {
      const { id: memberId } = check(idPath, c.req.param());
      if (!(await accounts.getMember(memberId))) throw new AppError('NOT_FOUND', `No member ${memberId}`);
      const revoked = await accounts.revokeMemberSessions(memberId, now());
      // Their offline codes stop too: a device outlives the session that enrolled it otherwise.
      const devicesRevoked = await deps.storage.devices.revokeAll(memberId, now());
      const sockets = deps.closeMemberSockets(memberId);
      return c.json({ revoked, socketsClosed: sockets, devicesRevoked });
    });
}
