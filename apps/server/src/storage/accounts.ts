/**
 * Stores, members, their sessions and the merchants' keys. Each call is atomic on its own; none of them
 * is on a scan's hot path except `getMerchant` and `findSession`, which every engine answers from an
 * index.
 */
export interface AccountStore {
  /** `id` is for fixtures (the demo's store 2); normally the database picks it. */
  createStore(name: string, at: number, id?: number): Promise<{ id: number; name: string }>;
  getStore(id: number): Promise<{ id: number; name: string } | undefined>;
  createMember(input: { name?: string | null; openid?: string | null; id?: number }, at: number): Promise<{ id: number; name: string | null }>;
  getMember(id: number): Promise<{ id: number; name: string | null } | undefined>;
  findMemberByOpenid(openid: string): Promise<{ id: number } | undefined>;

  createSession(memberId: number, tokenHash: string, at: number, expiresAt: number): Promise<{ id: number }>;
  /** The live session for a token hash: not expired at `now`, not revoked. */
  findSession(tokenHash: string, now: number): Promise<{ id: number; memberId: number } | undefined>;
  /** Revokes one session; false when it was not live. */
  revokeSession(tokenHash: string, at: number): Promise<boolean>;
  /** Revokes every live session of the member; answers how many. */
  revokeMemberSessions(memberId: number, at: number): Promise<number>;

  createMerchant(storeId: number, name: string, keyHash: string, at: number): Promise<{ id: number }>;
  getMerchant(id: number): Promise<{ id: number; storeId: number; keyHash: string; revoked: boolean } | undefined>;
  /** Revokes a merchant key for good (staff gone, device lost); false when there is no such merchant. */
  revokeMerchant(id: number, at: number): Promise<boolean>;
}
