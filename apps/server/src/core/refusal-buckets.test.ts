import { describe, expect, it } from 'vitest';
import { RefusalBuckets } from './refusal-buckets.js';

describe('RefusalBuckets', () => {
  it('lets an address be refused `burst` times, then holds it until a token is back', () => {
    const limits = new RefusalBuckets(6, 3);
    for (let i = 0; i < 3; i++) {
      expect(limits.waitMs('10.0.0.1', 0)).toBe(0);
      limits.refused('10.0.0.1', 0);
    }
    // 6 a minute: one token every 10 s.
    expect(limits.waitMs('10.0.0.1', 0)).toBe(10_000);
    expect(limits.waitMs('10.0.0.1', 4_000)).toBe(6_000);
    expect(limits.waitMs('10.0.0.2', 0)).toBe(0);
    expect(limits.waitMs('10.0.0.1', 10_000)).toBe(0);
  });

  it('forgets an address whose bucket refilled', () => {
    const limits = new RefusalBuckets(60, 2);
    limits.refused('a', 0);
    expect(limits.size).toBe(1);
    expect(limits.waitMs('a', 60_000)).toBe(0);
    expect(limits.size).toBe(0);
  });

  it('keeps at most maxAddresses buckets, dropping refilled ones first, then the oldest', () => {
    const limits = new RefusalBuckets(60, 1, 3);
    limits.refused('old', 0);
    limits.refused('b', 500);
    limits.refused('c', 900);
    // At 1 s, `old` has refilled (one a second) and goes; b and c stay held.
    limits.refused('d', 1_000);
    expect(limits.size).toBe(3);
    expect(limits.waitMs('old', 1_000)).toBe(0);
    expect(limits.waitMs('c', 1_000)).toBeGreaterThan(0);
    // Nobody refilled: the oldest (b) goes.
    limits.refused('e', 1_000);
    expect(limits.size).toBe(3);
    expect(limits.waitMs('b', 1_000)).toBe(0);
    expect(limits.waitMs('e', 1_000)).toBeGreaterThan(0);
  });
});
