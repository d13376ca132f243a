import type { Logger } from '../logger.js';
import type { StreamEntry, StreamStore } from '../storage/streams.js';

export interface DatabaseFallbackOptions {
  streams: Pick<StreamStore, 'recent'>;
  /** Hands one entry to this node's listeners; called once per entry and outage. */
  emit(entry: StreamEntry): void;
  logger: Logger;
  /** The clock of the entries' createdAt. */
  now: () => number;
  /** How often the database is read. */
  pollMs: number;
  /**
   * How far back each read reaches before the previous one began: createdAt is stamped before the
   * commit, so an entry may become visible a little after a read that covered its createdAt. It also
   * absorbs clock skew between the nodes that stamp it.
   */
  overlapMs: number;
  /** Most entries per read (`recent` answers the newest). */
  batch: number;
}

/**
 * What a node does while its broker is away: reads the entries every stream received lately
 * (`StreamStore.recent`) and hands each to its listeners once, as if the broker had told it.
 *
 * Reads overlap, so an entry is read several times; `seen` keeps it from being handed over twice (the
 * connections would drop it anyway, but the metrics would count it). Entries this node published itself
 * are marked seen by `own`: its listeners had them from `publish`.
 */
export class DatabaseFallback {
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  /** Entries handed over (or published here) in this outage, by key, with their createdAt. */
  private readonly seen = new Map<string, number>();
  /** The next read covers createdAt from here on. */
  private from = 0;
  private warnedFull = false;

  constructor(private readonly options: DatabaseFallbackOptions) {}

  get active(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Starts reading every `pollMs`, first over what was committed since `since` (the last moment the
   * broker was known to deliver, minus the overlap). Does nothing while already active.
   */
  start(since: number): void {
    if (this.timer) return;
    this.from = since - this.options.overlapMs;
    this.warnedFull = false;
    this.timer = setInterval(() => void this.readOnce(), this.options.pollMs);
    void this.readOnce();
  }

  /** An entry this node published while the fallback is active: its own listeners have it already. */
  own(entry: StreamEntry): void {
    if (this.timer) this.seen.set(keyOf(entry), entry.createdAt);
  }

  /**
   * Stops polling after one more read, which covers what was committed between the last read and now
   * (the broker delivers again from now on). Resolves after that read.
   */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
    await this.readOnce();
    // Started again meanwhile (the broker was lost again): that outage goes on with what it has seen.
    if (!this.timer) this.seen.clear();
  }

  /**
   * One read over what was committed since `since` (minus the overlap), whether polling or not: another
   * node says it could not publish since then. Entries already handed over in this outage are skipped.
   */
  async catchUp(since: number): Promise<void> {
    await this.readOnce(since - this.options.overlapMs);
    if (!this.timer) this.seen.clear();
  }

  /** Stops without a last read; for shutdown. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
    this.seen.clear();
  }

  /**
   * Reads one at a time, in order. A tick that finds a read running does not add another; a catch-up
   * (`from` given) waits for it and reads its own window.
   */
  private readOnce(from?: number): Promise<void> {
    if (from === undefined && this.reading) return this.reading;
    const next: Promise<void> = (this.reading ?? Promise.resolve())
      .then(() => this.read(from))
      .catch((err: unknown) => this.options.logger.warn({ err }, 'reading results from the database while the broker is away failed'))
      .finally(() => {
        if (this.reading === next) this.reading = undefined;
      });
    this.reading = next;
    return next;
  }

  private async read(catchUpFrom?: number): Promise<void> {
    const { streams, emit, now, overlapMs, batch } = this.options;
    const began = now();
    const entries = await streams.recent(catchUpFrom ?? this.from, batch);
    if (entries.length >= batch && !this.seen.has(keyOf(entries[0]!)) && !this.warnedFull) {
      // `recent` answers the newest `batch`: older entries of the window may not have been read. The
      // connections of their streams fill the gap at the next result of that stream, or at reconnect.
      this.warnedFull = true;
      this.options.logger.warn({ batch }, 'more results committed between two database reads than one read holds; some pushes may wait for the next result of their stream');
    }
    for (const entry of entries) {
      const key = keyOf(entry);
      if (this.seen.has(key)) continue;
      this.seen.set(key, entry.createdAt);
      emit(entry);
    }
    if (catchUpFrom !== undefined) return;
    this.from = Math.max(this.from, began - overlapMs);
    // What the next read cannot reach any more need not be remembered (with a margin for skew).
    for (const [key, createdAt] of this.seen) if (createdAt < this.from - overlapMs) this.seen.delete(key);
  }
}

function keyOf(entry: StreamEntry): string {
  return `${entry.epoch}:${entry.memberId}:${entry.storeId}:${entry.seq}`;
}
