import { describe, expect, it } from 'vitest';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

describe('owner passwords', () => {
  it('verifies the password a hash was made from, and no other', async () => {
    const stored = await hashPassword('洗车店 correct horse');
    expect(stored).toMatch(/^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('洗车店 correct horse', stored)).toBe(true);
    expect(await verifyPassword('洗车店 correct hors', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts: one password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', b)).toBe(true);
  });

  it('reads the cost from the stored string, so a hash made at another cost still verifies', async () => {
    const stored = await hashPassword('cost travels');
    const [, , r, p, salt] = stored.split('$');
    // A hash at 2^14 of the same salt, made the way hashPassword would have at that cost.
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync('cost travels', Buffer.from(salt!, 'base64url'), 32, { N: 2 ** 14, r: Number(r), p: Number(p) });
    expect(await verifyPassword('cost travels', `scrypt$14$${r}$${p}$${salt}$${key.toString('base64url')}`)).toBe(true);
  });

  it('refuses stored strings of no known form or of absurd cost, without deriving anything', async () => {
    const stored = await hashPassword('pw-0123456789');
    for (const bad of ['', 'plain', stored.replace('scrypt$17', 'scrypt$30'), stored.replace('scrypt$', 'bcrypt$'), `${stored}$extra`]) {
      expect(await verifyPassword('pw-0123456789', bad)).toBe(false);
    }
  });

  it('a decoy hash exists for unknown logins and matches no guess', async () => {
    expect(await verifyPassword('password1234', await decoyHash())).toBe(false);
  });
});
