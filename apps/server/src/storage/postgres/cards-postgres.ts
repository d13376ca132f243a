import { RESULT_CODES } from '@scanpush/shared';
import type pg from 'pg';
import { isCardExpired } from '../../core/counter-rules.js';
import type { ScanDecision } from '../../core/scan-decision.js';
import { LEDGER_COLUMNS, cardView, ledgerEntry, type CardRow, type LedgerRow } from '../card-rows.js';
import { createPostgresCounter } from './counter-postgres.js';
import type { CardStore, ScanAttempt, ScanRecord } from '../cards.js';
import { query, transaction } from './pool.js';
import { ENTRY_COLUMNS, type EntryRow } from './streams-postgres.js';

const CARD_COLUMNS = 'c.member_id AS "memberId", c.store_id AS "storeId", s.name AS "storeName", c.remaining, c.expires_at AS "expiresAt"';

// A scan's facts, in one statement: the card's row locked until the scan commits (so scans of one card,
// from any node, take turns), whether the nonce was used, and the answer already given to this
// idempotency key, if any (a NULL key matches no row).
//
// `stale`: under READ COMMITTED a statement reads the snapshot taken when it started, but a row it locks
// is read as it is once the lock is granted. A scan that waited for another scan of the card would see
// the card's new uses and the OLD ledger (the nonce that scan used looking unused). The row's version
// (xmin) as locked against the one in the snapshot tells it; the scan then reads the facts again, with
// the lock held and a new snapshot. Only scans that raced on one card pay for it.
const FACTS = `
  WITH card AS (SELECT remaining, expires_at, xmin::text AS version FROM cards WHERE member_id = $1 AND store_id = $2 FOR UPDATE)
  SELECT (SELECT remaining FROM card) AS remaining, (SELECT expires_at FROM card) AS "expiresAt",
         (SELECT version FROM card) IS DISTINCT FROM (SELECT xmin::text FROM cards WHERE member_id = $1 AND store_id = $2) AS stale,
         EXISTS (SELECT 1 FROM ledger WHERE qr_nonce = $3) AS "nonceUsed",
         i.qr_nonce AS "priorNonce", i.member_id AS "priorMember", i.store_id AS "priorStore", i.seq AS "priorSeq"
  FROM (SELECT 1) one LEFT JOIN idempotency i ON i.merchant_id = $4 AND i.key = $5`;

// The stream's next seq: the upsert locks the head row until commit, so seqs are issued in turn and a
// rolled-back scan gives its seq back. Shared by both writes below.
const NEXT_SEQ = `
  head AS (INSERT INTO streams (member_id, store_id, last_seq) VALUES ($1, $2, 1)
           ON CONFLICT (member_id, store_id) DO UPDATE SET last_seq = streams.last_seq + 1 RETURNING last_seq)`;

// $1 member, $2 store, $3 merchant, $4 nonce, $5 key (nullable), $6 at, $7 code, $8 remaining (refusals)
// The key's record names the entry that answered (`from`: the one written, or an earlier notice).
const keyRecord = (from: string) => `
  keyed AS (INSERT INTO idempotency (merchant_id, key, qr_nonce, member_id, store_id, seq, created_at)
          SELECT $3, $5::text, $4, "memberId", "storeId", seq, $6 FROM ${from} WHERE $5::text IS NOT NULL)`;

/** A deduction: the use taken, its ledger row, the stream entry and the key's record, in one statement. */
const DEDUCT = `
  WITH taken AS (UPDATE cards SET remaining = remaining - 1, updated_at = $6
                 WHERE member_id = $1 AND store_id = $2 AND remaining > 0 RETURNING remaining),
  deduction AS (INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, qr_nonce, created_at)
          SELECT $1, $2, 'deduct', -1, remaining, $3, $4, $6 FROM taken RETURNING id, balance_after),
  ${NEXT_SEQ},
  entry AS (INSERT INTO outbox (member_id, store_id, seq, code, remaining, ledger_id, created_at)
            SELECT $1, $2, head.last_seq, $7, deduction.balance_after, deduction.id, $6 FROM head, deduction
            RETURNING ${ENTRY_COLUMNS}),
  ${keyRecord('entry')}
  SELECT * FROM entry`;

