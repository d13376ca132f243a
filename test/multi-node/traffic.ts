import { decodeServerMessage, type ResultMessage } from '@scanpush/shared';
import { PushClient, systemClock, type ConnectionStatus, type SyncInfo } from '@scanpush/client';
import { wsConnect } from '@scanpush/client/ws';
import type { NodeProcess } from './node-process.js';

/** Polls `probe` until it answers something truthy; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => T | Promise<T>, timeoutMs: number, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A JSON request with a deadline; a network failure or the deadline answers status 0 with the error. */
export async function call<T = any>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; body: T; error?: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text) as T };
  } catch (err) {
    return { status: 0, body: undefined as T, error: String((err as Error).cause ?? err) };
  }
}

async function ok<T = any>(what: string, answer: Promise<{ status: number; body: T; error?: string }>, status = 200): Promise<T> {
  const a = await answer;
  if (a.status !== status) throw new Error(`${what}: ${a.status} ${a.error ?? JSON.stringify(a.body)}`);
  return a.body;
}

export interface Member {
  id: number;
  token: string;
}

/** A new member with a card of `uses` at the demo store (2), logged in through the development login. */
export async function addMember(node: NodeProcess, adminToken: string, uses = 1000): Promise<Member> {
  const member = await ok('new member', call(`${node.url}/api/admin/members`, { token: adminToken, body: {} }), 201);
  await ok('top-up', call(`${node.url}/api/admin/cards`, { token: adminToken, body: { memberId: member.id, storeId: 2, uses } }));
  const session = await ok('dev login', call(`${node.url}/api/auth/dev`, { body: { userId: member.id } }));
  return { id: member.id as number, token: session.token as string };
}

/** `count` fresh QR codes of the member for store 2, minted through `node`, four at a time. */
export async function mintQrs(node: NodeProcess, member: Member, count: number): Promise<string[]> {
  const qrs: string[] = [];
  for (let i = 0; i < count; i += 4) {
    const batch = Array.from({ length: Math.min(4, count - i) }, () => ok('qr', call(`${node.url}/api/qr`, { token: member.token, body: { storeId: 2 } })));
    for (const body of await Promise.all(batch)) qrs.push(body.token as string);
  }
  return qrs;
}

export interface ScanAnswer {
  index: number;
  node: string;
  qr: string;
  idempotencyKey: string;
  /** 0: no answer (connection failed or the deadline passed). */
  status: number;
  code: string | undefined;
  result: ResultMessage | undefined;
  /** The answer repeated the first one for its idempotency key (a retry of a scan that had committed). */
  replayed: boolean;
  ms: number;
}

/**
 * Scans `qrs` one after another at a steady rate — scan i is sent at `i · intervalMs` after the start,
 * or as soon as the previous one was answered if that is later — through `targets` in turn, each with an
 * idempotency key and a deadline. `onAnswer` sees every answer as it comes (to trigger a fault mid-stream).
 */
export async function scanStream(opts: {
  targets: NodeProcess[];
  merchantKey: string;
  qrs: string[];
  intervalMs: number;
  keyPrefix: string;
  onAnswer?: (answer: ScanAnswer, all: ScanAnswer[]) => void | Promise<void>;
}): Promise<ScanAnswer[]> {
  const answers: ScanAnswer[] = [];
  const started = Date.now();
  for (const [index, qr] of opts.qrs.entries()) {
    const wait = started + index * opts.intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    const answer = await scanOnce(opts.targets[index % opts.targets.length]!, opts.merchantKey, qr, `${opts.keyPrefix}-${index}`, index);
    answers.push(answer);
    await opts.onAnswer?.(answer, answers);
  }
  return answers;
}

export async function scanOnce(node: NodeProcess, merchantKey: string, qr: string, idempotencyKey: string, index = 0): Promise<ScanAnswer> {
  const t0 = Date.now();
  const a = await call(`${node.url}/api/scans`, { token: merchantKey, body: { qr }, headers: { 'idempotency-key': idempotencyKey } });
  return {
    index,
    node: node.name,
    qr,
    idempotencyKey,
    status: a.status,
    code: a.body?.error?.code ?? (a.status === 0 ? a.error : undefined),
    // As the socket carries it: the answer's result with the envelope's type.
    result: a.status === 200 ? ({ type: 'result', ...a.body.result } as ResultMessage) : undefined,
    replayed: a.status === 200 && a.body.replayed === true,
    ms: Date.now() - t0,
  };
}

/**
 * `lanes` scans in flight at every moment until each lane has been answered other than 200 once (or the
 * QRs run out): each lane sends its next scan as soon as its previous one is answered. For a fault that
 * must land on transactions in progress rather than between them.
 */
