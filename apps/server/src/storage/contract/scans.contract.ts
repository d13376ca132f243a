import { RESULT_CODES } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { decideScan, type ScanFacts } from '../../core/scan-decision.js';
import type { ScanAttempt, ScanRecord } from '../cards.js';
import type { StreamEntry } from '../streams.js';
import { T0, makeWorld, scanOf, useFreshStorage, type OpenStorage } from './harness.js';

/** The entry of a record that must have been decided now. */
function recorded(record: ScanRecord): StreamEntry {
  if (record.kind !== 'recorded') throw new Error(`expected a recorded scan, got ${record.kind}`);
  return record.entry;
}

export function scansContract(open: OpenStorage): void {
  describe('cards.recordScan', () => {
    const db = useFreshStorage(open);

    it('deducts one use for OK: ledger row, stream entry and card in one go', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const entry = recorded(await storage.cards.recordScan(scanOf(w), decideScan));
      expect(entry).toMatchObject({ memberId: w.memberId, storeId: w.storeId, seq: 1, code: RESULT_CODES.OK.code, remaining: 4, createdAt: T0 + 1000 });
      expect(entry.epoch).toBe(storage.streams.epoch());
      expect(entry.ledgerId).toEqual(expect.any(Number));
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(4);
      const [last] = await storage.cards.history(w.memberId, w.storeId, 1);
      expect(last).toMatchObject({ id: entry.ledgerId, kind: 'deduct', delta: -1, balanceAfter: 4 });
      expect(await storage.streams.read(w.memberId, w.storeId, 0, 10)).toEqual([entry]);
    });

    it('gives the decision the facts read inside the transaction, and records what it decides', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const seen: ScanFacts[] = [];
      const spy = (facts: ScanFacts) => (seen.push(facts), decideScan(facts));
      const first = scanOf(w);
      await storage.cards.recordScan(first, spy);
      await storage.cards.recordScan({ ...first, at: T0 + 2000 }, spy);
      await storage.cards.recordScan(scanOf(w, { expired: true }), spy);
      await storage.cards.recordScan(scanOf(w, { merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId }), spy);
      await storage.cards.recordScan(scanOf(w, { storeId: w.otherStoreId, merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId }), spy);
      expect(seen).toEqual([
        { expired: false, wrongStore: false, nonceUsed: false, remaining: 5, cardExpired: false },
        { expired: false, wrongStore: false, nonceUsed: true, remaining: 4, cardExpired: false },
        { expired: true, wrongStore: false, nonceUsed: false, remaining: 4, cardExpired: false },
        { expired: false, wrongStore: true, nonceUsed: false, remaining: 4, cardExpired: false },
        { expired: false, wrongStore: false, nonceUsed: false, remaining: null, cardExpired: false },
      ]);
      // A verdict the rules would not give is still what is recorded: the engine obeys the decision.
      const forced = recorded(await storage.cards.recordScan(scanOf(w), () => 'QR_EXPIRED'));
      expect(forced.code).toBe(RESULT_CODES.QR_EXPIRED.code);
    });

    it('records every refusal in the member stream, deducting nothing', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 1);
      const used = scanOf(w);
      recorded(await storage.cards.recordScan(used, decideScan));
      const refusals = [
        ['QR_EXPIRED', scanOf(w, { expired: true }), null],
        ['QR_USED', { ...used, at: T0 + 5000 }, null],
        ['NO_USES_LEFT', scanOf(w), 0],
        ['QR_WRONG_STORE', scanOf(w, { merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId }), null],
      ] as const;
      for (const [name, attempt, remaining] of refusals) {
        const entry = recorded(await storage.cards.recordScan(attempt, decideScan));
        expect(entry, name).toMatchObject({ storeId: w.storeId, code: RESULT_CODES[name].code, remaining, ledgerId: null, createdAt: attempt.at });
      }
      // No card at the other store: that stream gets the refusal.
      const noCard = scanOf(w, { storeId: w.otherStoreId, merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId });
      const entry = recorded(await storage.cards.recordScan(noCard, decideScan));
      expect(entry).toMatchObject({ storeId: w.otherStoreId, seq: 1, code: RESULT_CODES.CARD_NOT_FOUND.code, remaining: null, ledgerId: null });

      expect((await storage.streams.read(w.memberId, w.storeId, 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(0);
      expect((await storage.cards.history(w.memberId, w.storeId, 10)).filter((l) => l.kind === 'deduct')).toHaveLength(1);
    });

    it('counts a nonce as used only once it deducted', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, null);
      const attempt = scanOf(w);
      expect(recorded(await storage.cards.recordScan(attempt, decideScan)).code).toBe(RESULT_CODES.CARD_NOT_FOUND.code);
      await storage.cards.topUp(w.memberId, w.storeId, 1, T0 + 1500);
      expect(recorded(await storage.cards.recordScan({ ...attempt, at: T0 + 2000 }, decideScan)).code).toBe(RESULT_CODES.OK.code);
      expect(recorded(await storage.cards.recordScan({ ...attempt, at: T0 + 3000 }, decideScan)).code).toBe(RESULT_CODES.QR_USED.code);
    });

    it('tells the member a refusal of one QR once: a repeat is answered with the first notice, writing nothing', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const used = scanOf(w);
      recorded(await storage.cards.recordScan(used, decideScan));
      const again = (over: Partial<ScanAttempt>) => storage.cards.recordScan({ ...used, ...over }, decideScan);
      const told = recorded(await again({ at: T0 + 2000 }));
      expect(told).toMatchObject({ seq: 2, code: RESULT_CODES.QR_USED.code, createdAt: T0 + 2000 });
      // Whoever replays it, whenever: the same notice (its seq and time), the stream untouched.
      for (let i = 0; i < 3; i++) expect(await again({ at: T0 + 3000 + i })).toEqual({ kind: 'repeated', entry: told });
      // Another store's merchant is refused for another reason: a new notice, once.
      const elsewhere = { merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId };
      const wrongStore = recorded(await again({ ...elsewhere, at: T0 + 4000 }));
      expect(wrongStore).toMatchObject({ seq: 3, code: RESULT_CODES.QR_WRONG_STORE.code });
      expect(await again({ ...elsewhere, at: T0 + 5000 })).toEqual({ kind: 'repeated', entry: wrongStore });
      // And once the QR is over, that is a third reason.
      const expired = recorded(await again({ expired: true, at: T0 + 90_000 }));
      expect(await again({ ...elsewhere, expired: true, at: T0 + 91_000 })).toEqual({ kind: 'repeated', entry: expired });
      expect((await storage.streams.read(w.memberId, w.storeId, 0, 10)).map((e) => [e.seq, e.code])).toEqual([
        [1, RESULT_CODES.OK.code],
        [2, RESULT_CODES.QR_USED.code],
        [3, RESULT_CODES.QR_WRONG_STORE.code],
        [4, RESULT_CODES.QR_EXPIRED.code],
      ]);
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(4);
    });

    it('tells each outcome of one QR once: no uses, then after a top-up a deduction, then used', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, null);
      const attempt = scanOf(w);
      const at = (ms: number) => ({ ...attempt, at: T0 + ms });
      const noCard = recorded(await storage.cards.recordScan(at(1000), decideScan));
      expect(await storage.cards.recordScan(at(1100), decideScan)).toEqual({ kind: 'repeated', entry: noCard });
      await storage.cards.topUp(w.memberId, w.storeId, 1, T0 + 1200);
      await storage.cards.recordScan(scanOf(w, { at: T0 + 1300 }), decideScan); // another QR takes the use
      const noUses = recorded(await storage.cards.recordScan(at(2000), decideScan));
      expect(noUses).toMatchObject({ code: RESULT_CODES.NO_USES_LEFT.code, remaining: 0 });
      expect(await storage.cards.recordScan(at(2100), decideScan)).toEqual({ kind: 'repeated', entry: noUses });
      await storage.cards.topUp(w.memberId, w.storeId, 1, T0 + 2500);
      expect(recorded(await storage.cards.recordScan(at(3000), decideScan))).toMatchObject({ code: RESULT_CODES.OK.code, remaining: 0 });
      const usedNotice = recorded(await storage.cards.recordScan(at(4000), decideScan));
      expect(await storage.cards.recordScan(at(4100), decideScan)).toEqual({ kind: 'repeated', entry: usedNotice });
      expect((await storage.streams.read(w.memberId, w.storeId, 0, 10)).map((e) => e.code)).toEqual(
        (['CARD_NOT_FOUND', 'OK', 'NO_USES_LEFT', 'OK', 'QR_USED'] as const).map((name) => RESULT_CODES[name].code),
      );
    });

    it("records a repeated refusal's key, pointing at the earlier notice, so a retry replays it", async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const attempt = scanOf(w, { merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId });
      const told = recorded(await storage.cards.recordScan(attempt, decideScan));
      const keyed = { ...attempt, idempotencyKey: 'k-repeat', at: T0 + 2000 };
      expect(await storage.cards.recordScan(keyed, decideScan)).toEqual({ kind: 'repeated', entry: told });
      // The retry comes after the QR expired: still the first answer, not a new decision.
      const decide = () => {
        throw new Error('a retry must not be decided again');
      };
      expect(await storage.cards.recordScan({ ...keyed, expired: true, at: T0 + 600_000 }, decide)).toEqual({ kind: 'replayed', entry: told });
      expect(await storage.cards.recordScan({ ...keyed, nonce: 'another' }, decideScan)).toEqual({ kind: 'idempotency-mismatch' });
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
    });

    it('answers a retry with its first answer, even after the QR expired, deciding and writing nothing', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      const attempt = scanOf(w, { idempotencyKey: 'k1' });
      const first = recorded(await storage.cards.recordScan(attempt, decideScan));
      const later = { ...attempt, expired: true, at: attempt.at + 3600_000 };
      const decide = () => {
        throw new Error('a retry must not be decided again');
      };
      expect(await storage.cards.recordScan(later, decide)).toEqual({ kind: 'replayed', entry: first });
      expect(await storage.cards.recordScan(later, decide)).toEqual({ kind: 'replayed', entry: first });
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(4);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
    });

    it('answers a retried refusal with the same refusal', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, null);
      const attempt = scanOf(w, { idempotencyKey: 'k-refused' });
      const first = recorded(await storage.cards.recordScan(attempt, decideScan));
      expect(first.code).toBe(RESULT_CODES.CARD_NOT_FOUND.code);
      // The card exists by the retry: the answer is still the first one.
      await storage.cards.topUp(w.memberId, w.storeId, 3, T0 + 1500);
      expect(await storage.cards.recordScan({ ...attempt, at: T0 + 2000 }, decideScan)).toEqual({ kind: 'replayed', entry: first });
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(3);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
    });

    it('refuses a key used before with another QR, writing nothing; keys are per merchant', async () => {
      const { storage } = db();
      const w = await makeWorld(storage, 5);
      recorded(await storage.cards.recordScan(scanOf(w, { idempotencyKey: 'k1' }), decideScan));
      expect(await storage.cards.recordScan(scanOf(w, { idempotencyKey: 'k1' }), decideScan)).toEqual({ kind: 'idempotency-mismatch' });
      expect((await storage.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(4);
      expect(await storage.streams.head(w.memberId, w.storeId)).toBe(1);
      // Another merchant's k1 is another key.
      const elsewhere = scanOf(w, { idempotencyKey: 'k1', merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId });
      expect(recorded(await storage.cards.recordScan(elsewhere, decideScan)).code).toBe(RESULT_CODES.QR_WRONG_STORE.code);
    });
  });
}
