import { describe, expect, it } from 'vitest';
import { MerchantRefusals } from './merchant-refusals.js';

describe('MerchantRefusals', () => {
  it('lets a merchant cause `burst` refusals, then holds its scans until a token is back', () => {
    const limits = new MerchantRefusals(6, 3); // one token every 10 s
    for (let i = 0; i < 3; i++) {
      expect(limits.waitMs(1, 0)).toBe(0);
      limits.refused(1, 0);
    }
    expect(limits.waitMs(1, 0)).toBe(10_000);
    expect(limits.waitMs(1, 9_000)).toBe(1_000);
    expect(limits.waitMs(1, 10_000)).toBe(0);
  });

  it('keeps merchants apart', () => {
    const limits = new MerchantRefusals(6, 1);
    limits.refused(1, 0);
    expect(limits.waitMs(1, 0)).toBeGreaterThan(0);
    expect(limits.waitMs(2, 0)).toBe(0);
  });

  it('forgets a merchant once its bucket is full again', () => {
    const limits = new MerchantRefusals(60, 2);
    limits.refused(1, 0);
    expect(limits.size).toBe(1);
    expect(limits.waitMs(1, 1_000)).toBe(0);
    expect(limits.size).toBe(0);
  });
});
