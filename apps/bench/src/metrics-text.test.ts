import { describe, expect, it } from 'vitest';
import { bucketQuantile, histogram, histogramDelta, parseSamples, sumOf } from './metrics-text.js';

const before = `# HELP scanpush_push_latency_seconds From the commit of a result to its write on the member sockets
# TYPE scanpush_push_latency_seconds histogram
scanpush_push_latency_seconds_bucket{le="0.0001"} 0
scanpush_push_latency_seconds_bucket{le="0.001"} 5
scanpush_push_latency_seconds_bucket{le="0.01"} 10
scanpush_push_latency_seconds_bucket{le="+Inf"} 10
scanpush_push_latency_seconds_sum 0.02
scanpush_push_latency_seconds_count 10
scanpush_socket_disconnects_total{reason="heartbeat"} 3
scanpush_socket_disconnects_total{reason="client"} 4
`;
const after = before
  .replace('le="0.0001"} 0', 'le="0.0001"} 50')
  .replace('le="0.001"} 5', 'le="0.001"} 104')
  .replace('le="0.01"} 10', 'le="0.01"} 110')
  .replace('le="+Inf"} 10', 'le="+Inf"} 111');

describe('the Prometheus text reader', () => {
  it('sums samples by name and labels', () => {
    const s = parseSamples(before);
    expect(sumOf(s, 'scanpush_socket_disconnects_total')).toBe(7);
    expect(sumOf(s, 'scanpush_socket_disconnects_total', { reason: 'heartbeat' })).toBe(3);
    expect(sumOf(s, 'no_such_metric')).toBe(0);
  });

  it('reads a histogram and the observations between two readings', () => {
    const delta = histogramDelta(histogram(parseSamples(before), 'scanpush_push_latency_seconds'), histogram(parseSamples(after), 'scanpush_push_latency_seconds'));
    expect(delta).toEqual([
      { le: 0.0001, count: 50 },
      { le: 0.001, count: 99 },
      { le: 0.01, count: 100 },
      { le: Infinity, count: 101 },
    ]);
    expect(bucketQuantile(delta, 0.5)).toBe(0.001);
    expect(bucketQuantile(delta, 0.99)).toBe(0.01);
    expect(bucketQuantile(delta, 1)).toBe(Infinity);
    expect(bucketQuantile([], 0.5)).toBeUndefined();
  });
});
