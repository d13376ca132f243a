import http from 'node:http';
import { nowUs } from './clock.js';
import type { PlannedScan } from './provision.js';

/** What happened to each scan sent, in parallel arrays indexed like the plan; unsent entries have tSend 0. */
export interface ScanLog {
  member: Int32Array;
  /** The card's remaining uses in the answer; −1 when the answer carried none. */
  remaining: Int32Array;
  /** µs on the shared monotonic clock: just before the request was written, and when the answer ended. */
  tSend: Float64Array;
  tDone: Float64Array;
  /** HTTP status; 0 for a transport error or timeout. */
  status: Int16Array;
  sent: number;
}

export function newScanLog(n: number): ScanLog {
  return { member: new Int32Array(n), remaining: new Int32Array(n).fill(-1), tSend: new Float64Array(n), tDone: new Float64Array(n), status: new Int16Array(n), sent: 0 };
}

const TIMEOUT_MS = 30_000;

/** The merchant side: POST /api/scans over a keep-alive pool, as a shop's counter software would. */
export class ScanClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: string;
  inFlight = 0;
  completed = 0;

  constructor(baseUrl: string, maxSockets: number) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = u.port;
    this.agent = new http.Agent({ keepAlive: true, maxSockets, scheduling: 'fifo' });
  }

  /** Sends scan `i` of the plan and records it in `log[i]`; never rejects. */
  send(scan: PlannedScan, log: ScanLog, i: number): Promise<void> {
    const body = `{"qr":"${scan.qr}"}`;
    this.inFlight++;
    log.member[i] = scan.memberId;
    log.sent++;
    return new Promise<void>((resolve) => {
      let finished = false;
      const finish = (status: number, text?: string) => {
        if (finished) return;
        finished = true;
        log.tDone[i] = nowUs();
        log.status[i] = status;
        if (text) log.remaining[i] = remainingOf(text);
        this.inFlight--;
        this.completed++;
        resolve();
      };
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          path: '/api/scans',
          method: 'POST',
          agent: this.agent,
          headers: { authorization: `Bearer ${scan.merchantKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => finish(res.statusCode ?? 0, text));
          res.on('error', () => finish(0));
        },
      );
      req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('timeout')));
      req.on('error', () => finish(0));
      log.tSend[i] = nowUs();
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function remainingOf(text: string): number {
  try {
    const body = JSON.parse(text) as { result?: { remaining?: number | null }; error?: { result?: { remaining?: number | null } } };
    const r = body.result?.remaining ?? body.error?.result?.remaining;
    return typeof r === 'number' ? r : -1;
  } catch {
    return -1;
  }
}

/**
 * Open loop: scan i is due at start + i/rate whatever the answers do, as independent counters would
 * scan. Resolves when every scan was answered; `elapsedUs` runs to the last answer, so a server that
 * cannot keep up shows a lower rate than offered. `lateUs` is how far behind schedule the sender fell
 * at worst (the load generator's own lag, which would hide latency if it grew).
 */
export async function openLoop(client: ScanClient, plan: readonly PlannedScan[], rate: number, log: ScanLog): Promise<{ elapsedUs: number; lateUs: number }> {
  const start = nowUs();
  const gapUs = 1e6 / rate;
  const answers: Promise<void>[] = [];
  let lateUs = 0;
  let i = 0;
  while (i < plan.length) {
    const now = nowUs();
    const due = start + i * gapUs;
    if (now < due) {
      await new Promise((r) => setTimeout(r, Math.max(0, Math.floor((due - now) / 1000))));
      continue;
    }
    lateUs = Math.max(lateUs, now - due);
    // Everything due by now goes out in this turn.
    while (i < plan.length && start + i * gapUs <= now) {
      answers.push(client.send(plan[i] as PlannedScan, log, i));
      i++;
    }
  }
  await Promise.all(answers);
  return { elapsedUs: nowUs() - start, lateUs };
}

/** Closed loop: `inflight` lanes each send the next scan as soon as their previous one is answered. */
export async function closedLoop(client: ScanClient, plan: readonly PlannedScan[], inflight: number, seconds: number, log: ScanLog): Promise<{ elapsedUs: number; exhausted: boolean }> {
  const start = nowUs();
  const deadline = start + seconds * 1e6;
  let next = 0;
  const lane = async () => {
    while (next < plan.length && nowUs() < deadline) {
      const i = next++;
      await client.send(plan[i] as PlannedScan, log, i);
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  return { elapsedUs: nowUs() - start, exhausted: next >= plan.length };
}
