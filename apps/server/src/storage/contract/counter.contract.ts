import { RESULT_CODES } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import type { ReversalAttempt, SaleAttempt } from '../counter.js';
import type { Storage } from '../storage.js';
import { T0, makeWorld, scanOf, useFreshStorage, type OpenStorage, type World } from './harness.js';

const DAY = 86_400_000;
const WINDOW = 600_000;

/** A sale of `productId` to the world's member at its first store, by its merchant, with a fresh QR. */
function saleOf(w: World, productId: number, over: Partial<SaleAttempt> = {}): SaleAttempt {
  const { memberId, storeId, nonce, expired, merchantId, merchantStoreId, idempotencyKey, at } = scanOf(w);
  return { memberId, storeId, nonce, expired, merchantId, merchantStoreId, idempotencyKey, at, productId, ...over };
}

function reversalOf(w: World, ledgerId: number, over: Partial<ReversalAttempt> = {}): ReversalAttempt {
  return { ledgerId, reason: '误扣', storeId: w.storeId, merchantId: w.merchant.id, idempotencyKey: null, at: T0 + 2000, windowMs: WINDOW, ...over };
}

/** remaining = Σ top-ups − deductions + reversals, from the ledger alone, and the audit clean. */
async function expectLedgerBalances(storage: Storage, w: World): Promise<void> {
  const ledger = await storage.cards.history(w.memberId, w.storeId, 10_000);
  const sum = ledger.reduce((total, e) => total + (e.kind === 'deduct' ? -1 : e.kind === 'reversal' ? 1 : e.delta), 0);
  expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining ?? 0).toBe(sum);
  expect((await storage.audit()).problems).toEqual([]);
}

async function deductOnce(storage: Storage, w: World, at = T0 + 1000, merchantId = w.merchant.id): Promise<number> {
  const record = await storage.cards.recordScan(scanOf(w, { at, merchantId }), decideScan);
  if (record.kind !== 'recorded' || record.entry.ledgerId === null) throw new Error(`expected a deduction, got ${JSON.stringify(record)}`);
  return record.entry.ledgerId;
}