/**
 * A refusal: the stream entry, unless the member was told this refusal of this QR already (`told`, then
 * no seq is taken and nothing is written but the key's record, which names the earlier notice); answers
 * the one entry with `repeated`. Two scans refusing one QR at once both find nothing told: the second's
 * insert waits on the first's and fails on outbox_refusal_uq once it commits, and its transaction, run
 * again (pool.ts), finds the notice. No card row serialises them when there is no card (CARD_NOT_FOUND):
 * the index does. Retention prunes notices like any entry: after REPLAY_RETENTION_HOURS the same refusal
 * of a QR is told again, which is fine (the QR is long over; the member hears it once per retention).
 */
const REFUSE = `
  WITH told AS (SELECT ${ENTRY_COLUMNS} FROM outbox WHERE qr_nonce = $4 AND code = $7),
  head AS (INSERT INTO streams (member_id, store_id, last_seq) SELECT $1, $2, 1 WHERE NOT EXISTS (SELECT 1 FROM told)
           ON CONFLICT (member_id, store_id) DO UPDATE SET last_seq = streams.last_seq + 1 RETURNING last_seq),
  entry AS (INSERT INTO outbox (member_id, store_id, seq, code, remaining, ledger_id, created_at, qr_nonce)
            SELECT $1, $2, head.last_seq, $7, $8::int, NULL, $6, $4 FROM head
            RETURNING ${ENTRY_COLUMNS}),
  answer AS (SELECT *, false AS repeated FROM entry UNION ALL SELECT *, true AS repeated FROM told),
  ${keyRecord('answer')}
  SELECT * FROM answer`;

/** The scan's statements, for the driver measurement (apps/bench/src/pg-drivers.ts) to run the real ones. */
export const SCAN_STATEMENTS = { facts: FACTS, deduct: DEDUCT } as const;

interface Facts {
  remaining: number | null;
  expiresAt: number | null;
  stale: boolean;
  nonceUsed: boolean;
  priorNonce: string | null;
  priorMember: number | null;
  priorStore: number | null;
  priorSeq: number | null;
}

/**
 * The PostgreSQL cards, ledger and scans. A scan is one transaction of two prepared statements (facts,
 * write; the facts twice when the scan waited for another scan of its card) between BEGIN and COMMIT;
 * the decision between them is core/scan-decision.ts, in this process. The contract's
 * guarantees rest on the schema and the row locks, whatever the number of nodes: the card row is locked
 * before anything is judged; `remaining >= 0` is a CHECK and the UPDATE takes a use only if one is left;
 * the unique nonce, the unique (qr_nonce, code) of refusals, the unique (merchant, key) and the unique
 * (member, store, seq) reject a second write, and the transaction that loses such a race is run again
 * (pool.ts `transaction`), where it sees the winner's rows: QR_USED, the winner's notice repeated, or the
 * winner's answer replayed. Locks are always taken card first, then the stream's head, so two scans never
 * wait on each other in a cycle.
 */
