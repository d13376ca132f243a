import { describe, expect, it } from 'vitest';
import { T0, useFreshStorage, type OpenStorage } from './harness.js';

export function accountsContract(open: OpenStorage): void {
  describe('accounts', () => {
    const db = useFreshStorage(open);

    it('creates stores, with the id it is given or one of its own', async () => {
      const { accounts } = db().storage;
      const fixture = await accounts.createStore('Demo car wash', T0, 2);
      expect(fixture).toEqual({ id: 2, name: 'Demo car wash' });
      const picked = await accounts.createStore('Other', T0);
      expect(picked.id).not.toBe(2);
      expect(await accounts.getStore(picked.id)).toEqual({ id: picked.id, name: 'Other' });
      expect(await accounts.getStore(9999)).toBeUndefined();
      await expect(accounts.createStore('again', T0, 2)).rejects.toThrow();
    });

    it('creates members, found by id and by openid; an openid belongs to one member', async () => {
      const { accounts } = db().storage;
      const named = await accounts.createMember({ name: 'Ann' }, T0);
      expect(await accounts.getMember(named.id)).toEqual({ id: named.id, name: 'Ann' });
      const wx = await accounts.createMember({ openid: 'o-123' }, T0);
      expect(wx.name).toBeNull();
      expect(await accounts.findMemberByOpenid('o-123')).toEqual({ id: wx.id });
      expect(await accounts.findMemberByOpenid('o-none')).toBeUndefined();
      expect(await accounts.getMember(9999)).toBeUndefined();
      // A first login racing another: the loser's insert fails, and it finds the winner's member.
      await expect(accounts.createMember({ openid: 'o-123' }, T0)).rejects.toThrow();
      expect((await accounts.createMember({ id: 17, name: 'fixture' }, T0)).id).toBe(17);
    });

    it('finds a session only while it is live: not expired, not revoked', async () => {
      const { accounts } = db().storage;
      const member = await accounts.createMember({}, T0);
      const other = await accounts.createMember({}, T0);
      const first = await accounts.createSession(member.id, 'h1', T0, T0 + 1000);
      await accounts.createSession(member.id, 'h2', T0, T0 + 1000);
      await accounts.createSession(other.id, 'h3', T0, T0 + 1000);
      expect(await accounts.findSession('h1', T0 + 999)).toEqual({ id: first.id, memberId: member.id });
      expect(await accounts.findSession('h1', T0 + 1000)).toBeUndefined();
      expect(await accounts.findSession('nope', T0)).toBeUndefined();

      expect(await accounts.revokeSession('h1', T0 + 1)).toBe(true);
      expect(await accounts.revokeSession('h1', T0 + 2)).toBe(false);
      expect(await accounts.findSession('h1', T0 + 3)).toBeUndefined();
      expect(await accounts.findSession('h2', T0 + 3)).toBeDefined();

      expect(await accounts.revokeMemberSessions(member.id, T0 + 4)).toBe(1);
      expect(await accounts.revokeMemberSessions(member.id, T0 + 5)).toBe(0);
      expect(await accounts.findSession('h2', T0 + 6)).toBeUndefined();
      expect(await accounts.findSession('h3', T0 + 6)).toBeDefined();
    });

    it('keeps merchant keys by id and revokes them for good', async () => {
      const { accounts } = db().storage;
      const store = await accounts.createStore('s', T0);
      const merchant = await accounts.createMerchant(store.id, 'counter', 'abc123', T0);
      expect(await accounts.getMerchant(merchant.id)).toEqual({ id: merchant.id, storeId: store.id, keyHash: 'abc123', revoked: false });
      expect(await accounts.revokeMerchant(merchant.id, T0 + 1)).toBe(true);
      expect((await accounts.getMerchant(merchant.id))?.revoked).toBe(true);
      // Revoking again still names an existing merchant; an unknown id does not.
      expect(await accounts.revokeMerchant(merchant.id, T0 + 2)).toBe(true);
      expect(await accounts.revokeMerchant(9999, T0)).toBe(false);
      expect(await accounts.getMerchant(9999)).toBeUndefined();
    });
  });
}
