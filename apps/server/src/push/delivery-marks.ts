import type { Repository } from '../db/repository.js';

/** How long marks wait to be written together. */
const FLUSH_MS = 100;
/** Marks that are written at once, whatever the time. */
const FLUSH_ROWS = 1000;

/**
 * Records which outbox rows reached a socket, so the text dialect does not send them again on the next
 * connect. Written in batches, at most FLUSH_MS late: a write per push was a second COMMIT for every
 * scan. Until a mark is written, `isPending` answers for it, so a text client that reconnects within
 * that time is not sent the row again. A crash before the write means the row is sent once more on the
 * next text connect (at-least-once), never that it is lost.
 */
export class DeliveryMarks {
  private batch: Array<{ memberId: number; seq: number }> = [];
  /** Marked and not yet committed: in `batch` or in a write under way. By member, then seq. */
  private readonly pending = new Map<number, Set<number>>();
  private timer: NodeJS.Timeout | undefined;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: Repository,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  mark(memberId: number, seq: number): void {
    this.batch.push({ memberId, seq });
    let seqs = this.pending.get(memberId);
    if (!seqs) this.pending.set(memberId, (seqs = new Set()));
    seqs.add(seq);
    if (this.batch.length >= FLUSH_ROWS) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Whether the row was written to a socket and its mark is not in the database yet. */
  isPending(memberId: number, seq: number): boolean {
    return this.pending.get(memberId)?.has(seq) ?? false;
  }

  /** Writes what is marked; resolves when every mark so far is written. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    if (batch.length === 0) return this.written;
    this.batch = [];
    this.written = this.written
      .then(() => this.repo.markDelivered(batch, this.now()))
      .catch(this.onError)
      .finally(() => {
        for (const { memberId, seq } of batch) {
          const seqs = this.pending.get(memberId);
          seqs?.delete(seq);
          if (seqs?.size === 0) this.pending.delete(memberId);
        }
      });
    return this.written;
  }
}
