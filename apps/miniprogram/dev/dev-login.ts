// The development login, for WeChat DevTools against a server without WeChat credentials. Not part of
// the mini-program's source folder: build.mjs bundles it into miniprogram_npm/@scanpush/dev-login for a
// development build only; the release build writes a module without it (see build.mjs).
import type { SessionResponse } from '@scanpush/shared';

/** The seed's demo member (store 2, 10 uses): who DevTools logs in as unless told otherwise. */
export const DEMO_MEMBER_ID = 17;

/**
 * Storage key naming another member to log in as, from DevTools' console:
 * `wx.setStorageSync('scanpush.devMember', 18)`.
 */
export const DEV_MEMBER_KEY = 'scanpush.devMember';

/** Sends a JSON body to the server and answers the decoded reply (the caller's `apiRequest`). */
export type Post = <T>(path: string, body: object) => Promise<T>;

/** `POST /api/auth/dev {userId}`: a session for the demo member, or the member named in storage. */
export function devLogin(post: Post): Promise<SessionResponse> {
  const stored: unknown = wx.getStorageSync(DEV_MEMBER_KEY);
  const userId = typeof stored === 'number' && Number.isSafeInteger(stored) && stored > 0 ? stored : DEMO_MEMBER_ID;
  console.info(`scanpush: WeChat login is not configured on this server; development login as member ${userId}`);
  return post<SessionResponse>('/api/auth/dev', { userId });
}
