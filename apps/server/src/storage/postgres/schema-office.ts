import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

// The PostgreSQL twin of storage/sqlite/schema-office.ts.

const ms = (name: string) => bigint(name, { mode: 'number' });

/** A business running one or more stores (`stores.shop_id`); created by the platform operator. */
export const shops = pgTable('shops', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull(),
  createdAt: ms('created_at').notNull(),
});

/** Who signs in to a shop's back office; the login is unique across the platform. */
export const owners = pgTable(
  'owners',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    shopId: integer('shop_id').notNull().references(() => shops.id),
    login: text('login').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: ms('created_at').notNull(),
    disabledAt: ms('disabled_at'),
  },
  (t) => [uniqueIndex('owners_login_uq').on(t.login), index('owners_shop_idx').on(t.shopId)],
);

/** An owner's signed-in browser: the token's SHA-256 (unique). */
export const ownerSessions = pgTable(
  'owner_sessions',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    ownerId: integer('owner_id').notNull().references(() => owners.id),
    tokenHash: text('token_hash').notNull(),
    userAgent: text('user_agent'),
    client: text('client'),
    createdAt: ms('created_at').notNull(),
    lastSeenAt: ms('last_seen_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    revokedAt: ms('revoked_at'),
  },
  (t) => [uniqueIndex('owner_sessions_token_hash_uq').on(t.tokenHash), index('owner_sessions_owner_idx').on(t.ownerId)],
);

/** Who did what, only ever inserted; no foreign keys, so the log outlives what it names. Ids grow with use: bigint. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    at: ms('at').notNull(),
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
