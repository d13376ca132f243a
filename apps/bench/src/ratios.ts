/**
 * scanpush's figures as ratios to the Socket.IO reference's (issue 18): the issue states its speed
 * targets that way, each against a Socket.IO 4 server doing the same push in the same bench run.
 */
import type { Workload } from './options.js';
import type { Summary } from './report.js';
import { round } from './stats.js';

/** The scanpush workloads that have a Socket.IO reference (issue 18), and which. */
const SOCKETIO_PEER: Partial<Record<Workload, Workload>> = { capacity: 'socketio-capacity', latency: 'socketio-latency', closed: 'socketio' };
/**
 * The speed and cost figures given as a ratio; each has the same key on both sides. Not the CPU and
 * stalls of capacity's hold: the two heartbeats differ (--heartbeat-ms against Socket.IO's 25 s, which
 * a 20 s hold never reaches), so those would compare two different jobs.
 */
const RATIO_KEYS = new Set(['kibPerSocket', 'marginalKibPerSocket', 'heapKibPerSocket', 'pushP50', 'pushP99', 'pushMax', 'answerP99', 'cpuUsPerScan', 'scansPerSecond']);

export interface SocketIoRatio {
  workload: Workload;
  key: string;
  label: string;
  scanpush: number;
  socketio: number;
  /** scanpush ÷ Socket.IO: above 1 is more (ms, µs, KiB: worse; scans/s: better). */
  ratio: number;
}

/**
 * Each scanpush speed figure divided by the same figure of its Socket.IO reference, medians of this
 * bench run; only where both workloads ran and both figures are positive.
 */
export function socketIoRatios(summaries: readonly Summary[]): SocketIoRatio[] {
  const out: SocketIoRatio[] = [];
  for (const s of summaries) {
    const peerName = SOCKETIO_PEER[s.workload];
    const peer = peerName && summaries.find((p) => p.workload === peerName);
    if (!peer) continue;
    for (const f of s.figures) {
      const theirs = peer.figures.find((p) => p.key === f.key)?.median;
      if (!RATIO_KEYS.has(f.key) || f.median === null || !theirs || theirs <= 0 || f.median <= 0) continue;
      out.push({ workload: s.workload, key: f.key, label: f.label, scanpush: f.median, socketio: theirs, ratio: round(f.median / theirs, 2) });
    }
  }
  return out;
}
