import type { NotificationsResponse } from '@scanpush/shared';
import { resultMessage } from '../core/results.js';
import type { StreamStore } from '../storage/streams.js';
import type { Broker } from './broker.js';
import type { DeliveryMarks } from './delivery-marks.js';
import { planReplay, type ResumePosition } from './stream-reader.js';

/** Most results in one answer; the client asks again from the `lastSeq` it got. */
export const PAGE = 100;

export interface PollRequest {
  memberId: number;
  storeId: number;
  /** The client's position in the stream, as for a socket resume. */
  position: ResumePosition;
  waitMs: number;
  /** Ends the wait early (the client went away); the answer is then what is there, likely nothing. */
  signal: AbortSignal;
}

/**
 * The long-poll fallback (`GET /api/notifications`): the same streams, positions and resume rule as the
 * socket, so a client can switch between them without loss or repeats.
 *
 * A request whose position is behind the stream, or of another epoch, is answered at once; one that is
 * at the head waits up to `waitMs`. Waiters are keyed by stream (member, store); a broker event for the
 * stream wakes them, and a woken poll reads storage again (an event is a hint: it may be late, repeated
 * or of another node, and the read says what is there).
 */
export class LongPoll {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;
  private closing = false;

  constructor(
    private readonly streams: StreamStore,
    broker: Broker,
    /** Marks what an answer carried as received, as a socket's write does (no subscription message then). */
    private readonly marks?: Pick<DeliveryMarks, 'mark'>,
  ) {
    this.unsubscribe = broker.subscribe(({ entry }) => this.wake(entry.memberId, entry.storeId));
  }

  /** Requests waiting now, for tests and monitoring. */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Answers with the stream's entries after the request's position (at most PAGE), the server's epoch,
   * the `after` of the next request, and whether nothing between the position and the results is missing.
   */
  async poll(req: PollRequest): Promise<NotificationsResponse> {
    const { memberId, storeId, signal } = req;
    const epoch = this.streams.epoch();
    for (const deadline = Date.now() + req.waitMs; ; ) {
      // Listen before reading, so a commit between the read and the wait still wakes us.
      const woken = this.waitFor(memberId, storeId, deadline - Date.now(), signal);
      const plan = await planReplay(this.streams, memberId, storeId, req.position);
      const entries = await this.streams.read(memberId, storeId, plan.from, PAGE);
      const lastSeq = entries.length > 0 ? entries[entries.length - 1]!.seq : Math.max(plan.from, plan.head);
      const answer = entries.length > 0 || !plan.complete || plan.resynced;
      if (answer || Date.now() >= deadline || signal.aborted || this.closing) {
        woken.cancel();
        for (const entry of entries) this.marks?.mark(entry);
        return { results: entries.map(resultMessage), epoch, lastSeq, complete: plan.complete };
      }
      await woken.promise;
    }
  }

  /** Answers every waiting request now, so a shutdown is not held up by them. */
  shutdown(): void {
    this.closing = true;
    this.unsubscribe();
    for (const set of this.waiters.values()) for (const finish of [...set]) finish();
  }

  private waitFor(memberId: number, storeId: number, ms: number, signal: AbortSignal): { promise: Promise<void>; cancel(): void } {
    const key = streamKey(memberId, storeId);
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    const waiters = set;
    let finish!: () => void;
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), Math.max(0, ms));
      finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        waiters.delete(finish);
        if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key);
        resolve();
      };
    });
    signal.addEventListener('abort', finish);
    waiters.add(finish);
    return { promise, cancel: finish };
  }

  private wake(memberId: number, storeId: number): void {
    for (const finish of [...(this.waiters.get(streamKey(memberId, storeId)) ?? [])]) finish();
  }
}

function streamKey(memberId: number, storeId: number): string {
  return `${memberId}:${storeId}`;
}
