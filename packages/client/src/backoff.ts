/** Reconnect delays: exponential from `baseMs`, capped at `capMs`. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 30_000 };

/**
 * The wait before reconnect attempt `attempt` (0 for the first): uniformly in [ceiling/2, ceiling] where
 * ceiling = min(cap, base · 2^attempt). The jitter keeps every member's phone from reconnecting in the
 * same instant after a server restart; the lower bound keeps the backoff a backoff.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
