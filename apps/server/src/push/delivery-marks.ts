import type { Repository } from '../db/repository.js';

/**
 * Records, in batches, which outbox rows reached a socket, so the text dialect does not send them again
 * on the next connect. Batched once per event-loop turn: a crash before the write means the row is sent
 * once more on the next text connect (at-least-once), never that it is lost.
 */
export class DeliveryMarks {
  private pending: Array<{ memberId: number; seq: number }> = [];
  private scheduled = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: Repository,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  mark(memberId: number, seq: number): void {
    this.pending.push({ memberId, seq });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /** Writes what is pending; resolves when every mark so far is written. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.inFlight = this.inFlight.then(() => this.repo.markDelivered(batch, this.now())).catch(this.onError);
    }
    return this.inFlight;
  }
}
