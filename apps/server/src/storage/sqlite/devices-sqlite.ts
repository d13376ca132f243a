import type Database from 'better-sqlite3';
import { DEVICE_COLUMNS, type DeviceStore, type MemberDevice } from '../devices.js';
import type { GroupCommit } from './group-commit.js';

/** The SQLite devices: each write one statement through the group commit, a revocation only of a live row. */
export function createSqliteDevices(client: Database.Database, writes: GroupCommit): DeviceStore {
  const q = {
    enrol: client.prepare<[number, number | null, string | null, string, string, number], { id: number }>(
      'INSERT INTO member_devices (member_id, session_id, name, salt, key_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
    ),
    get: client.prepare<[number], MemberDevice>(`SELECT ${DEVICE_COLUMNS} FROM member_devices WHERE id = ?`),
    list: client.prepare<[number], MemberDevice>(`SELECT ${DEVICE_COLUMNS} FROM member_devices WHERE member_id = ? ORDER BY id DESC`),
    revoke: client.prepare<[number, number, number]>('UPDATE member_devices SET revoked_at = ? WHERE id = ? AND member_id = ? AND revoked_at IS NULL'),
    revokeForSession: client.prepare<[number, number]>('UPDATE member_devices SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL'),
    revokeAll: client.prepare<[number, number]>('UPDATE member_devices SET revoked_at = ? WHERE member_id = ? AND revoked_at IS NULL'),
  };

  return {
    enrol: (input, at) => writes.run(() => q.enrol.get(input.memberId, input.sessionId, input.name, input.salt, input.keyId, at)!),
    get: async (id) => q.get.get(id),
    list: async (memberId) => q.list.all(memberId),
    revoke: (memberId, deviceId, at) => writes.run(() => q.revoke.run(at, deviceId, memberId).changes > 0),
    revokeForSession: (sessionId, at) => writes.run(() => q.revokeForSession.run(at, sessionId).changes),
    revokeAll: (memberId, at) => writes.run(() => q.revokeAll.run(at, memberId).changes),
  };
}
