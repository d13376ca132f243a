import { RESULT_CODES } from '@scanpush/shared';
import { cardView, ledgerEntry, type CardRow, type LedgerRow } from '../card-rows.js';
import type Database from 'better-sqlite3';
import type { ScanDecision, ScanVerdict } from '../../core/scan-decision.js';
import type { CardStore, ScanAttempt, ScanRecord } from '../cards.js';
import { isCardExpired } from '../../core/counter-rules.js';
import { createSqliteCounter } from './counter-sqlite.js';
import type { GroupCommit } from './group-commit.js';
import type { StreamWriter } from './streams-sqlite.js';

const CARD_COLUMNS = 'c.member_id AS memberId, c.store_id AS storeId, s.name AS storeName, c.remaining, c.expires_at AS expiresAt';


/**
 * The SQLite cards, ledger and scans. Every write goes through the group commit (its own savepoint in a
 * transaction shared with the other writes of the event-loop turn); the contract's guarantees rest on
 * the schema as well as on SQLite's single writer: `cards.remaining >= 0` is a CHECK, a nonce deducts
 * once by the unique `ledger.qr_nonce`, a refusal is told once by the unique (qr_nonce, code) of
 * `outbox`, a key is recorded once by the unique (merchant, key) of `idempotency`, and a seq is issued
 * once by the unique (member, store, seq) of `outbox`.
 */
