import { describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../office.js';
import type { Storage } from '../storage.js';
import { T0, useFreshStorage, type OpenStorage } from './harness.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** A shop with one owner, `login` / hash 'pw-1'. */
async function shopWithOwner(storage: Storage, login = 'li@wash') {
  const shop = await storage.office.createShop('Li’s Wash', T0);
  const created = await storage.office.createOwner({ shopId: shop.id, login, name: 'Li', passwordHash: 'pw-1' }, T0);
  if (!created.ok) throw new Error('expected an owner');
  return { shop, owner: created.owner };
}

const session = (ownerId: number, tokenHash: string, expiresAt = T0 + HOUR) => ({ ownerId, tokenHash, userAgent: 'Firefox', client: '10.0.0.1', expiresAt });

function auditOf(over: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: T0,
    actor: { kind: 'operator' },
    actorName: null,
    shopId: null,
    storeId: null,
    action: 'shop.create',
    subject: null,
    device: null,
    client: null,
    detail: null,
    ...over,
  };
}

export function officeContract(open: OpenStorage): void {
  describe('office: shops and owners', () => {
    const db = useFreshStorage(open);

    it('keeps shops, oldest first, with their counts of stores and owners', async () => {
      const { storage } = db();
      const { shop } = await shopWithOwner(storage);
      const empty = await storage.office.createShop('Empty', T0 + 1);
      expect(shop).toEqual({ id: expect.any(Number), name: 'Li’s Wash', createdAt: T0 });
      expect(await storage.office.getShop(shop.id)).toEqual(shop);
      expect(await storage.office.getShop(9999)).toBeUndefined();
      const store = await storage.accounts.createStore('Wash 1', T0);
      expect(await storage.office.setStoreShop(store.id, shop.id)).toBe(true);
      expect(await storage.office.listShops()).toEqual([
        { ...shop, stores: 1, owners: 1 },
        { ...empty, stores: 0, owners: 0 },
      ]);
    });

    it('puts a store into a shop and out again; an unknown store is false / undefined', async () => {
      const { storage } = db();
      const { shop } = await shopWithOwner(storage);
      const other = await storage.office.createShop('Other', T0);
      const a = await storage.accounts.createStore('A', T0);
      const b = await storage.accounts.createStore('B', T0 + 1);
      const c = await storage.accounts.createStore('C', T0 + 2);
      expect(await storage.office.storeShop(a.id)).toBeNull();
      expect(await storage.office.setStoreShop(b.id, shop.id)).toBe(true);
      expect(await storage.office.setStoreShop(a.id, shop.id)).toBe(true);
      expect(await storage.office.setStoreShop(c.id, other.id)).toBe(true);
      expect(await storage.office.storeShop(a.id)).toBe(shop.id);
      expect(await storage.office.listShopStores(shop.id)).toEqual([
        { id: a.id, name: 'A', createdAt: T0 },
        { id: b.id, name: 'B', createdAt: T0 + 1 },
      ]);
      expect(await storage.office.setStoreShop(a.id, null)).toBe(true);
      expect(await storage.office.storeShop(a.id)).toBeNull();
      expect((await storage.office.listShopStores(shop.id)).map((s) => s.id)).toEqual([b.id]);
      expect(await storage.office.setStoreShop(9999, shop.id)).toBe(false);
      expect(await storage.office.storeShop(9999)).toBeUndefined();
      // A store made in the shop is in it from its first moment, and a store like any other.
      const made = await storage.office.createShopStore(shop.id, '东门店', T0 + 3);
      expect(made).toEqual({ id: expect.any(Number), name: '东门店' });
      expect(await storage.accounts.getStore(made.id)).toEqual({ id: made.id, name: '东门店' });
      expect(await storage.office.storeShop(made.id)).toBe(shop.id);
      expect((await storage.office.listShopStores(shop.id)).map((s) => s.id)).toEqual([b.id, made.id]);
      // A shop that does not exist is refused by its foreign key.
      await expect(storage.office.setStoreShop(a.id, 9999)).rejects.toThrow();
      expect(await storage.office.storeShop(a.id)).toBeNull();
    });

    it('creates owners with a unique login: a second is login-taken and writes nothing', async () => {
      const { storage } = db();
      const { shop, owner } = await shopWithOwner(storage);
      expect(owner).toEqual({ id: expect.any(Number), shopId: shop.id, login: 'li@wash', name: 'Li', createdAt: T0, disabledAt: null });
      expect(await storage.office.getOwner(owner.id)).toEqual(owner);
      expect(await storage.office.getOwner(9999)).toBeUndefined();
      const other = await storage.office.createShop('Other', T0);
      expect(await storage.office.createOwner({ shopId: other.id, login: 'li@wash', name: 'Not Li', passwordHash: 'x' }, T0 + 1)).toEqual({
        ok: false,
        reason: 'login-taken',
      });
      const second = await storage.office.createOwner({ shopId: shop.id, login: 'wang', name: 'Wang', passwordHash: 'pw-2' }, T0 + 2);
      expect(second.ok).toBe(true);
      expect((await storage.office.listOwners(shop.id)).map((o) => o.login)).toEqual(['li@wash', 'wang']);
      expect(await storage.office.listOwners(other.id)).toEqual([]);
    });

    it('of two owners created at once with one login, exactly one is created', async () => {
      const { storage } = db();
      const shop = await storage.office.createShop('S', T0);
      const results = await Promise.all(
        ['A', 'B'].map((name) => storage.office.createOwner({ shopId: shop.id, login: 'same', name, passwordHash: 'h' }, T0)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'login-taken' }]);
      expect(await storage.office.listOwners(shop.id)).toHaveLength(1);
    });

    it('finds an owner by login with the hash, disabled ones too; replaces the hash', async () => {
      const { storage } = db();
      const { owner } = await shopWithOwner(storage);
      expect(await storage.office.findOwnerByLogin('li@wash')).toEqual({ ...owner, passwordHash: 'pw-1' });
      // Compared as given: the edge lower-cases.
      expect(await storage.office.findOwnerByLogin('LI@WASH')).toBeUndefined();
      expect(await storage.office.setOwnerPassword(owner.id, 'pw-2')).toBe(true);
      expect(await storage.office.setOwnerPassword(9999, 'pw-2')).toBe(false);
      expect(await storage.office.setOwnerDisabled(owner.id, true, T0 + 5)).toBe(true);
      // Disabled again: the first time stays.
      expect(await storage.office.setOwnerDisabled(owner.id, true, T0 + 6)).toBe(true);
      expect(await storage.office.findOwnerByLogin('li@wash')).toEqual({ ...owner, disabledAt: T0 + 5, passwordHash: 'pw-2' });
      expect(await storage.office.setOwnerDisabled(owner.id, false, T0 + 7)).toBe(true);
      expect(await storage.office.getOwner(owner.id)).toEqual(owner);
      expect(await storage.office.setOwnerDisabled(9999, true, T0)).toBe(false);
    });
  });

  describe('office: owner sessions', () => {
    const db = useFreshStorage(open);

    it('finds a live session with its owner until it expires; not a disabled owner’s', async () => {
      const { storage } = db();
      const { owner } = await shopWithOwner(storage);
      const { id } = await storage.office.createOwnerSession(session(owner.id, 'tok-1'), T0);
      const expected = { id, ownerId: owner.id, userAgent: 'Firefox', client: '10.0.0.1', createdAt: T0, lastSeenAt: T0, expiresAt: T0 + HOUR };
      expect(await storage.office.findOwnerSession('tok-1', T0 + 1)).toEqual({ session: expected, owner });
      expect(await storage.office.findOwnerSession('no-such', T0 + 1)).toBeUndefined();
      // Live up to, not at, its expiry.
      expect(await storage.office.findOwnerSession('tok-1', T0 + HOUR - 1)).toMatchObject({ session: { id } });
      expect(await storage.office.findOwnerSession('tok-1', T0 + HOUR)).toBeUndefined();
      await storage.office.setOwnerDisabled(owner.id, true, T0 + 2);
      expect(await storage.office.findOwnerSession('tok-1', T0 + 3)).toBeUndefined();
      await storage.office.setOwnerDisabled(owner.id, false, T0 + 4);
      expect(await storage.office.findOwnerSession('tok-1', T0 + 5)).toMatchObject({ session: { id } });
      // A token hash names one session.
      await expect(storage.office.createOwnerSession(session(owner.id, 'tok-1'), T0)).rejects.toThrow();
    });

    it('marks a session seen at most once a minute', async () => {
      const { storage } = db();
      const { owner } = await shopWithOwner(storage);
      await storage.office.createOwnerSession(session(owner.id, 'tok'), T0);
      const seen = async (now: number) => (await storage.office.findOwnerSession('tok', now))?.session.lastSeenAt;
      expect(await seen(T0 + MINUTE - 1)).toBe(T0);
      expect(await seen(T0 + MINUTE)).toBe(T0 + MINUTE);
      expect(await seen(T0 + MINUTE + 30_000)).toBe(T0 + MINUTE);
      expect((await storage.office.listOwnerSessions(owner.id, T0 + MINUTE + 30_000))[0]?.lastSeenAt).toBe(T0 + MINUTE);
      expect(await seen(T0 + 2 * MINUTE + 5)).toBe(T0 + 2 * MINUTE + 5);
      expect((await storage.office.listOwnerSessions(owner.id, T0 + 2 * MINUTE + 5))[0]?.lastSeenAt).toBe(T0 + 2 * MINUTE + 5);
    });

    it('lists live sessions newest first; revokes one of the owner’s, never another owner’s', async () => {
      const { storage } = db();
      const { shop, owner } = await shopWithOwner(storage);
      const other = await storage.office.createOwner({ shopId: shop.id, login: 'wang', name: 'Wang', passwordHash: 'h' }, T0);
      if (!other.ok) throw new Error('expected an owner');
      const a = await storage.office.createOwnerSession(session(owner.id, 'a'), T0);
      const b = await storage.office.createOwnerSession(session(owner.id, 'b'), T0 + 1);
      await storage.office.createOwnerSession(session(owner.id, 'short', T0 + 10), T0 + 2);
      const theirs = await storage.office.createOwnerSession(session(other.owner.id, 'c'), T0);
      expect((await storage.office.listOwnerSessions(owner.id, T0 + 5)).map((s) => s.id)).toHaveLength(3);
      expect((await storage.office.listOwnerSessions(owner.id, T0 + 10)).map((s) => s.id)).toEqual([b.id, a.id]);
      expect(await storage.office.revokeOwnerSession(owner.id, theirs.id, T0 + 20)).toBe(false);
      expect(await storage.office.findOwnerSession('c', T0 + 21)).toBeDefined();
      expect(await storage.office.revokeOwnerSession(owner.id, a.id, T0 + 20)).toBe(true);
      expect(await storage.office.revokeOwnerSession(owner.id, a.id, T0 + 21)).toBe(false);
      expect(await storage.office.findOwnerSession('a', T0 + 22)).toBeUndefined();
      expect((await storage.office.listOwnerSessions(owner.id, T0 + 22)).map((s) => s.id)).toEqual([b.id]);
    });

    it('revokes every live session of the owner but the one asking, and counts them', async () => {
      const { storage } = db();
      const { shop, owner } = await shopWithOwner(storage);
      const other = await storage.office.createOwner({ shopId: shop.id, login: 'wang', name: 'Wang', passwordHash: 'h' }, T0);
      if (!other.ok) throw new Error('expected an owner');
      const keep = await storage.office.createOwnerSession(session(owner.id, 'keep'), T0);
      await storage.office.createOwnerSession(session(owner.id, 'x'), T0);
      await storage.office.createOwnerSession(session(owner.id, 'y'), T0);
      await storage.office.createOwnerSession(session(owner.id, 'expired', T0 + 5), T0);
      await storage.office.createOwnerSession(session(other.owner.id, 'theirs'), T0);
      expect(await storage.office.revokeOwnerSessions(owner.id, T0 + 10, keep.id)).toBe(2);
      expect((await storage.office.listOwnerSessions(owner.id, T0 + 11)).map((s) => s.id)).toEqual([keep.id]);
      expect(await storage.office.findOwnerSession('theirs', T0 + 11)).toBeDefined();
      expect(await storage.office.revokeOwnerSessions(owner.id, T0 + 12)).toBe(1);
      expect(await storage.office.listOwnerSessions(owner.id, T0 + 13)).toEqual([]);
    });
  });

  describe('office: audit log and store cards', () => {
    const db = useFreshStorage(open);

    it('keeps audit entries as given, listed newest first by store and by shop, paged by `before`', async () => {
      const { storage } = db();
      const { shop, owner } = await shopWithOwner(storage);
      const a = await storage.accounts.createStore('A', T0);
      const b = await storage.accounts.createStore('B', T0);
      const byOwner = auditOf({
        actor: { kind: 'owner', ownerId: owner.id, sessionId: 7 },
        actorName: 'Li',
        shopId: shop.id,
        storeId: a.id,
        action: 'product.create',
        subject: 'product:3',
        device: 'Firefox',
        client: '10.0.0.1',
        detail: { name: '10次卡', priceFen: 9900, nested: { ok: true } },
      });
      await storage.office.recordAudit(auditOf({ shopId: shop.id }));
      await storage.office.recordAudit(byOwner);
      await storage.office.recordAudit(auditOf({ actor: { kind: 'staff', merchantId: 12 }, actorName: 'iPhone', shopId: shop.id, storeId: b.id, action: 'reversal', at: T0 + 1 }));
      await storage.office.recordAudit(auditOf({ storeId: a.id, action: 'staff.revoke', at: T0 + 2 }));
      await storage.office.recordAudit(auditOf({ shopId: 9999, storeId: 9999, action: 'elsewhere' }));

      const ofA = await storage.office.listAudit({ storeId: a.id }, 10);
      expect(ofA.map((e) => e.action)).toEqual(['staff.revoke', 'product.create']);
      expect(ofA[1]).toEqual({ ...byOwner, id: expect.any(Number) });
      const ofShop = await storage.office.listAudit({ shopId: shop.id }, 10);
      expect(ofShop.map((e) => e.action)).toEqual(['reversal', 'product.create', 'shop.create']);
      expect(ofShop[0]).toMatchObject({ actor: { kind: 'staff', merchantId: 12 }, actorName: 'iPhone', detail: null });
      expect(ofShop[2]).toMatchObject({ actor: { kind: 'operator' }, storeId: null });
      // Paging: at most `limit`, then those with a smaller id than the last seen.
      const [first] = await storage.office.listAudit({ shopId: shop.id }, 1);
      expect(first!.action).toBe('reversal');
      const next = await storage.office.listAudit({ shopId: shop.id }, 1, first!.id);
      expect(next.map((e) => e.action)).toEqual(['product.create']);
      expect(await storage.office.listAudit({ shopId: shop.id }, 10, ofShop[2]!.id)).toEqual([]);
      expect(await storage.office.listAudit({ storeId: 12345 }, 10)).toEqual([]);
    });

    it('lists a store’s cards most recently changed first, at most `limit`, or one member’s', async () => {
      const { storage } = db();
      const store = await storage.accounts.createStore('A', T0);
      const other = await storage.accounts.createStore('B', T0);
      const ann = await storage.accounts.createMember({ name: 'Ann' }, T0);
      const bob = await storage.accounts.createMember({ name: null }, T0);
      const cat = await storage.accounts.createMember({ name: 'Cat' }, T0);
      await storage.cards.topUp(ann.id, store.id, 3, T0 + 2);
      await storage.cards.topUp(bob.id, store.id, 5, T0 + 1);
      await storage.cards.topUp(cat.id, store.id, 1, T0 + 2);
      await storage.cards.topUp(ann.id, other.id, 9, T0 + 9);
      const cards = await storage.office.listStoreCards(store.id, 10);
      // Same time: the higher member id first.
      expect(cards).toEqual([
        { memberId: cat.id, memberName: 'Cat', remaining: 1, expiresAt: null, updatedAt: T0 + 2 },
        { memberId: ann.id, memberName: 'Ann', remaining: 3, expiresAt: null, updatedAt: T0 + 2 },
        { memberId: bob.id, memberName: null, remaining: 5, expiresAt: null, updatedAt: T0 + 1 },
      ]);
      expect(await storage.office.listStoreCards(store.id, 2)).toEqual(cards.slice(0, 2));
      expect(await storage.office.listStoreCards(store.id, 10, bob.id)).toEqual([cards[2]]);
      expect(await storage.office.listStoreCards(other.id, 10, bob.id)).toEqual([]);
      expect(await storage.office.listStoreCards(9999, 10)).toEqual([]);
    });
  });
}
