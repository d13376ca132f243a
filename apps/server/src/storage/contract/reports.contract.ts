import { describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import type { Storage } from '../storage.js';
import { T0, makeWorld, scanOf, useFreshStorage, type OpenStorage, type World } from './harness.js';

const H = 3_600_000;
// Three consecutive "days" of the test (the engines are given ranges; the zones are core's business).
// Day 1 is 23 hours, as a day of spring's clock change is: ranges need not be 24 hours.
const D1 = { start: T0, end: T0 + 23 * H };
const D2 = { start: D1.end, end: D1.end + 24 * H };
const D3 = { start: D2.end, end: D2.end + 24 * H };

async function deduct(storage: Storage, w: World, at: number, memberId = w.memberId): Promise<number> {
  const record = await storage.cards.recordScan(scanOf(w, { at, memberId }), decideScan);
  if (record.kind !== 'recorded' || record.entry.ledgerId === null) throw new Error(`expected a deduction, got ${JSON.stringify(record)}`);
  return record.entry.ledgerId;
}

export function reportsContract(open: OpenStorage): void {
  describe('reports', () => {
    const db = useFreshStorage(open);

    it('counts each day’s deductions, top-ups with uses and fen, reversals and active members, by created_at alone', async () => {
      const { storage } = db();
      // makeWorld tops the member up with 5 uses at T0 (an admin top-up: no product, no money).
      const w = await makeWorld(storage, 5);
      const second = await storage.accounts.createMember({ name: 'second' }, T0);
      await storage.cards.topUp(second.id, w.storeId, 3, T0 + 10);
      const p = await storage.products.create(w.storeId, { name: '10次卡', uses: 10, priceFen: 29_900, validDays: null }, T0);
      const q = await storage.products.create(w.storeId, { name: '3次卡', uses: 3, priceFen: 1_001, validDays: null }, T0);

      // Day 1: two deductions by the member, one by the second, a sale; one deduction reversed.
      const first = await deduct(storage, w, T0 + H);
      await deduct(storage, w, T0 + 2 * H);
      await deduct(storage, w, T0 + 3 * H, second.id);
      const sale = { ...scanOf(w, { at: T0 + 4 * H }), productId: p.id };
      expect((await storage.cards.recordSale(sale)).kind).toBe('recorded');
      const reversal = { ledgerId: first, reason: '误扣', storeId: w.storeId, merchantId: w.merchant.id, idempotencyKey: null, windowMs: 600_000 };
      expect((await storage.cards.recordReversal({ ...reversal, at: T0 + H + 1000 })).kind).toBe('recorded');
      // The last ms of day 1, and the first of day 2.
      await deduct(storage, w, D1.end - 1, second.id);
      await deduct(storage, w, D2.start);
      // Day 2: two sales (one of each product).
      expect((await storage.cards.recordSale({ ...scanOf(w, { at: D2.start + H }), productId: q.id })).kind).toBe('recorded');
      expect((await storage.cards.recordSale({ ...scanOf(w, { at: D2.start + 2 * H }), productId: p.id })).kind).toBe('recorded');
      // A refusal writes no ledger row and counts nowhere; another store's deduction neither.
      expect((await storage.cards.recordScan(scanOf(w, { at: D2.start + 3 * H, expired: true }), decideScan)).kind).toBe('recorded');
      await storage.cards.topUp(w.memberId, w.otherStoreId, 2, D2.start);
      await storage.cards.recordScan(
        scanOf(w, { at: D2.start + 4 * H, storeId: w.otherStoreId, merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId }),
        decideScan,
      );

      const days = await storage.reports.daily(w.storeId, [D1, D2, D3]);
      expect(days).toEqual([
        // Day 1 includes the two admin top-ups at T0 (8 uses, no money) and the 10-use sale (¥299.00).
        { deductions: 4, topUps: 3, topUpUses: 18, topUpFen: 29_900, reversals: 1, activeMembers: 2 },
        { deductions: 1, topUps: 2, topUpUses: 13, topUpFen: 30_901, reversals: 0, activeMembers: 1 },
        { deductions: 0, topUps: 0, topUpUses: 0, topUpFen: 0, reversals: 0, activeMembers: 0 },
      ]);
      // The other store sees only its own: one top-up and one deduction on day 2.
      expect(await storage.reports.daily(w.otherStoreId, [D1, D2])).toEqual([
        { deductions: 0, topUps: 0, topUpUses: 0, topUpFen: 0, reversals: 0, activeMembers: 0 },
        { deductions: 1, topUps: 1, topUpUses: 2, topUpFen: 0, reversals: 0, activeMembers: 1 },
      ]);
      // One range alone, and a range of a single ms at a day's edge.
      expect((await storage.reports.daily(w.storeId, [D2]))[0]).toMatchObject({ deductions: 1, topUps: 2 });
      expect(await storage.reports.daily(w.storeId, [{ start: D1.end - 1, end: D1.end }])).toEqual([
        { deductions: 1, topUps: 0, topUpUses: 0, topUpFen: 0, reversals: 0, activeMembers: 1 },
      ]);
    });

    it('lists a range’s ledger rows in id order with their product, amount, staff and reason', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 2);
      const p = await storage.products.create(w.storeId, { name: '10次卡', uses: 10, priceFen: 29_900, validDays: null }, T0);
      const deduction = await deduct(storage, w, T0 + H);
      await storage.cards.recordSale({ ...scanOf(w, { at: T0 + 2 * H }), productId: p.id });
      await storage.cards.recordReversal({ ledgerId: deduction, reason: '扫错了', storeId: w.storeId, merchantId: w.merchant.id, idempotencyKey: null, windowMs: 600_000, at: T0 + H + 5 });
      await deduct(storage, w, D2.start);

      const entries = await storage.reports.entries(w.storeId, D1, 100);
      expect(entries).toEqual([
        { id: entries[0]!.id, memberId: w.memberId, kind: 'topup', delta: 2, balanceAfter: 2, productId: null, productName: null, amountFen: null, merchantId: null, reversesId: null, reason: null, createdAt: T0 },
        { id: deduction, memberId: w.memberId, kind: 'deduct', delta: -1, balanceAfter: 1, productId: null, productName: null, amountFen: null, merchantId: w.merchant.id, reversesId: null, reason: null, createdAt: T0 + H },
        { id: entries[2]!.id, memberId: w.memberId, kind: 'topup', delta: 10, balanceAfter: 11, productId: p.id, productName: '10次卡', amountFen: 29_900, merchantId: w.merchant.id, reversesId: null, reason: null, createdAt: T0 + 2 * H },
        { id: entries[3]!.id, memberId: w.memberId, kind: 'reversal', delta: 1, balanceAfter: 12, productId: null, productName: null, amountFen: null, merchantId: w.merchant.id, reversesId: deduction, reason: '扫错了', createdAt: T0 + H + 5 },
      ]);
      expect(await storage.reports.entries(w.storeId, D1, 2)).toEqual(entries.slice(0, 2));
      expect(await storage.reports.entries(w.storeId, D2, 100)).toHaveLength(1);
      expect(await storage.reports.entries(w.otherStoreId, { start: D1.start, end: D3.end }, 100)).toEqual([]);
    });
  });
}
