import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { merchants, stores } from './schema.js';

/**
 * One-time staff invites (storage/invites.ts). The code is a bearer secret until redeemed: only its
 * SHA-256 is kept, unique, so a redeem finds its invite by one index lookup. A redeemed invite names the
 * staff credential (merchant) it created. Rows are kept after redemption, revocation or expiry: they are
 * the record of who let which device in.
 */
export const staffInvites = sqliteTable(
  'staff_invites',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    storeId: integer('store_id').notNull().references(() => stores.id),
    name: text('name'),
    codeHash: text('code_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    redeemedAt: integer('redeemed_at'),
    merchantId: integer('merchant_id').references(() => merchants.id),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('staff_invites_code_hash_uq').on(t.codeHash), index('staff_invites_store_idx').on(t.storeId, t.id)],
);
