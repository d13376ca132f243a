import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows the burst at once, then refuses', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
  });

  it('refills at the rate, never above the burst', () => {
    const b = new TokenBucket(10, 3, 0);
    for (let i = 0; i < 3; i++) b.take(0);
    expect(b.take(50)).toBe(false); // half a token
    expect(b.take(100)).toBe(true); // one token after 100 ms at 10/s
    expect(b.take(100)).toBe(false);
    // A long silence refills only up to the burst.
    expect([b.take(60_000), b.take(60_000), b.take(60_000), b.take(60_000)]).toEqual([true, true, true, false]);
  });

  it('sustains exactly the rate', () => {
    const b = new TokenBucket(2, 1, 0);
    let taken = 0;
    for (let t = 0; t <= 10_000; t += 100) if (b.take(t)) taken++;
    expect(taken).toBe(21); // the first token, then 2 a second for 10 s
  });
});
