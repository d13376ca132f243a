import { RESULT_CODES } from '@scanpush/shared';
import type pg from 'pg';
import { decideReversal, decideSale, expiryAfterSale } from '../../core/counter-rules.js';
import { reversalFingerprint, saleFingerprint, type ReversalAttempt, type ReversalRecord, type SaleAttempt, type SaleRecord } from '../counter.js';
import type { StreamEntry } from '../streams.js';
import { transaction } from './pool.js';
import { ENTRY_COLUMNS, type EntryRow } from './streams-postgres.js';

type Prior = { kind: 'replayed'; entry: StreamEntry } | { kind: 'idempotency-mismatch' } | undefined;

// The stream entry and the key's record, in one statement. $1 member, $2 store, $3 code, $4 remaining,
// $5 ledger id, $6 at, $7 merchant, $8 key (nullable), $9 fingerprint.
const APPEND = `
  WITH head AS (INSERT INTO streams (member_id, store_id, last_seq) VALUES ($1, $2, 1)
                ON CONFLICT (member_id, store_id) DO UPDATE SET last_seq = streams.last_seq + 1 RETURNING last_seq),
  entry AS (INSERT INTO outbox (member_id, store_id, seq, code, remaining, ledger_id, created_at)
            SELECT $1, $2, head.last_seq, $3, $4, $5, $6 FROM head RETURNING ${ENTRY_COLUMNS}),
  keyed AS (INSERT INTO idempotency (merchant_id, key, qr_nonce, member_id, store_id, seq, created_at)
            SELECT $7, $8::text, $9, "memberId", "storeId", seq, $6 FROM entry WHERE $8::text IS NOT NULL)
  SELECT * FROM entry`;

/**
 * Sales and reversals on PostgreSQL (see counter.ts), each one transaction under READ COMMITTED. The card
 * row is locked (FOR UPDATE) before it is read and written, as a scan locks it, and before the stream's
 * head, so sales, reversals and scans of one card take turns and never wait on each other in a cycle.
 * A race the lock cannot order is ended by a unique index and the loser's transaction runs again
 * (pool.ts), seeing the winner: two first sales to one member (the card's primary key), two reversals of
 * one deduction (`ledger.reverses_id`: the retry finds it reversed), one key twice (the retry replays).
 */
