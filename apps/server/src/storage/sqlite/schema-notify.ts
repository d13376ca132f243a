import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { members } from './schema.js';

// WeChat subscription messages (storage/notify.ts). Times are Unix milliseconds, as in schema.ts.

/** What a member allowed: each acceptance of a template in the mini-program is one send. */
export const notifyCredits = sqliteTable(
  'notify_credits',
  {
    memberId: integer('member_id').notNull().references(() => members.id),
    templateId: text('template_id').notNull(),
    credits: integer('credits').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.templateId] }), check('notify_credits_non_negative', sql`${t.credits} >= 0`)],
);

/**
 * One send of a template for one stream entry (outbox's (member, store, seq)), unique, so no entry is
 * sent twice by any node. `data` is the message's JSON. A pending job is claimed by setting
 * `claimed_until`; it ends 'sent' or 'dropped' (with `reason`), or is due again after a failed attempt.
 */
export const notifyJobs = sqliteTable(
  'notify_jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    memberId: integer('member_id').notNull().references(() => members.id),
    openid: text('openid').notNull(),
    storeId: integer('store_id').notNull(),
    seq: integer('seq').notNull(),
    templateId: text('template_id').notNull(),
    data: text('data').notNull(),
    state: text('state', { enum: ['pending', 'sent', 'dropped'] }).notNull(),
    dueAt: integer('due_at').notNull(),
    claimedUntil: integer('claimed_until'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    reason: text('reason'),
    createdAt: integer('created_at').notNull(),
    settledAt: integer('settled_at'),
  },
  (t) => [
    uniqueIndex('notify_jobs_entry_uq').on(t.memberId, t.storeId, t.seq, t.templateId),
    check('notify_jobs_state', sql`${t.state} IN ('pending', 'sent', 'dropped')`),
    // Claiming reads the pending jobs by due time; the state leads, so counting by state reads it too.
    index('notify_jobs_due_idx').on(t.state, t.dueAt),
  ],
);

/**
 * The access token every node uses (one row, id 1), and the lease of whoever refreshes it, so only one
 * node asks WeChat at a time (each fetch of a plain token invalidates the previous one).
 */
export const notifyToken = sqliteTable(
  'notify_token',
  {
    id: integer('id').primaryKey(),
    token: text('token'),
    expiresAt: integer('expires_at'),
    fetchedAt: integer('fetched_at'),
    leaseHolder: text('lease_holder'),
    leaseUntil: integer('lease_until'),
  },
  (t) => [check('notify_token_one_row', sql`${t.id} = 1`)],
);
