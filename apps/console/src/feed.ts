import type { ResultMessage } from '@scanpush/shared';

/**
 * The results shown for one member stream (one member at one store), newest first, at most `limit`.
 * It takes what the stream client hands over: PushClient has already dropped repeats (see
 * @scanpush/client), so each result arrives here once.
 */
export class Feed {
  private items: ResultMessage[];

  constructor(
    private readonly limit = 30,
    items: readonly ResultMessage[] = [],
  ) {
    this.items = items.slice(0, limit);
  }

  /** Newest first. */
  get entries(): readonly ResultMessage[] {
    return this.items;
  }

  /**
   * Takes a new result. One of another epoch than the entries' clears them first: the server's history
   * changed (a restored or new database), its seqs started over, and the old rows belong to no history
   * it still has.
   */
  add(message: ResultMessage): void {
    this.enter(message.epoch);
    this.items.unshift(message);
    if (this.items.length > this.limit) this.items.length = this.limit;
  }

  /** Keeps the entries only if they are of `epoch` (see `add`); `synced` of a new history calls it too. */
  enter(epoch: string): void {
    if (this.items[0] && this.items[0].epoch !== epoch) this.items = [];
  }
}
