import type { StreamStore } from '../storage/streams.js';

/** How long marks wait to be written together. */
const FLUSH_MS = 100;
/** Marks that are written at once, whatever the time. */
const FLUSH_ROWS = 1000;

/** Names one entry of one stream. */
export interface EntryKey {
  memberId: number;
  storeId: number;
  seq: number;
}

/**
 * Records which stream entries reached a socket (any socket of that stream), so the text dialect does
 * not send them again on the next connect. Only the text dialect reads the marks: structured clients
 * resume from their own position.
 *
 * Written in batches, at most FLUSH_MS late: a write per push was a second COMMIT for every scan. Until a
 * mark is written, `isPending` answers for it, so a text client that reconnects within that time is not
 * sent the entry again. A crash before the write means the entry is sent once more on the next text
 * connect (at-least-once), never that it is lost. Batches are written one after another, in order.
 */
export class DeliveryMarks {
  private batch: EntryKey[] = [];
  /** Marked and not yet committed: in `batch` or in a write under way. By stream, then seq. */
  private readonly pending = new Map<string, Set<number>>();
  private timer: NodeJS.Timeout | undefined;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly streams: Pick<StreamStore, 'markDelivered'>,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  mark(entry: EntryKey): void {
    const { memberId, storeId, seq } = entry;
    this.batch.push({ memberId, storeId, seq });
    const key = streamKey(memberId, storeId);
    let seqs = this.pending.get(key);
    if (!seqs) this.pending.set(key, (seqs = new Set()));
    seqs.add(seq);
    if (this.batch.length >= FLUSH_ROWS) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Whether the entry was written to a socket and its mark is not in storage yet. */
  isPending(entry: EntryKey): boolean {
    return this.pending.get(streamKey(entry.memberId, entry.storeId))?.has(entry.seq) ?? false;
  }

  /** Writes what is marked; resolves when every mark so far is written (or its write failed and was reported). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    if (batch.length === 0) return this.written;
    this.batch = [];
    this.written = this.written
      .then(() => this.streams.markDelivered(batch, this.now()))
      .catch(this.onError)
      .finally(() => {
        for (const { memberId, storeId, seq } of batch) {
          const key = streamKey(memberId, storeId);
          const seqs = this.pending.get(key);
          seqs?.delete(seq);
          if (seqs?.size === 0) this.pending.delete(key);
        }
      });
    return this.written;
  }
}

function streamKey(memberId: number, storeId: number): string {
  return `${memberId}:${storeId}`;
}
