import { bigint, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { members } from './schema.js';

// The PostgreSQL twin of storage/sqlite/schema-devices.ts.

const ms = (name: string) => bigint(name, { mode: 'number' });

/** A member's enrolled device: the salt and key fingerprint its secret is derived from, never the secret. */
export const memberDevices = pgTable(
  'member_devices',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    memberId: integer('member_id').notNull().references(() => members.id),
    // sessions.id is bigint here.
    sessionId: bigint('session_id', { mode: 'number' }),
    name: text('name'),
    salt: text('salt').notNull(),
    keyId: text('key_id').notNull(),
    createdAt: ms('created_at').notNull(),
    revokedAt: ms('revoked_at'),
  },
  (t) => [index('member_devices_member_idx').on(t.memberId, t.id), index('member_devices_session_idx').on(t.sessionId)],
);
