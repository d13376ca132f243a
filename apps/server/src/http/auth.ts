import { createHash, timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { parseMerchantKey } from '@scanpush/shared';
import { bearerToken, hashSecret, hashesEqual } from '../core/credentials.js';
import { AppError } from '../errors.js';
import type { AppDeps, AppEnv } from './context.js';

/** A member's session token: sets `member`. */
export const requireMember = (deps: Pick<AppDeps, 'storage' | 'now'>) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw new AppError('UNAUTHORIZED', 'A member session token is required (Authorization: Bearer …)');
    const tokenHash = hashSecret(token);
    const session = await deps.storage.accounts.findSession(tokenHash, deps.now());
    if (!session) throw new AppError('UNAUTHORIZED', 'Unknown, expired or revoked session token');
    c.set('member', { memberId: session.memberId, sessionId: session.id, tokenHash });
    await next();
  });

/** A merchant (shop staff) key: sets `merchant`, bound to one store. */
export const requireMerchant = (deps: Pick<AppDeps, 'storage'>) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const key = bearerToken(c.req.header('authorization'));
    if (!key) throw new AppError('UNAUTHORIZED', 'A merchant key is required (Authorization: Bearer spk_…)');
    const parsed = parseMerchantKey(key);
    const merchant = parsed.ok ? await deps.storage.accounts.getMerchant(parsed.value.merchantId) : undefined;
    if (!parsed.ok || !merchant || merchant.revoked || !hashesEqual(hashSecret(parsed.value.secret), merchant.keyHash)) {
      throw new AppError('UNAUTHORIZED', 'Unknown or revoked merchant key');
    }
    c.set('merchant', { id: merchant.id, storeId: merchant.storeId });
    c.set('actor', { kind: 'staff', merchantId: merchant.id });
    await next();
  });

/** The operator's ADMIN_TOKEN; with none configured the admin API does not exist. */
export const requireAdmin = (deps: Pick<AppDeps, 'config'>) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const expected = deps.config.adminToken;
    if (!expected) throw new AppError('NOT_FOUND', 'The admin API is off: set ADMIN_TOKEN to enable it');
    if (!tokenMatches(c.req.header('authorization'), expected)) throw new AppError('UNAUTHORIZED', 'Admin token required');
    c.set('actor', { kind: 'operator' });
    await next();
  });

/** An operator's fixed bearer token (METRICS_TOKEN) guards the route. */
export const requireToken = (expected: string, message: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!tokenMatches(c.req.header('authorization'), expected)) throw new AppError('UNAUTHORIZED', message);
    await next();
  });

function tokenMatches(header: string | undefined, expected: string): boolean {
  const given = bearerToken(header) ?? '';
  // Compare digests so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
