import type { CardView, LedgerEntry } from '@scanpush/shared';
import { and, count, desc, eq, gte, isNull, sql } from 'drizzle-orm';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';
import type { DeductionInput, DeductionOutcome, OutboxRow, Repository } from './repository.js';
import { cards, ledger, members, merchants, outbox, sessions, stores } from './schema.js';
import type { SqliteDb } from './sqlite.js';

/** Outbox rows examined per pruning step. */
const PRUNE_BATCH = 500;

export interface SqliteRepositoryOptions {
  /** Errors of background work (WAL checkpoints): logged, they never fail a request. */
  onBackgroundError?: (err: Error) => void;
}

/**
 * The SQLite repository.
 *
 * The hot paths (a scan, a socket's connect and replay, delivery marks) are hand-written SQL prepared
 * once on the same connection: drizzle's query building and row mapping cost about 150 µs a scan (see
 * BENCHMARKS.md). Everything else goes through drizzle; the schema and its migrations are drizzle's, and
 * the tests that exercise these paths keep the column names honest.
 *
 * Deductions, refusal notices and delivery marks share group commits: those that arrive in one
 * event-loop turn commit together, each in its own savepoint (see GroupCommit). The WAL is checkpointed
 * from a worker thread (see Checkpointer), not inside a scan's COMMIT.
 */
