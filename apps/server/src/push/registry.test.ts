import { describe, expect, it } from 'vitest';
import { ConnectionRegistry } from './registry.js';

type Conn = { memberId: number; storeId: number; name: string };
const conn = (memberId: number, storeId: number, name: string): Conn => ({ memberId, storeId, name });
const names = (conns: Iterable<Conn>) => [...conns].map((c) => c.name);

describe('ConnectionRegistry', () => {
  it('keeps at most the cap per member and store, evicting the oldest first', () => {
    const r = new ConnectionRegistry<Conn>(2);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => conn(1, 10, n)) as [Conn, Conn, Conn, Conn];
    expect(r.add(a)).toEqual([]);
    expect(r.add(b)).toEqual([]);
    expect(r.add(c)).toEqual([a]);
    expect(r.add(d)).toEqual([b]);
    expect(names(r.get(1, 10))).toEqual(['c', 'd']);
    expect(r.size).toBe(2);
  });

  it('counts the cap per stream: another store or member has its own', () => {
    const r = new ConnectionRegistry<Conn>(1);
    r.add(conn(1, 10, 'a'));
    expect(r.add(conn(1, 11, 'b'))).toEqual([]);
    expect(r.add(conn(2, 10, 'c'))).toEqual([]);
    expect(r.size).toBe(3);
    expect(r.members).toBe(2);
    // A third store's socket evicts nothing at the other two.
    const d = conn(1, 10, 'd');
    expect(names(r.add(d))).toEqual(['a']);
    expect(names(r.ofMember(1))).toEqual(['b', 'd']);
    expect(r.size).toBe(3);
  });

  it('evicts only the oldest of the full stream, leaving the member’s other stores and order alone', () => {
    const r = new ConnectionRegistry<Conn>(2);
    for (const [store, name] of [[10, 'a'], [11, 'x'], [10, 'b'], [11, 'y'], [10, 'c']] as const) r.add(conn(1, store, name));
    expect(names(r.ofMember(1))).toEqual(['x', 'b', 'y', 'c']);
    expect(names(r.get(1, 10))).toEqual(['b', 'c']);
    expect(names(r.get(1, 11))).toEqual(['x', 'y']);
    expect(r.size).toBe(4);
  });

  it('adding the same connection twice is a no-op, alone or among others', () => {
    const r = new ConnectionRegistry<Conn>(2);
    const a = conn(1, 10, 'a');
    r.add(a);
    expect(r.add(a)).toEqual([]);
    r.add(conn(1, 10, 'b'));
    expect(r.add(a)).toEqual([]);
    expect(r.size).toBe(2);
  });

  it('finds a member’s connections at every store, and forgets a member whose last socket left', () => {
    const r = new ConnectionRegistry<Conn>(5);
    const [a, b, c] = [conn(1, 10, 'a'), conn(1, 11, 'b'), conn(2, 10, 'c')];
    r.add(a);
    r.add(b);
    r.add(c);
    expect(names(r.ofMember(1))).toEqual(['a', 'b']);
    expect(r.remove(a)).toBe(true);
    expect(r.remove(a)).toBe(false);
    expect(names(r.ofMember(1))).toEqual(['b']);
    expect(names(r.get(1, 11))).toEqual(['b']);
    r.remove(b);
    expect(names(r.ofMember(1))).toEqual([]);
    expect(r.members).toBe(1);
    expect(r.get(1, 10)).toHaveLength(0);
    expect(names(r.all())).toEqual(['c']);
    expect(r.remove(conn(3, 10, 'never added'))).toBe(false);
    expect(r.size).toBe(1);
  });

  it('answers copies: closing what ofMember listed while iterating it misses none', () => {
    const r = new ConnectionRegistry<Conn>(5);
    for (const name of ['a', 'b', 'c']) r.add(conn(1, 10, name));
    const seen: string[] = [];
    for (const c of r.ofMember(1)) {
      seen.push(c.name);
      r.remove(c);
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(r.size).toBe(0);
    expect(r.members).toBe(0);
  });

  it('an evicted connection is no longer registered', () => {
    const r = new ConnectionRegistry<Conn>(1);
    const a = conn(1, 10, 'a');
    r.add(a);
    r.add(conn(1, 10, 'b'));
    expect(r.remove(a)).toBe(false);
    expect(r.size).toBe(1);
  });
});
