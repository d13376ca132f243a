import { RESULT_CODES } from '@scanpush/shared';
import type Database from 'better-sqlite3';
import { decideReversal, decideSale, expiryAfterSale } from '../../core/counter-rules.js';
import { reversalFingerprint, saleFingerprint, type ReversalAttempt, type ReversalRecord, type SaleAttempt, type SaleRecord } from '../counter.js';
import type { StreamEntry } from '../streams.js';
import type { StreamWriter } from './streams-sqlite.js';

type Prior = { kind: 'replayed'; entry: StreamEntry } | { kind: 'idempotency-mismatch' } | undefined;

/**
 * Sales and reversals on SQLite (see counter.ts). Each function runs inside one write of the group commit
 * (cards-sqlite.ts), so its reads and writes are one step of SQLite's single writer; the unique
 * `ledger.reverses_id` stands behind the reversal's check all the same.
 */
export function createSqliteCounter(client: Database.Database, streams: StreamWriter) {
  const q = {
    answered: client.prepare<[number, string], { fingerprint: string; memberId: number; storeId: number; seq: number }>(
      'SELECT qr_nonce AS fingerprint, member_id AS memberId, store_id AS storeId, seq FROM idempotency WHERE merchant_id = ? AND key = ?',
    ),
    forgetKey: client.prepare<[number, string]>('DELETE FROM idempotency WHERE merchant_id = ? AND key = ?'),
    recordKey: client.prepare<[number, string, string, number, number, number, number]>(
      'INSERT INTO idempotency (merchant_id, key, qr_nonce, member_id, store_id, seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    product: client.prepare<[number, number], { uses: number; priceFen: number; validDays: number | null; active: number }>(
      'SELECT uses, price_fen AS priceFen, valid_days AS validDays, active FROM products WHERE id = ? AND store_id = ?',
    ),
    card: client.prepare<[number, number], { remaining: number; expiresAt: number | null }>(
      'SELECT remaining, expires_at AS expiresAt FROM cards WHERE member_id = ? AND store_id = ?',
    ),
    sell: client
      .prepare<[number, number, number, number, number | null], number>(
        `INSERT INTO cards (member_id, store_id, remaining, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (member_id, store_id) DO UPDATE SET remaining = remaining + excluded.remaining,
           updated_at = excluded.updated_at, expires_at = excluded.expires_at
         RETURNING remaining`,
      )
      .pluck(),
    insertSale: client.prepare<[number, number, number, number, number, number, number, number]>(
      `INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, product_id, amount_fen, created_at)
       VALUES (?, ?, 'topup', ?, ?, ?, ?, ?, ?)`,
    ),
    deduction: client.prepare<[number], { memberId: number; storeId: number; kind: string; createdAt: number; merchantId: number | null }>(
      'SELECT member_id AS memberId, store_id AS storeId, kind, created_at AS createdAt, merchant_id AS merchantId FROM ledger WHERE id = ?',
    ),
    reversed: client.prepare<[number], number>('SELECT EXISTS (SELECT 1 FROM ledger WHERE reverses_id = ?)').pluck(),
    giveBack: client
      .prepare<[number, number, number], number>(
        'UPDATE cards SET remaining = remaining + 1, updated_at = ? WHERE member_id = ? AND store_id = ? RETURNING remaining',
      )
      .pluck(),
    insertReversal: client.prepare<[number, number, number, number | null, number, string, number]>(
      `INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, reverses_id, reason, created_at)
       VALUES (?, ?, 'reversal', 1, ?, ?, ?, ?, ?)`,
    ),
  };

  /** The first answer to this key, a mismatch, or nothing (a pruned answer's key is forgotten, as in scans). */
  function prior(merchantId: number | null, key: string | null, fingerprint: string): Prior {
    if (key === null || merchantId === null) return undefined;
    const row = q.answered.get(merchantId, key);
    if (!row) return undefined;
    if (row.fingerprint !== fingerprint) return { kind: 'idempotency-mismatch' };
    const entry = streams.entry(row.memberId, row.storeId, row.seq);
    if (entry) return { kind: 'replayed', entry };
    q.forgetKey.run(merchantId, key);
    return undefined;
  }

  function commit(merchantId: number | null, key: string | null, fingerprint: string, entry: StreamEntry, at: number): void {
    if (key !== null && merchantId !== null) q.recordKey.run(merchantId, key, fingerprint, entry.memberId, entry.storeId, entry.seq, at);
  }

  return {
    sale(a: SaleAttempt): SaleRecord {
      const fingerprint = saleFingerprint(a);
      const answered = prior(a.merchantId, a.idempotencyKey, fingerprint);
      if (answered) return answered;
      const product = q.product.get(a.productId, a.merchantStoreId);
      const verdict = decideSale({
        product: product && { active: product.active === 1 },
        expired: a.expired,
        wrongStore: a.storeId !== a.merchantStoreId,
      });
      if (verdict !== 'TOPPED_UP') return { kind: 'refused', reason: verdict };
      const { uses, priceFen, validDays } = product!;
      const card = q.card.get(a.memberId, a.storeId);
      const expiresAt = expiryAfterSale(card ? card.expiresAt : undefined, validDays, a.at);
      const remaining = q.sell.get(a.memberId, a.storeId, uses, a.at, expiresAt) as number;
      const ledgerId = Number(q.insertSale.run(a.memberId, a.storeId, uses, remaining, a.merchantId, a.productId, priceFen, a.at).lastInsertRowid);
      const code = RESULT_CODES.TOPPED_UP.code;
      const entry = streams.append({ memberId: a.memberId, storeId: a.storeId, code, remaining, ledgerId, createdAt: a.at }, null);
      commit(a.merchantId, a.idempotencyKey, fingerprint, entry, a.at);
      return { kind: 'recorded', entry };
    },

    reversal(a: ReversalAttempt): ReversalRecord {
      const fingerprint = reversalFingerprint(a);
      const answered = prior(a.merchantId, a.idempotencyKey, fingerprint);
      if (answered) return answered;
      const row = q.deduction.get(a.ledgerId);
      const verdict = decideReversal({
        row,
        reversed: q.reversed.get(a.ledgerId) === 1,
        storeId: a.storeId,
        merchantId: a.merchantId,
        at: a.at,
        windowMs: a.windowMs,
      });
      if (verdict !== 'REVERSED') return { kind: 'refused', reason: verdict };
      const { memberId, storeId } = row!;
      const remaining = q.giveBack.get(a.at, memberId, storeId);
      if (remaining === undefined) throw new Error(`deduction ${a.ledgerId} has no card (${memberId}, ${storeId})`);
      const ledgerId = Number(q.insertReversal.run(memberId, storeId, remaining, a.merchantId, a.ledgerId, a.reason, a.at).lastInsertRowid);
      const code = RESULT_CODES.REVERSED.code;
      const entry = streams.append({ memberId, storeId, code, remaining, ledgerId, createdAt: a.at }, null);
      commit(a.merchantId, a.idempotencyKey, fingerprint, entry, a.at);
      return { kind: 'recorded', entry };
    },
  };
}