export async function scanBurst(opts: { targets: NodeProcess[]; merchantKey: string; qrs: string[]; lanes: number; keyPrefix: string }): Promise<ScanAnswer[]> {
  const answers: ScanAnswer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.lanes }, async (_, lane) => {
      while (next < opts.qrs.length) {
        const index = next++;
        const answer = await scanOnce(opts.targets[(index + lane) % opts.targets.length]!, opts.merchantKey, opts.qrs[index]!, `${opts.keyPrefix}-${index}`, index);
        answers.push(answer);
        if (answer.status !== 200) return;
      }
    }),
  );
  return answers;
}

const started = new Set<Screen>();

/** Stops every screen still running (a test that failed before its own `stop()`). */
export function stopScreens(): void {
  for (const screen of started) screen.stop();
}

/**
 * A member's phone as the apps run it: PushClient over the `ws` connector (through nginx), with quick
 * reconnects. `shown` is what the screen shows (each result handed to onResult); `connections` records,
 * per socket, the result seqs that came over it, so a test can tell a repeat on the wire from one on screen.
 */
export class Screen {
  readonly shown: ResultMessage[] = [];
  readonly connections: Array<{ results: number[]; closed?: string }> = [];
  readonly statuses: ConnectionStatus[] = [];
  readonly syncs: SyncInfo[] = [];
  readonly client: PushClient;

  constructor(server: string, member: Member, storeId = 2) {
    const connect = wsConnect({ server, memberId: member.id, storeId, token: member.token });
    this.client = new PushClient({
      connect: (events) => {
        const record: { results: number[]; closed?: string } = { results: [] };
        this.connections.push(record);
        return connect({
          ...events,
          onMessage: (text) => {
            const frame = decodeServerMessage(text);
            if (frame.ok && frame.value.type === 'result') record.results.push(frame.value.seq);
            events.onMessage(text);
          },
          onClose: (code, reason) => {
            record.closed = `${code} ${reason}`;
            events.onClose(code, reason);
          },
          onRefused: (status, reason) => {
            record.closed = `HTTP ${status} ${reason}`;
            events.onRefused(status, reason);
          },
        });
      },
      clock: systemClock,
      backoff: { baseMs: 100, capMs: 1000 },
      connectTimeoutMs: 5_000,
      onResult: (result) => void this.shown.push(result),
      onSynced: (info) => void this.syncs.push(info),
      onStatus: (status) => void this.statuses.push(status),
    });
  }

  start(): this {
    started.add(this);
    this.client.start();
    return this;
  }

  stop(): void {
    started.delete(this);
    this.client.stop();
  }

  /** Resolves once the client is live (synced) `times` times in all. */
  async live(times = 1, timeoutMs = 10_000): Promise<void> {
    await waitUntil(`the client synced ${times} time(s) (statuses: ${this.describe()})`, () => this.syncs.length >= times, timeoutMs);
  }

  /** Resolves once every seq of `seqs` was shown. */
  async showed(seqs: number[], timeoutMs: number): Promise<void> {
    const want = new Set(seqs);
    await waitUntil(
      `${want.size} results on screen`,
      () => {
        for (const r of this.shown) want.delete(r.seq);
        return want.size === 0;
      },
      timeoutMs,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: missing ${[...want].slice(0, 20).join(',')}; shown ${this.shown.length}; ${this.describe()}`);
    });
  }

  describe(): string {
    const last = this.statuses.slice(-6).map((s) => `${s.state}${s.closeCode ? `:${s.closeCode}` : ''}${s.refusedStatus ? `:HTTP${s.refusedStatus}` : ''}${s.reason ? `(${s.reason})` : ''}`);
    return `connections ${this.connections.length} [${this.connections.map((c) => `${c.results.length}${c.closed ? ` ${c.closed}` : ''}`).join('; ')}], statuses …${last.join(' → ')}`;
  }
}

/** The node whose /metrics counts the member socket(s), once exactly one node holds `count` of them. */
export async function socketHolder(nodes: NodeProcess[], count = 1, timeoutMs = 5_000): Promise<NodeProcess> {
  return waitUntil(
    'one node holding the socket',
    async () => {
      const open = await Promise.all(nodes.map((n) => n.metric('scanpush_sockets_open')));
      const holders = nodes.filter((_, i) => open[i]! > 0);
      return holders.length === 1 && open[nodes.indexOf(holders[0]!)] === count ? holders[0] : undefined;
    },
    timeoutMs,
  );
}

/** The seqs of the scans answered 200, in answer order. */
export const okSeqs = (answers: ScanAnswer[]) => answers.filter((a) => a.status === 200).map((a) => a.result!.seq);
