import type Database from 'better-sqlite3';
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
import type { GroupCommit } from './group-commit.js';

/**
 * The SQLite back office. Writes go through the group commit; a second owner with a taken login is
 * answered by the unique index (ON CONFLICT DO NOTHING), so no read-then-write window exists.
 */
export function createSqliteOffice(client: Database.Database, writes: GroupCommit): OfficeStore {
  const q = {
    createShop: client.prepare<[string, number], Shop>(`INSERT INTO shops (name, created_at) VALUES (?, ?) RETURNING ${SHOP_COLUMNS}`),
    shop: client.prepare<[number], Shop>(`SELECT ${SHOP_COLUMNS} FROM shops WHERE id = ?`),
    shops: client.prepare<[], Shop & { stores: number; owners: number }>(
      `SELECT ${SHOP_COLUMNS}, (SELECT count(*) FROM stores s WHERE s.shop_id = shops.id) AS stores,
              (SELECT count(*) FROM owners o WHERE o.shop_id = shops.id) AS owners
       FROM shops ORDER BY id`,
    ),
    setStoreShop: client.prepare<[number | null, number]>('UPDATE stores SET shop_id = ? WHERE id = ?'),
    createShopStore: client.prepare<[string, number, number], { id: number; name: string }>(
      'INSERT INTO stores (name, created_at, shop_id) VALUES (?, ?, ?) RETURNING id, name',
    ),
    storeShop: client.prepare<[number], { shopId: number | null }>('SELECT shop_id AS shopId FROM stores WHERE id = ?'),
    shopStores: client.prepare<[number], { id: number; name: string; createdAt: number }>(
      'SELECT id, name, created_at AS createdAt FROM stores WHERE shop_id = ? ORDER BY id',
    ),
    createOwner: client.prepare<[number, string, string, string, number], Owner>(
      `INSERT INTO owners (shop_id, login, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (login) DO NOTHING RETURNING ${OWNER_COLUMNS.replaceAll('o.', '')}`,
    ),
    owner: client.prepare<[number], Owner>(`SELECT ${OWNER_COLUMNS} FROM owners o WHERE o.id = ?`),
    ownerByLogin: client.prepare<[string], Owner & { passwordHash: string }>(
      `SELECT ${OWNER_COLUMNS}, o.password_hash AS passwordHash FROM owners o WHERE o.login = ?`,
    ),
    owners: client.prepare<[number], Owner>(`SELECT ${OWNER_COLUMNS} FROM owners o WHERE o.shop_id = ? ORDER BY o.id`),
    setPassword: client.prepare<[string, number]>('UPDATE owners SET password_hash = ? WHERE id = ?'),
    // Disabling keeps the first time it was disabled.
    setDisabled: client.prepare<[number | null, number | null, number]>(
      'UPDATE owners SET disabled_at = CASE WHEN ? IS NULL THEN NULL ELSE coalesce(disabled_at, ?) END WHERE id = ?',
    ),
    createSession: client.prepare<[number, string, string | null, string | null, number, number, number], { id: number }>(
      `INSERT INTO owner_sessions (owner_id, token_hash, user_agent, client, created_at, last_seen_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    ),
    sessionByToken: client.prepare<[string, number], SessionWithOwnerRow>(
      `SELECT ${SESSION_WITH_OWNER_COLUMNS} FROM owner_sessions s JOIN owners o ON o.id = s.owner_id
       WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND o.disabled_at IS NULL`,
    ),
    seen: client.prepare<[number, number, number]>('UPDATE owner_sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at <= ?'),
    sessions: client.prepare<[number, number], OwnerSession>(
      `SELECT ${SESSION_COLUMNS} FROM owner_sessions s WHERE s.owner_id = ? AND s.revoked_at IS NULL AND s.expires_at > ? ORDER BY s.id DESC`,
    ),
    revoke: client.prepare<[number, number, number, number]>(
      'UPDATE owner_sessions SET revoked_at = ? WHERE id = ? AND owner_id = ? AND revoked_at IS NULL AND expires_at > ?',
    ),
    revokeAll: client.prepare<[number, number, number, number]>(
      'UPDATE owner_sessions SET revoked_at = ? WHERE owner_id = ? AND id <> ? AND revoked_at IS NULL AND expires_at > ?',
    ),
    audit: client.prepare(`INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (${AUDIT_INSERT_COLUMNS.split(',').map(() => '?').join(', ')})`),
    auditOfStore: client.prepare<[number, number, number], AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE store_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
    auditOfShop: client.prepare<[number, number, number], AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE shop_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
    cards: client.prepare<[number, number], StoreCard>(
      `SELECT ${STORE_CARD_COLUMNS} FROM cards c JOIN members m ON m.id = c.member_id
       WHERE c.store_id = ? ORDER BY c.updated_at DESC, c.member_id DESC LIMIT ?`,
    ),
    card: client.prepare<[number, number], StoreCard>(
      `SELECT ${STORE_CARD_COLUMNS} FROM cards c JOIN members m ON m.id = c.member_id WHERE c.store_id = ? AND c.member_id = ?`,
    ),
  };
  const changed = (r: { changes: number }) => r.changes > 0;

  return {
    createShop: (name, at) => writes.run(() => q.createShop.get(name, at)!),
    getShop: async (id) => q.shop.get(id),
    listShops: async () => q.shops.all(),
    setStoreShop: (storeId, shopId) => writes.run(() => changed(q.setStoreShop.run(shopId, storeId))),
    createShopStore: (shopId, name, at) => writes.run(() => q.createShopStore.get(name, at, shopId)!),
    async storeShop(storeId) {
      return q.storeShop.get(storeId)?.shopId;
    },
    listShopStores: async (shopId) => q.shopStores.all(shopId),

    createOwner: (input, at) =>
      writes.run(() => {
        const owner = q.createOwner.get(input.shopId, input.login, input.name, input.passwordHash, at);
        return owner ? { ok: true as const, owner } : { ok: false as const, reason: 'login-taken' as const };
      }),
    getOwner: async (id) => q.owner.get(id),
    findOwnerByLogin: async (login) => q.ownerByLogin.get(login),
    listOwners: async (shopId) => q.owners.all(shopId),
    setOwnerPassword: (ownerId, passwordHash) => writes.run(() => changed(q.setPassword.run(passwordHash, ownerId))),
    setOwnerDisabled: (ownerId, disabled, at) => writes.run(() => changed(q.setDisabled.run(disabled ? at : null, disabled ? at : null, ownerId))),

    createOwnerSession: (input, at) =>
      writes.run(() => q.createSession.get(input.ownerId, input.tokenHash, input.userAgent, input.client, at, at, input.expiresAt)!),
    async findOwnerSession(tokenHash, now) {
      const row = q.sessionByToken.get(tokenHash, now);
      if (!row) return undefined;
      if (seenNow(row.lastSeenAt, now)) await writes.run(() => q.seen.run(now, row.id, now - SEEN_EVERY_MS));
      return sessionWithOwner(row, now);
    },
    listOwnerSessions: async (ownerId, now) => q.sessions.all(ownerId, now),
    revokeOwnerSession: (ownerId, sessionId, at) => writes.run(() => changed(q.revoke.run(at, sessionId, ownerId, at))),
    revokeOwnerSessions: (ownerId, at, except) => writes.run(() => q.revokeAll.run(at, ownerId, except ?? 0, at).changes),

    async recordAudit(entry) {
      await writes.run(() => q.audit.run(...auditValues(entry)));
    },
    async listAudit(scope, limit, before) {
      const below = before ?? Number.MAX_SAFE_INTEGER;
      const rows = 'storeId' in scope ? q.auditOfStore.all(scope.storeId, below, limit) : q.auditOfShop.all(scope.shopId, below, limit);
      return rows.map(auditEntry);
    },
    async listStoreCards(storeId, limit, memberId) {
      if (memberId === undefined) return q.cards.all(storeId, limit);
      const card = limit > 0 ? q.card.get(storeId, memberId) : undefined;
      return card ? [card] : [];
    },
  };
}
