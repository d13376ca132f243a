// A seeded random generator for tests whose inputs are drawn (the fuzz run, shuffled races): a failure
// prints its seed, and the seed replays it.

/** mulberry32: small and fast; replay is what matters here, not statistical quality. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** An independent generator for case `index` of this run. */
  fork(index: number): Rng {
    const forked = new Rng((this.seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0);
    forked.next();
    return forked;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** Mostly short, sometimes up to `max`: edge cases live near zero, limits far from it. */
  length(max: number): number {
    return this.chance(0.8) ? this.int(0, Math.min(16, max)) : this.int(0, max);
  }
}
