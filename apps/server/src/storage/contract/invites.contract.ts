import { describe, expect, it } from 'vitest';
import type { Storage } from '../storage.js';
import { T0, useFreshStorage, type OpenStorage } from './harness.js';

const N = 12;
const MINUTE = 60_000;

/** A store with one invite valid for a minute from T0. */
async function storeWithInvite(storage: Storage, codeHash = 'code-hash-1') {
  const store = await storage.accounts.createStore('Wash', T0);
  const invite = await storage.invites.createInvite({ storeId: store.id, name: 'night shift', codeHash, expiresAt: T0 + MINUTE }, T0);
  return { storeId: store.id, inviteId: invite.id };
}

export function invitesContract(open: OpenStorage): void {
  describe('staff invites', () => {
    const db = useFreshStorage(open);

    it('keeps an invite as created, listed newest first per store', async () => {
      const { storage } = db();
      const { storeId, inviteId } = await storeWithInvite(storage);
      const other = await storage.accounts.createStore('Other', T0);
      const second = await storage.invites.createInvite({ storeId, name: null, codeHash: 'code-hash-2', expiresAt: T0 + 2 * MINUTE }, T0 + 1);
      await storage.invites.createInvite({ storeId: other.id, name: null, codeHash: 'code-hash-3', expiresAt: T0 + MINUTE }, T0);
      const first = { id: inviteId, storeId, name: 'night shift', createdAt: T0, expiresAt: T0 + MINUTE, redeemedAt: null, merchantId: null, revokedAt: null };
      expect(await storage.invites.getInvite(inviteId)).toEqual(first);
      expect(await storage.invites.listInvites(storeId)).toEqual([
        { ...first, id: second.id, name: null, createdAt: T0 + 1, expiresAt: T0 + 2 * MINUTE },
        first,
      ]);
      expect(await storage.invites.getInvite(9999)).toBeUndefined();
      expect(await storage.invites.listInvites(9999)).toEqual([]);
      // A code hash names one invite.
      await expect(storage.invites.createInvite({ storeId, name: null, codeHash: 'code-hash-1', expiresAt: T0 + MINUTE }, T0)).rejects.toThrow();
    });

    it('redeems once: creates the device’s staff credential and marks the invite with it', async () => {
      const { storage } = db();
      const { storeId, inviteId } = await storeWithInvite(storage);
      const redeemed = await storage.invites.redeemInvite('code-hash-1', 'iPhone 15', 'key-hash', T0 + 10);
      expect(redeemed).toEqual({ ok: true, merchantId: expect.any(Number), storeId, storeName: 'Wash', inviteId });
      if (!redeemed.ok) return;
      expect(await storage.accounts.getMerchant(redeemed.merchantId)).toEqual({ id: redeemed.merchantId, storeId, keyHash: 'key-hash', revoked: false });
      expect(await storage.invites.getInvite(inviteId)).toMatchObject({ redeemedAt: T0 + 10, merchantId: redeemed.merchantId, revokedAt: null });
      expect(await storage.invites.listStaff(storeId)).toEqual([{ id: redeemed.merchantId, storeId, name: 'iPhone 15', createdAt: T0 + 10, revokedAt: null }]);
      // The second redeem is refused and writes nothing.
      expect(await storage.invites.redeemInvite('code-hash-1', 'Pixel', 'key-hash-2', T0 + 11)).toEqual({ ok: false, reason: 'used' });
      expect(await storage.invites.listStaff(storeId)).toHaveLength(1);
    });

    it('refuses an unknown code, an expired invite and a revoked one, writing nothing', async () => {
      const { storage } = db();
      const { storeId, inviteId } = await storeWithInvite(storage);
      expect(await storage.invites.redeemInvite('no-such-hash', 'd', 'k', T0)).toEqual({ ok: false, reason: 'unknown' });
      // Valid up to, not at, its expiry.
      expect(await storage.invites.redeemInvite('code-hash-1', 'd', 'k', T0 + MINUTE)).toEqual({ ok: false, reason: 'expired' });
      expect(await storage.invites.revokeInvite(inviteId, T0 + 5)).toMatchObject({ id: inviteId, revokedAt: T0 + 5 });
      expect(await storage.invites.redeemInvite('code-hash-1', 'd', 'k', T0 + 6)).toEqual({ ok: false, reason: 'revoked' });
      expect(await storage.invites.listStaff(storeId)).toEqual([]);
      expect(await storage.invites.getInvite(inviteId)).toMatchObject({ redeemedAt: null, merchantId: null });
    });

    it('revokes an open invite once; a redeemed one stays redeemed; an unknown one is undefined', async () => {
      const { storage } = db();
      const { storeId, inviteId } = await storeWithInvite(storage);
      expect(await storage.invites.revokeInvite(inviteId, T0 + 1)).toMatchObject({ revokedAt: T0 + 1 });
      // Revoked before: the first time stays.
      expect(await storage.invites.revokeInvite(inviteId, T0 + 2)).toMatchObject({ revokedAt: T0 + 1 });
      const open = await storage.invites.createInvite({ storeId, name: null, codeHash: 'code-hash-2', expiresAt: T0 + MINUTE }, T0);
      await storage.invites.redeemInvite('code-hash-2', 'd', 'k', T0 + 3);
      expect(await storage.invites.revokeInvite(open.id, T0 + 4)).toMatchObject({ redeemedAt: T0 + 3, revokedAt: null });
      expect(await storage.invites.revokeInvite(9999, T0)).toBeUndefined();
    });

    it('lists every staff credential of a store, invited or created by key, revoked ones too', async () => {
      const { storage } = db();
      const { storeId } = await storeWithInvite(storage);
      const other = await storage.accounts.createStore('Other', T0);
      const byKey = await storage.accounts.createMerchant(storeId, 'counter', 'h0', T0);
      await storage.accounts.createMerchant(other.id, 'elsewhere', 'h9', T0);
      const invited = await storage.invites.redeemInvite('code-hash-1', 'Pixel 8', 'h1', T0 + 1);
      await storage.accounts.revokeMerchant(byKey.id, T0 + 2);
      expect(await storage.invites.listStaff(storeId)).toEqual([
        { id: byKey.id, storeId, name: 'counter', createdAt: T0, revokedAt: T0 + 2 },
        { id: invited.ok ? invited.merchantId : -1, storeId, name: 'Pixel 8', createdAt: T0 + 1, revokedAt: null },
      ]);
    });

    it(`of one code, ${N} redeems at once: exactly one credential, every other answered used`, async () => {
      const { storage } = db();
      const { storeId, inviteId } = await storeWithInvite(storage);
      const answers = await Promise.all(
        Array.from({ length: N }, (_, i) => storage.invites.redeemInvite('code-hash-1', `device ${i}`, `key-hash-${i}`, T0 + 1)),
      );
      const winners = answers.filter((a) => a.ok);
      expect(winners).toHaveLength(1);
      expect(answers.filter((a) => !a.ok)).toEqual(Array.from({ length: N - 1 }, () => ({ ok: false, reason: 'used' })));
      const staff = await storage.invites.listStaff(storeId);
      expect(staff).toHaveLength(1);
      expect((await storage.invites.getInvite(inviteId))?.merchantId).toBe(staff[0]!.id);
    });
  });
}
