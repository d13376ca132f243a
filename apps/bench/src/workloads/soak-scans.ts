/**
 * The soak's merchant side: scans at a steady rate (open loop), three in four valid (a deduction), one in
 * four refused — a QR scanned before, an expired one, garbage, another store's — each answer checked
 * against the outcome it was built for.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { QrSigner } from '../../../server/src/core/qr-signer.js';
import { nowUs } from '../clock.js';
import type { BenchMember, Fixture } from '../provision.js';

export type ScanKind = 'valid' | 'replay' | 'expired' | 'garbage' | 'wrongStore';

/** The answer each kind of scan must get (the `error.code` of a refusal, `OK` for a 200). */
const EXPECTED: Record<ScanKind, string> = { valid: 'OK', replay: 'QR_USED', expired: 'QR_EXPIRED', garbage: 'QR_INVALID', wrongStore: 'QR_WRONG_STORE' };
const REFUSALS: readonly ScanKind[] = ['replay', 'expired', 'garbage', 'wrongStore'];
const REFUSAL_SHARE = 0.25;
/** Scans unanswered at once beyond which the next ones are skipped (and counted): the server fell behind. */
const MAX_IN_FLIGHT = 256;
/** QR codes that were accepted, kept to be scanned again (QR_USED). */
const USED_KEPT = 1000;
/**
 * Valid codes live an hour: the server checks expiry before use, so a code replayed after its expiry
 * would be refused as expired, not as used. At the lowest rate (1 a second) the kept ones span 22 minutes.
 */
const VALID_TTL_SECONDS = 3600;
const TICK_MS = 10;
const TIMEOUT_MS = 30_000;
const QR_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface ScanCounts {
  sent: number;
  /** Answers that were the expected outcome, by kind of scan. */
  expected: Record<ScanKind, number>;
  /** Any other answer, as `kind→code` (a transport error or timeout: `kind→ERROR`). */
  unexpected: Record<string, number>;
  /** Scans not sent because MAX_IN_FLIGHT were unanswered. */
  skipped: number;
}

export interface ScanWindow {
  answered: number;
  meanMs: number | null;
  maxMs: number | null;
}

export interface ScanMixOptions {
  baseUrl: string;
  fixture: Fixture;
  qrSecret: string;
  /** Scan requests per second. */
  rate: number;
  rng: () => number;
  /** A member with a socket open now, so that half the scans are pushed live; undefined when none. */
  connected: () => BenchMember | undefined;
}

interface Scan {
  kind: ScanKind;
  qr: string;
  merchantKey: string;
}

export class ScanMix {
  readonly counts: ScanCounts = { sent: 0, expected: { valid: 0, replay: 0, expired: 0, garbage: 0, wrongStore: 0 }, unexpected: {}, skipped: 0 };
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly signer: QrSigner;
  private readonly stores: number[];
  private readonly used: Array<{ qr: string; merchantKey: string }> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private refusalTurn = 0;
  private window = { answered: 0, sumUs: 0, maxUs: 0 };

  constructor(private readonly o: ScanMixOptions) {
    this.signer = new QrSigner(o.qrSecret);
    this.stores = [...o.fixture.merchantKeys.keys()];
  }

  /** Sends scan i at start + i/rate, whatever the answers do. */
  start(): void {
    const start = Date.now();
    let due = 0;
    this.timer = setInterval(() => {
      const until = Math.floor(((Date.now() - start) / 1000) * this.o.rate);
      for (; due < until; due++) {
        if (this.inFlight.size >= MAX_IN_FLIGHT) this.counts.skipped++;
        else this.send(this.next());
      }
    }, TICK_MS);
  }

  /** Stops sending, waits for the answers still due, and closes the keep-alive connections. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
    this.agent.destroy();
  }

  /** Answers since the previous call: how many, and their mean and longest time. */
  takeWindow(): ScanWindow {
    const w = this.window;
    this.window = { answered: 0, sumUs: 0, maxUs: 0 };
    return w.answered ? { answered: w.answered, meanMs: w.sumUs / w.answered / 1000, maxMs: w.maxUs / 1000 } : { answered: 0, meanMs: null, maxMs: null };
  }

