import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

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

describe('TokenBucket.msUntilToken', () => {
  it('says how long until the next token, taking nothing', () => {
    const b = new TokenBucket(2, 1, 0);
    expect(b.msUntilToken(0)).toBe(0);
    expect(b.take(0)).toBe(true);
    expect(b.msUntilToken(0)).toBe(500);
    expect(b.msUntilToken(400)).toBe(100);
    expect(b.msUntilToken(500)).toBe(0);
    expect(b.take(500)).toBe(true);
  });

  it('is full again after the burst has refilled', () => {
    const b = new TokenBucket(1, 2, 0);
    b.take(0);
    expect(b.isFull(500)).toBe(false);
    expect(b.isFull(1000)).toBe(true);
  });

  it('gives nothing back nor takes anything when the clock steps back', () => {
    const b = new TokenBucket(1, 1, 10_000);
    b.take(10_000);
    expect(b.take(5_000)).toBe(false);
    expect(b.take(11_000)).toBe(true);
  });
});
