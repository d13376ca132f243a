import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { members } from './schema.js';

/**
 * A member's enrolled device (storage/devices.ts): the salt and the key's fingerprint its secret is derived
 * from, never the secret. `session_id` has no foreign key: the row outlives the session it names, whose
 * logout revokes it. Times are Unix milliseconds, as in schema.ts.
 */
export const memberDevices = sqliteTable(
  'member_devices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    memberId: integer('member_id').notNull().references(() => members.id),
    sessionId: integer('session_id'),
    name: text('name'),
    salt: text('salt').notNull(),
    keyId: text('key_id').notNull(),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('member_devices_member_idx').on(t.memberId, t.id), index('member_devices_session_idx').on(t.sessionId)],
);
