import { RESULT_CODES } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import type { ScanRecord } from '../cards.js';
import { T0, makeWorld, scanOf, useFreshStorage, type OpenStorage } from './harness.js';

const N = 20;

/** Runs the calls at once and answers their results; fails the test if any of them threw. */
async function allAtOnce(calls: Array<() => Promise<ScanRecord>>): Promise<ScanRecord[]> {
  const settled = await Promise.allSettled(calls.map((call) => call()));
  const thrown = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  expect(thrown.map((s) => String(s.reason))).toEqual([]);
  return settled.map((s) => (s as PromiseFulfilledResult<ScanRecord>).value);
}

/** Records counted by kind and, where they have an entry, its result code. */
function verdicts(records: ScanRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) {
    const key = r.kind === 'recorded' || r.kind === 'repeated' ? `${r.kind} ${r.entry.code}` : r.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function concurrencyContract(open: OpenStorage): void {
  describe('concurrent scans', () => {
    const db = useFreshStorage(open);

    it(`of one QR, ${N} at once: exactly one deducts, every other is answered QR_USED, told the member once`, async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 10);
      const attempt = scanOf(w);
      const records = await allAtOnce(Array.from({ length: N }, () => () => storage.cards.recordScan(attempt, decideScan)));
      const used = RESULT_CODES.QR_USED.code;
      expect(verdicts(records)).toEqual({ [`recorded ${RESULT_CODES.OK.code}`]: 1, [`recorded ${used}`]: 1, [`repeated ${used}`]: N - 2 });
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(9);
      // Two entries, without gaps: the deduction and the one notice every repeat is answered with.
      const entries = await storage.streams.read(w.memberId, w.storeId, 0, N);
      expect(entries.map((e) => [e.seq, e.code])).toEqual([[1, RESULT_CODES.OK.code], [2, used]]);
      for (const r of records) if (r.kind === 'repeated') expect(r.entry).toEqual(entries[1]);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(2);
    });

    it(`of one QR on a card of ONE use, ${N} at once: one deducts, every other is answered QR_USED (not NO_USES_LEFT)`, async () => {
      // The losers must judge the QR by what the winner committed: its nonce used, not merely the card empty.
      const { storage } = db();
      const w = await makeWorld(storage, 1);
      const attempt = scanOf(w);
      const records = await allAtOnce(Array.from({ length: N }, () => () => storage.cards.recordScan(attempt, decideScan)));
      const used = RESULT_CODES.QR_USED.code;
      expect(verdicts(records)).toEqual({ [`recorded ${RESULT_CODES.OK.code}`]: 1, [`recorded ${used}`]: 1, [`repeated ${used}`]: N - 2 });
    });

    it(`of one QR of a member with no card there, ${N} at once: one notice, every other answered with it`, async () => {
      // No card row to lock: only the unique (qr_nonce, code) can make the racing refusals take turns.
      const { storage } = db();
      const w = await makeWorld(storage, null);
      const attempt = scanOf(w);
      const records = await allAtOnce(Array.from({ length: N }, () => () => storage.cards.recordScan(attempt, decideScan)));
      const code = RESULT_CODES.CARD_NOT_FOUND.code;
      expect(verdicts(records)).toEqual({ [`recorded ${code}`]: 1, [`repeated ${code}`]: N - 1 });
      const entries = await storage.streams.read(w.memberId, w.storeId, 0, N);
      expect(entries).toHaveLength(1);
      for (const r of records) expect(r).toMatchObject({ entry: entries[0] });
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
    });

    it(`of one QR at another store, ${N} at once with their own keys: one notice, and every key replays it`, async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const attempt = (i: number) => ({ ...scanOf(w), nonce: 'replayed-qr', merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId, idempotencyKey: `k${i}` });
      const records = await allAtOnce(Array.from({ length: N }, (_, i) => () => storage.cards.recordScan(attempt(i), decideScan)));
      const code = RESULT_CODES.QR_WRONG_STORE.code;
      expect(verdicts(records)).toEqual({ [`recorded ${code}`]: 1, [`repeated ${code}`]: N - 1 });
      const [entry] = await storage.streams.read(w.memberId, w.storeId, 0, N);
      const retries = await allAtOnce(Array.from({ length: N }, (_, i) => () => storage.cards.recordScan({ ...attempt(i), expired: true }, decideScan)));
      expect(retries).toEqual(Array.from({ length: N }, () => ({ kind: 'replayed', entry })));
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
    });

    it(`of one idempotency key and QR, ${N} at once: one is recorded, every other replays its entry`, async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 10);
      const attempt = scanOf(w, { idempotencyKey: 'same-key' });
      const records = await allAtOnce(Array.from({ length: N }, () => () => storage.cards.recordScan(attempt, decideScan)));
      const winners = records.filter((r) => r.kind === 'recorded');
      expect(winners).toHaveLength(1);
      const entry = winners[0]!.kind === 'recorded' ? winners[0]!.entry : undefined;
      expect(entry).toMatchObject({ code: RESULT_CODES.OK.code, seq: 1, remaining: 9 });
      for (const r of records) if (r.kind !== 'recorded') expect(r).toEqual({ kind: 'replayed', entry });
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(9);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
    });

    it(`of ${N} distinct QRs against a card of 7: exactly 7 deduct, the others are told NO_USES_LEFT`, async () => {
      const { storage } = db();
      const K = 7;
      const w = await makeWorld(storage, K);
      const records = await allAtOnce(Array.from({ length: N }, (_, i) => () => storage.cards.recordScan(scanOf(w, { at: T0 + i }), decideScan)));
      expect(verdicts(records)).toEqual({ [`recorded ${RESULT_CODES.OK.code}`]: K, [`recorded ${RESULT_CODES.NO_USES_LEFT.code}`]: N - K });
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(0);
      // The ledger accounts for every use: one row per deduction, balances from K-1 down to 0, sum 0.
      const ledger = await storage.cards.history(w.memberId, w.storeId, 100);
      const deductions = ledger.filter((l) => l.kind === 'deduct');
      expect(deductions).toHaveLength(K);
      expect(deductions.map((l) => l.balanceAfter).sort((a, b) => a - b)).toEqual(Array.from({ length: K }, (_, i) => i));
      expect(ledger.reduce((sum, l) => sum + l.delta, 0)).toBe(0);
      const okRemaining = records.flatMap((r) => (r.kind === 'recorded' && r.entry.code === RESULT_CODES.OK.code ? [r.entry.remaining] : []));
      expect(okRemaining.sort()).toEqual(deductions.map((l) => l.balanceAfter).sort());
    });

    it('at two stores at once: each stream numbered without gaps', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 100);
      await storage.cards.topUp(w.memberId, w.otherStoreId, 100, T0);
      const atOther = { storeId: w.otherStoreId, merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId };
      const records = await allAtOnce(
        Array.from({ length: N }, (_, i) => () => storage.cards.recordScan(scanOf(w, i % 2 ? atOther : {}), decideScan)),
      );
      for (const storeId of [w.storeId, w.otherStoreId]) {
        const seqs = records.flatMap((r) => (r.kind === 'recorded' && r.entry.storeId === storeId ? [r.entry.seq] : []));
        expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: N / 2 }, (_, i) => i + 1));
      }
    });
  });
}
