import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { hashSecret } from '../core/credentials.js';
import { AppError } from '../errors.js';
import { cameOverTls, trustedProxies } from './client-address.js';
import type { AppDeps, AppEnv, SignedInOwner } from './context.js';

/**
 * The owners' back-office session: a 256-bit token in an HttpOnly cookie (only its SHA-256 is stored),
 * SameSite=Strict, Secure whenever the browser came over TLS. Form posts also carry a CSRF token, which
 * the page learns from the sign-in or `/api/office/me` answer and the server derives from the session's
 * token, so it needs no storage and dies with the session: a page of another site can neither read it
 * nor make the browser send it. SameSite already stops most cross-site posts; the token covers browsers
 * and same-site subdomains that SameSite does not.
 */
export const SESSION_COOKIE = 'sp_office';

/** How long a sign-in lasts; owners sign in on their own phones, and a session can be revoked. */
export const OFFICE_SESSION_MS = 7 * 24 * 3600 * 1000;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The CSRF token of a session token: an HMAC keyed by the token itself, under a fixed label. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('scanpush office csrf v1').digest('base64url');
}

function sameToken(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function setSessionCookie(c: Context<AppEnv>, deps: Pick<AppDeps, 'config'>, token: string, expiresAt: number): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: overTls(c, deps),
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context<AppEnv>, deps: Pick<AppDeps, 'config'>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: overTls(c, deps), httpOnly: true, sameSite: 'Strict' });
}

function overTls(c: Context<AppEnv>, deps: Pick<AppDeps, 'config'>): boolean {
  return cameOverTls(c, trustedProxies(deps.config.trustProxy)) || deps.config.publicOrigin?.startsWith('https:') === true;
}

/** The session cookie's token, when the request carries one of the right form. */
export function sessionToken(c: Context<AppEnv>): string | undefined {
  const token = getCookie(c, SESSION_COOKIE);
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
}

/**
 * A signed-in owner: sets `owner` and `actor`. Every method but GET/HEAD/OPTIONS must also carry the
 * session's CSRF token in X-CSRF-Token (403 CSRF_FAILED otherwise, checked after the session so a
 * signed-out page learns it must sign in).
 */
export const requireOwner = (deps: Pick<AppDeps, 'storage' | 'now'>) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = sessionToken(c);
    const found = token ? await deps.storage.office.findOwnerSession(hashSecret(token), deps.now()) : undefined;
    if (!token || !found) throw new AppError('UNAUTHORIZED', 'Sign in to the back office first (no live session)');
    const csrfToken = csrfTokenFor(token);
    if (!SAFE_METHODS.has(c.req.method) && !sameToken(c.req.header('x-csrf-token'), csrfToken)) {
      throw new AppError('CSRF_FAILED', 'Missing or wrong X-CSRF-Token: reload the page');
    }
    const owner: SignedInOwner = {
      ownerId: found.owner.id,
      shopId: found.owner.shopId,
      sessionId: found.session.id,
      name: found.owner.name,
      login: found.owner.login,
      csrfToken,
      sessionExpiresAt: found.session.expiresAt,
    };
    c.set('owner', owner);
    c.set('actor', { kind: 'owner', ownerId: owner.ownerId, sessionId: owner.sessionId });
    await next();
  });
