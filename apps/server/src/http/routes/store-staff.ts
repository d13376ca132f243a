import { staffJoinUrl, type StaffInviteResponse } from '@scanpush/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { INVITE_MINUTES, createInvite, inviteState } from '../../core/invites.js';
import { AppError } from '../../errors.js';
import type { Invite, StaffCredential } from '../../storage/invites.js';
import type { AuditTrail } from '../audit-trail.js';
import type { AppDeps, AppEnv } from '../context.js';
import type { StoreScope } from '../store-access.js';
import { check, idParam, readJson } from '../validation.js';

export const newInvite = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  validMinutes: z.number().int().min(INVITE_MINUTES.min).max(INVITE_MINUTES.max).default(INVITE_MINUTES.default),
});
export const itemPath = z.object({ storeId: idParam, id: idParam });

/**
 * A store's staff, for whoever manages the store (see StoreScope): one-time invites (created, listed,
 * revoked) and the staff credentials (one per device, invited or made with a key), listed and revoked.
 */
export function storeStaffRoutes(deps: Pick<AppDeps, 'storage' | 'now' | 'config'>, scope: StoreScope, audit: AuditTrail) {
  const { now } = deps;
  const { accounts, invites } = deps.storage;
  const { prefix, guard } = scope;

  return new Hono<AppEnv>()
    .post(`${prefix}/invites`, guard, async (c) => {
      const storeId = c.get('store').id;
      const body = await readJson(c, newInvite);
      const invite = await createInvite(invites, { storeId, name: body.name ?? null, validMinutes: body.validMinutes }, now());
      // The QR's origin is the one the phones know the server by (see Config.publicOrigin).
      const origin = deps.config.publicOrigin ?? new URL(c.req.url).origin;
      const answer: StaffInviteResponse = {
        inviteId: invite.inviteId,
        code: invite.code,
        url: staffJoinUrl(origin, invite.code),
        expiresAt: new Date(invite.expiresAt).toISOString(),
      };
      await audit(c, { action: 'invite.create', subject: `invite:${invite.inviteId}`, detail: { name: body.name ?? null, validMinutes: body.validMinutes } });
      return c.json(answer, 201);
    })
    .get(`${prefix}/invites`, guard, async (c) => {
      const at = now();
      return c.json({ invites: (await invites.listInvites(c.get('store').id)).map((invite) => inviteView(invite, at)) });
    })
    .delete(`${prefix}/invites/:id`, guard, async (c) => {
      const { id } = check(itemPath, c.req.param());
      const invite = await revokeInvite(deps, id, c.get('store').id);
      await audit(c, { action: 'invite.revoke', subject: `invite:${id}` });
      return c.json(invite);
    })
    .get(`${prefix}/merchants`, guard, async (c) => c.json({ merchants: (await invites.listStaff(c.get('store').id)).map(staffView) }))
    .post(`${prefix}/merchants/:id/revoke`, guard, async (c) => {
      // Staff gone or a device lost: the key stops working at once, its past scans stay in the ledger.
      const { id } = check(itemPath, c.req.param());
      const storeId = c.get('store').id;
      const merchant = await accounts.getMerchant(id);
      if (!merchant || merchant.storeId !== storeId) throw new AppError('NOT_FOUND', `Store ${storeId} has no staff credential ${id}`);
      await accounts.revokeMerchant(id, now());
      await audit(c, { action: 'staff.revoke', subject: `merchant:${id}` });
      return c.json({ id, revoked: true });
    });
}

/**
 * Revokes an invite not yet redeemed; with `storeId`, only one of that store (another store's answers as
 * none). A redeemed invite is refused: its staff credential is what to revoke.
 */
export async function revokeInvite(deps: Pick<AppDeps, 'storage' | 'now'>, id: number, storeId?: number) {
  const { invites } = deps.storage;
  const existing = await invites.getInvite(id);
  if (!existing || (storeId !== undefined && existing.storeId !== storeId)) throw new AppError('NOT_FOUND', `No invite ${id}`);
  const invite = await invites.revokeInvite(id, deps.now());
  if (!invite) throw new AppError('NOT_FOUND', `No invite ${id}`);
  if (invite.redeemedAt !== null) {
    throw new AppError('INVITE_USED', `Invite ${id} was already redeemed: revoke its staff credential (merchant ${invite.merchantId}) instead`);
  }
  return inviteView(invite, deps.now());
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function inviteView(invite: Invite, now: number) {
  return {
    id: invite.id,
    storeId: invite.storeId,
    name: invite.name,
    state: inviteState(invite, now),
    createdAt: iso(invite.createdAt),
    expiresAt: iso(invite.expiresAt),
    redeemedAt: iso(invite.redeemedAt),
    merchantId: invite.merchantId,
    revokedAt: iso(invite.revokedAt),
  };
}

export function staffView(staff: StaffCredential) {
  return { id: staff.id, storeId: staff.storeId, name: staff.name, createdAt: iso(staff.createdAt), revokedAt: iso(staff.revokedAt) };
}
