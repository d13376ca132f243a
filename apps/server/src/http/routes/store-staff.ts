import { staffJoinUrl, type StaffInviteResponse } from '@scanpush/shared';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { INVITE_MINUTES, createInvite, inviteState } from '../../core/invites.js';
import { AppError } from '../../errors.js';
import type { Invite, StaffCredential } from '../../storage/invites.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, idParam, readJson } from '../validation.js';

const newInvite = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  validMinutes: z.number().int().min(INVITE_MINUTES.min).max(INVITE_MINUTES.max).default(INVITE_MINUTES.default),
});
const storePath = z.object({ storeId: idParam });
const idPath = z.object({ id: idParam });

/**
 * The operator's staff API: one-time invites to a store (created, listed, revoked) and the store's staff
 * credentials. The owner's back office will call the same core (core/invites.ts).
 */
export function adminStaffRoutes(deps: AppDeps) {
  const { now } = deps;
  const { accounts, invites } = deps.storage;
  const admin = requireAdmin(deps);

  async function storeOf(c: Context<AppEnv>): Promise<number> {
    const { storeId } = check(storePath, c.req.param());
    if (!(await accounts.getStore(storeId))) throw new AppError('NOT_FOUND', `No store ${storeId}`, { field: 'storeId' });
    return storeId;
  }

  return new Hono<AppEnv>()
    .post('/api/admin/stores/:storeId/invites', admin, async (c) => {
      const storeId = await storeOf(c);
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
      return c.json(answer, 201);
    })
    .get('/api/admin/stores/:storeId/invites', admin, async (c) => {
      const storeId = await storeOf(c);
      const at = now();
      return c.json({ invites: (await invites.listInvites(storeId)).map((invite) => inviteView(invite, at)) });
    })
    .delete('/api/admin/invites/:id', admin, async (c) => {
      const { id } = check(idPath, c.req.param());
      const invite = await invites.revokeInvite(id, now());
      if (!invite) throw new AppError('NOT_FOUND', `No invite ${id}`);
      if (invite.redeemedAt !== null) {
        throw new AppError('INVITE_USED', `Invite ${id} was already redeemed: revoke its staff credential (merchant ${invite.merchantId}) instead`);
      }
      return c.json(inviteView(invite, now()));
    })
    .get('/api/admin/stores/:storeId/merchants', admin, async (c) => {
      const storeId = await storeOf(c);
      return c.json({ merchants: (await invites.listStaff(storeId)).map(staffView) });
    });
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function inviteView(invite: Invite, now: number) {
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

function staffView(staff: StaffCredential) {
  return { id: staff.id, storeId: staff.storeId, name: staff.name, createdAt: iso(staff.createdAt), revokedAt: iso(staff.revokedAt) };
}
