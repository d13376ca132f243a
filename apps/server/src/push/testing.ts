/**
 * Fakes for the push unit tests: an in-memory StreamStore and AccountStore with just what push reads,
 * a socket that records what it was sent, a logger that says nothing. Not used by the server.
 */
import { pino } from 'pino';
import type { DeliveryConfig } from '../config.js';
import { createMetrics } from '../metrics.js';
import type { AccountStore } from '../storage/accounts.js';
import type { StreamEntry, StreamStore } from '../storage/streams.js';
import type { PushSocket } from './connection.js';

export const silentLogger = pino({ level: 'silent' });

export function testMetrics() {
  return createMetrics({ openSockets: () => 0, undelivered: async () => 0 });
}

export const delivery: DeliveryConfig = {
  maxSocketsPerStore: 2,
  frameRatePerSecond: 10,
  frameBurst: 3,
  textReplayMs: 3600_000,
  textReplayMax: 20,
  retentionMs: 7 * 24 * 3600_000,
};

/** Resolves after pending promise callbacks (and the fakes' reads) have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class MemoryStreams implements StreamStore {
  private readonly streams = new Map<string, StreamEntry[]>();
  private readonly delivered = new Set<string>();
  /** Every `read` call, for tests that count storage reads. */
  readonly reads: Array<{ memberId: number; storeId: number; afterSeq: number }> = [];
  /** While set, reads wait for it: lets a test deliver events during a read. */
  gate: Promise<void> | undefined;
  /** Highest seq ever appended, per stream (pruning keeps it). */
  private readonly heads = new Map<string, number>();

  constructor(public epochId = 'epochA') {}

  epoch(): string {
    return this.epochId;
  }

  /** Appends the next entry of the stream (an OK with `remaining` counting down) and returns it. */
  append(memberId: number, storeId: number, createdAt = Date.now()): StreamEntry {
    const key = `${memberId}:${storeId}`;
    const seq = (this.heads.get(key) ?? 0) + 1;
    this.heads.set(key, seq);
    const entry: StreamEntry = { memberId, storeId, epoch: this.epochId, seq, code: 0, remaining: 100 - seq, ledgerId: seq, createdAt };
    const list = this.streams.get(key) ?? [];
    list.push(entry);
    this.streams.set(key, list);
    return entry;
  }

  /** Drops the stream's entries up to `seq` (retention). */
  pruneThrough(memberId: number, storeId: number, seq: number): void {
    const key = `${memberId}:${storeId}`;
    this.streams.set(key, (this.streams.get(key) ?? []).filter((e) => e.seq > seq));
  }

  isDelivered(memberId: number, storeId: number, seq: number): boolean {
    return this.delivered.has(`${memberId}:${storeId}:${seq}`);
  }

  async head(memberId: number, storeId: number): Promise<number> {
    return this.heads.get(`${memberId}:${storeId}`) ?? 0;
  }

  async firstSeq(memberId: number, storeId: number): Promise<number | undefined> {
    return this.list(memberId, storeId)[0]?.seq;
  }

  async read(memberId: number, storeId: number, afterSeq: number, limit: number): Promise<StreamEntry[]> {
    this.reads.push({ memberId, storeId, afterSeq });
    await this.gate;
    return this.list(memberId, storeId).filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  async undelivered(memberId: number, storeId: number, since: number, limit: number): Promise<StreamEntry[]> {
    await this.gate;
    const open = this.list(memberId, storeId).filter((e) => e.createdAt >= since && !this.isDelivered(memberId, storeId, e.seq));
    return open.slice(Math.max(0, open.length - limit));
  }

  async markDelivered(entries: ReadonlyArray<{ memberId: number; storeId: number; seq: number }>): Promise<void> {
    for (const e of entries) this.delivered.add(`${e.memberId}:${e.storeId}:${e.seq}`);
  }

  async countUndelivered(since: number): Promise<number> {
    let n = 0;
    for (const list of this.streams.values()) n += list.filter((e) => e.createdAt >= since && !this.isDelivered(e.memberId, e.storeId, e.seq)).length;
    return n;
  }

  async recent(since: number, limit: number): Promise<StreamEntry[]> {
    const all = [...this.streams.values()].flat().filter((e) => e.createdAt >= since);
    return all.sort((a, b) => a.createdAt - b.createdAt).slice(Math.max(0, all.length - limit));
  }

  async prune(before: number): Promise<number> {
    let n = 0;
    for (const [key, list] of this.streams) {
      const kept = list.filter((e) => e.createdAt >= before);
      n += list.length - kept.length;
      this.streams.set(key, kept);
    }
    return n;
  }

  private list(memberId: number, storeId: number): StreamEntry[] {
    return this.streams.get(`${memberId}:${storeId}`) ?? [];
  }
}

/** Sessions by token hash and a set of stores: what an upgrade is authorized against. */
export class MemoryAccounts implements Pick<AccountStore, 'findSession' | 'getStore'> {
  readonly sessions = new Map<string, { id: number; memberId: number; expiresAt: number }>();
  readonly stores = new Set<number>();

  async findSession(tokenHash: string, now: number): Promise<{ id: number; memberId: number } | undefined> {
    const s = this.sessions.get(tokenHash);
    return s && s.expiresAt > now ? { id: s.id, memberId: s.memberId } : undefined;
  }

  async getStore(id: number): Promise<{ id: number; name: string } | undefined> {
    return this.stores.has(id) ? { id, name: `store ${id}` } : undefined;
  }
}

/** A socket that records frames; `close` finishes on the next microtask, as a peer's answer would. */
export class FakeSocket implements PushSocket {
  readyState = 1;
  readonly sent: string[] = [];
  closedWith: { code: number; reason: string } | undefined;
  pings = 0;
  /** The payloads of the pongs sent, answering the client's pings. */
  readonly pongs: string[] = [];
  terminated = false;
  /** Set by the test to the connection's `socketClosed`. */
  onClosed: ((code: number) => void) | undefined;
  /** A peer that never answers the close frame. */
  deaf = false;

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  close(code: number, reason: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    this.closedWith = { code, reason };
    if (!this.deaf) queueMicrotask(() => this.finish(code));
  }

  ping(): void {
    this.pings++;
  }

  pong(data: Buffer): void {
    this.pongs.push(data.toString());
  }

  terminate(): void {
    this.terminated = true;
    this.finish(1006);
  }

  /** The frames sent, parsed as JSON. */
  json(): Array<Record<string, unknown>> {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  /** The seqs of the result frames sent (JSON or text dialect's remaining count: JSON only). */
  seqs(): number[] {
    return this.json().filter((m) => m.type === 'result').map((m) => m.seq as number);
  }

  private finish(code: number): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onClosed?.(code);
  }
}