export function counterContract(open: OpenStorage): void {
  describe('products', () => {
    const db = useFreshStorage(open);

    it('creates, lists and archives a store’s products, and refuses what is out of range', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, null);
      const p = await storage.products.create(w.storeId, { name: '10次洗车卡', uses: 10, priceFen: 29_900, validDays: 365 }, T0);
      expect(p).toEqual({ id: p.id, storeId: w.storeId, name: '10次洗车卡', uses: 10, priceFen: 29_900, validDays: 365, active: true, createdAt: new Date(T0).toISOString() });
      const q = await storage.products.create(w.storeId, { name: '不限期', uses: 1, priceFen: 0, validDays: null }, T0);
      expect((await storage.products.list(w.storeId, false)).map((x) => x.id)).toEqual([p.id, q.id]);
      expect(await storage.products.archive(w.otherStoreId, p.id)).toBeUndefined();
      expect(await storage.products.archive(w.storeId, p.id)).toMatchObject({ id: p.id, active: false });
      expect((await storage.products.list(w.storeId, false)).map((x) => x.id)).toEqual([q.id]);
      expect((await storage.products.list(w.storeId, true)).map((x) => x.id)).toEqual([p.id, q.id]);
      expect(await storage.products.list(w.otherStoreId, true)).toEqual([]);
      for (const bad of [{ uses: 0 }, { uses: 1001 }, { priceFen: -1 }, { priceFen: 10_000_001 }, { validDays: 0 }, { validDays: 3651 }]) {
        await expect(storage.products.create(w.storeId, { name: 'x', uses: 1, priceFen: 1, validDays: 1, ...bad }, T0)).rejects.toThrow();
      }
      expect(await storage.products.list(w.storeId, true)).toHaveLength(2);
    });
  });

  describe('cards.recordSale', () => {
    const db = useFreshStorage(open);

    it('creates the card with the product’s uses and expiry, tells the member, and a top-up extends it', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, null);
      const p = await storage.products.create(w.storeId, { name: '10次卡', uses: 10, priceFen: 9_900, validDays: 30 }, T0);
      const short = await storage.products.create(w.storeId, { name: '5次卡', uses: 5, priceFen: 5_000, validDays: 7 }, T0);
      const first = await storage.cards.recordSale(saleOf(w, p.id));
      expect(first).toMatchObject({ kind: 'recorded', entry: { memberId: w.memberId, storeId: w.storeId, seq: 1, code: RESULT_CODES.TOPPED_UP.code, remaining: 10 } });
      expect(await storage.cards.getCard(w.memberId, w.storeId)).toMatchObject({ remaining: 10, expiresAt: new Date(T0 + 1000 + 30 * DAY).toISOString() });
      // A shorter product never shortens the card.
      await storage.cards.recordSale(saleOf(w, short.id, { at: T0 + 2000 }));
      expect(await storage.cards.getCard(w.memberId, w.storeId)).toMatchObject({ remaining: 15, expiresAt: new Date(T0 + 1000 + 30 * DAY).toISOString() });
      const [sale] = await storage.cards.history(w.memberId, w.storeId, 1);
      expect(sale).toMatchObject({ kind: 'topup', delta: 5, balanceAfter: 15, productId: short.id, amountFen: 5_000 });
      if (first.kind === 'recorded') expect(first.entry.ledgerId).toBe((await storage.cards.history(w.memberId, w.storeId, 2))[1]!.id);
      await expectLedgerBalances(storage, w);
    });

    it('refuses an expired card’s deduction, and a sale revives it with what was left', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, null);
      const p = await storage.products.create(w.storeId, { name: '3次卡', uses: 3, priceFen: 100, validDays: 1 }, T0);
      await storage.cards.recordSale(saleOf(w, p.id, { at: T0 }));
      await deductOnce(storage, w, T0 + 1000);
      const late = await storage.cards.recordScan(scanOf(w, { at: T0 + DAY }), decideScan);
      expect(late).toMatchObject({ kind: 'recorded', entry: { code: RESULT_CODES.CARD_EXPIRED.code, remaining: null, ledgerId: null } });
      await storage.cards.recordSale(saleOf(w, p.id, { at: T0 + 2 * DAY }));
      expect(await storage.cards.getCard(w.memberId, w.storeId)).toMatchObject({ remaining: 5, expiresAt: new Date(T0 + 3 * DAY).toISOString() });
      expect((await storage.cards.recordScan(scanOf(w, { at: T0 + 2 * DAY + 1 }), decideScan)).kind).toBe('recorded');
      await expectLedgerBalances(storage, w);
    });

    it('refuses an unknown, another store’s or archived product and a bad QR, writing nothing', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 2);
      const p = await storage.products.create(w.storeId, { name: 'p', uses: 1, priceFen: 1, validDays: null }, T0);
      const theirs = await storage.products.create(w.otherStoreId, { name: 'q', uses: 1, priceFen: 1, validDays: null }, T0);
      const archived = await storage.products.create(w.storeId, { name: 'r', uses: 1, priceFen: 1, validDays: null }, T0);
      await storage.products.archive(w.storeId, archived.id);
      const refusals = [
        [saleOf(w, 999_999), 'PRODUCT_NOT_FOUND'],
        [saleOf(w, theirs.id), 'PRODUCT_NOT_FOUND'],
        [saleOf(w, archived.id), 'PRODUCT_ARCHIVED'],
        [saleOf(w, p.id, { expired: true }), 'QR_EXPIRED'],
        [saleOf(w, p.id, { storeId: w.otherStoreId }), 'QR_WRONG_STORE'],
      ] as const;
      for (const [attempt, reason] of refusals) {
        expect(await storage.cards.recordSale({ ...attempt, idempotencyKey: `k-${reason}` })).toEqual({ kind: 'refused', reason });
      }
      expect(await storage.cards.history(w.memberId, w.storeId, 10)).toHaveLength(1);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(0);
      expect(await storage.cards.getCard(w.memberId, w.storeId)).toMatchObject({ remaining: 2 });
      // A refusal records no key: the same key may then sell.
      expect((await storage.cards.recordSale(saleOf(w, p.id, { idempotencyKey: 'k-QR_EXPIRED' }))).kind).toBe('recorded');
    });

    it('answers a retried key with the first answer, even once the QR is over, and a key reused otherwise as a mismatch', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, null);
      const p = await storage.products.create(w.storeId, { name: 'p', uses: 4, priceFen: 1, validDays: null }, T0);
      const q = await storage.products.create(w.storeId, { name: 'q', uses: 4, priceFen: 1, validDays: null }, T0);
      const attempt = saleOf(w, p.id, { idempotencyKey: 'sale-1' });
      const first = await storage.cards.recordSale(attempt);
      const again = await storage.cards.recordSale({ ...attempt, expired: true, at: T0 + DAY });
      expect(first.kind).toBe('recorded');
      expect(again).toEqual({ kind: 'replayed', entry: first.kind === 'recorded' ? first.entry : undefined });
      expect(await storage.cards.recordSale({ ...attempt, productId: q.id })).toEqual({ kind: 'idempotency-mismatch' });
      // A scan with the key of a sale is another request too.
      expect(await storage.cards.recordScan(scanOf(w, { idempotencyKey: 'sale-1' }), decideScan)).toEqual({ kind: 'idempotency-mismatch' });
      expect(await storage.cards.getCard(w.memberId, w.storeId)).toMatchObject({ remaining: 4 });
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
    });
  });

  describe('cards.recordReversal', () => {
    const db = useFreshStorage(open);

    it('gives the use back once, with a ledger row and the member told; a second is ALREADY_REVERSED', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 3);
      const deduction = await deductOnce(storage, w);
      const record = await storage.cards.recordReversal(reversalOf(w, deduction));
      expect(record).toMatchObject({ kind: 'recorded', entry: { seq: 2, code: RESULT_CODES.REVERSED.code, remaining: 3 } });
      const [row] = await storage.cards.history(w.memberId, w.storeId, 1);
      expect(row).toMatchObject({ kind: 'reversal', delta: 1, balanceAfter: 3, reversesId: deduction, reason: '误扣' });
      expect(record.kind === 'recorded' && record.entry.ledgerId).toBe(row!.id);
      expect(await storage.cards.recordReversal(reversalOf(w, deduction))).toEqual({ kind: 'refused', reason: 'ALREADY_REVERSED' });
      await expectLedgerBalances(storage, w);
    });

    it('refuses another store’s deduction, a top-up, a reversal, an unknown row and one past the window, writing nothing', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 3);
      const deduction = await deductOnce(storage, w);
      const [topUp] = (await storage.cards.history(w.memberId, w.storeId, 10)).filter((e) => e.kind === 'topup');
      const other = reversalOf(w, deduction, { merchantId: w.otherMerchant.id, storeId: w.otherStoreId });
      expect(await storage.cards.recordReversal(other)).toEqual({ kind: 'refused', reason: 'NOT_REVERSIBLE' });
      expect(await storage.cards.recordReversal(reversalOf(w, topUp!.id))).toEqual({ kind: 'refused', reason: 'NOT_REVERSIBLE' });
      expect(await storage.cards.recordReversal(reversalOf(w, 999_999))).toEqual({ kind: 'refused', reason: 'NOT_REVERSIBLE' });
      expect(await storage.cards.recordReversal(reversalOf(w, deduction, { at: T0 + 1000 + WINDOW + 1 }))).toEqual({ kind: 'refused', reason: 'REVERSAL_WINDOW_PASSED' });
      expect(await storage.cards.history(w.memberId, w.storeId, 10)).toHaveLength(2);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
      const reversed = await storage.cards.recordReversal(reversalOf(w, deduction, { at: T0 + 1000 + WINDOW }));
      expect(reversed.kind).toBe('recorded');
      const reversalId = reversed.kind === 'recorded' ? reversed.entry.ledgerId! : 0;
      expect(await storage.cards.recordReversal(reversalOf(w, reversalId))).toEqual({ kind: 'refused', reason: 'NOT_REVERSIBLE' });
    });

    it('refuses another credential’s deduction with REVERSAL_NOT_ALLOWED, writing nothing; the owner reverses any', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 3);
      const colleague = await storage.accounts.createMerchant(w.storeId, 'counter A2', 'hash-a2', T0);
      const mine = await deductOnce(storage, w);
      const theirs = await deductOnce(storage, w, T0 + 1000, colleague.id);
      // Refused before ALREADY_REVERSED and the window: it is not theirs whatever its state.
      expect(await storage.cards.recordReversal(reversalOf(w, theirs, { idempotencyKey: 'k1' }))).toEqual({ kind: 'refused', reason: 'REVERSAL_NOT_ALLOWED' });
      expect(await storage.cards.recordReversal(reversalOf(w, theirs, { at: T0 + 1000 + WINDOW + 1 }))).toEqual({
        kind: 'refused',
        reason: 'REVERSAL_NOT_ALLOWED',
      });
      expect(await storage.cards.history(w.memberId, w.storeId, 10)).toHaveLength(3);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(2);
      expect(await storage.cards.getCard(w.memberId, w.storeId)).toMatchObject({ remaining: 1 });
      // The refused key was not recorded: it serves another request of the same merchant.
      expect((await storage.cards.recordReversal(reversalOf(w, mine, { idempotencyKey: 'k1' }))).kind).toBe('recorded');
      // The owner (no credential) reverses the colleague's deduction; the row names no merchant.
      const byOwner = await storage.cards.recordReversal(reversalOf(w, theirs, { merchantId: null }));
      expect(byOwner).toMatchObject({ kind: 'recorded', entry: { code: RESULT_CODES.REVERSED.code, remaining: 3 } });
      const reversals = (await storage.reports.entries(w.storeId, { start: T0, end: T0 + DAY }, 10)).filter((e) => e.kind === 'reversal');
      expect(reversals.map((e) => [e.reversesId, e.merchantId])).toEqual([
        [mine, w.merchant.id],
        [theirs, null],
      ]);
      expect(await storage.cards.recordReversal(reversalOf(w, theirs, { merchantId: null }))).toEqual({ kind: 'refused', reason: 'ALREADY_REVERSED' });
      // The owner's scope is still the store.
      const elsewhere = reversalOf(w, mine, { merchantId: null, storeId: w.otherStoreId });
      expect(await storage.cards.recordReversal(elsewhere)).toEqual({ kind: 'refused', reason: 'NOT_REVERSIBLE' });
      await expectLedgerBalances(storage, w);
    });

    it('replays a retried key and refuses the key for another row', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 3);
      const a = await deductOnce(storage, w);
      const b = await deductOnce(storage, w);
      const first = await storage.cards.recordReversal(reversalOf(w, a, { idempotencyKey: 'rev' }));
      // Replayed even after the window: the retry of a reversal that happened.
      const again = await storage.cards.recordReversal(reversalOf(w, a, { idempotencyKey: 'rev', at: T0 + DAY }));
      expect(again).toEqual({ kind: 'replayed', entry: first.kind === 'recorded' ? first.entry : undefined });
      expect(await storage.cards.recordReversal(reversalOf(w, b, { idempotencyKey: 'rev' }))).toEqual({ kind: 'idempotency-mismatch' });
      expect(await storage.cards.getCard(w.memberId, w.storeId)).toMatchObject({ remaining: 2 });
    });
  });

  describe('counter concurrency', () => {
    const db = useFreshStorage(open);

    it('of 10 reversals of one deduction at once, exactly one gives the use back', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 3);
      const deduction = await deductOnce(storage, w);
      const records = await Promise.all(Array.from({ length: 10 }, () => storage.cards.recordReversal(reversalOf(w, deduction))));
      expect(records.filter((r) => r.kind === 'recorded')).toHaveLength(1);
      expect(records.filter((r) => r.kind === 'refused' && r.reason === 'ALREADY_REVERSED')).toHaveLength(9);
      expect(await storage.cards.getCard(w.memberId, w.storeId)).toMatchObject({ remaining: 3 });
      await expectLedgerBalances(storage, w);
    });

    it('keeps every card’s balance equal to its ledger under 200 scans, sales and reversals at once', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const p = await storage.products.create(w.storeId, { name: 'p', uses: 2, priceFen: 1, validDays: 30 }, T0);
      const deductions = await Promise.all(Array.from({ length: 20 }, () => deductOnce(storage, w).catch(() => 0)));
      const made = deductions.filter((id) => id > 0);
      const ops: Array<() => Promise<unknown>> = [];
      for (let i = 0; i < 200; i++) {
        if (i % 3 === 0) ops.push(() => storage.cards.recordScan(scanOf(w), decideScan));
        else if (i % 3 === 1) ops.push(() => storage.cards.recordSale(saleOf(w, p.id)));
        else ops.push(() => storage.cards.recordReversal(reversalOf(w, made[i % made.length] ?? 0)));
      }
      const settled = await Promise.allSettled(ops.map((op) => op()));
      expect(settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
      await expectLedgerBalances(storage, w);
      const ledger = await storage.cards.history(w.memberId, w.storeId, 10_000);
      // Each deduction was reversed at most once, and each one made was reversed (the 66 reversals cover them).
      expect(ledger.filter((e) => e.kind === 'reversal')).toHaveLength(made.length);
    });
  });
}
