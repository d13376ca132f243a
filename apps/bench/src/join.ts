import type { Observations } from './protocol.js';
import type { ScanLog } from './scanner.js';

export interface Joined {
  /** Scans answered 200 with a remaining count: each one's result must reach its member. */
  succeeded: number;
  /** Succeeded scans the member learned about. */
  learned: number;
  /** Succeeded scans the member never learned about. */
  lost: number;
  /** Observations that matched no scan of this log (should be 0), and results seen twice. */
  unmatched: number;
  duplicates: number;
  /** Per learned scan: request sent → member learned, µs. */
  latencyUs: Float64Array;
}

// remaining < 2^21 (cards start at 1,000,000 uses), member ids < 2^31: the key stays an exact double.
const key = (member: number, remaining: number) => member * 2 ** 21 + remaining;

/**
 * Pairs each successful scan with the moment its member learned the result.
 *
 * `exact` (pushes): the member learns scan s from the frame carrying s's own remaining count, so a lost
 * push is never covered by a later one. Otherwise (polling): from the first answer after s was sent
 * showing s's count or lower — a poll may reveal several scans at once.
 */
export function joinScans(log: ScanLog, obs: Observations, exact: boolean): Joined {
  const latency: number[] = [];
  let succeeded = 0;
  let lost = 0;
  let duplicates = 0;
  let unmatched = 0;

  if (exact) {
    const seen = new Map<number, number>();
    for (let j = 0; j < obs.t.length; j++) {
      const k = key(obs.member[j] as number, obs.remaining[j] as number);
      if (seen.has(k)) duplicates++;
      else seen.set(k, obs.t[j] as number);
    }
    const used = new Set<number>();
    for (let i = 0; i < log.status.length; i++) {
      if (log.status[i] !== 200 || (log.remaining[i] as number) < 0) continue;
      succeeded++;
      const k = key(log.member[i] as number, log.remaining[i] as number);
      const t = seen.get(k);
      if (t === undefined) lost++;
      else {
        used.add(k);
        latency.push(t - (log.tSend[i] as number));
      }
    }
    unmatched = seen.size - used.size;
  } else {
    const byMember = new Map<number, number[]>();
    for (let j = 0; j < obs.t.length; j++) {
      const m = obs.member[j] as number;
      let list = byMember.get(m);
      if (!list) byMember.set(m, (list = []));
      list.push(j);
    }
    for (const list of byMember.values()) list.sort((a, b) => (obs.t[a] as number) - (obs.t[b] as number));
    for (let i = 0; i < log.status.length; i++) {
      if (log.status[i] !== 200 || (log.remaining[i] as number) < 0) continue;
      succeeded++;
      const sent = log.tSend[i] as number;
      const r = log.remaining[i] as number;
      const hit = (byMember.get(log.member[i] as number) ?? []).find((j) => (obs.t[j] as number) >= sent && (obs.remaining[j] as number) <= r);
      if (hit === undefined) lost++;
      else latency.push((obs.t[hit] as number) - sent);
    }
  }
  return { succeeded, learned: latency.length, lost, unmatched, duplicates, latencyUs: Float64Array.from(latency) };
}

/** Answer time of each answered scan, µs, and the count of each HTTP status. */
export function answers(log: ScanLog): { latencyUs: Float64Array; statuses: Record<string, number> } {
  const latency: number[] = [];
  const statuses: Record<string, number> = {};
  for (let i = 0; i < log.status.length; i++) {
    if ((log.tSend[i] as number) === 0) continue;
    const s = String(log.status[i]);
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (log.status[i] !== 0) latency.push((log.tDone[i] as number) - (log.tSend[i] as number));
  }
  return { latencyUs: Float64Array.from(latency), statuses };
}
