import { describe, expect, it } from 'vitest';
import type { Workload } from './options.js';
import { socketIoRatios } from './ratios.js';
import { table, type Summary } from './report.js';

const summary = (workload: Workload, figures: Array<[key: string, median: number | null]>): Summary => ({
  type: 'summary',
  workload,
  runs: 1,
  failedRuns: 0,
  figures: figures.map(([key, median]) => ({ key, label: key, median, min: median, max: median, spread: 0 })),
  noisy: false,
  noiseNotes: [],
});

describe('socketIoRatios', () => {
  it('divides each scanpush speed figure by the same figure of its Socket.IO reference', () => {
    const ratios = socketIoRatios([
      summary('capacity', [['opened', 19_000], ['kibPerSocket', 6], ['holdCpuPct', 8]]),
      summary('socketio-capacity', [['opened', 19_000], ['kibPerSocket', 15], ['holdCpuPct', 2]]),
      summary('closed', [['scansPerSecond', 4000], ['cpuUsPerScan', 240], ['pushP99', null]]),
      summary('socketio', [['scansPerSecond', 8000], ['cpuUsPerScan', 80], ['pushP99', 9]]),
      summary('latency', [['pushP99', 4]]),
    ]);
    // Not the sockets held (a count, not a speed), not the hold's CPU (two different heartbeats), not
    // a figure missing on one side, not latency (its reference did not run).
    expect(ratios.map((r) => [r.workload, r.key, r.ratio])).toEqual([
      ['capacity', 'kibPerSocket', 0.4],
      ['closed', 'scansPerSecond', 0.5],
      ['closed', 'cpuUsPerScan', 3],
    ]);
  });

  it('shows them in the table beside the scanpush figure', () => {
    const text = table([summary('closed', [['cpuUsPerScan', 240]]), summary('socketio', [['cpuUsPerScan', 80]])]);
    expect(text).toMatch(/÷ Socket\.IO/);
    expect(text.split('\n').find((l) => l.startsWith('closed'))).toMatch(/240\s+3×/);
  });
});
