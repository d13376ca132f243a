import type pg from 'pg';
import type { OfficeStore, Owner, OwnerSession, Shop, StoreCard } from '../office.js';
import {
  AUDIT_COLUMNS,
  AUDIT_INSERT_COLUMNS,
  OWNER_COLUMNS,
  SEEN_EVERY_MS,
  SESSION_COLUMNS,
  SESSION_WITH_OWNER_COLUMNS,
  SHOP_COLUMNS,
  STORE_CARD_COLUMNS,
  auditEntry,
  auditValues,
  seenNow,
  sessionWithOwner,
  type AuditRow,
  type SessionWithOwnerRow,
} from '../office-rows.js';
import { query } from './pool.js';

/**
 * The PostgreSQL back office, each call one statement (so atomic on its own). A second owner with a
 * taken login, on this node or another, is answered by the unique index: ON CONFLICT DO NOTHING waits
 * for the first insert to commit and then inserts nothing.
 */
export function createPostgresOffice(pool: pg.Pool): OfficeStore {
  const one = async <R extends pg.QueryResultRow>(text: string, values: unknown[]) => (await query<R>(pool, text, values))[0];
  const some = async (text: string, values: unknown[]) => (await query(pool, text, values)).length > 0;

  return {
    async createShop(name, at) {
      return (await one<Shop>(`INSERT INTO shops (name, created_at) VALUES ($1, $2) RETURNING ${SHOP_COLUMNS}`, [name, at]))!;
    },
    getShop: (id) => one<Shop>(`SELECT ${SHOP_COLUMNS} FROM shops WHERE id = $1`, [id]),
    listShops: () =>
      query<Shop & { stores: number; owners: number }>(
        pool,
        `SELECT ${SHOP_COLUMNS}, (SELECT count(*) FROM stores s WHERE s.shop_id = shops.id) AS stores,
                (SELECT count(*) FROM owners o WHERE o.shop_id = shops.id) AS owners
         FROM shops ORDER BY id`,
      ),
    async createShopStore(shopId, name, at) {
      return (await one<{ id: number; name: string }>('INSERT INTO stores (name, created_at, shop_id) VALUES ($1, $2, $3) RETURNING id, name', [name, at, shopId]))!;
    },
    setStoreShop: (storeId, shopId) => some('UPDATE stores SET shop_id = $1 WHERE id = $2 RETURNING id', [shopId, storeId]),
    async storeShop(storeId) {
      return (await one<{ shopId: number | null }>('SELECT shop_id AS "shopId" FROM stores WHERE id = $1', [storeId]))?.shopId;
    },
    listShopStores: (shopId) =>
      query<{ id: number; name: string; createdAt: number }>(pool, 'SELECT id, name, created_at AS "createdAt" FROM stores WHERE shop_id = $1 ORDER BY id', [
        shopId,
      ]),

    async createOwner(input, at) {
      const owner = await one<Owner>(
        `INSERT INTO owners AS o (shop_id, login, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (login) DO NOTHING RETURNING ${OWNER_COLUMNS}`,
        [input.shopId, input.login, input.name, input.passwordHash, at],
      );
      return owner ? { ok: true, owner } : { ok: false, reason: 'login-taken' };
    },
    getOwner: (id) => one<Owner>(`SELECT ${OWNER_COLUMNS} FROM owners o WHERE o.id = $1`, [id]),
    findOwnerByLogin: (login) =>
      one<Owner & { passwordHash: string }>(`SELECT ${OWNER_COLUMNS}, o.password_hash AS "passwordHash" FROM owners o WHERE o.login = $1`, [login]),
    listOwners: (shopId) => query<Owner>(pool, `SELECT ${OWNER_COLUMNS} FROM owners o WHERE o.shop_id = $1 ORDER BY o.id`, [shopId]),
    setOwnerPassword: (ownerId, passwordHash) => some('UPDATE owners SET password_hash = $1 WHERE id = $2 RETURNING id', [passwordHash, ownerId]),
    // Disabling keeps the first time it was disabled.
    setOwnerDisabled: (ownerId, disabled, at) =>
      some('UPDATE owners SET disabled_at = CASE WHEN $1::bigint IS NULL THEN NULL ELSE coalesce(disabled_at, $1::bigint) END WHERE id = $2 RETURNING id', [
        disabled ? at : null,
        ownerId,
      ]),

    async createOwnerSession(input, at) {
      return (await one<{ id: number }>(
        `INSERT INTO owner_sessions (owner_id, token_hash, user_agent, client, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id`,
        [input.ownerId, input.tokenHash, input.userAgent, input.client, at, input.expiresAt],
      ))!;
    },
    async findOwnerSession(tokenHash, now) {
      const row = await one<SessionWithOwnerRow>(
        `SELECT ${SESSION_WITH_OWNER_COLUMNS} FROM owner_sessions s JOIN owners o ON o.id = s.owner_id
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND o.disabled_at IS NULL`,
        [tokenHash, now],
      );
      if (!row) return undefined;
      if (seenNow(row.lastSeenAt, now)) {
        await query(pool, 'UPDATE owner_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at <= $3', [now, row.id, now - SEEN_EVERY_MS]);
      }
      return sessionWithOwner(row, now);
    },
    listOwnerSessions: (ownerId, now) =>
      query<OwnerSession>(
        pool,
        `SELECT ${SESSION_COLUMNS} FROM owner_sessions s WHERE s.owner_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 ORDER BY s.id DESC`,
        [ownerId, now],
      ),
    revokeOwnerSession: (ownerId, sessionId, at) =>
      some('UPDATE owner_sessions SET revoked_at = $1 WHERE id = $2 AND owner_id = $3 AND revoked_at IS NULL AND expires_at > $1 RETURNING id', [
        at,
        sessionId,
        ownerId,
      ]),
    async revokeOwnerSessions(ownerId, at, except) {
      const rows = await query(
        pool,
        'UPDATE owner_sessions SET revoked_at = $1 WHERE owner_id = $2 AND id <> $3 AND revoked_at IS NULL AND expires_at > $1 RETURNING id',
        [at, ownerId, except ?? 0],
      );
      return rows.length;
    },

    async recordAudit(entry) {
      const values = auditValues(entry);
      await query(pool, `INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    },
    async listAudit(scope, limit, before) {
      const [column, id] = 'storeId' in scope ? ['store_id', scope.storeId] : ['shop_id', scope.shopId];
      const rows = await query<AuditRow>(pool, `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${column} = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, [
        id,
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      ]);
      return rows.map(auditEntry);
    },
    listStoreCards(storeId, limit, memberId) {
      return query<StoreCard>(
        pool,
        `SELECT ${STORE_CARD_COLUMNS} FROM cards c JOIN members m ON m.id = c.member_id
         WHERE c.store_id = $1 AND ($2::int IS NULL OR c.member_id = $2::int) ORDER BY c.updated_at DESC, c.member_id DESC LIMIT $3`,
        [storeId, memberId ?? null, limit],
      );
    },
  };
}
