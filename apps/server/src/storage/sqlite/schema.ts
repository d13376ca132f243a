import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { shops } from './schema-office.js';

// Times are Unix milliseconds in INTEGER columns: cheap to compare, index and serialise.

export const stores = sqliteTable('stores', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  createdAt: integer('created_at').notNull(),
  /** The shop whose owners run it (schema-office.ts); null for a store only the operator manages. */
  shopId: integer('shop_id').references(() => shops.id),
});

export const members = sqliteTable(
  'members',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name'),
    /** WeChat openid of the member's mini-program login. */
    openid: text('openid'),
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
    /** Unix ms after which the card refuses deductions; null: never. Set by sales (a later one extends it). */
    expiresAt: integer('expires_at'),
  },
  (t) => [
    primaryKey({ columns: [t.memberId, t.storeId] }),
    check('cards_remaining_non_negative', sql`${t.remaining} >= 0`),
    // A store's members, for the back office. On store_id alone, which a scan never changes: with
    // updated_at in it every deduction would rewrite an index entry as well.
    index('cards_store_idx').on(t.storeId),
  ],
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

/**
 * What a store sells at the counter: `uses` added to the member's card, `priceFen` paid, the card valid
 * for `validDays` from the sale (null: no expiry). An archived product (`active` 0) cannot be sold and
 * stays for the ledger rows that name it.
 */
export const products = sqliteTable(
  'products',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    storeId: integer('store_id').notNull().references(() => stores.id),
    name: text('name').notNull(),
    uses: integer('uses').notNull(),
    priceFen: integer('price_fen').notNull(),
    validDays: integer('valid_days'),
    active: integer('active').notNull().default(1),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('products_store_idx').on(t.storeId, t.id),
    check('products_uses_range', sql`${t.uses} BETWEEN 1 AND 1000`),
    check('products_price_range', sql`${t.priceFen} BETWEEN 0 AND 10000000`),
    check('products_valid_days_range', sql`${t.validDays} IS NULL OR ${t.validDays} BETWEEN 1 AND 3650`),
  ],
);

/**
 * Every change of a card's balance; rows are only ever inserted. A deduction names its QR nonce: unique,
 * so a nonce deducts once. A sale is a 'topup' naming its product and what was paid (an admin top-up
 * names neither); a 'reversal' (+1) names the deduction it undoes, unique, so a deduction is reversed at
 * most once, and the reason given.
 */
export const ledger = sqliteTable(
  'ledger',
  {
    // No AUTOINCREMENT (here and in outbox): it rewrites sqlite_sequence's page in every scan's commit,
    // a WAL frame of its own. Ledger rows are never deleted, so the next rowid (max + 1) is never reused.
    id: integer('id').primaryKey(),
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    kind: text('kind', { enum: ['deduct', 'topup', 'reversal'] }).notNull(),
    delta: integer('delta').notNull(),
    balanceAfter: integer('balance_after').notNull(),
    /** Who: the merchant for a deduction, a sale or a reversal; null for an admin top-up. */
    merchantId: integer('merchant_id'),
    qrNonce: text('qr_nonce'),
    createdAt: integer('created_at').notNull(),
    productId: integer('product_id'),
    amountFen: integer('amount_fen'),
    reversesId: integer('reverses_id'),
    reason: text('reason'),
  },
  (t) => [
    check('ledger_delta_nonzero', sql`${t.delta} <> 0`),
    uniqueIndex('ledger_qr_nonce_uq').on(t.qrNonce),
    // Partial: only reversals name a deduction. Indexing every deduction's NULL wrote a page a scan.
    uniqueIndex('ledger_reverses_uq').on(t.reversesId).where(sql`${t.reversesId} IS NOT NULL`),
    index('ledger_card_idx').on(t.memberId, t.storeId, t.id),
    // Reports read a store's rows by time (storage/reports.ts): without it, a full scan of every store's ledger.
    index('ledger_store_time_idx').on(t.storeId, t.createdAt),
  ],
);

/**
 * The members' streams, one per (member, store): what the member is told at that store, `seq` 1, 2, 3, …
 * per stream. Deductions point at their ledger row (exactly one entry per deduction); refusals name their
 * QR nonce, unique with the code, so a QR refused again for the same reason is not told again (a replayed
 * QR must not be a way to spam a member). (The table keeps its first name, outbox.)
 */
export const outbox = sqliteTable(
  'outbox',
  {
    // No AUTOINCREMENT (see ledger): a rowid is reused only once retention pruned every newer row, and
    // nothing keeps an entry's rowid (streams are addressed by (member, store, seq)).
    id: integer('id').primaryKey(),
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    seq: integer('seq').notNull(),
    code: integer('code').notNull(),
    remaining: integer('remaining'),
    ledgerId: integer('ledger_id'),
    createdAt: integer('created_at').notNull(),
    /** Set once a text-dialect socket has received it (the text dialect has no resume). */
    deliveredAt: integer('delivered_at'),
    /** The refused QR's nonce; null for deductions (the ledger holds theirs) and for entries older than the column. */
    qrNonce: text('qr_nonce'),
  },
  (t) => [
    uniqueIndex('outbox_stream_seq_uq').on(t.memberId, t.storeId, t.seq),
    uniqueIndex('outbox_ledger_uq').on(t.ledgerId),
    // One notice per QR and refusal. Partial: deductions and older entries carry no nonce.
    uniqueIndex('outbox_refusal_uq').on(t.qrNonce, t.code).where(sql`${t.qrNonce} IS NOT NULL`),
    // Small by design: rows leave it as soon as any socket received them.
    index('outbox_undelivered_idx').on(t.memberId, t.storeId, t.seq).where(sql`${t.deliveredAt} IS NULL`),
    // Subscription messages read the undelivered entries of a time window (NotifyStore.unnotified): a
    // seek here instead of reading all of outbox_undelivered_idx and sorting. Partial like it, so a scan
    // adds one entry and its delivery mark removes it (about 1 µs a scan, within noise).
    index('outbox_undelivered_created_idx').on(t.createdAt).where(sql`${t.deliveredAt} IS NULL`),
  ],
);

/**
 * Each stream's head: the last seq issued. The next seq is taken by an upsert on this row. The migration
 * makes it WITHOUT ROWID (one B-tree instead of a table and its key index), which drizzle cannot express.
 */
export const streams = sqliteTable(
  'streams',
  {
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.storeId] })],
);

/**
 * The answers given to merchants' Idempotency-Keys, refusals as well as deductions: the key names the
 * request, the QR nonce is its fingerprint (same key and nonce: a retry; another nonce: a mismatch), and
 * (member, store, seq) is the stream entry it answered with. Pruned with the entries.
 */
export const idempotency = sqliteTable(
  'idempotency',
  {
    // A rowid table: ids follow insertion, hence time, which lets retention prune oldest first.
    id: integer('id').primaryKey(),
    merchantId: integer('merchant_id').notNull(),
    key: text('key').notNull(),
    qrNonce: text('qr_nonce').notNull(),
    memberId: integer('member_id').notNull(),
    storeId: integer('store_id').notNull(),
    seq: integer('seq').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('idempotency_merchant_key_uq').on(t.merchantId, t.key)],
);

/**
 * Facts about the database itself, key/value. `epoch` names its history (made by the migration that
 * added this table, made anew when a marked backup copy is first opened); `backup` marks a copy taken by
 * `scanpush backup` that has not been opened since.
 */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
