/** What the soak reads of the server process: memory, open files, member sockets; and the line it fits. */
import { readdirSync, readlinkSync } from 'node:fs';
import { processRssKiB } from '../machine.js';
import { parseSamples, sumOf } from '../metrics-text.js';
import { readServerMetrics } from '../run.js';
import type { ServerProcess } from '../server-process.js';
import { round } from '../stats.js';

export const MIB = 2 ** 20;

export interface Memory {
  /** VmRSS from /proc/<pid>/status. */
  rssMiB: number;
  /** From the server's /metrics (prom-client's process gauges, read at the scrape). */
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  /** The longest event-loop stall since the previous scrape. */
  eventLoopLagMaxMs: number;
}

/** RSS from /proc; the JS heap, external memory and event-loop lag from /metrics, through the bench's own reader. */
export async function readMemory(server: ServerProcess, guard: <T>(work: Promise<T>) => Promise<T>): Promise<Memory> {
  const text = await guard(server.get('/metrics'));
  const m = readServerMetrics(text);
  const samples = parseSamples(text);
  return {
    rssMiB: round(processRssKiB(server.pid) / 1024, 1),
    heapUsedMiB: round(m.heapUsedBytes / MIB, 2),
    heapTotalMiB: round(sumOf(samples, 'scanpush_process_nodejs_heap_size_total_bytes') / MIB, 1),
    externalMiB: round(sumOf(samples, 'scanpush_process_nodejs_external_memory_bytes') / MIB, 1),
    eventLoopLagMaxMs: round(m.eventLoopLagMaxMs, 1),
  };
}

/** Member sockets open, by the server's own count (/healthz). */
export async function serverSockets(server: ServerProcess, guard: <T>(work: Promise<T>) => Promise<T>): Promise<number> {
  return (JSON.parse(await guard(server.get('/healthz'))) as { sockets: number }).sockets;
}

/** A process's open descriptors by what they are (socket, pipe, anon: epoll, eventfd…; file), and the total. */
export function fdKinds(pid: number): { total: number; kinds: Record<string, number> } {
  const kinds: Record<string, number> = {};
  let total = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the read
    }
    const kind = target.startsWith('socket:') ? 'socket' : target.startsWith('pipe:') ? 'pipe' : target.startsWith('anon_inode:') ? 'anon' : 'file';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    total++;
  }
  return { total, kinds };
}

/** A least-squares line, in MiB per hour, with its standard error. */
export interface Slope {
  mibPerHour: number;
  stdErr: number;
  points: number;
}

/** Fits y (MiB) on x (hours); null with fewer than 3 points or a single x. */
export function fit(points: ReadonlyArray<readonly [number, number]>): Slope | null {
  const n = points.length;
  if (n < 3) return null;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0) return null;
  const b = sxy / sxx;
  let sse = 0;
  for (const [x, y] of points) sse += (y - my - b * (x - mx)) ** 2;
  return { mibPerHour: round(b, 2), stdErr: round(Math.sqrt(sse / (n - 2) / sxx), 2), points: n };
}

/** mulberry32: a small seeded generator of [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
