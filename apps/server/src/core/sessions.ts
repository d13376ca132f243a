import type { SessionResponse } from '@scanpush/shared';
import type { AccountStore } from '../storage/accounts.js';
import { hashSecret, newSecret } from './credentials.js';

/** Opens a revocable session for the member; the token is returned once and only its hash is kept. */
export async function issueSession(accounts: AccountStore, memberId: number, now: number, ttlSeconds: number): Promise<SessionResponse> {
  const token = newSecret();
  const expiresAt = now + ttlSeconds * 1000;
  await accounts.createSession(memberId, hashSecret(token), now, expiresAt);
  return { token, memberId, expiresAt: new Date(expiresAt).toISOString() };
}
