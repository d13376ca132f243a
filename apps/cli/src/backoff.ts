/** Reconnect delays: exponential from `baseMs`, capped at `capMs`, with jitter so clients spread out. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/**
 * The wait before reconnect attempt `attempt` (0 for the first): uniformly in [ceiling/2, ceiling] where
 * ceiling = min(cap, base · 2^attempt). The lower half keeps a crowd of clients from retrying at once
 * after a server restart while still backing off; `random` is injectable for tests.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
