import { TokenBucket } from './token-bucket.js';

/**
 * How many refusals one key (a client address, a login name) may cause: each refusal takes a token of
 * the key's bucket, and with the bucket empty the key's attempts are answered 429 until a token is back.
 * Success takes no token. For what costs nothing to try and needs no credential: `POST /api/staff/join`
 * (guessing a 256-bit invite code is hopeless anyway; this keeps junk from costing the database without
 * bound) and the owners' sign-in (where it is what makes guessing passwords slow). Per process, like the
 * merchants' refusals.
 */
export class RefusalBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    /** Buckets kept at most; past it, refilled buckets are forgotten first, then the oldest. */
    private readonly maxAddresses = 10_000,
  ) {}

  /** Milliseconds until this address may try again; 0: now. */
  waitMs(address: string, now: number): number {
    const bucket = this.buckets.get(address);
    if (!bucket) return 0;
    if (bucket.isFull(now)) {
      this.buckets.delete(address);
      return 0;
    }
    return bucket.msUntilToken(now);
  }

  /** A redeem from this address was refused. */
  refused(address: string, now: number): void {
    let bucket = this.buckets.get(address);
    if (!bucket) {
      if (this.buckets.size >= this.maxAddresses) this.makeRoom(now);
      bucket = new TokenBucket(this.perMinute / 60, this.burst, now);
      this.buckets.set(address, bucket);
    }
    bucket.take(now);
  }

  get size(): number {
    return this.buckets.size;
  }

  private makeRoom(now: number): void {
    for (const [address, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(address);
    // Still full of busy addresses (a spread attack): the oldest go, Map keeps insertion order.
    for (const address of this.buckets.keys()) {
      if (this.buckets.size < this.maxAddresses) break;
      this.buckets.delete(address);
    }
  }
}
