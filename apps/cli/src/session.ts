import type { SessionResponse } from '@scanpush/shared';
import type { ApiClient } from './http.js';

/**
 * The member session the command acts with: the given token as is, otherwise a dev login as `userId`
 * (`POST /api/auth/dev`, refused by servers in production).
 */
export async function memberSession(api: ApiClient, userId: number, token?: string): Promise<string> {
  if (token !== undefined) return token;
  const session = await api.post<SessionResponse>('/api/auth/dev', { userId });
  return session.token;
}
