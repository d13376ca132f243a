import { storeEntryUrl } from '@scanpush/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { hashSecret, newSecret } from '../../core/credentials.js';
import { PASSWORD_LENGTH, decoyHash, hashPassword, verifyPassword } from '../../core/passwords.js';
import { RefusalBuckets } from '../../core/refusal-buckets.js';
import { AppError } from '../../errors.js';
import type { AuditTrail } from '../audit-trail.js';
import { clientAddress, trustedProxies } from '../client-address.js';
import type { AppDeps, AppEnv, SignedInOwner } from '../context.js';
import { OFFICE_SESSION_MS, clearSessionCookie, csrfTokenFor, requireOwner, sessionToken, setSessionCookie } from '../office-session.js';
import { check, decimalParam, idParam, readJson } from '../validation.js';
import { PAGE, auditView } from './store-members.js';

export const ownerLogin = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._@+-]{3,64}$/, 'must be 3-64 characters of a-z 0-9 . _ @ + -');
export const ownerPassword = z.string().min(PASSWORD_LENGTH.min).max(PASSWORD_LENGTH.max);

export const signIn = z.object({ login: z.string().max(200), password: z.string().max(PASSWORD_LENGTH.max) });
export const newPassword = z.object({ current: z.string().max(PASSWORD_LENGTH.max), next: ownerPassword });
export const newStore = z.object({ name: z.string().trim().min(1).max(100) });
export const idPath = z.object({ id: idParam });
export const pageQuery = z.object({ before: decimalParam(1, Number.MAX_SAFE_INTEGER).optional() });

/**
 * Failed sign-ins a login may cause (5 at once, then one a minute) and a client address may cause (20 at
 * once, then 10 a minute): at that pace an online guess of a 10-character password is hopeless. A success
 * takes nothing. Per process: with several nodes behind a balancer, each node counts its own.
 */
export const SIGN_IN_REFUSALS = { perLogin: { perMinute: 1, burst: 5 }, perAddress: { perMinute: 10, burst: 20 } } as const;

/**
 * The owner's account in the back office: sign-in and sign-out, who am I (with the CSRF token), the live
 * sessions (one per browser, revocable), the password, and the shop's stores.
 */
