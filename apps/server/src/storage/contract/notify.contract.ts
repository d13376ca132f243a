import { describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import type { NewNotifyJob, NotifyCandidate } from '../notify.js';
import type { Storage } from '../storage.js';
import type { StreamEntry } from '../streams.js';
import { T0, makeWorld, scanOf, useFreshStorage, type OpenStorage, type World } from './harness.js';

const CLAIM_MS = 60_000;

/** A scan of `memberId` at the world's first store at `at`: a deduction, or with `expired` a refusal. */
async function entryOf(storage: Storage, w: World, memberId: number, at: number, expired = false): Promise<StreamEntry> {
  const record = await storage.cards.recordScan(scanOf(w, { memberId, at, expired }), decideScan);
  if (record.kind !== 'recorded') throw new Error(`expected a recorded scan, got ${record.kind}`);
  return record.entry;
}

const candidateOf = (e: StreamEntry, openid: string, storeName = 'Store A'): NotifyCandidate => ({
  memberId: e.memberId,
  openid,
  storeName,
  storeId: e.storeId,
  seq: e.seq,
  code: e.code,
  remaining: e.remaining,
  createdAt: e.createdAt,
});

const jobOf = (memberId: number, seq: number, over: Partial<NewNotifyJob> = {}): NewNotifyJob => ({
  memberId,
  openid: 'openid-a',
  storeId: 1,
  seq,
  templateId: 'tpl-1',
  data: { thing1: { value: '洗车店' }, number2: { value: String(seq) } },
  dueAt: T0,
  ...over,
});

export function notifyContract(open: OpenStorage): void {
  describe('notify: credits', () => {
    const db = useFreshStorage(open);

    it('counts acceptances per member and template, spends one at a time, never below 0, and clears', async () => {
      const { storage } = db();
      const { notify, accounts } = storage;
      const a = (await accounts.createMember({}, T0)).id;
      const b = (await accounts.createMember({}, T0)).id;
      expect(await notify.credits(a, 'tpl-1')).toBe(0);
      expect(await notify.spendCredit(a, 'tpl-1', T0)).toBe(false);
      expect(await notify.grantCredit(a, 'tpl-1', T0)).toBe(1);
      expect(await notify.grantCredit(a, 'tpl-1', T0 + 1)).toBe(2);
      expect(await notify.grantCredit(a, 'tpl-2', T0 + 1)).toBe(1);
      expect(await notify.grantCredit(b, 'tpl-1', T0 + 1)).toBe(1);
      expect(await notify.spendCredit(a, 'tpl-1', T0 + 2)).toBe(true);
      expect(await notify.spendCredit(a, 'tpl-1', T0 + 3)).toBe(true);
      expect(await notify.spendCredit(a, 'tpl-1', T0 + 4)).toBe(false);
      expect(await notify.credits(a, 'tpl-1')).toBe(0);
      expect(await notify.credits(a, 'tpl-2')).toBe(1);
      expect(await notify.credits(b, 'tpl-1')).toBe(1);

      await notify.grantCredit(a, 'tpl-2', T0 + 5);
      await notify.clearCredits(a, 'tpl-2', T0 + 6);
      await notify.clearCredits(a, 'tpl-9', T0 + 6);
      expect(await notify.credits(a, 'tpl-2')).toBe(0);
      expect(await notify.spendCredit(a, 'tpl-2', T0 + 7)).toBe(false);
      expect(await notify.credits(b, 'tpl-1')).toBe(1);
      expect(await notify.grantCredit(a, 'tpl-2', T0 + 8)).toBe(1);
    });

    it('gives one credit to exactly one of several spends at once', async () => {
      const { storage } = db();
      const a = (await storage.accounts.createMember({}, T0)).id;
      await storage.notify.grantCredit(a, 'tpl-1', T0);
      const spent = await Promise.all(Array.from({ length: 6 }, (_, i) => storage.notify.spendCredit(a, 'tpl-1', T0 + i)));
      expect(spent.filter(Boolean)).toHaveLength(1);
      expect(await storage.notify.credits(a, 'tpl-1')).toBe(0);
    });
  });

  describe('notify: unnotified entries', () => {
    const db = useFreshStorage(open);

    it('lists undelivered entries in the range without a job for the template, oldest first, successes unless asked', async () => {
      const { storage } = db();
      const w = await makeWorld(storage);
      const withId = (await storage.accounts.createMember({ openid: 'openid-b' }, T0)).id;
      await storage.cards.topUp(withId, w.storeId, 5, T0);
      const before = await entryOf(storage, w, withId, T0 + 500);
      const first = await entryOf(storage, w, withId, T0 + 1000);
      const refusal = await entryOf(storage, w, withId, T0 + 2000, true);
      const delivered = await entryOf(storage, w, withId, T0 + 3000);
      const noOpenid = await entryOf(storage, w, w.memberId, T0 + 4000);
      const queued = await entryOf(storage, w, withId, T0 + 5000);
      await entryOf(storage, w, withId, T0 + 9000);
      await storage.streams.markDelivered([delivered], T0 + 3001);
      expect(await storage.notify.enqueue(jobOf(withId, queued.seq, { storeId: w.storeId }), T0 + 6000)).toBe(true);

      const list = (templateId: string, refusals: boolean, since = T0 + 1000, limit = 10) =>
        storage.notify.unnotified(templateId, since, T0 + 9000, refusals, limit);
      expect(first.ledgerId).not.toBeNull();
      expect(refusal.ledgerId).toBeNull();
      // A member without an openid (`noOpenid`) has nobody to send to: never listed.
      expect(noOpenid.memberId).toBe(w.memberId);
      expect(await list('tpl-1', false)).toEqual([candidateOf(first, 'openid-b')]);
      expect(await list('tpl-1', true)).toEqual([candidateOf(first, 'openid-b'), candidateOf(refusal, 'openid-b')]);
      // A job for another template does not count.
      expect(await list('tpl-2', false)).toEqual([candidateOf(first, 'openid-b'), candidateOf(queued, 'openid-b')]);
      expect(await list('tpl-1', false, T0 + 1001)).toEqual([]);
      expect(await list('tpl-1', true, T0, 2)).toEqual([candidateOf(before, 'openid-b'), candidateOf(first, 'openid-b')]);
      expect(await storage.notify.unnotified('tpl-1', T0 + 9001, T0 + 20_000, true, 10)).toEqual([]);
    });

    it('names the store of each entry', async () => {
      const { storage } = db();
      const w = await makeWorld(storage);
      const withId = (await storage.accounts.createMember({ openid: 'openid-c' }, T0)).id;
      await storage.cards.topUp(withId, w.otherStoreId, 5, T0);
      const record = await storage.cards.recordScan(
        scanOf(w, { memberId: withId, storeId: w.otherStoreId, merchantId: w.otherMerchant.id, merchantStoreId: w.otherStoreId, at: T0 + 10 }),
        decideScan,
      );
      if (record.kind !== 'recorded') throw new Error(record.kind);
      expect(await storage.notify.unnotified('tpl-1', T0, T0 + 100, false, 10)).toEqual([candidateOf(record.entry, 'openid-c', 'Store B')]);
    });
  });

  describe('notify: jobs', () => {
    const db = useFreshStorage(open);
    const member = async (storage: Storage) => (await storage.accounts.createMember({ openid: 'openid-a' }, T0)).id;

    it('enqueues one job per entry and template, on every engine and at once', async () => {
      const { storage } = db();
      const m = await member(storage);
      expect(await storage.notify.enqueue(jobOf(m, 1), T0)).toBe(true);
      expect(await storage.notify.enqueue(jobOf(m, 1, { data: {}, dueAt: T0 + 5 }), T0 + 1)).toBe(false);
      expect(await storage.notify.enqueue(jobOf(m, 1, { templateId: 'tpl-2' }), T0)).toBe(true);
      expect(await storage.notify.enqueue(jobOf(m, 1, { storeId: 2 }), T0)).toBe(true);
      const raced = await Promise.all(Array.from({ length: 6 }, () => storage.notify.enqueue(jobOf(m, 2), T0)));
      expect(raced.filter(Boolean)).toHaveLength(1);
      expect(await storage.notify.countJobs()).toEqual({ pending: 4, sent: 0, dropped: 0 });
      // The first enqueue's data stayed.
      const claimed = await storage.notify.claim(T0, 10, CLAIM_MS);
      expect(claimed.find((j) => j.seq === 1 && j.storeId === 1 && j.templateId === 'tpl-1')?.data).toEqual(jobOf(m, 1).data);
    });

    it('claims due jobs oldest first, not again until the claim runs out, counting attempts', async () => {
      const { storage } = db();
      const { notify } = storage;
      const m = await member(storage);
      await notify.enqueue(jobOf(m, 1, { dueAt: T0 + 20 }), T0);
      await notify.enqueue(jobOf(m, 2, { dueAt: T0 + 10 }), T0 + 1);
      await notify.enqueue(jobOf(m, 3, { dueAt: T0 + 1000 }), T0 + 2);
      expect(await notify.claim(T0 + 5, 10, CLAIM_MS)).toEqual([]);
      const [second, first, ...rest] = await notify.claim(T0 + 100, 10, CLAIM_MS);
      expect(rest).toEqual([]);
      expect(second).toEqual({ ...jobOf(m, 2, { dueAt: T0 + 10 }), id: second!.id, attempts: 1, createdAt: T0 + 1 });
      expect(first).toMatchObject({ seq: 1, attempts: 1, createdAt: T0 });
      expect(await notify.claim(T0 + 1000, 10, CLAIM_MS)).toMatchObject([{ seq: 3, attempts: 1 }]);
      expect(await notify.claim(T0 + 100 + CLAIM_MS - 1, 10, CLAIM_MS)).toEqual([]);
      // Claims ran out: claimed again, oldest due first, limited.
      expect(await notify.claim(T0 + 100 + CLAIM_MS, 1, CLAIM_MS)).toMatchObject([{ seq: 2, attempts: 2 }]);
      expect(await notify.claim(T0 + 1000 + CLAIM_MS, 10, CLAIM_MS)).toMatchObject([
        { seq: 1, attempts: 2 },
        { seq: 3, attempts: 2 },
      ]);
    });

    it('settles a job sent, dropped, or due again later', async () => {
      const { storage } = db();
      const { notify } = storage;
      const m = await member(storage);
      for (const seq of [1, 2, 3]) await notify.enqueue(jobOf(m, seq), T0);
      const [sent, dropped, retried] = await notify.claim(T0, 10, CLAIM_MS);
      await notify.settle(sent!.id, { kind: 'sent' }, T0 + 1);
      await notify.settle(dropped!.id, { kind: 'dropped', reason: '43101' }, T0 + 1);
      await notify.settle(retried!.id, { kind: 'retry', retryAt: T0 + 5000, error: 'system busy' }, T0 + 1);
      expect(await notify.countJobs()).toEqual({ pending: 1, sent: 1, dropped: 1 });
      // Due again at retryAt, not before, and not held by the claim it had.
      expect(await notify.claim(T0 + 4999, 10, CLAIM_MS)).toEqual([]);
      expect(await notify.claim(T0 + 5000, 10, CLAIM_MS)).toMatchObject([{ id: retried!.id, attempts: 2, dueAt: T0 + 5000 }]);
      // A settled job stays settled: a late retry of it does not bring it back.
      await notify.settle(sent!.id, { kind: 'retry', retryAt: T0, error: 'late' }, T0 + 6000);
      await notify.settle(retried!.id, { kind: 'sent' }, T0 + 6000);
      expect(await notify.claim(T0 + 10 * CLAIM_MS, 10, CLAIM_MS)).toEqual([]);
      expect(await notify.countJobs()).toEqual({ pending: 0, sent: 2, dropped: 1 });
    });

    it('never gives one job to two claims at once', async () => {
      const { storage } = db();
      const m = await member(storage);
      const ids = new Set<number>();
      for (let seq = 1; seq <= 20; seq++) await storage.notify.enqueue(jobOf(m, seq, { dueAt: T0 + seq }), T0);
      const [a, b] = await Promise.all([storage.notify.claim(T0 + 100, 20, CLAIM_MS), storage.notify.claim(T0 + 100, 20, CLAIM_MS)]);
      for (const job of [...a!, ...b!]) ids.add(job.id);
      expect(ids.size).toBe(a!.length + b!.length);
      expect(ids.size).toBe(20);

      // Small claims in pairs until none is left (bounded): still each job once.
      const later = T0 + 100 + CLAIM_MS;
      const seen: number[] = [];
      for (let round = 0; round < 25; round++) {
        const pair = await Promise.all([storage.notify.claim(later, 3, CLAIM_MS), storage.notify.claim(later, 3, CLAIM_MS)]);
        const got = pair.flat();
        if (got.length === 0) break;
        seen.push(...got.map((j) => j.id));
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
    });
  });

  describe('notify: access token', () => {
    const db = useFreshStorage(open);

    it('leases the refresh to one holder at a time, until it runs out or the token is put', async () => {
      const { notify } = db().storage;
      const token = { token: 'tok-1', expiresAt: T0 + 7_200_000, fetchedAt: T0 + 50 };
      expect(await notify.accessToken()).toBeUndefined();
      expect(await notify.leaseTokenRefresh('node-a', T0, T0 + 1000)).toBe(true);
      expect(await notify.accessToken()).toBeUndefined();
      expect(await notify.leaseTokenRefresh('node-b', T0 + 10, T0 + 1010)).toBe(false);
      expect(await notify.leaseTokenRefresh('node-a', T0 + 10, T0 + 1010)).toBe(false);
      // node-a's lease ran out: node-b takes it.
      expect(await notify.leaseTokenRefresh('node-b', T0 + 1000, T0 + 2000)).toBe(true);
      expect(await notify.leaseTokenRefresh('node-a', T0 + 1001, T0 + 2001)).toBe(false);
      await notify.putAccessToken(token, 'node-b');
      expect(await notify.accessToken()).toEqual(token);
      expect(await notify.leaseTokenRefresh('node-c', T0 + 1002, T0 + 3000)).toBe(true);
      // A token put by another node is kept, and does not end node-c's lease.
      const late = { token: 'tok-2', expiresAt: T0 + 7_300_000, fetchedAt: T0 + 1003 };
      await notify.putAccessToken(late, 'node-b');
      expect(await notify.accessToken()).toEqual(late);
      expect(await notify.leaseTokenRefresh('node-d', T0 + 1004, T0 + 3000)).toBe(false);
    });

    it('gives the lease to exactly one of several nodes asking at once', async () => {
      const { notify } = db().storage;
      await notify.putAccessToken({ token: 'tok-1', expiresAt: T0 + 1000, fetchedAt: T0 }, 'nobody');
      const got = await Promise.all(Array.from({ length: 6 }, (_, i) => notify.leaseTokenRefresh(`node-${i}`, T0 + 900, T0 + 5000)));
      expect(got.filter(Boolean)).toHaveLength(1);
      const fresh = await Promise.all(Array.from({ length: 6 }, (_, i) => notify.leaseTokenRefresh(`node-${i}`, T0 + 5000, T0 + 9000)));
      expect(fresh.filter(Boolean)).toHaveLength(1);
    });
  });
}