export function createPostgresCounter(pool: pg.Pool, epoch: string) {
  async function prior(client: pg.PoolClient, merchantId: number | null, key: string | null, fingerprint: string): Promise<Prior> {
    if (key === null || merchantId === null) return undefined;
    const row = (
      await client.query<{ fingerprint: string; memberId: number; storeId: number; seq: number }>(
        'SELECT qr_nonce AS fingerprint, member_id AS "memberId", store_id AS "storeId", seq FROM idempotency WHERE merchant_id = $1 AND key = $2',
        [merchantId, key],
      )
    ).rows[0];
    if (!row) return undefined;
    if (row.fingerprint !== fingerprint) return { kind: 'idempotency-mismatch' };
    const entry = (
      await client.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM outbox WHERE member_id = $1 AND store_id = $2 AND seq = $3`, [row.memberId, row.storeId, row.seq])
    ).rows[0];
    if (entry) return { kind: 'replayed', entry: { ...entry, epoch } };
    // Its answer is past retention: the key is forgotten, as in scans.
    await client.query('DELETE FROM idempotency WHERE merchant_id = $1 AND key = $2', [merchantId, key]);
    return undefined;
  }

  async function append(client: pg.PoolClient, values: unknown[]): Promise<StreamEntry> {
    const row = (await client.query<EntryRow>({ name: 'counter-append', text: APPEND, values })).rows[0]!;
    return { ...row, epoch };
  }

  const lockCard = async (client: pg.PoolClient, memberId: number, storeId: number) =>
    (
      await client.query<{ remaining: number; expiresAt: number | null }>(
        'SELECT remaining, expires_at AS "expiresAt" FROM cards WHERE member_id = $1 AND store_id = $2 FOR UPDATE',
        [memberId, storeId],
      )
    ).rows[0];

  async function sale(client: pg.PoolClient, a: SaleAttempt): Promise<SaleRecord> {
    const fingerprint = saleFingerprint(a);
    const answered = await prior(client, a.merchantId, a.idempotencyKey, fingerprint);
    if (answered) return answered;
    const product = (
      await client.query<{ uses: number; priceFen: number; validDays: number | null; active: number }>(
        'SELECT uses, price_fen AS "priceFen", valid_days AS "validDays", active FROM products WHERE id = $1 AND store_id = $2',
        [a.productId, a.merchantStoreId],
      )
    ).rows[0];
    const verdict = decideSale({ product: product && { active: product.active === 1 }, expired: a.expired, wrongStore: a.storeId !== a.merchantStoreId });
    if (verdict !== 'TOPPED_UP') return { kind: 'refused', reason: verdict };
    const { uses, priceFen, validDays } = product!;
    const card = await lockCard(client, a.memberId, a.storeId);
    const expiresAt = expiryAfterSale(card ? card.expiresAt : undefined, validDays, a.at);
    // No ON CONFLICT for a new card: a concurrent first sale makes this fail, and the retry locks its card.
    const remaining = card
      ? (
          await client.query<{ remaining: number }>(
            'UPDATE cards SET remaining = remaining + $3, updated_at = $4, expires_at = $5 WHERE member_id = $1 AND store_id = $2 RETURNING remaining',
            [a.memberId, a.storeId, uses, a.at, expiresAt],
          )
        ).rows[0]!.remaining
      : (
          await client.query<{ remaining: number }>(
            'INSERT INTO cards (member_id, store_id, remaining, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING remaining',
            [a.memberId, a.storeId, uses, a.at, expiresAt],
          )
        ).rows[0]!.remaining;
    const { id: ledgerId } = (
      await client.query<{ id: number }>(
        `INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, product_id, amount_fen, created_at)
         VALUES ($1, $2, 'topup', $3, $4, $5, $6, $7, $8) RETURNING id`,
        [a.memberId, a.storeId, uses, remaining, a.merchantId, a.productId, priceFen, a.at],
      )
    ).rows[0]!;
    const entry = await append(client, [a.memberId, a.storeId, RESULT_CODES.TOPPED_UP.code, remaining, ledgerId, a.at, a.merchantId, a.idempotencyKey, fingerprint]);
    return { kind: 'recorded', entry };
  }

  async function reversal(client: pg.PoolClient, a: ReversalAttempt): Promise<ReversalRecord> {
    const fingerprint = reversalFingerprint(a);
    const answered = await prior(client, a.merchantId, a.idempotencyKey, fingerprint);
    if (answered) return answered;
    const row = (
      await client.query<{ memberId: number; storeId: number; kind: string; createdAt: number; merchantId: number | null }>(
        'SELECT member_id AS "memberId", store_id AS "storeId", kind, created_at AS "createdAt", merchant_id AS "merchantId" FROM ledger WHERE id = $1',
        [a.ledgerId],
      )
    ).rows[0];
    // The card is locked before "reversed" is read: a reversal that waited for another of the same
    // deduction reads it with a new snapshot, after the other committed.
    const card = row && row.kind === 'deduct' && row.storeId === a.storeId ? await lockCard(client, row.memberId, row.storeId) : undefined;
    const reversed = card
      ? (await client.query<{ reversed: boolean }>('SELECT EXISTS (SELECT 1 FROM ledger WHERE reverses_id = $1) AS reversed', [a.ledgerId])).rows[0]!.reversed
      : false;
    const verdict = decideReversal({ row, reversed, storeId: a.storeId, merchantId: a.merchantId, at: a.at, windowMs: a.windowMs });
    if (verdict !== 'REVERSED') return { kind: 'refused', reason: verdict };
    const { memberId, storeId } = row!;
    if (!card) throw new Error(`deduction ${a.ledgerId} has no card (${memberId}, ${storeId})`);
    const { remaining } = (
      await client.query<{ remaining: number }>(
        'UPDATE cards SET remaining = remaining + 1, updated_at = $3 WHERE member_id = $1 AND store_id = $2 RETURNING remaining',
        [memberId, storeId, a.at],
      )
    ).rows[0]!;
    const { id: ledgerId } = (
      await client.query<{ id: number }>(
        `INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, reverses_id, reason, created_at)
         VALUES ($1, $2, 'reversal', 1, $3, $4, $5, $6, $7) RETURNING id`,
        [memberId, storeId, remaining, a.merchantId, a.ledgerId, a.reason, a.at],
      )
    ).rows[0]!;
    // No key without a merchant: idempotency records are per merchant (see ReversalAttempt).
    const key = a.merchantId === null ? null : a.idempotencyKey;
    const entry = await append(client, [memberId, storeId, RESULT_CODES.REVERSED.code, remaining, ledgerId, a.at, a.merchantId, key, fingerprint]);
    return { kind: 'recorded', entry };
  }

  return {
    recordSale: (a: SaleAttempt) => transaction(pool, (client) => sale(client, a)),
    recordReversal: (a: ReversalAttempt) => transaction(pool, (client) => reversal(client, a)),
  };
}
