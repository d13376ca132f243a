import { TokenBucket } from './token-bucket.js';

/**
 * How many refused scans a merchant may cause. A refusal of a readable QR tells its member (once per QR
 * and outcome, see the streams' dedupe), so a stolen or hostile merchant key replaying old QR codes, or
 * hammering the API with junk, would otherwise cost the server and the members without bound. Each
 * refusal takes a token of the merchant's bucket; with the bucket empty the merchant's next scans are
 * answered 429 until a token is back, and decide and record nothing. Deductions take no token, so a
 * shop scanning valid codes is never slowed; staff who scan a few wrong codes in a row wait seconds.
 *
 * Per process: with several nodes behind nginx a merchant gets each node's allowance (documented).
 */
export class MerchantRefusals {
  private readonly buckets = new Map<number, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
  ) {}

  /** Milliseconds until this merchant may scan again; 0: now. */
  waitMs(merchantId: number, now: number): number {
    const bucket = this.buckets.get(merchantId);
    if (!bucket) return 0;
    // A refilled bucket is no different from none: forgetting it keeps the map to the merchants refused lately.
    if (bucket.isFull(now)) {
      this.buckets.delete(merchantId);
      return 0;
    }
    return bucket.msUntilToken(now);
  }

  /** One of this merchant's scans was refused. */
  refused(merchantId: number, now: number): void {
    let bucket = this.buckets.get(merchantId);
    if (!bucket) {
      bucket = new TokenBucket(this.perMinute / 60, this.burst, now);
      this.buckets.set(merchantId, bucket);
    }
    bucket.take(now);
  }

  /** Merchants with a bucket not yet full (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }
}
