import type { CardView, LedgerEntry } from '@scanpush/shared';
import { and, count, desc, eq, gt, gte, isNull, lt, min, sql } from 'drizzle-orm';
import type { DeductionInput, DeductionOutcome, OutboxRow, Repository } from './repository.js';
import { cards, ledger, members, merchants, outbox, sessions, stores } from './schema.js';
import type { SqliteDb } from './sqlite.js';

const p = sql.placeholder;

const OUTBOX_COLUMNS = {
  memberId: outbox.memberId,
  seq: outbox.seq,
  storeId: outbox.storeId,
  code: outbox.code,
  remaining: outbox.remaining,
  ledgerId: outbox.ledgerId,
  createdAt: outbox.createdAt,
};

/** The SQLite repository. Statements on the scan path are prepared once. */
export function createSqliteRepository(db: SqliteDb): Repository {
  const q = {
    ledgerByIdem: db
      .select({ id: ledger.id, qrNonce: ledger.qrNonce })
      .from(ledger)
      .where(and(eq(ledger.merchantId, p('merchantId')), eq(ledger.idempotencyKey, p('key'))))
      .prepare(),
    ledgerByNonce: db.select({ id: ledger.id }).from(ledger).where(eq(ledger.qrNonce, p('nonce'))).prepare(),
    outboxByLedger: db.select(OUTBOX_COLUMNS).from(outbox).where(eq(outbox.ledgerId, p('ledgerId'))).prepare(),
    takeUse: db
      .update(cards)
      .set({ remaining: sql`${cards.remaining} - 1`, updatedAt: sql`${p('at')}` })
      .where(and(eq(cards.memberId, p('memberId')), eq(cards.storeId, p('storeId')), gt(cards.remaining, 0)))
      .returning({ remaining: cards.remaining })
      .prepare(),
    cardExists: db
      .select({ remaining: cards.remaining })
      .from(cards)
      .where(and(eq(cards.memberId, p('memberId')), eq(cards.storeId, p('storeId'))))
      .prepare(),
    nextSeq: db
      .update(members)
      .set({ lastSeq: sql`${members.lastSeq} + 1` })
      .where(eq(members.id, p('memberId')))
      .returning({ seq: members.lastSeq })
      .prepare(),
    session: db
      .select({ id: sessions.id, memberId: sessions.memberId })
      .from(sessions)
      .where(and(eq(sessions.tokenHash, p('hash')), gt(sessions.expiresAt, p('now')), isNull(sessions.revokedAt)))
      .prepare(),
    merchant: db.select().from(merchants).where(eq(merchants.id, p('id'))).prepare(),
    markDelivered: db
      .update(outbox)
      .set({ deliveredAt: sql`${p('at')}` })
      .where(and(eq(outbox.memberId, p('memberId')), eq(outbox.seq, p('seq')), isNull(outbox.deliveredAt)))
      .prepare(),
  };

  function insertOutbox(row: Omit<OutboxRow, 'seq'>): OutboxRow {
    const next = q.nextSeq.get({ memberId: row.memberId });
    if (!next) throw new Error(`member ${row.memberId} does not exist`);
    const full = { ...row, seq: next.seq };
    db.insert(outbox).values(full).run();
    return full;
  }

  function cardView(memberId: number, storeId: number): CardView | undefined {
    return db
      .select({ memberId: cards.memberId, storeId: cards.storeId, storeName: stores.name, remaining: cards.remaining })
      .from(cards)
      .innerJoin(stores, eq(stores.id, cards.storeId))
      .where(and(eq(cards.memberId, memberId), eq(cards.storeId, storeId)))
      .get();
  }

  const deduct = (input: DeductionInput): DeductionOutcome =>
    db.transaction(
      () => {
        if (input.idempotencyKey !== null) {
          const prior = q.ledgerByIdem.get({ merchantId: input.merchantId, key: input.idempotencyKey });
          if (prior) {
            if (prior.qrNonce !== input.nonce) return { kind: 'idempotency-mismatch' };
            const row = q.outboxByLedger.get({ ledgerId: prior.id });
            if (!row) throw new Error(`ledger row ${prior.id} has no outbox row`);
            return { kind: 'replayed', row };
          }
        }
        if (q.ledgerByNonce.get({ nonce: input.nonce })) return { kind: 'nonce-used' };
        const taken = q.takeUse.get({ memberId: input.memberId, storeId: input.storeId, at: input.at });
        if (!taken) {
          const card = q.cardExists.get({ memberId: input.memberId, storeId: input.storeId });
          return card ? { kind: 'no-uses-left' } : { kind: 'no-card' };
        }
        const entry = db
          .insert(ledger)
          .values({
            memberId: input.memberId,
            storeId: input.storeId,
            kind: 'deduct',
            delta: -1,
            balanceAfter: taken.remaining,
            merchantId: input.merchantId,
            qrNonce: input.nonce,
            idempotencyKey: input.idempotencyKey,
            createdAt: input.at,
          })
          .returning({ id: ledger.id })
          .get();
        const row = insertOutbox({
          memberId: input.memberId,
          storeId: input.storeId,
          code: 0,
          remaining: taken.remaining,
          ledgerId: entry.id,
          createdAt: input.at,
        });
        return { kind: 'deducted', row };
      },
      { behavior: 'immediate' },
    );

  return {
    async createStore(name, at, id) {
      return db.insert(stores).values({ id, name, createdAt: at }).returning({ id: stores.id, name: stores.name }).get();
    },
    async getStore(id) {
      return db.select({ id: stores.id, name: stores.name }).from(stores).where(eq(stores.id, id)).get();
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
      return q.session.get({ hash: tokenHash, now });
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
      const m = q.merchant.get({ id });
      return m && { id: m.id, storeId: m.storeId, keyHash: m.keyHash, revoked: m.revokedAt !== null };
    },
    async commitDeduction(input) {
      return deduct(input);
    },
    async appendNotice(input) {
      return db.transaction(
        () =>
          insertOutbox({
            memberId: input.memberId,
            storeId: input.storeId,
            code: input.code,
            remaining: input.remaining,
            ledgerId: null,
            createdAt: input.at,
          }),
        { behavior: 'immediate' },
      );
    },
    async outboxAfter(memberId, afterSeq, limit, storeId) {
      const where =
        storeId === undefined
          ? and(eq(outbox.memberId, memberId), gt(outbox.seq, afterSeq))
          : and(eq(outbox.memberId, memberId), eq(outbox.storeId, storeId), gt(outbox.seq, afterSeq));
      return db.select(OUTBOX_COLUMNS).from(outbox).where(where).orderBy(outbox.seq).limit(limit).all();
    },
    async undelivered(memberId, storeId, since, limit) {
      const rows = db
        .select(OUTBOX_COLUMNS)
        .from(outbox)
        .where(
          and(eq(outbox.memberId, memberId), eq(outbox.storeId, storeId), isNull(outbox.deliveredAt), gte(outbox.createdAt, since)),
        )
        .orderBy(desc(outbox.seq))
        .limit(limit)
        .all();
      return rows.reverse();
    },
    async markDelivered(rows, at) {
      if (rows.length === 0) return;
      db.transaction(() => {
        for (const row of rows) q.markDelivered.run({ memberId: row.memberId, seq: row.seq, at });
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
      return db.select({ seq: members.lastSeq }).from(members).where(eq(members.id, memberId)).get()?.seq ?? 0;
    },
    async firstSeq(memberId) {
      return db.select({ seq: min(outbox.seq) }).from(outbox).where(eq(outbox.memberId, memberId)).get()?.seq ?? undefined;
    },
    async pruneOutbox(before) {
      return db.delete(outbox).where(lt(outbox.createdAt, before)).run().changes;
    },
    async ping() {
      db.$client.prepare('SELECT 1').get();
    },
    async close() {
      db.$client.close();
    },
  };
}
