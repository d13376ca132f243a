import { describe, expect, it } from 'vitest';
import { T0, useFreshStorage, type OpenStorage } from './harness.js';

export function cardsContract(open: OpenStorage): void {
  describe('cards', () => {
    const db = useFreshStorage(open);

    it('tops a card up, creating it first, and lists the member cards by store', async () => {
      const { accounts, cards } = db().storage;
      const a = await accounts.createStore('A', T0);
      const b = await accounts.createStore('B', T0);
      const m = await accounts.createMember({}, T0);
      expect(await cards.getCard(m.id, a.id)).toBeUndefined();
      expect(await cards.listCards(m.id)).toEqual([]);

      expect(await cards.topUp(m.id, b.id, 3, T0)).toEqual({ memberId: m.id, storeId: b.id, storeName: 'B', remaining: 3, expiresAt: null });
      expect(await cards.topUp(m.id, a.id, 5, T0 + 1)).toEqual({ memberId: m.id, storeId: a.id, storeName: 'A', remaining: 5, expiresAt: null });
      expect(await cards.topUp(m.id, a.id, 2, T0 + 2)).toMatchObject({ remaining: 7 });
      expect(await cards.getCard(m.id, a.id)).toEqual({ memberId: m.id, storeId: a.id, storeName: 'A', remaining: 7, expiresAt: null });
      expect((await cards.listCards(m.id)).map((c) => [c.storeId, c.remaining])).toEqual([
        [a.id, 7],
        [b.id, 3],
      ]);
    });

    it("keeps a card's ledger, newest first, limited", async () => {
      const { accounts, cards } = db().storage;
      const a = await accounts.createStore('A', T0);
      const b = await accounts.createStore('B', T0);
      const m = await accounts.createMember({}, T0);
      await cards.topUp(m.id, a.id, 5, T0);
      await cards.topUp(m.id, b.id, 1, T0 + 1);
      await cards.topUp(m.id, a.id, 2, T0 + 2);
      const history = await cards.history(m.id, a.id, 10);
      expect(history.map(({ id: _, ...e }) => e)).toEqual([
        { storeId: a.id, kind: 'topup', delta: 2, balanceAfter: 7, at: new Date(T0 + 2).toISOString() },
        { storeId: a.id, kind: 'topup', delta: 5, balanceAfter: 5, at: new Date(T0).toISOString() },
      ]);
      expect(history[0]!.id).toBeGreaterThan(history[1]!.id);
      expect(await cards.history(m.id, a.id, 1)).toHaveLength(1);
      expect(await cards.history(m.id, 9999, 10)).toEqual([]);
    });

    it('pages a ledger with `before`: newest first, each entry once, entries written between pages not in older pages', async () => {
      const { accounts, cards } = db().storage;
      const a = await accounts.createStore('A', T0);
      const b = await accounts.createStore('B', T0);
      const m = await accounts.createMember({}, T0);
      for (let i = 1; i <= 7; i++) {
        await cards.topUp(m.id, a.id, i, T0 + i);
        // Another card's rows in between: ids of one card are not consecutive.
        await cards.topUp(m.id, b.id, 1, T0 + i);
      }
      const deltas = (entries: { delta: number }[]) => entries.map((e) => e.delta);
      const first = await cards.history(m.id, a.id, 3);
      expect(deltas(first)).toEqual([7, 6, 5]);
      // A new entry between pages is newer than every page: it shows on a reload, not in the next page.
      await cards.topUp(m.id, a.id, 100, T0 + 8);
      const second = await cards.history(m.id, a.id, 3, first.at(-1)!.id);
      expect(deltas(second)).toEqual([4, 3, 2]);
      const third = await cards.history(m.id, a.id, 3, second.at(-1)!.id);
      expect(deltas(third)).toEqual([1]);
      expect(third.every((e) => e.storeId === a.id)).toBe(true);
      expect(await cards.history(m.id, a.id, 3, third[0]!.id)).toEqual([]);
      // `before` is exclusive; an id of another card or beyond every id only bounds.
      expect(deltas(await cards.history(m.id, a.id, 10, first[0]!.id))).toEqual([6, 5, 4, 3, 2, 1]);
      expect(deltas(await cards.history(m.id, a.id, 2, Number.MAX_SAFE_INTEGER))).toEqual([100, 7]);
    });

    it('refuses a top-up for a member that does not exist', async () => {
      const { accounts, cards } = db().storage;
      const a = await accounts.createStore('A', T0);
      await expect(cards.topUp(9999, a.id, 1, T0)).rejects.toThrow();
      expect(await cards.getCard(9999, a.id)).toBeUndefined();
    });
  });
}
