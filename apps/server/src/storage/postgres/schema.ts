import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { shops } from './schema-office.js';

// The PostgreSQL twin of storage/sqlite/schema.ts: the same tables, columns and constraints, so the two
// engines keep the same promises. Times are Unix milliseconds in bigint columns (read back as numbers:
// they stay far below 2^53). Ids that grow with traffic (ledger, outbox, idempotency, sessions) are
// bigint identities; stores, members and merchants are integers, as the API's ids are.

const ms = (name: string) => bigint(name, { mode: 'number' });

export const stores = pgTable('stores', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull(),
  createdAt: ms('created_at').notNull(),
  /** The shop whose owners run it (schema-office.ts); null for a store only the operator manages. */
  shopId: integer('shop_id').references(() => shops.id),
});

export const members = pgTable(
  'members',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    name: text('name'),
    /** WeChat openid of the member's mini-program login. */
    openid: text('openid'),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('members_openid_uq').on(t.openid)],
);

export const cards = pgTable(
  'cards',
  {
    memberId: integer('member_id').notNull().references(() => members.id),
    storeId: integer('store_id').notNull().references(() => stores.id),
    remaining: integer('remaining').notNull(),
    updatedAt: ms('updated_at').notNull(),
    /** Unix ms after which the card refuses deductions; null: never (see the SQLite schema). */
    expiresAt: ms('expires_at'),
  },
  (t) => [
    primaryKey({ columns: [t.memberId, t.storeId] }),
    check('cards_remaining_non_negative', sql`${t.remaining} >= 0`),
    // A store's members, for the back office. On store_id alone, which a scan never changes: with
    // updated_at in it every deduction would rewrite an index entry as well.
    index('cards_store_idx').on(t.storeId),
  ],
);

export const merchants = pgTable('merchants', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  storeId: integer('store_id').notNull().references(() => stores.id),
  name: text('name').notNull(),
  /** SHA-256 (hex) of the key's secret part. */
  keyHash: text('key_hash').notNull(),
  createdAt: ms('created_at').notNull(),
  revokedAt: ms('revoked_at'),
});

export const sessions = pgTable(
  'sessions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    memberId: integer('member_id').notNull().references(() => members.id),
    /** SHA-256 (hex) of the bearer token. */
    tokenHash: text('token_hash').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    revokedAt: ms('revoked_at'),
  },
  (t) => [uniqueIndex('sessions_token_hash_uq').on(t.tokenHash), index('sessions_member_idx').on(t.memberId)],
);

/** What a store sells at the counter (see the SQLite schema). */
export const products = pgTable(
  'products',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    storeId: integer('store_id').notNull().references(() => stores.id),
    name: text('name').notNull(),
    uses: integer('uses').notNull(),
    priceFen: integer('price_fen').notNull(),
    validDays: integer('valid_days'),
    active: integer('active').notNull().default(1),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    index('products_store_idx').on(t.storeId, t.id),
    check('products_uses_range', sql`${t.uses} BETWEEN 1 AND 1000`),
    check('products_price_range', sql`${t.priceFen} BETWEEN 0 AND 10000000`),
    check('products_valid_days_range', sql`${t.validDays} IS NULL OR ${t.validDays} BETWEEN 1 AND 3650`),
  ],
);

/** Every change of a card's balance, only ever inserted (see the SQLite schema for the kinds). */
export const ledger = pgTable(
  'ledger',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    kind: text('kind', { enum: ['deduct', 'topup', 'reversal'] }).notNull(),
    delta: integer('delta').notNull(),
    balanceAfter: integer('balance_after').notNull(),
    merchantId: integer('merchant_id'),
    qrNonce: text('qr_nonce'),
    createdAt: ms('created_at').notNull(),
    productId: integer('product_id'),
    amountFen: integer('amount_fen'),
    reversesId: bigint('reverses_id', { mode: 'number' }),
    reason: text('reason'),
  },
  (t) => [
    check('ledger_delta_nonzero', sql`${t.delta} <> 0`),
    check('ledger_kind', sql`${t.kind} IN ('deduct', 'topup', 'reversal')`),
    uniqueIndex('ledger_qr_nonce_uq').on(t.qrNonce),
    // Partial: only reversals name a deduction; every deduction's NULL was an index entry to write.
    uniqueIndex('ledger_reverses_uq').on(t.reversesId).where(sql`${t.reversesId} IS NOT NULL`),
    index('ledger_card_idx').on(t.memberId, t.storeId, t.id),
    // Reports read a store's rows by time (storage/reports.ts): without it, a full scan of every store's ledger.
    index('ledger_store_time_idx').on(t.storeId, t.createdAt),
  ],
);

/** The members' streams, one per (member, store), as in SQLite (the table keeps its first name, outbox). */
export const outbox = pgTable(
  'outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    seq: integer('seq').notNull(),
    code: integer('code').notNull(),
    remaining: integer('remaining'),
    ledgerId: bigint('ledger_id', { mode: 'number' }),
    createdAt: ms('created_at').notNull(),
    /** Set once a text-dialect socket has received it. */
    deliveredAt: ms('delivered_at'),
    /** The refused QR's nonce (see the SQLite schema); null for deductions and older entries. */
    qrNonce: text('qr_nonce'),
  },
  (t) => [
    uniqueIndex('outbox_stream_seq_uq').on(t.memberId, t.storeId, t.seq),
    uniqueIndex('outbox_ledger_uq').on(t.ledgerId),
    // One notice per QR and refusal; also what serialises two nodes refusing one QR at once (the loser's
    // insert fails, its transaction runs again and finds the winner's notice).
    uniqueIndex('outbox_refusal_uq').on(t.qrNonce, t.code).where(sql`${t.qrNonce} IS NOT NULL`),
    index('outbox_undelivered_idx').on(t.memberId, t.storeId, t.seq).where(sql`${t.deliveredAt} IS NULL`),
    // Several nodes commit out of id order, so what is recent is found by time: the broker's fallback
    // (StreamStore.recent) and retention read this.
    index('outbox_created_idx').on(t.createdAt),
  ],
);

/** Each stream's head: the last seq issued, taken by an upsert that locks the row until the scan commits. */
export const streams = pgTable(
  'streams',
  {
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.storeId] })],
);

/** The answers given to merchants' Idempotency-Keys (see the SQLite schema). */
export const idempotency = pgTable(
  'idempotency',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    merchantId: integer('merchant_id').notNull(),
    key: text('key').notNull(),
    qrNonce: text('qr_nonce').notNull(),
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    seq: integer('seq').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('idempotency_merchant_key_uq').on(t.merchantId, t.key), index('idempotency_created_idx').on(t.createdAt)],
);

/**
 * Facts about the database itself: `epoch` names its history; `epoch_identity` is the identity of the
 * database the epoch was made in (see migrate.ts), so a restored copy is told apart.
 */
export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
