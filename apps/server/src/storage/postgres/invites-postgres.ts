import type pg from 'pg';
import { redemptionRefusal, type Invite, type InviteStore, type StaffCredential } from '../invites.js';
import { query, transaction } from './pool.js';

const INVITE_COLUMNS =
  'id, store_id AS "storeId", name, created_at AS "createdAt", expires_at AS "expiresAt", redeemed_at AS "redeemedAt", merchant_id AS "merchantId", revoked_at AS "revokedAt"';

/**
 * The PostgreSQL invites. A redemption locks the invite's row (SELECT … FOR UPDATE) before it decides:
 * a second redeem of the same code, on this node or another, waits for the first to commit and then
 * reads the row as the first left it (READ COMMITTED re-reads a locked row), so it answers `used`.
 */
export function createPostgresInvites(pool: pg.Pool): InviteStore {
  return {
    async createInvite(input, at) {
      const rows = await query<{ id: number }>(
        pool,
        'INSERT INTO staff_invites (store_id, name, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [input.storeId, input.name, input.codeHash, at, input.expiresAt],
      );
      return rows[0]!;
    },
    listInvites(storeId) {
      return query<Invite>(pool, `SELECT ${INVITE_COLUMNS} FROM staff_invites WHERE store_id = $1 ORDER BY id DESC`, [storeId]);
    },
    async getInvite(id) {
      return (await query<Invite>(pool, `SELECT ${INVITE_COLUMNS} FROM staff_invites WHERE id = $1`, [id]))[0];
    },
    revokeInvite(id, at) {
      return transaction(pool, async (client) => {
        await client.query('UPDATE staff_invites SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND redeemed_at IS NULL', [at, id]);
        return (await client.query<Invite>(`SELECT ${INVITE_COLUMNS} FROM staff_invites WHERE id = $1`, [id])).rows[0];
      });
    },
    redeemInvite(codeHash, deviceName, keyHash, now) {
      return transaction(pool, async (client) => {
        const invite = (
          await client.query<Pick<Invite, 'id' | 'storeId' | 'expiresAt' | 'redeemedAt' | 'revokedAt'> & { storeName: string }>(
            `SELECT i.id, i.store_id AS "storeId", i.expires_at AS "expiresAt", i.redeemed_at AS "redeemedAt", i.revoked_at AS "revokedAt", s.name AS "storeName"
             FROM staff_invites i JOIN stores s ON s.id = i.store_id WHERE i.code_hash = $1 FOR UPDATE OF i`,
            [codeHash],
          )
        ).rows[0];
        const refusal = redemptionRefusal(invite, now);
        if (refusal) return { ok: false as const, reason: refusal };
        const merchant = (
          await client.query<{ id: number }>('INSERT INTO merchants (store_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id', [
            invite!.storeId,
            deviceName,
            keyHash,
            now,
          ])
        ).rows[0]!;
        await client.query('UPDATE staff_invites SET redeemed_at = $1, merchant_id = $2 WHERE id = $3', [now, merchant.id, invite!.id]);
        return { ok: true as const, merchantId: merchant.id, storeId: invite!.storeId, storeName: invite!.storeName, inviteId: invite!.id };
      });
    },
    listStaff(storeId) {
      return query<StaffCredential>(
        pool,
        'SELECT id, store_id AS "storeId", name, created_at AS "createdAt", revoked_at AS "revokedAt" FROM merchants WHERE store_id = $1 ORDER BY id',
        [storeId],
      );
    },
  };
}
