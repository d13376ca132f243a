import { isInviteCode, type StaffJoinResponse } from '@scanpush/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { joinWithInvite, type JoinOutcome } from '../../core/invites.js';
import { RefusalBuckets } from '../../core/refusal-buckets.js';
import { AppError } from '../../errors.js';
import { clientAddress, trustedProxies } from '../client-address.js';
import type { AuditTrail } from '../audit-trail.js';
import type { AppDeps, AppEnv } from '../context.js';
import { readJson } from '../validation.js';

export const joinRequest = z.object({
  code: z.string().min(1).max(256),
  deviceName: z.string().trim().min(1).max(100),
});

/** Refused redeems a client address may cause: 10 at once, then 10 a minute (see RefusalBuckets). */
export const JOIN_REFUSALS = { perMinute: 10, burst: 10 } as const;

/**
 * `POST /api/staff/join`: a device redeems a one-time invite for a staff credential of its own. No
 * credential is asked: the invite code is one. Refusals are the one error shape (INVITE_INVALID,
 * INVITE_EXPIRED, INVITE_USED) and are limited per client address.
 */
export function staffJoinRoutes(deps: Pick<AppDeps, 'storage' | 'now' | 'config'>, audit: AuditTrail) {
  const refusals = new RefusalBuckets(JOIN_REFUSALS.perMinute, JOIN_REFUSALS.burst);
  const trusted = trustedProxies(deps.config.trustProxy);
  return new Hono<AppEnv>().post('/api/staff/join', async (c) => {
    const address = clientAddress(c, trusted) ?? '';
    const waitMs = refusals.waitMs(address, deps.now());
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new AppError('RATE_LIMITED', `Too many refused invite codes from this address: try again in ${seconds} s`, {}, { 'Retry-After': String(seconds) });
    }
    const body = await readJson(c, joinRequest);
    // A code of the wrong form is no invite: refused without asking the database.
    const outcome: JoinOutcome = isInviteCode(body.code)
      ? await joinWithInvite(deps.storage.invites, body.code, body.deviceName, deps.now())
      : { ok: false, reason: 'unknown' };
    if (!outcome.ok) {
      refusals.refused(address, deps.now());
      throw refusal(outcome.reason);
    }
    const answer: StaffJoinResponse = outcome.joined;
    // The new credential is the actor: the log reads "iPhone 15 Pro joined", from that device.
    c.set('merchant', { id: answer.merchantId, storeId: answer.storeId });
    c.set('actor', { kind: 'staff', merchantId: answer.merchantId });
    await audit(c, { action: 'staff.join', subject: `merchant:${answer.merchantId}`, detail: { inviteId: outcome.inviteId } });
    return c.json(answer, 201);
  });
}

function refusal(reason: Extract<JoinOutcome, { ok: false }>['reason']): AppError {
  switch (reason) {
    case 'unknown':
      return new AppError('INVITE_INVALID', 'Unknown invite code', { field: 'code' });
    case 'revoked':
      return new AppError('INVITE_INVALID', 'This invite was revoked', { field: 'code' });
    case 'used':
      return new AppError('INVITE_USED', 'This invite was already used: each invite binds one device', { field: 'code' });
    case 'expired':
      return new AppError('INVITE_EXPIRED', 'This invite has expired: ask for a new one', { field: 'code' });
  }
}
