import type { Observations } from './protocol.js';

/** Appends (member, remaining, time) observations into growable typed arrays. */
export class Recorder {
  private member = new Int32Array(1024);
  private remaining = new Int32Array(1024);
  private t = new Float64Array(1024);
  private n = 0;
  unparsed = 0;

  get size(): number {
    return this.n;
  }

  add(member: number, remaining: number, t: number): void {
    if (this.n === this.t.length) {
      const grow = <A extends Int32Array | Float64Array>(a: A): A => {
        const b = new (a.constructor as new (n: number) => A)(a.length * 2);
        b.set(a);
        return b;
      };
      this.member = grow(this.member);
      this.remaining = grow(this.remaining);
      this.t = grow(this.t);
    }
    this.member[this.n] = member;
    this.remaining[this.n] = remaining;
    this.t[this.n] = t;
    this.n++;
  }

  take(): Observations {
    const out = {
      member: this.member.slice(0, this.n),
      remaining: this.remaining.slice(0, this.n),
      t: this.t.slice(0, this.n),
      unparsed: this.unparsed,
    };
    this.n = 0;
    this.unparsed = 0;
    return out;
  }
}
