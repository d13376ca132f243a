import { describe, expect, it } from 'vitest';
import { ConnectionRegistry } from './registry.js';

describe('ConnectionRegistry', () => {
  it('keeps at most the cap per member and store, evicting the oldest first', () => {
    const r = new ConnectionRegistry<string>(2);
    expect(r.add(1, 10, 'a')).toEqual([]);
    expect(r.add(1, 10, 'b')).toEqual([]);
    expect(r.add(1, 10, 'c')).toEqual(['a']);
    expect(r.add(1, 10, 'd')).toEqual(['b']);
    expect([...r.get(1, 10)]).toEqual(['c', 'd']);
    expect(r.size).toBe(2);
  });

  it('counts the cap per stream: another store or member has its own', () => {
    const r = new ConnectionRegistry<string>(1);
    r.add(1, 10, 'a');
    expect(r.add(1, 11, 'b')).toEqual([]);
    expect(r.add(2, 10, 'c')).toEqual([]);
    expect(r.size).toBe(3);
    expect(r.members).toBe(2);
  });

  it('adding the same connection twice is a no-op', () => {
    const r = new ConnectionRegistry<string>(2);
    r.add(1, 10, 'a');
    expect(r.add(1, 10, 'a')).toEqual([]);
    expect(r.size).toBe(1);
  });

  it('finds a member’s connections at every store through the reverse index, and forgets emptied keys', () => {
    const r = new ConnectionRegistry<string>(5);
    r.add(1, 10, 'a');
    r.add(1, 11, 'b');
    r.add(2, 10, 'c');
    expect([...r.ofMember(1)].sort()).toEqual(['a', 'b']);
    expect(r.remove(1, 10, 'a')).toBe(true);
    expect(r.remove(1, 10, 'a')).toBe(false);
    expect([...r.ofMember(1)]).toEqual(['b']);
    r.remove(1, 11, 'b');
    expect([...r.ofMember(1)]).toEqual([]);
    expect(r.members).toBe(1);
    expect(r.get(1, 10).size).toBe(0);
    expect([...r.all()]).toEqual(['c']);
  });

  it('an evicted connection is no longer registered', () => {
    const r = new ConnectionRegistry<string>(1);
    r.add(1, 10, 'a');
    r.add(1, 10, 'b');
    expect(r.remove(1, 10, 'a')).toBe(false);
    expect(r.size).toBe(1);
  });
});
