import { SeqCursor, type ResultMessage } from '@scanpush/shared';

/**
 * The member's feed of pushed results, newest first. Delivery is at-least-once (a resume may replay
 * what a live push already brought), so a result is taken only when the cursor says it is new: each
 * result is shown once, and `lastSeq` is what the client resumes after and acknowledges.
 */
export class Feed {
  private readonly items: ResultMessage[] = [];
  private readonly cursor: SeqCursor;

  constructor(
    private readonly limit = 30,
    seq = 0,
  ) {
    this.cursor = new SeqCursor(seq);
  }

  /** The highest seq taken (or the server's head after `synced`); 0 before any. */
  get lastSeq(): number {
    return this.cursor.lastSeq;
  }

  /** Newest first, at most `limit`. */
  get entries(): readonly ResultMessage[] {
    return this.items;
  }

  /** Takes a result; false (and nothing changes) when its seq was taken already or is older. */
  add(message: ResultMessage): boolean {
    if (!this.cursor.isNew(message.seq)) return false;
    this.cursor.shown(message.seq);
    this.items.unshift(message);
    if (this.items.length > this.limit) this.items.length = this.limit;
    return true;
  }

  /** Applies the server's `synced.lastSeq`; true when the server went back (a restored database). */
  synced(lastSeq: number): boolean {
    return this.cursor.synced(lastSeq);
  }
}