export function createSqliteRepository(db: SqliteDb, options: SqliteRepositoryOptions = {}): Repository {
  const client = db.$client;
  const writes = new GroupCommit(client);
  const onBackgroundError = options.onBackgroundError ?? ((err: Error) => process.emitWarning(err));
  const checkpointer = client.memory ? undefined : new Checkpointer(client, onBackgroundError);
  const outboxColumns =
    'member_id AS memberId, seq, store_id AS storeId, code, remaining, ledger_id AS ledgerId, created_at AS createdAt';
  const q = {
    merchant: client.prepare<[number], { id: number; storeId: number; keyHash: string; revokedAt: number | null }>(
      'SELECT id, store_id AS storeId, key_hash AS keyHash, revoked_at AS revokedAt FROM merchants WHERE id = ?',
    ),
    session: client.prepare<[string, number], { id: number; memberId: number }>(
      'SELECT id, member_id AS memberId FROM sessions WHERE token_hash = ? AND expires_at > ? AND revoked_at IS NULL',
    ),
    store: client.prepare<[number], { id: number; name: string }>('SELECT id, name FROM stores WHERE id = ?'),
    ledgerByIdem: client.prepare<[number, string], { id: number; qrNonce: string | null }>(
      'SELECT id, qr_nonce AS qrNonce FROM ledger WHERE merchant_id = ? AND idempotency_key = ?',
    ),
    nonceUsed: client.prepare<[string], number>('SELECT 1 FROM ledger WHERE qr_nonce = ?').pluck(),
    outboxByLedger: client.prepare<[number], OutboxRow>(`SELECT ${outboxColumns} FROM outbox WHERE ledger_id = ?`),
    takeUse: client
      .prepare<[number, number, number], number>(
        'UPDATE cards SET remaining = remaining - 1, updated_at = ? WHERE member_id = ? AND store_id = ? AND remaining > 0 RETURNING remaining',
      )
      .pluck(),
    cardExists: client.prepare<[number, number], number>('SELECT 1 FROM cards WHERE member_id = ? AND store_id = ?').pluck(),
    insertDeduction: client.prepare<[number, number, number, number, string, string | null, number]>(
      `INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, qr_nonce, idempotency_key, created_at)
       VALUES (?, ?, 'deduct', -1, ?, ?, ?, ?, ?)`,
    ),
    nextSeq: client.prepare<[number], number>('UPDATE members SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq').pluck(),
    insertOutbox: client.prepare<[number, number, number, number, number | null, number | null, number]>(
      'INSERT INTO outbox (member_id, seq, store_id, code, remaining, ledger_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    outboxAfter: client.prepare<[number, number, number], OutboxRow>(
      `SELECT ${outboxColumns} FROM outbox WHERE member_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    outboxAfterAtStore: client.prepare<[number, number, number, number], OutboxRow>(
      `SELECT ${outboxColumns} FROM outbox WHERE member_id = ? AND store_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    undelivered: client.prepare<[number, number, number, number], OutboxRow>(
      `SELECT ${outboxColumns} FROM outbox
       WHERE member_id = ? AND store_id = ? AND delivered_at IS NULL AND created_at >= ? ORDER BY seq DESC LIMIT ?`,
    ),
    markDelivered: client.prepare<[number, number, number]>(
      'UPDATE outbox SET delivered_at = ? WHERE member_id = ? AND seq = ? AND delivered_at IS NULL',
    ),
    lastSeq: client.prepare<[number], number>('SELECT last_seq FROM members WHERE id = ?').pluck(),
    pruneBatch: client.prepare<[number]>(
      `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ${PRUNE_BATCH}) AND created_at < ?`,
    ),
    firstSeq: client.prepare<[number], number | null>('SELECT min(seq) FROM outbox WHERE member_id = ?').pluck(),
  };

  /** Appends the member's next result; inside a write. */
  function insertOutbox(row: Omit<OutboxRow, 'seq'>): OutboxRow {
    const seq = q.nextSeq.get(row.memberId);
    if (seq === undefined) throw new Error(`member ${row.memberId} does not exist`);
    q.insertOutbox.run(row.memberId, seq, row.storeId, row.code, row.remaining, row.ledgerId, row.createdAt);
    return { ...row, seq };
  }

  function cardView(memberId: number, storeId: number): CardView | undefined {
    return db
      .select({ memberId: cards.memberId, storeId: cards.storeId, storeName: stores.name, remaining: cards.remaining })
      .from(cards)
      .innerJoin(stores, eq(stores.id, cards.storeId))
      .where(and(eq(cards.memberId, memberId), eq(cards.storeId, storeId)))
      .get();
  }

  /** The deduction's reads and writes; run inside a write of the group commit. */
  function deduct(input: DeductionInput): DeductionOutcome {
    if (input.idempotencyKey !== null) {
      const prior = q.ledgerByIdem.get(input.merchantId, input.idempotencyKey);
      if (prior) {
        if (prior.qrNonce !== input.nonce) return { kind: 'idempotency-mismatch' };
        const row = q.outboxByLedger.get(prior.id);
        if (!row) throw new Error(`ledger row ${prior.id} has no outbox row`);
        return { kind: 'replayed', row };
      }
    }
    if (q.nonceUsed.get(input.nonce)) return { kind: 'nonce-used' };
    const remaining = q.takeUse.get(input.at, input.memberId, input.storeId);
    if (remaining === undefined) {
      return q.cardExists.get(input.memberId, input.storeId) ? { kind: 'no-uses-left' } : { kind: 'no-card' };
    }
    const entry = q.insertDeduction.run(
      input.memberId,
      input.storeId,
      remaining,
      input.merchantId,
      input.nonce,
      input.idempotencyKey,
      input.at,
    );
    const row = insertOutbox({
      memberId: input.memberId,
      storeId: input.storeId,
      code: 0,
      remaining,
      ledgerId: Number(entry.lastInsertRowid),
      createdAt: input.at,
    });
    return { kind: 'deducted', row };
  }

  return {
    async createStore(name, at, id) {
      return db.insert(stores).values({ id, name, createdAt: at }).returning({ id: stores.id, name: stores.name }).get();
    },
    async getStore(id) {
      return q.store.get(id);
    },
    async createMember(input, at) {
      return db
        .insert(members)
        .values({ id: input.id, name: input.name ?? null, openid: input.openid ?? null, createdAt: at })
        .returning({ id: members.id, name: members.name })
        .get();
    },
    async getMember(id) {
      return db.select({ id: members.id, name: members.name }).from(members).where(eq(members.id, id)).get();
    },
    async findMemberByOpenid(openid) {
      return db.select({ id: members.id }).from(members).where(eq(members.openid, openid)).get();
    },
    async topUp(memberId, storeId, uses, at) {
      return db.transaction(
        () => {
          const updated = db
            .insert(cards)
            .values({ memberId, storeId, remaining: uses, updatedAt: at })
            .onConflictDoUpdate({
              target: [cards.memberId, cards.storeId],
              set: { remaining: sql`${cards.remaining} + ${uses}`, updatedAt: at },
            })
            .returning({ remaining: cards.remaining })
            .get();
          db.insert(ledger)
            .values({ memberId, storeId, kind: 'topup', delta: uses, balanceAfter: updated.remaining, createdAt: at })
            .run();
          const view = cardView(memberId, storeId);
          if (!view) throw new Error('card vanished inside its own transaction');
          return view;
        },
        { behavior: 'immediate' },
      );
    },
    async getCard(memberId, storeId) {
      return cardView(memberId, storeId);
    },
    async listCards(memberId) {
      return db
        .select({ memberId: cards.memberId, storeId: cards.storeId, storeName: stores.name, remaining: cards.remaining })
        .from(cards)
        .innerJoin(stores, eq(stores.id, cards.storeId))
        .where(eq(cards.memberId, memberId))
        .orderBy(cards.storeId)
        .all();
    },
    async history(memberId, storeId, limit) {
      const rows = db
        .select()
        .from(ledger)
        .where(and(eq(ledger.memberId, memberId), eq(ledger.storeId, storeId)))
        .orderBy(desc(ledger.id))
        .limit(limit)
        .all();
      return rows.map(
        (r): LedgerEntry => ({
          id: r.id,
          storeId: r.storeId,
          kind: r.kind,
          delta: r.delta,
          balanceAfter: r.balanceAfter,
          at: new Date(r.createdAt).toISOString(),
        }),
      );
    },
    async createSession(memberId, tokenHash, at, expiresAt) {
      db.insert(sessions).values({ memberId, tokenHash, createdAt: at, expiresAt }).run();
    },
    async findSession(tokenHash, now) {
      return q.session.get(tokenHash, now);
    },
    async revokeSession(tokenHash, at) {
      const r = db
        .update(sessions)
        .set({ revokedAt: at })
        .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt)))
        .run();
      return r.changes > 0;
    },
    async revokeMemberSessions(memberId, at) {
      const r = db
        .update(sessions)
        .set({ revokedAt: at })
        .where(and(eq(sessions.memberId, memberId), isNull(sessions.revokedAt)))
        .run();
      return r.changes;
    },
    async createMerchant(storeId, name, keyHash, at) {
      return db.insert(merchants).values({ storeId, name, keyHash, createdAt: at }).returning({ id: merchants.id }).get();
    },
    async getMerchant(id) {
      const m = q.merchant.get(id);
      return m && { id: m.id, storeId: m.storeId, keyHash: m.keyHash, revoked: m.revokedAt !== null };
    },
    async revokeMerchant(id, at) {
      db.update(merchants).set({ revokedAt: at }).where(and(eq(merchants.id, id), isNull(merchants.revokedAt))).run();
      return q.merchant.get(id) !== undefined;
    },
    commitDeduction(input) {
      return writes.run(() => deduct(input));
    },
    appendNotice(input) {
      return writes.run(() =>
        insertOutbox({
          memberId: input.memberId,
          storeId: input.storeId,
          code: input.code,
          remaining: input.remaining,
          ledgerId: null,
          createdAt: input.at,
        }),
      );
    },
    async outboxAfter(memberId, afterSeq, limit, storeId) {
      return storeId === undefined
        ? q.outboxAfter.all(memberId, afterSeq, limit)
        : q.outboxAfterAtStore.all(memberId, storeId, afterSeq, limit);
    },
    async undelivered(memberId, storeId, since, limit) {
      return q.undelivered.all(memberId, storeId, since, limit).reverse();
    },
    async markDelivered(rows, at) {
      if (rows.length === 0) return;
      await writes.run(() => {
        for (const row of rows) q.markDelivered.run(at, row.memberId, row.seq);
      });
    },
    async countUndelivered(since) {
      const row = db
        .select({ n: count() })
        .from(outbox)
        .where(and(isNull(outbox.deliveredAt), gte(outbox.createdAt, since)))
        .get();
      return row?.n ?? 0;
    },
    async lastSeq(memberId) {
      return q.lastSeq.get(memberId) ?? 0;
    },
    async firstSeq(memberId) {
      return q.firstSeq.get(memberId) ?? undefined;
    },
    async pruneOutbox(before) {
      // Oldest first, a bounded batch at a time, yielding between batches: one DELETE by created_at
      // (which has no index) read the whole outbox in a single stall of the event loop. Rows are
      // appended in time order, so a batch that finds a row too young to prune is the last one.
      let pruned = 0;
      for (;;) {
        const n = q.pruneBatch.run(before).changes;
        pruned += n;
        if (n < PRUNE_BATCH) return pruned;
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    async ping() {
      client.prepare('SELECT 1').get();
    },
    async close() {
      writes.flush();
      await checkpointer?.stop();
      client.close();
    },
  };
}