export function officeAccountRoutes(deps: Pick<AppDeps, 'storage' | 'now' | 'config' | 'logger'>, audit: AuditTrail) {
  const { office } = deps.storage;
  const owner = requireOwner(deps);
  const trusted = trustedProxies(deps.config.trustProxy);
  // The shop's days and times, as reports count them (REPORT_TIME_ZONE): the pages show times in it too.
  const zone = deps.config.reportTimeZone;
  const byLogin = new RefusalBuckets(SIGN_IN_REFUSALS.perLogin.perMinute, SIGN_IN_REFUSALS.perLogin.burst);
  const byAddress = new RefusalBuckets(SIGN_IN_REFUSALS.perAddress.perMinute, SIGN_IN_REFUSALS.perAddress.burst);

  const ownerView = async (o: Pick<SignedInOwner, 'ownerId' | 'name' | 'login' | 'shopId'>) => ({
    id: o.ownerId,
    name: o.name,
    login: o.login,
    shopId: o.shopId,
    shopName: (await office.getShop(o.shopId))?.name ?? null,
  });

  return new Hono<AppEnv>()
    .post('/api/office/login', async (c) => {
      const address = clientAddress(c, trusted) ?? '';
      const body = await readJson(c, signIn);
      const login = body.login.trim().toLowerCase();
      const now = deps.now();
      const waitMs = Math.max(byAddress.waitMs(address, now), byLogin.waitMs(login, now));
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        throw new AppError('RATE_LIMITED', `Too many failed sign-ins: try again in ${seconds} s`, {}, { 'Retry-After': String(seconds) });
      }
      const found = await office.findOwnerByLogin(login);
      // An unknown login costs a hash as a wrong password does: the timing tells no one which logins exist.
      const passwordOk = await verifyPassword(body.password, found?.passwordHash ?? (await decoyHash()));
      if (!found || !passwordOk || found.disabledAt !== null) {
        byAddress.refused(address, deps.now());
        byLogin.refused(login, deps.now());
        deps.logger.warn({ login, client: address, reason: !found ? 'unknown login' : !passwordOk ? 'wrong password' : 'disabled' }, 'back-office sign-in refused');
        throw new AppError('LOGIN_FAILED', 'Wrong login or password');
      }
      const token = newSecret();
      const at = deps.now();
      const expiresAt = at + OFFICE_SESSION_MS;
      const userAgent = c.req.header('user-agent')?.slice(0, 200) ?? null;
      const session = await office.createOwnerSession({ ownerId: found.id, tokenHash: hashSecret(token), userAgent, client: address || null, expiresAt }, at);
      setSessionCookie(c, deps, token, expiresAt);
      const signedIn: SignedInOwner = { ownerId: found.id, shopId: found.shopId, sessionId: session.id, name: found.name, login: found.login, csrfToken: csrfTokenFor(token), sessionExpiresAt: expiresAt };
      c.set('owner', signedIn);
      c.set('actor', { kind: 'owner', ownerId: found.id, sessionId: session.id });
      await audit(c, { action: 'owner.login', subject: `session:${session.id}`, storeId: null, shopId: found.shopId });
      return c.json({ owner: await ownerView(signedIn), csrfToken: signedIn.csrfToken, expiresAt: new Date(expiresAt).toISOString(), timeZone: zone });
    })
    .post('/api/office/logout', async (c) => {
      // Signing out always succeeds for the browser: a cookie of a session already gone is cleared too.
      const token = sessionToken(c);
      if (token) await owner(c, async () => {
        const me = c.get('owner');
        await office.revokeOwnerSession(me.ownerId, me.sessionId, deps.now());
        await audit(c, { action: 'owner.logout', subject: `session:${me.sessionId}`, storeId: null, shopId: me.shopId });
      }).catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'UNAUTHORIZED')) throw err;
      });
      clearSessionCookie(c, deps);
      return c.json({ signedOut: true });
    })
    .get('/api/office/me', owner, async (c) => {
      const me = c.get('owner');
      return c.json({ owner: await ownerView(me), csrfToken: me.csrfToken, session: { id: me.sessionId, expiresAt: new Date(me.sessionExpiresAt).toISOString() }, timeZone: zone });
    })
    .get('/api/office/sessions', owner, async (c) => {
      const me = c.get('owner');
      const sessions = await office.listOwnerSessions(me.ownerId, deps.now());
      return c.json({
        sessions: sessions.map((s) => ({
          id: s.id,
          userAgent: s.userAgent,
          client: s.client,
          createdAt: new Date(s.createdAt).toISOString(),
          lastSeenAt: new Date(s.lastSeenAt).toISOString(),
          expiresAt: new Date(s.expiresAt).toISOString(),
          current: s.id === me.sessionId,
        })),
      });
    })
    .post('/api/office/sessions/:id/revoke', owner, async (c) => {
      const { id } = check(idPath, c.req.param());
      const me = c.get('owner');
      if (!(await office.revokeOwnerSession(me.ownerId, id, deps.now()))) throw new AppError('NOT_FOUND', `No live session ${id} of yours`);
      await audit(c, { action: 'owner.session.revoke', subject: `session:${id}`, storeId: null, shopId: me.shopId });
      return c.json({ revoked: true });
    })
    .post('/api/office/sessions/revoke-others', owner, async (c) => {
      const me = c.get('owner');
      const revoked = await office.revokeOwnerSessions(me.ownerId, deps.now(), me.sessionId);
      await audit(c, { action: 'owner.session.revoke_others', detail: { revoked }, storeId: null, shopId: me.shopId });
      return c.json({ revoked });
    })
    .post('/api/office/password', owner, async (c) => {
      const body = await readJson(c, newPassword);
      const me = c.get('owner');
      const current = await office.findOwnerByLogin(me.login);
      if (!current || !(await verifyPassword(body.current, current.passwordHash))) {
        throw new AppError('LOGIN_FAILED', 'The current password is wrong', { field: 'current' });
      }
      await office.setOwnerPassword(me.ownerId, await hashPassword(body.next));
      // Whoever knew the old password is signed out everywhere else.
      const revoked = await office.revokeOwnerSessions(me.ownerId, deps.now(), me.sessionId);
      await audit(c, { action: 'owner.password', detail: { revokedSessions: revoked }, storeId: null, shopId: me.shopId });
      return c.json({ changed: true, revoked });
    })
    .get('/api/office/audit', owner, async (c) => {
      // The whole shop's log: the owners' sign-ins and password changes too, which concern no one store.
      const { before } = check(pageQuery, c.req.query());
      return c.json({ entries: auditView(await office.listAudit({ shopId: c.get('owner').shopId }, PAGE, before)) });
    })
    .get('/api/office/stores', owner, async (c) => {
      const stores = await office.listShopStores(c.get('owner').shopId);
      // The 办卡 QR's text, printed at the counter: on the origin the phones know the server by.
      const origin = deps.config.publicOrigin ?? new URL(c.req.url).origin;
      return c.json({
        stores: stores.map((s) => ({ id: s.id, name: s.name, createdAt: new Date(s.createdAt).toISOString(), entryUrl: storeEntryUrl(origin, s.id) })),
      });
    })
    .post('/api/office/stores', owner, async (c) => {
      const body = await readJson(c, newStore);
      const me = c.get('owner');
      const store = await office.createShopStore(me.shopId, body.name, deps.now());
      await audit(c, { action: 'store.create', subject: `store:${store.id}`, storeId: store.id, shopId: me.shopId, detail: { name: store.name } });
      return c.json(store, 201);
    });
}
