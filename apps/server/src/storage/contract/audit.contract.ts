import { describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import { T0, makeWorld, scanOf, useFreshStorage, type OpenStorage } from './harness.js';

export function auditContract(open: OpenStorage): void {
  describe('audit', () => {
    const db = useFreshStorage(open);

    it('finds nothing wrong in a database written only through the stores, and counts it', async () => {
      const { storage } = db();
      const world = await makeWorld(storage, 2);
      await storage.cards.topUp(world.memberId, world.otherStoreId, 1, T0);
      const outcomes = await Promise.all([
        storage.cards.recordScan(scanOf(world), decideScan),
        storage.cards.recordScan(scanOf(world, { idempotencyKey: 'k' }), decideScan),
        storage.cards.recordScan(scanOf(world), decideScan), // no uses left
        storage.cards.recordScan(scanOf(world, { storeId: world.otherStoreId, merchantId: world.otherMerchant.id, merchantStoreId: world.otherStoreId }), decideScan),
        storage.cards.recordScan(scanOf(world, { expired: true }), decideScan),
      ]);
      expect(outcomes.every((o) => o.kind === 'recorded')).toBe(true);
      // Retention takes the oldest entries; what is left is still one contiguous run per stream.
      await storage.streams.prune(T0 + 1000);
      const report = await storage.audit();
      expect(report.problems).toEqual([]);
      expect(report.counts).toMatchObject({ stores: 2, members: 1, cards: 2, deductions: 3 });
    });

    it('audits an empty database as sound', async () => {
      expect(await db().storage.audit()).toEqual({ problems: [], counts: { stores: 0, members: 0, cards: 0, deductions: 0, entries: 0 } });
    });
  });
}
