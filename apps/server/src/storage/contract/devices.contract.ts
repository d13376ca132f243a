import { describe, expect, it } from 'vitest';
import type { Storage } from '../storage.js';
import { T0, useFreshStorage, type OpenStorage } from './harness.js';

/** Two members; the first signed in with one session. */
async function twoMembers(storage: Storage) {
  const member = await storage.accounts.createMember({ name: 'Ann' }, T0);
  const other = await storage.accounts.createMember({ name: 'Bo' }, T0);
  const session = await storage.accounts.createSession(member.id, 'token-hash-1', T0, T0 + 3_600_000);
  return { memberId: member.id, otherId: other.id, sessionId: session.id };
}

const device = (memberId: number, sessionId: number | null, name: string | null = null, salt = 'aa'.repeat(16)) => ({
  memberId,
  sessionId,
  name,
  salt,
  keyId: '0123456789abcdef',
});

export function devicesContract(open: OpenStorage): void {
  describe('member devices', () => {
    const db = useFreshStorage(open);

    it('keeps a device as enrolled, listed newest first per member, revoked ones too', async () => {
      const { storage } = db();
      const { memberId, otherId, sessionId } = await twoMembers(storage);
      const first = await storage.devices.enrol(device(memberId, sessionId, 'iPhone'), T0 + 1);
      const second = await storage.devices.enrol(device(memberId, null, null, 'bb'.repeat(16)), T0 + 2);
      await storage.devices.enrol(device(otherId, null), T0 + 3);
      const expected = { id: first.id, memberId, sessionId, name: 'iPhone', salt: 'aa'.repeat(16), keyId: '0123456789abcdef', createdAt: T0 + 1, revokedAt: null };
      expect(await storage.devices.get(first.id)).toEqual(expected);
      expect(await storage.devices.get(9999)).toBeUndefined();
      expect(await storage.devices.revoke(memberId, first.id, T0 + 4)).toBe(true);
      expect(await storage.devices.list(memberId)).toEqual([
        { ...expected, id: second.id, sessionId: null, name: null, salt: 'bb'.repeat(16), createdAt: T0 + 2 },
        { ...expected, revokedAt: T0 + 4 },
      ]);
      expect(await storage.devices.list(9999)).toEqual([]);
    });

    it('revokes only the member’s own device, and only once', async () => {
      const { storage } = db();
      const { memberId, otherId } = await twoMembers(storage);
      const { id } = await storage.devices.enrol(device(memberId, null), T0);
      expect(await storage.devices.revoke(otherId, id, T0 + 1)).toBe(false);
      expect(await storage.devices.revoke(memberId, 9999, T0 + 1)).toBe(false);
      expect((await storage.devices.get(id))?.revokedAt).toBeNull();
      expect(await storage.devices.revoke(memberId, id, T0 + 2)).toBe(true);
      // A second revocation neither succeeds nor moves the first one's time.
      expect(await storage.devices.revoke(memberId, id, T0 + 3)).toBe(false);
      expect((await storage.devices.get(id))?.revokedAt).toBe(T0 + 2);
    });

    it('revokes the live devices a session enrolled, and no others', async () => {
      const { storage } = db();
      const { memberId, otherId, sessionId } = await twoMembers(storage);
      const otherSession = await storage.accounts.createSession(memberId, 'token-hash-2', T0, T0 + 3_600_000);
      const a = await storage.devices.enrol(device(memberId, sessionId), T0);
      const b = await storage.devices.enrol(device(memberId, sessionId), T0);
      const c = await storage.devices.enrol(device(memberId, sessionId), T0);
      const elsewhere = await storage.devices.enrol(device(memberId, otherSession.id), T0);
      const unbound = await storage.devices.enrol(device(memberId, null), T0);
      const othersDevice = await storage.devices.enrol(device(otherId, null), T0);
      await storage.devices.revoke(memberId, c.id, T0 + 1);
      expect(await storage.devices.revokeForSession(sessionId, T0 + 2)).toBe(2);
      expect(await storage.devices.revokeForSession(sessionId, T0 + 3)).toBe(0);
      const revokedAt = async (id: number) => (await storage.devices.get(id))?.revokedAt;
      expect([await revokedAt(a.id), await revokedAt(b.id), await revokedAt(c.id)]).toEqual([T0 + 2, T0 + 2, T0 + 1]);
      expect([await revokedAt(elsewhere.id), await revokedAt(unbound.id), await revokedAt(othersDevice.id)]).toEqual([null, null, null]);
    });

    it('revokes every live device of the member, counting each once', async () => {
      const { storage } = db();
      const { memberId, otherId, sessionId } = await twoMembers(storage);
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await storage.devices.enrol(device(memberId, i === 0 ? sessionId : null), T0)).id);
      const othersDevice = await storage.devices.enrol(device(otherId, null), T0);
      await storage.devices.revoke(memberId, ids[0]!, T0 + 1);
      expect(await storage.devices.revokeAll(memberId, T0 + 2)).toBe(2);
      expect(await storage.devices.revokeAll(memberId, T0 + 3)).toBe(0);
      expect((await storage.devices.list(memberId)).map((d) => d.revokedAt)).toEqual([T0 + 2, T0 + 2, T0 + 1]);
      expect((await storage.devices.get(othersDevice.id))?.revokedAt).toBeNull();
      expect(await storage.devices.revokeAll(9999, T0)).toBe(0);
    });

    it('refuses a device of no member', async () => {
      const { storage } = db();
      await expect(storage.devices.enrol(device(9999, null), T0)).rejects.toThrow();
    });
  });
}
