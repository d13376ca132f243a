import { INVITE_CODE_PREFIX, formatMerchantKey, type StaffJoinResponse } from '@scanpush/shared';
import type { Invite, InviteStore } from '../storage/invites.js';
import { hashSecret, newSecret } from './credentials.js';

/** How long an invite may be valid, in minutes: a shift's setup, not a standing credential. */
export const INVITE_MINUTES = { min: 1, max: 24 * 60, default: 30 } as const;

/**
 * Creates a one-time invite to `storeId`, valid `validMinutes` from `now`. Answers the code, which
 * exists only here and on the invite QR: the database keeps its SHA-256 (as for merchant keys, a slow
 * hash buys nothing for 256 random bits).
 */
export async function createInvite(
  invites: InviteStore,
  input: { storeId: number; name: string | null; validMinutes: number },
  now: number,
): Promise<{ inviteId: number; code: string; expiresAt: number }> {
  const code = `${INVITE_CODE_PREFIX}${newSecret()}`;
  const expiresAt = now + input.validMinutes * 60_000;
  const { id } = await invites.createInvite({ storeId: input.storeId, name: input.name, codeHash: hashSecret(code), expiresAt }, now);
  return { inviteId: id, code, expiresAt };
}

export type JoinOutcome = { ok: true; joined: StaffJoinResponse; inviteId: number } | { ok: false; reason: 'unknown' | 'revoked' | 'used' | 'expired' };

/**
 * Redeems an invite code for a new staff credential of this device, named `deviceName`. The key is
 * made here and answered once; only its hash is stored. A refused code writes nothing.
 */
export async function joinWithInvite(invites: InviteStore, code: string, deviceName: string, now: number): Promise<JoinOutcome> {
  const secret = newSecret();
  const redeemed = await invites.redeemInvite(hashSecret(code), deviceName, hashSecret(secret), now);
  if (!redeemed.ok) return redeemed;
  const { merchantId, storeId, storeName, inviteId } = redeemed;
  return { ok: true, joined: { key: formatMerchantKey(merchantId, secret), merchantId, storeId, storeName }, inviteId };
}

/** An invite's state at `now`, as the admin API lists it. */
export function inviteState(invite: Invite, now: number): 'open' | 'redeemed' | 'revoked' | 'expired' {
  if (invite.redeemedAt !== null) return 'redeemed';
  if (invite.revokedAt !== null) return 'revoked';
  return invite.expiresAt <= now ? 'expired' : 'open';
}
