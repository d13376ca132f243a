import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine a run was taken on, for the report. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memTotalMiB: number;
  node: string;
  kernel: string;
  fileLimit: string;
}

export function machineInfo(): MachineInfo {
  let fileLimit = 'unknown';
  try {
    fileLimit = execFileSync('sh', ['-c', 'echo "$(ulimit -Sn)/$(ulimit -Hn)"'], { encoding: 'utf8' }).trim();
  } catch {
    // Not fatal: the limit is informative only.
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memTotalMiB: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    fileLimit,
  };
}

/** Kernel clock ticks per second, the unit of /proc CPU times (100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident set size of a process in KiB, from /proc/<pid>/status. */
export function processRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]);
}

interface CpuTimes {
  busy: number;
  steal: number;
  total: number;
}

/** Whole-machine CPU seconds from /proc/stat (all cores summed). */
function machineCpu(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / TICKS_PER_SECOND, steal: steal / TICKS_PER_SECOND, total: (busy + idle + iowait) / TICKS_PER_SECOND };
}

/** How busy the machine was during a measurement, and how much of that was not the bench itself. */
export interface Noise {
  /** 1-minute load average when the measurement started. */
  load1: number;
  /** Cores kept busy by processes other than the server and the bench's own processes (mean). */
  otherCores: number;
  /** Share of CPU time the hypervisor took (steal), in percent. */
  stealPct: number;
}

/**
 * Measures interference over an interval: whole-machine busy time minus what the bench's processes
 * (server, coordinator, client workers) used themselves. `ours()` lists those pids at the end.
 */
export function startNoiseProbe(ours: () => number[]): { stop(): Noise } {
  const load1 = os.loadavg()[0] ?? 0;
  const pidsAtStart = ours();
  const start = machineCpu();
  const oursAtStart = new Map(pidsAtStart.map((pid) => [pid, safeCpu(pid)]));
  return {
    stop() {
      const end = machineCpu();
      let own = 0;
      for (const pid of ours()) own += safeCpu(pid) - (oursAtStart.get(pid) ?? 0);
      const wall = (end.total - start.total) / Math.max(1, os.availableParallelism());
      const other = end.busy - start.busy - own;
      return {
        load1: Math.round(load1 * 100) / 100,
        otherCores: wall > 0 ? Math.max(0, Math.round((other / wall) * 100) / 100) : 0,
        stealPct: end.total > start.total ? Math.round(((end.steal - start.steal) / (end.total - start.total)) * 1000) / 10 : 0,
      };
    },
  };
}

function safeCpu(pid: number): number {
  try {
    return processCpuSeconds(pid);
  } catch {
    return 0; // the process ended; its time is lost to "other", which errs towards calling a run noisy
  }
}

/** The open files a process started from here may hold (the soft limit children inherit). */
export function openFileLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

/** Ephemeral ports one source address offers to outgoing connections (net.ipv4.ip_local_port_range). */
export function ephemeralPorts(): number {
  const [low = 0, high = 0] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return high - low + 1;
}
