import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Sweep } from './sweep.js';

describe('Sweep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function recorder() {
    const visits = new Map<number, number[]>();
    const slices: number[] = [];
    let slice = 0;
    let lastTick = -1;
    const visit = (n: number) => {
      const t = Date.now();
      if (t !== lastTick) {
        if (lastTick >= 0) slices.push(slice);
        slice = 0;
        lastTick = t;
      }
      slice++;
      visits.set(n, [...(visits.get(n) ?? []), t]);
    };
    return { visits, slices, visit };
  }

  it('visits every member once per period, in slices rather than all at once', () => {
    const { visits, slices, visit } = recorder();
    const sweep = new Sweep<number>(1000, visit, 100);
    for (let i = 0; i < 1000; i++) sweep.add(i);
    const start = Date.now();
    vi.advanceTimersByTime(3000);
    sweep.stop();

    expect(visits.size).toBe(1000);
    for (const times of visits.values()) {
      expect(times).toHaveLength(3);
      expect(times[1]! - times[0]!).toBe(1000);
      expect(times[2]! - times[1]!).toBe(1000);
      expect(times[0]! - start).toBeLessThanOrEqual(1000);
    }
    // Ten slots of a hundred: no tick visits more than its share.
    expect(Math.max(...slices)).toBe(100);
  });

  it('keeps each member one period apart while others come and go', () => {
    const { visits, visit } = recorder();
    const sweep = new Sweep<number>(1000, visit, 100);
    for (let i = 0; i < 50; i++) sweep.add(i);
    vi.advanceTimersByTime(450);
    for (let i = 0; i < 40; i += 2) sweep.delete(i);
    for (let i = 100; i < 130; i++) sweep.add(i);
    vi.advanceTimersByTime(3000);
    sweep.stop();

    for (const [n, times] of visits) {
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!, `member ${n}`).toBe(1000);
    }
    expect(visits.get(1)!.length).toBeGreaterThanOrEqual(3);
    expect(visits.get(120)!.length).toBeGreaterThanOrEqual(3);
    expect(sweep.size).toBe(60);
  });

  it('lets a visit delete the member it visits, and stops visiting deleted members', () => {
    const seen: number[] = [];
    const sweep: Sweep<number> = new Sweep<number>(200, (n) => {
      seen.push(n);
      sweep.delete(n);
    });
    sweep.add(1);
    sweep.add(2);
    vi.advanceTimersByTime(1000);
    sweep.stop();
    expect(seen.sort()).toEqual([1, 2]);
    expect(sweep.size).toBe(0);
  });

  it('works with a period shorter than a tick', () => {
    const { visits, visit } = recorder();
    const sweep = new Sweep<number>(30, visit, 100);
    sweep.add(7);
    vi.advanceTimersByTime(95);
    sweep.stop();
    expect(visits.get(7)).toHaveLength(3);
  });

  it('turns only while it holds members: no timer on an idle server, and once a period again after a pause', () => {
    const { visits, visit } = recorder();
    const sweep = new Sweep<number>(1000, visit, 100);
    expect(sweep.turning).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    sweep.add(1);
    expect(sweep.turning).toBe(true);
    vi.advanceTimersByTime(2000);
    sweep.delete(1);
    expect(sweep.turning).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(visits.get(1)).toHaveLength(2);

    sweep.add(2);
    const added = Date.now();
    vi.advanceTimersByTime(3000);
    const times = visits.get(2)!;
    expect(times).toHaveLength(3);
    // First visit within one period of joining, then one period apart.
    expect(times[0]! - added).toBeLessThanOrEqual(1000);
    expect(times[1]! - times[0]!).toBe(1000);
    sweep.stop();
    sweep.add(3);
    expect(sweep.turning).toBe(false);
  });
});
