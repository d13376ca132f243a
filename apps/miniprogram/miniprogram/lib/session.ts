import { devLogin } from '@scanpush/dev-login';
import type { SessionResponse } from '@scanpush/shared';
import { ApiError, apiRequest } from './api';
import { retireOfflineDevice } from './offline-device';
import { envVersion } from './server';

/** Our own session (never WeChat's session_key): sent as a bearer token on requests and the socket. */
export interface MemberSession {
  token: string;
  memberId: number;
  expiresAt: string;
  /** The server that issued it: a session is worthless on another one. */
  server: string;
}

const STORAGE_KEY = 'scanpush.session';
/** A session this close to its end is renewed rather than used. */
const RENEW_MARGIN_MS = 60 * 60 * 1000;

/** The stored session for this server, if it is still good for a while. */
export function storedSession(server: string): MemberSession | undefined {
  const stored: unknown = wx.getStorageSync(STORAGE_KEY);
  if (!stored || typeof stored !== 'object') return undefined;
  const session = stored as MemberSession;
  if (session.server !== server || typeof session.token !== 'string' || typeof session.memberId !== 'number') return undefined;
  return Date.parse(session.expiresAt) - Date.now() > RENEW_MARGIN_MS ? session : undefined;
}

/**
 * `wx.login` → `POST /api/auth/wechat`; stores and answers the new session. In the develop version of a
 * development build only, a server that answers 503 UNAVAILABLE (no WeChat credentials configured, as on
 * a newcomer's machine) is asked for the development login instead (`@scanpush/dev-login`, which a
 * release build does not contain).
 */
export async function login(server: string): Promise<MemberSession> {
  const code = await new Promise<string>((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new Error('wx.login gave no code'))),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
  let answer: SessionResponse;
  try {
    answer = await apiRequest<SessionResponse>(server, '/api/auth/wechat', { body: { code } });
  } catch (err) {
    const unconfigured = err instanceof ApiError && err.status === 503 && err.code === 'UNAVAILABLE';
    if (!unconfigured || !devLogin || envVersion() !== 'develop') throw err;
    answer = await devLogin((path, body) => apiRequest(server, path, { body }));
  }
  const session: MemberSession = { ...answer, server };
  wx.setStorageSync(STORAGE_KEY, session);
  // A new login enrols this phone afresh for offline codes (the page's next check does): the old
  // enrolment goes here, revoked on the server with the new session.
  await retireOfflineDevice((deviceId) => apiRequest(server, `/api/devices/${deviceId}`, { method: 'DELETE', token: session.token }));
  return session;
}

export function forgetSession(): void {
  wx.removeStorageSync(STORAGE_KEY);
}
