import { describe, expect, it } from 'vitest';
import { median, percentile, spread, summariseUs } from './stats.js';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const xs = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentile(xs, 0.5)).toBe(5);
    expect(percentile(xs, 0.9)).toBe(9);
    expect(percentile(xs, 0.99)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
  });

  it('refuses an empty sample', () => {
    expect(() => percentile([], 0.5)).toThrow(/no samples/);
  });
});

describe('summariseUs', () => {
  it('turns microseconds into milliseconds, whatever the input order', () => {
    const s = summariseUs([3000, 1000, 2000, 100_000]);
    expect(s).toMatchObject({ count: 4, p50: 2, max: 100, mean: 26.5 });
  });

  it('reports nulls for no samples', () => {
    expect(summariseUs([])).toEqual({ count: 0, p50: null, p90: null, p99: null, p999: null, max: null, mean: null });
  });
});

describe('median and spread', () => {
  it('averages the middle pair of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('measures how far runs are apart relative to the median', () => {
    expect(spread([90, 100, 110])).toBeCloseTo(0.2);
    expect(spread([5])).toBe(0);
  });
});
