import { describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import type { Storage } from '../storage.js';
import type { StreamEntry } from '../streams.js';
import { T0, makeWorld, scanOf, type World, useFreshStorage, type OpenStorage } from './harness.js';

/** Appends a refusal (an expired QR) to the member's stream at `storeId`, written at `at`. */
async function append(storage: Storage, w: World, storeId: number, at: number, memberId = w.memberId): Promise<StreamEntry> {
  const record = await storage.cards.recordScan(scanOf(w, { memberId, storeId, expired: true, at }), decideScan);
  if (record.kind !== 'recorded') throw new Error(`expected a recorded scan, got ${record.kind}`);
  return record.entry;
}

export function streamsContract(open: OpenStorage): void {
  describe('streams', () => {
    const db = useFreshStorage(open);

    it('numbers each (member, store) stream 1, 2, 3, … on its own', async () => {
      const { storage } = db();
      const w = await makeWorld(storage);
      const other = (await storage.accounts.createMember({}, T0)).id;
      const seqs: Array<[number, number, number]> = [];
      for (const [memberId, storeId] of [
        [w.memberId, w.storeId],
        [w.memberId, w.otherStoreId],
        [w.memberId, w.storeId],
        [other, w.storeId],
        [w.memberId, w.otherStoreId],
        [w.memberId, w.storeId],
      ] as const) {
        seqs.push([memberId, storeId, (await append(storage, w, storeId, T0, memberId)).seq]);
      }
      expect(seqs.map(([, , seq]) => seq)).toEqual([1, 1, 2, 1, 2, 3]);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(3);
      expect(await storage.streams.head(w.memberId, w.otherStoreId)).toBe(2);
      expect(await storage.streams.head(other, w.storeId)).toBe(1);
      expect(await storage.streams.head(other, w.otherStoreId)).toBe(0);
    });

    it('reads a stream after a seq, oldest first, limited; knows its first retained seq', async () => {
      const { storage } = db();
      const w = await makeWorld(storage);
      expect(await storage.streams.firstSeq(w.memberId, w.storeId)).toBeUndefined();
      expect(await storage.streams.read(w.memberId, w.storeId, 0, 10)).toEqual([]);
      const entries: StreamEntry[] = [];
      for (let i = 0; i < 5; i++) entries.push(await append(storage, w, w.storeId, T0 + i));
      await append(storage, w, w.otherStoreId, T0);
      expect(await storage.streams.read(w.memberId, w.storeId, 0, 10)).toEqual(entries);
      expect((await storage.streams.read(w.memberId, w.storeId, 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
      expect(await storage.streams.read(w.memberId, w.storeId, 5, 10)).toEqual([]);
      expect(await storage.streams.firstSeq(w.memberId, w.storeId)).toBe(1);
      for (const e of entries) expect(e).toMatchObject({ memberId: w.memberId, storeId: w.storeId, epoch: storage.streams.epoch() });
    });

    it("lists a stream's undelivered entries, newest ones, oldest first, until some socket got them", async () => {
      const { storage } = db();
      const w = await makeWorld(storage);
      for (let i = 0; i < 4; i++) await append(storage, w, w.storeId, T0 + i * 1000);
      await append(storage, w, w.otherStoreId, T0 + 3000);
      const seqs = async (since: number, limit: number) =>
        (await storage.streams.undelivered(w.memberId, w.storeId, since, limit)).map((e) => e.seq);
      expect(await seqs(T0, 10)).toEqual([1, 2, 3, 4]);
      expect(await seqs(T0, 2)).toEqual([3, 4]);
      expect(await seqs(T0 + 2000, 10)).toEqual([3, 4]);
      expect(await storage.streams.countUndelivered(T0)).toBe(5);
      expect(await storage.streams.countUndelivered(T0 + 2500)).toBe(2);

      const marks = [3, 4].map((seq) => ({ memberId: w.memberId, storeId: w.storeId, seq }));
      await storage.streams.markDelivered(marks, T0 + 5000);
      await storage.streams.markDelivered(marks, T0 + 6000);
      await storage.streams.markDelivered([], T0 + 6000);
      expect(await seqs(T0, 10)).toEqual([1, 2]);
      expect(await storage.streams.countUndelivered(T0)).toBe(3);
      // Marks name one stream's seq: the other store's seq 1 is still undelivered.
      expect((await storage.streams.undelivered(w.memberId, w.otherStoreId, T0, 10)).map((e) => e.seq)).toEqual([1]);
    });

    it('lists the recent entries of every stream, the newest ones, oldest first', async () => {
      const { storage } = db();
      const w = await makeWorld(storage);
      for (let i = 0; i < 4; i++) await append(storage, w, i % 2 ? w.otherStoreId : w.storeId, T0 + i * 1000);
      const recent = async (since: number, limit: number) =>
        (await storage.streams.recent(since, limit)).map((e) => [e.storeId === w.storeId ? 'A' : 'B', e.seq, e.createdAt - T0]);
      expect(await recent(T0, 10)).toEqual([['A', 1, 0], ['B', 1, 1000], ['A', 2, 2000], ['B', 2, 3000]]);
      expect(await recent(T0 + 1500, 10)).toEqual([['A', 2, 2000], ['B', 2, 3000]]);
      expect(await recent(T0, 3)).toEqual([['B', 1, 1000], ['A', 2, 2000], ['B', 2, 3000]]);
      expect(await recent(T0 + 4000, 10)).toEqual([]);
      for (const e of await storage.streams.recent(T0, 10)) expect(e.epoch).toBe(storage.streams.epoch());
    });

    it('prunes entries older than the cutoff in every stream, keeps heads, and numbers on from the head', async () => {
      const { storage } = db();
      const w = await makeWorld(storage);
      const day = 24 * 3600_000;
      const old = T0 - 8 * day;
      // More than one pruning batch of old entries, written in one go, then a few young ones.
      await Promise.all(Array.from({ length: 1100 }, (_, i) => append(storage, w, i % 2 ? w.storeId : w.otherStoreId, old + i)));
      for (let i = 0; i < 3; i++) await append(storage, w, w.storeId, T0 + i);

      expect(await storage.streams.prune(T0 - 7 * day)).toBe(1100);
      expect(await storage.streams.prune(T0 - 7 * day)).toBe(0);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(553);
      expect(await storage.streams.firstSeq(w.memberId, w.storeId)).toBe(551);
      expect((await storage.streams.read(w.memberId, w.storeId, 0, 10)).map((e) => e.seq)).toEqual([551, 552, 553]);
      expect(await storage.streams.head(w.memberId, w.otherStoreId)).toBe(550);
      expect(await storage.streams.firstSeq(w.memberId, w.otherStoreId)).toBeUndefined();
      expect((await append(storage, w, w.otherStoreId, T0)).seq).toBe(551);
    });

    it('prunes idempotency records with their entries: a retry after retention is decided anew', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const day = 24 * 3600_000;
      const attempt = scanOf(w, { idempotencyKey: 'old-key', at: T0 - 8 * day });
      expect((await storage.cards.recordScan(attempt, decideScan)).kind).toBe('recorded');
      await storage.streams.prune(T0 - 7 * day);
      const retry = await storage.cards.recordScan({ ...attempt, at: T0 }, decideScan);
      expect(retry).toMatchObject({ kind: 'recorded', entry: { seq: 2, code: 2 } });
    });

    it('tells a refusal again once retention pruned its notice, and forgets a key that pointed at it', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const day = 24 * 3600_000;
      const elsewhere = { merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId };
      const attempt = scanOf(w, { ...elsewhere, at: T0 - 8 * day });
      const told = await storage.cards.recordScan(attempt, decideScan);
      expect(told).toMatchObject({ kind: 'recorded', entry: { seq: 1 } });
      // A repeat with a key, younger than the notice it is answered with: its record outlives that notice.
      const keyed = { ...attempt, idempotencyKey: 'late-key', at: T0 - 6 * day };
      expect(await storage.cards.recordScan(keyed, decideScan)).toEqual({ kind: 'repeated', entry: told.kind === 'recorded' && told.entry });
      await storage.streams.prune(T0 - 7 * day);
      expect(await storage.streams.firstSeq(w.memberId, w.storeId)).toBeUndefined();
      // The key's answer is gone: the retry is decided anew, as after the key's own retention, and told.
      const retry = await storage.cards.recordScan({ ...keyed, at: T0 }, decideScan);
      expect(retry).toMatchObject({ kind: 'recorded', entry: { seq: 2, code: 5, createdAt: T0 } });
      const entry = retry.kind === 'recorded' ? retry.entry : undefined;
      expect(await storage.cards.recordScan({ ...keyed, at: T0 + 1 }, decideScan)).toEqual({ kind: 'replayed', entry });
      expect(await storage.cards.recordScan(scanOf(w, { ...elsewhere, nonce: attempt.nonce, at: T0 + 2 }), decideScan)).toEqual({ kind: 'repeated', entry });
      expect((await storage.audit()).problems).toEqual([]);
    });
  });

  describe('epoch', () => {
    const db = useFreshStorage(open);

    it('is the same across reopens, and every new database has its own', async () => {
      const handle = db();
      const epoch = handle.storage.streams.epoch();
      expect(epoch).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      const w = await makeWorld(handle.storage);
      const entry = await append(handle.storage, w, w.storeId, T0);
      const reopened = await handle.reopen();
      expect(reopened.streams.epoch()).toBe(epoch);
      expect(await reopened.streams.read(w.memberId, w.storeId, 0, 10)).toEqual([entry]);

      const another = await open();
      try {
        expect(another.storage.streams.epoch()).not.toBe(epoch);
      } finally {
        await another.cleanup();
      }
    });

    it('is new for every restore of a backup, which keeps the data; the original keeps its own', async () => {
      const handle = db();
      const epoch = handle.storage.streams.epoch();
      const w = await makeWorld(handle.storage);
      await append(handle.storage, w, w.storeId, T0);
      await append(handle.storage, w, w.storeId, T0 + 1);
      const restore = await handle.backup();
      // The original goes on after the backup: the restores fork from it.
      await append(handle.storage, w, w.storeId, T0 + 2);
      expect(handle.storage.streams.epoch()).toBe(epoch);

      const first = (await restore()).storage;
      const restored = await restore();
      const second = restored.storage;
      const epochs = [epoch, first.streams.epoch(), second.streams.epoch()];
      expect(new Set(epochs).size).toBe(3);
      for (const restored of [first, second]) {
        expect(await restored.streams.head(w.memberId, w.storeId)).toBe(2);
        expect((await restored.streams.read(w.memberId, w.storeId, 0, 10)).map((e) => [e.seq, e.epoch])).toEqual([
          [1, restored.streams.epoch()],
          [2, restored.streams.epoch()],
        ]);
      }
      expect(await handle.storage.streams.head(w.memberId, w.storeId)).toBe(3);
      // Once opened, a restore is an ordinary database: its new epoch stays.
      expect((await restored.reopen()).streams.epoch()).toBe(epochs[2]);
    });
  });
}
