import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// The back office (storage/office.ts): shops, their owners, the owners' sessions and the audit log.
// Times are Unix milliseconds in INTEGER columns, as in schema.ts.

/** A business running one or more stores (`stores.shop_id`); created by the platform operator. */
export const shops = sqliteTable('shops', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  createdAt: integer('created_at').notNull(),
});

/** Who signs in to a shop's back office; the login is unique across the platform. */
export const owners = sqliteTable(
  'owners',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    shopId: integer('shop_id').notNull().references(() => shops.id),
    login: text('login').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    disabledAt: integer('disabled_at'),
  },
  (t) => [uniqueIndex('owners_login_uq').on(t.login), index('owners_shop_idx').on(t.shopId)],
);

/** An owner's signed-in browser: only the token's SHA-256 is kept, unique, so a request finds it by one lookup. */
export const ownerSessions = sqliteTable(
  'owner_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ownerId: integer('owner_id').notNull().references(() => owners.id),
    tokenHash: text('token_hash').notNull(),
    userAgent: text('user_agent'),
    client: text('client'),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('owner_sessions_token_hash_uq').on(t.tokenHash), index('owner_sessions_owner_idx').on(t.ownerId)],
);

/**
 * Who did what, only ever inserted. The actor is its kind ('operator', 'owner', 'staff') with the owner
 * and session, or the staff credential; no foreign keys, so the log outlives what it names. Read newest
 * first per store and per shop, by id.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actorKind: text('actor_kind').notNull(),
    ownerId: integer('owner_id'),
    sessionId: integer('session_id'),
    merchantId: integer('merchant_id'),
    actorName: text('actor_name'),
    shopId: integer('shop_id'),
    storeId: integer('store_id'),
    action: text('action').notNull(),
    subject: text('subject'),
    device: text('device'),
    client: text('client'),
    detail: text('detail'),
  },
  (t) => [index('audit_log_store_idx').on(t.storeId, t.id), index('audit_log_shop_idx').on(t.shopId, t.id)],
);
