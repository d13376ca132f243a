import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const policy = { baseMs: 500, capMs: 30_000 };

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, policy, () => 1))).toEqual([500, 1000, 2000, 4000]);
  });

  it('waits at least half the ceiling', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, policy, () => 0))).toEqual([250, 500, 1000, 2000]);
  });

  it('never exceeds the cap, even after many attempts', () => {
    expect(backoffDelay(7, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(1_000, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(1_000, policy, () => 0)).toBe(15_000);
  });
});
