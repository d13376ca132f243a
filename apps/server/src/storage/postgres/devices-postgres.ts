import type pg from 'pg';
import { DEVICE_COLUMNS, type DeviceStore, type MemberDevice } from '../devices.js';
import { query } from './pool.js';

/** The PostgreSQL devices, each call one statement; a revocation touches only live rows, so it counts once. */
export function createPostgresDevices(pool: pg.Pool): DeviceStore {
  const revoked = async (text: string, values: unknown[]) => (await query(pool, text, values)).length;

  return {
    async enrol(input, at) {
      const [row] = await query<{ id: number }>(
        pool,
        'INSERT INTO member_devices (member_id, session_id, name, salt, key_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
        [input.memberId, input.sessionId, input.name, input.salt, input.keyId, at],
      );
      return row!;
    },
    async get(id) {
      return (await query<MemberDevice>(pool, `SELECT ${DEVICE_COLUMNS} FROM member_devices WHERE id = $1`, [id]))[0];
    },
    list: (memberId) => query<MemberDevice>(pool, `SELECT ${DEVICE_COLUMNS} FROM member_devices WHERE member_id = $1 ORDER BY id DESC`, [memberId]),
    async revoke(memberId, deviceId, at) {
      return (await revoked('UPDATE member_devices SET revoked_at = $1 WHERE id = $2 AND member_id = $3 AND revoked_at IS NULL RETURNING id', [at, deviceId, memberId])) > 0;
    },
    revokeForSession: (sessionId, at) =>
      revoked('UPDATE member_devices SET revoked_at = $1 WHERE session_id = $2 AND revoked_at IS NULL RETURNING id', [at, sessionId]),
    revokeAll: (memberId, at) => revoked('UPDATE member_devices SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL RETURNING id', [at, memberId]),
  };
}
