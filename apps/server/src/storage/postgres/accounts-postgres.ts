import type pg from 'pg';
import type { AccountStore } from '../accounts.js';
import { query, transaction } from './pool.js';

/**
 * The PostgreSQL accounts: single statements on unique indexes, each atomic on its own. A store or member
 * created with a given id (fixtures: the demo's store 2 and member 17) moves the table's identity past it
 * in the same transaction, so later ids the database picks never collide with it.
 */
export function createPostgresAccounts(pool: pg.Pool): AccountStore {
  const one = async <R extends pg.QueryResultRow>(text: string, values: unknown[], name?: string): Promise<R | undefined> =>
    (await query<R>(pool, text, values, name))[0];

  /** Inserts with an explicit id or a picked one; answers the row. */
  async function insertWithId<R extends pg.QueryResultRow>(table: 'stores' | 'members', id: number | undefined, columns: string[], values: unknown[], returning: string): Promise<R> {
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    if (id === undefined) {
      return (await query<R>(pool, `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders}) RETURNING ${returning}`, values))[0]!;
    }
    return transaction(pool, async (client) => {
      const row = (
        await client.query<R>(
          `INSERT INTO ${table} (id, ${columns.join(', ')}) OVERRIDING SYSTEM VALUE VALUES ($${values.length + 1}, ${placeholders}) RETURNING ${returning}`,
          [...values, id],
        )
      ).rows[0]!;
      await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
      return row;
    });
  }

  return {
    createStore(name, at, id) {
      return insertWithId('stores', id, ['name', 'created_at'], [name, at], 'id, name');
    },
    getStore(id) {
      return one('SELECT id, name FROM stores WHERE id = $1', [id]);
    },
    createMember(input, at) {
      return insertWithId('members', input.id, ['name', 'openid', 'created_at'], [input.name ?? null, input.openid ?? null, at], 'id, name');
    },
    getMember(id) {
      return one('SELECT id, name FROM members WHERE id = $1', [id]);
    },
    findMemberByOpenid(openid) {
      return one('SELECT id FROM members WHERE openid = $1', [openid]);
    },
    async createSession(memberId, tokenHash, at, expiresAt) {
      return (await one<{ id: number }>(
        'INSERT INTO sessions (member_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id',
        [memberId, tokenHash, at, expiresAt],
      ))!;
    },
    findSession(tokenHash, now) {
      return one('SELECT id, member_id AS "memberId" FROM sessions WHERE token_hash = $1 AND expires_at > $2 AND revoked_at IS NULL', [tokenHash, now], 'session');
    },
    async revokeSession(tokenHash, at) {
      return (await query(pool, 'UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL RETURNING id', [at, tokenHash])).length > 0;
    },
    async revokeMemberSessions(memberId, at) {
      return (await query(pool, 'UPDATE sessions SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL RETURNING id', [at, memberId])).length;
    },
    async createMerchant(storeId, name, keyHash, at) {
      return (await one<{ id: number }>('INSERT INTO merchants (store_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id', [
        storeId,
        name,
        keyHash,
        at,
      ]))!;
    },
    async getMerchant(id) {
      const m = await one<{ id: number; storeId: number; keyHash: string; revokedAt: number | null }>(
        'SELECT id, store_id AS "storeId", key_hash AS "keyHash", revoked_at AS "revokedAt" FROM merchants WHERE id = $1',
        [id],
        'merchant',
      );
      return m && { id: m.id, storeId: m.storeId, keyHash: m.keyHash, revoked: m.revokedAt !== null };
    },
    async revokeMerchant(id, at) {
      // Revoked now or before: true either way, as long as the merchant exists.
      const row = await one<{ id: number }>('UPDATE merchants SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING id', [at, id]);
      return row !== undefined;
    },
  };
}