export function createSqliteCards(client: Database.Database, writes: GroupCommit, streams: StreamWriter): CardStore {
  const q = {
    card: client.prepare<[number, number], CardRow>(
      `SELECT ${CARD_COLUMNS} FROM cards c JOIN stores s ON s.id = c.store_id WHERE c.member_id = ? AND c.store_id = ?`,
    ),
    cards: client.prepare<[number], CardRow>(
      `SELECT ${CARD_COLUMNS} FROM cards c JOIN stores s ON s.id = c.store_id WHERE c.member_id = ? ORDER BY c.store_id`,
    ),
    history: client.prepare<[number, number, number, number], LedgerRow>(
      `SELECT id, store_id AS storeId, kind, delta, balance_after AS balanceAfter, created_at AS createdAt,
              product_id AS productId, amount_fen AS amountFen, reverses_id AS reversesId, reason
       FROM ledger WHERE member_id = ? AND store_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
    addUses: client
      .prepare<[number, number, number, number], number>(
        `INSERT INTO cards (member_id, store_id, remaining, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (member_id, store_id) DO UPDATE SET remaining = remaining + excluded.remaining, updated_at = excluded.updated_at
         RETURNING remaining`,
      )
      .pluck(),
    insertTopUp: client.prepare<[number, number, number, number, number]>(
      "INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, created_at) VALUES (?, ?, 'topup', ?, ?, ?)",
    ),
    answered: client.prepare<[number, string], { nonce: string; memberId: number; storeId: number; seq: number }>(
      'SELECT qr_nonce AS nonce, member_id AS memberId, store_id AS storeId, seq FROM idempotency WHERE merchant_id = ? AND key = ?',
    ),
    // Both facts the decision reads from the database, in one statement.
    facts: client.prepare<[string, number, number], { remaining: number | null; expiresAt: number | null; nonceUsed: 0 | 1 }>(
      `SELECT c.remaining, c.expires_at AS expiresAt, EXISTS (SELECT 1 FROM ledger WHERE qr_nonce = ?) AS nonceUsed
       FROM (SELECT 1) one LEFT JOIN cards c ON c.member_id = ? AND c.store_id = ?`,
    ),
    takeUse: client
      .prepare<[number, number, number], number>(
        'UPDATE cards SET remaining = remaining - 1, updated_at = ? WHERE member_id = ? AND store_id = ? AND remaining > 0 RETURNING remaining',
      )
      .pluck(),
    insertDeduction: client.prepare<[number, number, number, number, string, number]>(
      `INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, qr_nonce, created_at)
       VALUES (?, ?, 'deduct', -1, ?, ?, ?, ?)`,
    ),
    recordKey: client.prepare<[number, string, string, number, number, number, number]>(
      'INSERT INTO idempotency (merchant_id, key, qr_nonce, member_id, store_id, seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    forgetKey: client.prepare<[number, string]>('DELETE FROM idempotency WHERE merchant_id = ? AND key = ?'),
  };

  const counter = createSqliteCounter(client, streams);

  /** The scan's reads and writes; runs inside one write of the group commit, so all or nothing of it commits. */
  function record(attempt: ScanAttempt, decide: ScanDecision): ScanRecord {
    const { memberId, storeId, idempotencyKey: key } = attempt;
    if (key !== null) {
      const prior = q.answered.get(attempt.merchantId, key);
      if (prior) {
        if (prior.nonce !== attempt.nonce) return { kind: 'idempotency-mismatch' };
        const entry = streams.entry(prior.memberId, prior.storeId, prior.seq);
        if (entry) return { kind: 'replayed', entry };
        // Retention prunes a record before its entry when both are of one scan, but the record of a
        // repeated refusal points at an older notice, which may go first: its answer is past retention,
        // so the key is forgotten, as a pruned one is. A seq beyond the head is a broken database.
        if (prior.seq > streams.head(prior.memberId, prior.storeId)) {
          throw new Error(`idempotency record of merchant ${attempt.merchantId} names a missing stream entry`);
        }
        q.forgetKey.run(attempt.merchantId, key);
      }
    }
    const facts = q.facts.get(attempt.nonce, memberId, storeId)!;
    const verdict = decide({
      expired: attempt.expired,
      wrongStore: storeId !== attempt.merchantStoreId,
      nonceUsed: facts.nonceUsed === 1,
      remaining: facts.remaining,
      cardExpired: isCardExpired(facts.expiresAt, attempt.at),
    });
    let remaining: number | null = verdict === 'NO_USES_LEFT' ? facts.remaining : null;
    let ledgerId: number | null = null;
    if (verdict === 'OK') {
      const after = q.takeUse.get(attempt.at, memberId, storeId);
      if (after === undefined) throw new Error(`decideScan answered OK for card (${memberId}, ${storeId}) with no use left`);
      remaining = after;
      ledgerId = Number(q.insertDeduction.run(memberId, storeId, after, attempt.merchantId, attempt.nonce, attempt.at).lastInsertRowid);
    }
    const code = codeOf(verdict);
    // A refusal the member was told already for this QR is not told again (replaying a QR must not spam
    // the member); the merchant is answered with that notice. SQLite's single writer makes this read and
    // the append below one step; the unique (qr_nonce, code) stands behind it. Once retention pruned the
    // notice, the same refusal is told again: fine, the QR is long over by then.
    const refusalOf = verdict === 'OK' ? null : attempt.nonce;
    const told = refusalOf === null ? undefined : streams.refusal(refusalOf, code);
    const entry = told ?? streams.append({ memberId, storeId, code, remaining, ledgerId, createdAt: attempt.at }, refusalOf);
    if (key !== null) q.recordKey.run(attempt.merchantId, key, attempt.nonce, entry.memberId, entry.storeId, entry.seq, attempt.at);
    return { kind: told ? 'repeated' : 'recorded', entry };
  }

  return {
    topUp(memberId, storeId, uses, at) {
      return writes.run(() => {
        const remaining = q.addUses.get(memberId, storeId, uses, at) as number;
        q.insertTopUp.run(memberId, storeId, uses, remaining, at);
        const view = q.card.get(memberId, storeId);
        if (!view) throw new Error('card vanished inside its own transaction');
        return cardView(view);
      });
    },
    async getCard(memberId, storeId) {
      const row = q.card.get(memberId, storeId);
      return row && cardView(row);
    },
    async listCards(memberId) {
      return q.cards.all(memberId).map(cardView);
    },
    async history(memberId, storeId, limit, before = Number.MAX_SAFE_INTEGER) {
      return q.history.all(memberId, storeId, before, limit).map(ledgerEntry);
    },
    recordScan(attempt, decide) {
      return writes.run(() => record(attempt, decide));
    },
    recordSale(attempt) {
      return writes.run(() => counter.sale(attempt));
    },
    recordReversal(attempt) {
      return writes.run(() => counter.reversal(attempt));
    },
  };
}

function codeOf(verdict: ScanVerdict): number {
  return RESULT_CODES[verdict].code;
}
