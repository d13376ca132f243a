import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { merchants, stores } from './schema.js';

// The PostgreSQL twin of storage/sqlite/schema-invites.ts.

const ms = (name: string) => bigint(name, { mode: 'number' });

/** One-time staff invites: the code's SHA-256 (unique), the store, and what became of it. */
export const staffInvites = pgTable(
  'staff_invites',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    storeId: integer('store_id').notNull().references(() => stores.id),
    name: text('name'),
    codeHash: text('code_hash').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    redeemedAt: ms('redeemed_at'),
    merchantId: integer('merchant_id').references(() => merchants.id),
    revokedAt: ms('revoked_at'),
  },
  (t) => [uniqueIndex('staff_invites_code_hash_uq').on(t.codeHash), index('staff_invites_store_idx').on(t.storeId, t.id)],
);
