import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientDialect, ClientMember, Command, Observations, OpenReply, PollReply, ProgressEvent, Reply, StatusReply } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/**
 * The client worker processes of one run. Members are dealt to workers round-robin; every call fans
 * out to all workers and gathers their answers.
 */
export class Fleet {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly openByWorker: number[];
  /** Rejects when a worker exits before `stop`; race it against work on the fleet. */
  readonly died: Promise<never>;
  private stopping = false;

  private constructor(private readonly workers: ChildProcess[]) {
    this.openByWorker = workers.map(() => 0);
    this.died = new Promise<never>((_, reject) => {
      workers.forEach((w, i) =>
        w.once('exit', (code, signal) => {
          if (!this.stopping) reject(new Error(`client worker ${i} exited (${signal ?? code}) during the run`));
        }),
      );
    });
    this.died.catch(() => undefined);
    workers.forEach((w, i) =>
      w.on('message', (raw) => {
        const msg = raw as Reply | ProgressEvent;
        if ('event' in msg) {
          this.openByWorker[i] = msg.open;
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new Error(`client worker ${i}: ${msg.error}`));
      }),
    );
  }

  /**
   * Forks `count` workers. They inherit this process's loader flags (tsx), so they run TypeScript too.
   * Their stdout is dropped: the bench's stdout carries only its JSON lines.
   */
  static start(count: number): Fleet {
    const workers = Array.from({ length: count }, () => fork(WORKER, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    return new Fleet(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid).filter((p): p is number => p !== undefined);
  }

  /** Sockets open so far across workers, as last reported while opening. */
  get opening(): number {
    return this.openByWorker.reduce((a, b) => a + b, 0);
  }

  private ask<T>(worker: number, cmd: Command): Promise<T> {
    const w = this.workers[worker];
    if (!w) throw new Error(`no worker ${worker}`);
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.send({ ...cmd, id });
    });
    return Promise.race([answer, this.died]);
  }

  private all<T>(cmd: (worker: number) => Command): Promise<T[]> {
    return Promise.all(this.workers.map((_, i) => this.ask<T>(i, cmd(i))));
  }

  /** Splits members over workers round-robin. */
  private deal<T>(items: readonly T[]): T[][] {
    const hands: T[][] = this.workers.map(() => []);
    items.forEach((item, i) => hands[i % hands.length]!.push(item));
    return hands;
  }

  async open(wsUrl: string, members: readonly ClientMember[], opts: { localAddresses: string[]; concurrency: number; dialect: ClientDialect }): Promise<OpenReply> {
    const hands = this.deal(members);
    const replies = await this.all<OpenReply>((i) => ({ op: 'open', wsUrl, members: hands[i]!, ...opts }));
    return {
      opened: replies.reduce((a, r) => a + r.opened, 0),
      failed: replies.reduce((a, r) => a + r.failed, 0),
      errors: [...new Set(replies.flatMap((r) => r.errors))].slice(0, 5),
    };
  }

  async record(): Promise<void> {
    await this.all(() => ({ op: 'record' }));
  }

  async count(): Promise<number> {
    return (await this.all<number>(() => ({ op: 'count' }))).reduce((a, b) => a + b, 0);
  }

  async collect(): Promise<Observations> {
    return merge(await this.all<Observations>(() => ({ op: 'collect' })));
  }

  async status(): Promise<StatusReply> {
    const replies = await this.all<StatusReply>(() => ({ op: 'status' }));
    const unexpectedCloses: Record<string, number> = {};
    for (const r of replies) for (const [code, n] of Object.entries(r.unexpectedCloses)) unexpectedCloses[code] = (unexpectedCloses[code] ?? 0) + n;
    return { open: replies.reduce((a, r) => a + r.open, 0), unexpectedCloses };
  }

  async closeSockets(): Promise<void> {
    await this.all(() => ({ op: 'close' }));
  }

  async poll(baseUrl: string, members: readonly ClientMember[], localAddresses: string[], mode: Extract<Command, { op: 'poll' }>['mode']): Promise<void> {
    const hands = this.deal(members);
    await this.all((i) => ({ op: 'poll', baseUrl, members: hands[i]!, localAddresses, mode }));
  }

  async stopPolling(): Promise<PollReply> {
    const replies = await this.all<PollReply>(() => ({ op: 'poll-stop' }));
    const durations = new Float64Array(replies.reduce((a, r) => a + r.durations.length, 0));
    let k = 0;
    for (const r of replies) {
      durations.set(r.durations, k);
      k += r.durations.length;
    }
    return {
      ...merge(replies),
      requests: replies.reduce((a, r) => a + r.requests, 0),
      errors: replies.reduce((a, r) => a + r.errors, 0),
      skipped: replies.reduce((a, r) => a + r.skipped, 0),
      durations,
    };
  }

  /** Ends every worker (their sockets die with them). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve();
            w.once('exit', () => resolve());
            w.disconnect();
            setTimeout(() => w.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
  }
}

function merge(parts: readonly Observations[]): Observations {
  const n = parts.reduce((a, p) => a + p.t.length, 0);
  const out: Observations = { member: new Int32Array(n), remaining: new Int32Array(n), t: new Float64Array(n), unparsed: 0 };
  let k = 0;
  for (const p of parts) {
    out.member.set(p.member, k);
    out.remaining.set(p.remaining, k);
    out.t.set(p.t, k);
    k += p.t.length;
    out.unparsed += p.unparsed;
  }
  return out;
}