  private member(): BenchMember {
    const live = this.o.rng() < 0.5 ? this.o.connected() : undefined;
    const all = this.o.fixture.members;
    return live ?? (all[Math.floor(this.o.rng() * all.length)] as BenchMember);
  }

  private keyOf(storeId: number): string {
    const key = this.o.fixture.merchantKeys.get(storeId);
    if (!key) throw new Error(`no merchant for store ${storeId}`);
    return key;
  }

  private next(): Scan {
    const m = this.member();
    const now = Date.now();
    const valid = (): Scan => ({ kind: 'valid', qr: this.signer.issue(m.memberId, m.storeId, now, VALID_TTL_SECONDS).token, merchantKey: this.keyOf(m.storeId) });
    if (this.o.rng() >= REFUSAL_SHARE) return valid();
    const kind = REFUSALS[this.refusalTurn++ % REFUSALS.length] as ScanKind;
    switch (kind) {
      case 'replay': {
        const again = this.used[Math.floor(this.o.rng() * this.used.length)];
        return again ? { kind, ...again } : valid();
      }
      case 'expired':
        return { kind, qr: this.signer.issue(m.memberId, m.storeId, now - 3_600_000, 60).token, merchantKey: this.keyOf(m.storeId) };
      case 'garbage': {
        // Half well-formed but forged (the MAC fails), half not a scanpush QR at all.
        const forged = `SP${Array.from(randomBytes(60), (b) => QR_ALPHABET[b % 32]).join('')}`;
        return { kind, qr: this.o.rng() < 0.5 ? forged : `https://example.com/not-a-qr/${randomBytes(8).toString('hex')}`, merchantKey: this.keyOf(m.storeId) };
      }
      default: {
        const other = this.stores.filter((s) => s !== m.storeId);
        if (!other.length) return valid();
        const store = other[Math.floor(this.o.rng() * other.length)] as number;
        return { kind, qr: this.signer.issue(m.memberId, m.storeId, now, VALID_TTL_SECONDS).token, merchantKey: this.keyOf(store) };
      }
    }
  }

  private send(scan: Scan): void {
    this.counts.sent++;
    const t0 = nowUs();
    const done = post(this.o.baseUrl, this.agent, scan).then((code) => {
      const us = nowUs() - t0;
      this.window.answered++;
      this.window.sumUs += us;
      this.window.maxUs = Math.max(this.window.maxUs, us);
      if (code === EXPECTED[scan.kind]) {
        this.counts.expected[scan.kind]++;
        if (scan.kind === 'valid') {
          this.used.push({ qr: scan.qr, merchantKey: scan.merchantKey });
          if (this.used.length > USED_KEPT) this.used.shift();
        }
      } else {
        const key = `${scan.kind}→${code}`;
        this.counts.unexpected[key] = (this.counts.unexpected[key] ?? 0) + 1;
      }
      this.inFlight.delete(done);
    });
    this.inFlight.add(done);
  }
}

/** POST /api/scans; answers `OK`, the refusal's `error.code`, `HTTP <status>`, or `ERROR`. Never rejects. */
function post(baseUrl: string, agent: http.Agent, scan: Scan): Promise<string> {
  const body = JSON.stringify({ qr: scan.qr });
  return new Promise((resolve) => {
    const req = http.request(
      `${baseUrl}/api/scans`,
      { method: 'POST', agent, headers: { authorization: `Bearer ${scan.merchantKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(res.statusCode === 200 ? 'OK' : (errorCode(text) ?? `HTTP ${res.statusCode}`)));
        res.on('error', () => resolve('ERROR'));
      },
    );
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve('ERROR'));
    req.end(body);
  });
}

function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
