/**
 * A fresh Idempotency-Key for one scan: the staff scan page sends the same key again when it retries that
 * scan, so a retry after a lost answer cannot deduct twice. Unique enough per staff key (time plus 64
 * random bits); no secret, so Math.random serves where WeChat lacks crypto.
 */
export function newIdempotencyKey(random: () => number = Math.random, now: number = Date.now()): string {
  let hex = '';
  for (let i = 0; i < 16; i++) hex += Math.floor(random() * 16).toString(16);
  return `mp-${now.toString(36)}-${hex}`;
}
