/** Latency figures in milliseconds. `count` 0 means no samples, and every figure is then null. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  mean: number | null;
}

/** Nearest-rank percentile of an ascending array; q in [0, 1]. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Summarises samples given in microseconds as milliseconds rounded to µs. */
export function summariseUs(samplesUs: ArrayLike<number>): LatencySummary {
  const n = samplesUs.length;
  if (n === 0) return { count: 0, p50: null, p90: null, p99: null, p999: null, max: null, mean: null };
  const sorted = Float64Array.from(samplesUs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: n,
    p50: ms(percentile(sorted, 0.5)),
    p90: ms(percentile(sorted, 0.9)),
    p99: ms(percentile(sorted, 0.99)),
    p999: ms(percentile(sorted, 0.999)),
    max: ms(sorted[n - 1] as number),
    mean: ms(sum / n),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** (max − min) / |median|: how far apart the runs were; 0 for one run. */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = Math.abs(median(values));
  if (m === 0) return 0;
  return (Math.max(...values) - Math.min(...values)) / m;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
