/**
 * One-time staff invites and the staff credentials (merchant keys) of a store. An invite is created by
 * the operator (later by the store's owner) and redeemed once by a device, which gets a staff credential
 * of its own: a new row of `merchants`, named after the device. Only hashes of invite codes and keys are
 * kept. Each call is atomic on its own.
 */
export interface InviteStore {
  createInvite(input: { storeId: number; name: string | null; codeHash: string; expiresAt: number }, at: number): Promise<{ id: number }>;
  /** The store's invites, newest first, whatever their state. */
  listInvites(storeId: number): Promise<Invite[]>;
  getInvite(id: number): Promise<Invite | undefined>;
  /**
   * Revokes an invite not yet redeemed, so it can no longer be redeemed; a redeemed one is left as it is
   * (revoke its credential instead). Answers the invite as it is afterwards; undefined when there is none.
   */
  revokeInvite(id: number, at: number): Promise<Invite | undefined>;
  /**
   * Redeems the invite whose code hashes to `codeHash`: in one transaction, creates the staff credential
   * (a merchant of the invite's store named `deviceName`, key hash `keyHash`) and marks the invite
   * redeemed by it. Only an invite that exists, is not revoked, not redeemed and expires after `now` is
   * redeemed; otherwise nothing is written and the answer says why (checked in that order). Of two
   * redeems of one invite at once, exactly one succeeds: the other answers `used`, on every engine and
   * across nodes (the database decides).
   */
  redeemInvite(codeHash: string, deviceName: string, keyHash: string, now: number): Promise<Redemption>;
  /** The store's staff credentials (merchant keys, invited or not), oldest first. */
  listStaff(storeId: number): Promise<StaffCredential[]>;
}

export interface Invite {
  id: number;
  storeId: number;
  /** What the inviter called it ("晚班 小王"); null when not named. */
  name: string | null;
  createdAt: number;
  expiresAt: number;
  redeemedAt: number | null;
  /** The staff credential it was redeemed for. */
  merchantId: number | null;
  revokedAt: number | null;
}

export type Redemption =
  | { ok: true; merchantId: number; storeId: number; storeName: string; inviteId: number }
  | { ok: false; reason: 'unknown' | 'revoked' | 'used' | 'expired' };

export interface StaffCredential {
  id: number;
  storeId: number;
  name: string;
  createdAt: number;
  revokedAt: number | null;
}

/**
 * Why an invite cannot be redeemed at `now`, in the contract's order (unknown, revoked, used, expired);
 * undefined when it can. Every engine decides with this, so they answer alike.
 */
export function redemptionRefusal(
  invite: Pick<Invite, 'revokedAt' | 'redeemedAt' | 'expiresAt'> | undefined,
  now: number,
): Extract<Redemption, { ok: false }>['reason'] | undefined {
  if (!invite) return 'unknown';
  if (invite.revokedAt !== null) return 'revoked';
  if (invite.redeemedAt !== null) return 'used';
  if (invite.expiresAt <= now) return 'expired';
  return undefined;
}
