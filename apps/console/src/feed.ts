import type { ResultMessage } from '@scanpush/shared';

/**
 * The member's feed of pushed results, newest first. Delivery is at-least-once (a resume may replay
 * what a live push already brought), so a result is taken only when its seq is above every seq taken
 * before: each result is shown once, and `lastSeq` is what the client resumes after and acknowledges.
 */
export class Feed {
  private readonly items: ResultMessage[] = [];

  constructor(
    private readonly limit = 30,
    private seq = 0,
  ) {}

  /** The highest seq taken; 0 before any. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Newest first, at most `limit`. */
  get entries(): readonly ResultMessage[] {
    return this.items;
  }

  /** Takes a result; false (and nothing changes) when its seq was taken already or is older. */
  add(message: ResultMessage): boolean {
    if (message.seq <= this.seq) return false;
    this.seq = message.seq;
    this.items.unshift(message);
    if (this.items.length > this.limit) this.items.length = this.limit;
    return true;
  }
}