export function createPostgresCards(pool: pg.Pool, epoch: string): CardStore {
  const card = async (client: pg.Pool | pg.PoolClient, memberId: number, storeId: number) =>
    (
      await client.query<CardRow>(
        `SELECT ${CARD_COLUMNS} FROM cards c JOIN stores s ON s.id = c.store_id WHERE c.member_id = $1 AND c.store_id = $2`,
        [memberId, storeId],
      )
    ).rows[0];

  async function record(client: pg.PoolClient, attempt: ScanAttempt, decide: ScanDecision): Promise<ScanRecord> {
    const { memberId, storeId, nonce, idempotencyKey: key } = attempt;
    const read = async () =>
      (await client.query<Facts>({ name: 'scan-facts', text: FACTS, values: [memberId, storeId, nonce, attempt.merchantId, key] })).rows[0]!;
    let facts = await read();
    // The card changed between this statement's snapshot and its lock: read again, now that no other scan
    // of the card can commit before this one (see FACTS). Only scans that raced on one card pay for it.
    if (facts.stale) facts = await read();
    if (facts.priorNonce !== null) {
      if (facts.priorNonce !== nonce) return { kind: 'idempotency-mismatch' };
      const row = (
        await client.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM outbox WHERE member_id = $1 AND store_id = $2 AND seq = $3`, [
          facts.priorMember,
          facts.priorStore,
          facts.priorSeq,
        ])
      ).rows[0];
      if (row) return { kind: 'replayed', entry: { ...row, epoch } };
      // The record of a repeated refusal points at an older notice, which retention may prune first: the
      // key is forgotten, as a pruned one is (see cards-sqlite.ts). A seq beyond the head is a broken database.
      const head = (
        await client.query<{ lastSeq: number }>('SELECT last_seq AS "lastSeq" FROM streams WHERE member_id = $1 AND store_id = $2', [
          facts.priorMember,
          facts.priorStore,
        ])
      ).rows[0];
      if (facts.priorSeq! > (head?.lastSeq ?? 0)) {
        throw new Error(`idempotency record of merchant ${attempt.merchantId} names a missing stream entry`);
      }
      await client.query('DELETE FROM idempotency WHERE merchant_id = $1 AND key = $2', [attempt.merchantId, key]);
    }
    const verdict = decide({
      expired: attempt.expired,
      wrongStore: storeId !== attempt.merchantStoreId,
      nonceUsed: facts.nonceUsed,
      remaining: facts.remaining,
      cardExpired: isCardExpired(facts.expiresAt, attempt.at),
    });
    const code = RESULT_CODES[verdict].code;
    const params = [memberId, storeId, attempt.merchantId, nonce, key, attempt.at, code];
    if (verdict === 'OK') {
      const row = (await client.query<EntryRow>({ name: 'scan-deduct', text: DEDUCT, values: params })).rows[0];
      if (!row) throw new Error(`decideScan answered OK for card (${memberId}, ${storeId}) with no use left`);
      return { kind: 'recorded', entry: { ...row, epoch } };
    }
    const values = [...params, verdict === 'NO_USES_LEFT' ? facts.remaining : null];
    const answer = (await client.query<EntryRow & { repeated: boolean }>({ name: 'scan-refuse', text: REFUSE, values })).rows[0]!;
    const { repeated, ...row } = answer;
    return { kind: repeated ? 'repeated' : 'recorded', entry: { ...row, epoch } };
  }

  return {
    topUp(memberId, storeId, uses, at) {
      return transaction(pool, async (client) => {
        const { remaining } = (
          await client.query<{ remaining: number }>(
            `INSERT INTO cards (member_id, store_id, remaining, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (member_id, store_id) DO UPDATE SET remaining = cards.remaining + excluded.remaining, updated_at = excluded.updated_at
             RETURNING remaining`,
            [memberId, storeId, uses, at],
          )
        ).rows[0]!;
        await client.query(`INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, created_at) VALUES ($1, $2, 'topup', $3, $4, $5)`, [
          memberId,
          storeId,
          uses,
          remaining,
          at,
        ]);
        const view = await card(client, memberId, storeId);
        if (!view) throw new Error('card vanished inside its own transaction');
        return cardView(view);
      });
    },
    async getCard(memberId, storeId) {
      const row = (
        await query<CardRow>(pool, `SELECT ${CARD_COLUMNS} FROM cards c JOIN stores s ON s.id = c.store_id WHERE c.member_id = $1 AND c.store_id = $2`, [
          memberId,
          storeId,
        ])
      )[0];
      return row && cardView(row);
    },
    async listCards(memberId) {
      const rows = await query<CardRow>(pool, `SELECT ${CARD_COLUMNS} FROM cards c JOIN stores s ON s.id = c.store_id WHERE c.member_id = $1 ORDER BY c.store_id`, [
        memberId,
      ]);
      return rows.map(cardView);
    },
    async history(memberId, storeId, limit, before = Number.MAX_SAFE_INTEGER) {
      const rows = await query<LedgerRow>(
        pool,
        `SELECT ${LEDGER_COLUMNS}
         FROM ledger WHERE member_id = $1 AND store_id = $2 AND id < $4 ORDER BY id DESC LIMIT $3`,
        [memberId, storeId, limit, before],
      );
      return rows.map(ledgerEntry);
    },
    recordScan(attempt, decide) {
      return transaction(pool, (client) => record(client, attempt, decide));
    },
    ...createPostgresCounter(pool, epoch),
  };
}
