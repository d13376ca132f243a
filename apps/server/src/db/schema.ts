import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Times are Unix milliseconds in INTEGER columns: cheap to compare, index and serialise.

export const stores = sqliteTable('stores', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const members = sqliteTable(
  'members',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name'),
    /** WeChat openid of the member's mini-program login. */
    openid: text('openid'),
    /** The highest outbox sequence number issued to this member. */
    lastSeq: integer('last_seq').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('members_openid_uq').on(t.openid)],
);

export const cards = sqliteTable(
  'cards',
  {
    memberId: integer('member_id').notNull().references(() => members.id),
    storeId: integer('store_id').notNull().references(() => stores.id),
    remaining: integer('remaining').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.storeId] }), check('cards_remaining_non_negative', sql`${t.remaining} >= 0`)],
);

export const merchants = sqliteTable('merchants', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  storeId: integer('store_id').notNull().references(() => stores.id),
  name: text('name').notNull(),
  /** SHA-256 (hex) of the key's secret part; the key itself is shown once and never stored. */
  keyHash: text('key_hash').notNull(),
  createdAt: integer('created_at').notNull(),
  revokedAt: integer('revoked_at'),
});

export const sessions = sqliteTable(
  'sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    memberId: integer('member_id').notNull().references(() => members.id),
    /** SHA-256 (hex) of the bearer token. */
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('sessions_token_hash_uq').on(t.tokenHash), index('sessions_member_idx').on(t.memberId)],
);

/** Every change of a card's balance. Deductions name the QR nonce and the merchant's idempotency key. */
export const ledger = sqliteTable(
  'ledger',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    kind: text('kind', { enum: ['deduct', 'topup'] }).notNull(),
    delta: integer('delta').notNull(),
    balanceAfter: integer('balance_after').notNull(),
    /** Who: the merchant for a deduction; null for an admin top-up. */
    merchantId: integer('merchant_id'),
    qrNonce: text('qr_nonce'),
    idempotencyKey: text('idempotency_key'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    check('ledger_delta_nonzero', sql`${t.delta} <> 0`),
    uniqueIndex('ledger_qr_nonce_uq').on(t.qrNonce),
    uniqueIndex('ledger_merchant_idem_uq').on(t.merchantId, t.idempotencyKey),
    index('ledger_card_idx').on(t.memberId, t.storeId, t.id),
  ],
);

/**
 * What each member is told, in order: one row per result pushed to the member, `seq` increasing by one
 * per member. Deductions point at their ledger row (exactly one outbox row per deduction).
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    memberId: integer('member_id').notNull(),
    seq: integer('seq').notNull(),
    storeId: integer('store_id').notNull(),
    code: integer('code').notNull(),
    remaining: integer('remaining'),
    ledgerId: integer('ledger_id'),
    createdAt: integer('created_at').notNull(),
    /** Set once a text-dialect socket has received it (the text dialect has no acks or resume). */
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    uniqueIndex('outbox_member_seq_uq').on(t.memberId, t.seq),
    uniqueIndex('outbox_ledger_uq').on(t.ledgerId),
    // No (member, store, seq) index: a store's resume reads the member's rows after a seq through
    // outbox_member_seq_uq and filters by store (a member has few rows). Each index is one more page
    // written per scan.
    // Small by design: rows leave it as soon as any socket received them.
    index('outbox_undelivered_idx').on(t.memberId, t.storeId, t.seq).where(sql`${t.deliveredAt} IS NULL`),
  ],
);
