import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { members } from './schema.js';

// The PostgreSQL twin of storage/sqlite/schema-notify.ts.

const ms = (name: string) => bigint(name, { mode: 'number' });

/** What a member allowed: each acceptance of a template in the mini-program is one send. */
export const notifyCredits = pgTable(
  'notify_credits',
  {
    memberId: integer('member_id').notNull().references(() => members.id),
    templateId: text('template_id').notNull(),
    credits: integer('credits').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.templateId] }), check('notify_credits_non_negative', sql`${t.credits} >= 0`)],
);

/** One send of a template for one stream entry, unique per (member, store, seq, template); see the SQLite schema. */
export const notifyJobs = pgTable(
  'notify_jobs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    memberId: integer('member_id').notNull().references(() => members.id),
    openid: text('openid').notNull(),
    storeId: integer('store_id').notNull(),
    seq: integer('seq').notNull(),
    templateId: text('template_id').notNull(),
    data: text('data').notNull(),
    state: text('state', { enum: ['pending', 'sent', 'dropped'] }).notNull(),
    dueAt: ms('due_at').notNull(),
    claimedUntil: ms('claimed_until'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    reason: text('reason'),
    createdAt: ms('created_at').notNull(),
    settledAt: ms('settled_at'),
  },
  (t) => [
    uniqueIndex('notify_jobs_entry_uq').on(t.memberId, t.storeId, t.seq, t.templateId),
    check('notify_jobs_state', sql`${t.state} IN ('pending', 'sent', 'dropped')`),
    // Claiming reads only pending jobs: partial, so settled jobs (most of them, in time) leave it.
    index('notify_jobs_due_idx').on(t.dueAt).where(sql`${t.state} = 'pending'`),
  ],
);

/** The shared access token (one row, id 1) and the lease of the node refreshing it; see the SQLite schema. */
export const notifyToken = pgTable(
  'notify_token',
  {
    id: integer('id').primaryKey(),
    token: text('token'),
    expiresAt: ms('expires_at'),
    fetchedAt: ms('fetched_at'),
    leaseHolder: text('lease_holder'),
    leaseUntil: ms('lease_until'),
  },
  (t) => [check('notify_token_one_row', sql`${t.id} = 1`)],
);
