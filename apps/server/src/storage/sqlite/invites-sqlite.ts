import type Database from 'better-sqlite3';
import { redemptionRefusal, type Invite, type InviteStore, type Redemption, type StaffCredential } from '../invites.js';
import type { GroupCommit } from './group-commit.js';

const INVITE_COLUMNS =
  'id, store_id AS storeId, name, created_at AS createdAt, expires_at AS expiresAt, redeemed_at AS redeemedAt, merchant_id AS merchantId, revoked_at AS revokedAt';

/**
 * The SQLite invites. A redemption is one write of the group commit: SQLite runs one write at a time,
 * so the invite's state read at its start is still true at its end, and of two redeems of one code the
 * second sees the first's mark and answers `used`.
 */
export function createSqliteInvites(client: Database.Database, writes: GroupCommit): InviteStore {
  const q = {
    create: client.prepare<[number, string | null, string, number, number], { id: number }>(
      'INSERT INTO staff_invites (store_id, name, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    ),
    list: client.prepare<[number], Invite>(`SELECT ${INVITE_COLUMNS} FROM staff_invites WHERE store_id = ? ORDER BY id DESC`),
    get: client.prepare<[number], Invite>(`SELECT ${INVITE_COLUMNS} FROM staff_invites WHERE id = ?`),
    byCode: client.prepare<[string], Invite & { storeName: string }>(
      `SELECT i.id, i.store_id AS storeId, i.expires_at AS expiresAt, i.redeemed_at AS redeemedAt, i.revoked_at AS revokedAt, s.name AS storeName
       FROM staff_invites i JOIN stores s ON s.id = i.store_id WHERE i.code_hash = ?`,
    ),
    revoke: client.prepare<[number, number]>('UPDATE staff_invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND redeemed_at IS NULL'),
    createMerchant: client.prepare<[number, string, string, number], { id: number }>(
      'INSERT INTO merchants (store_id, name, key_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id',
    ),
    redeemed: client.prepare<[number, number, number]>(
      'UPDATE staff_invites SET redeemed_at = ?, merchant_id = ? WHERE id = ? AND redeemed_at IS NULL AND revoked_at IS NULL',
    ),
    staff: client.prepare<[number], StaffCredential>(
      'SELECT id, store_id AS storeId, name, created_at AS createdAt, revoked_at AS revokedAt FROM merchants WHERE store_id = ? ORDER BY id',
    ),
  };

  return {
    createInvite(input, at) {
      return writes.run(() => q.create.get(input.storeId, input.name, input.codeHash, at, input.expiresAt)!);
    },
    async listInvites(storeId) {
      return q.list.all(storeId);
    },
    async getInvite(id) {
      return q.get.get(id);
    },
    revokeInvite(id, at) {
      return writes.run(() => {
        q.revoke.run(at, id);
        return q.get.get(id);
      });
    },
    redeemInvite(codeHash, deviceName, keyHash, now) {
      return writes.run((): Redemption => {
        const invite = q.byCode.get(codeHash);
        const refusal = redemptionRefusal(invite, now);
        if (refusal) return { ok: false, reason: refusal };
        const { id: merchantId } = q.createMerchant.get(invite!.storeId, deviceName, keyHash, now)!;
        // Cannot miss: nothing else wrote between the read above and here (one writer, one savepoint).
        q.redeemed.run(now, merchantId, invite!.id);
        return { ok: true, merchantId, storeId: invite!.storeId, storeName: invite!.storeName, inviteId: invite!.id };
      });
    },
    async listStaff(storeId) {
      return q.staff.all(storeId);
    },
  };
}
