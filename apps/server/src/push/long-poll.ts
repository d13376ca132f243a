import type { NotificationsResponse } from '@scanpush/shared';
import { readMissed } from '../core/replay.js';
import type { Repository } from '../db/repository.js';
import type { Broker } from './broker.js';

/** Most results in one answer; the client asks again from the last seq it got. */
const PAGE = 100;

/**
 * The long-poll fallback: the same outbox and seqs as the socket, so a client can switch between them
 * without loss or repeats. A waiting request is woken by the broker the moment a result for its member
 * is committed.
 */
export class LongPoll {
  private readonly waiters = new Map<number, Set<() => void>>();
  private readonly unsubscribe: () => void;
  private closing = false;

  constructor(
    private readonly repo: Repository,
    broker: Broker,
  ) {
    this.unsubscribe = broker.subscribe((event) => this.wake(event.memberId));
  }

  /**
   * Answers with the member's results after `after` (of one store when `storeId` is given), waiting up to
   * `waitMs` for one when there is none yet. Ends early, empty, when `signal` aborts or on shutdown.
   */
  async poll(memberId: number, after: number, waitMs: number, storeId: number | undefined, signal: AbortSignal): Promise<NotificationsResponse> {
    for (const deadline = Date.now() + waitMs; ; ) {
      // Listen before reading, so a commit between the read and the wait still wakes us.
      const woken = this.waitFor(memberId, deadline - Date.now(), signal);
      const read = await readMissed(this.repo, memberId, after, PAGE, storeId);
      // A client ahead of the server (a restored database) is told at once to continue from the head.
      if (read.results.length > 0 || read.ahead || Date.now() >= deadline || signal.aborted || this.closing) {
        woken.cancel();
        return { results: read.results, lastSeq: read.ahead ? read.lastSeq : (read.results.at(-1)?.seq ?? after), complete: read.complete };
      }
      await woken.promise;
    }
  }

  private waitFor(memberId: number, ms: number, signal: AbortSignal): { promise: Promise<void>; cancel(): void } {
    let set = this.waiters.get(memberId);
    if (!set) this.waiters.set(memberId, (set = new Set()));
    const waiters = set;
    let finish!: () => void;
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), Math.max(0, ms));
      finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        waiters.delete(finish);
        if (waiters.size === 0 && this.waiters.get(memberId) === waiters) this.waiters.delete(memberId);
        resolve();
      };
    });
    signal.addEventListener('abort', finish);
    waiters.add(finish);
    return { promise, cancel: finish };
  }

  private wake(memberId: number): void {
    for (const finish of [...(this.waiters.get(memberId) ?? [])]) finish();
  }

  /** Answers every waiting request now, so a shutdown is not held up by them. */
  shutdown(): void {
    this.closing = true;
    this.unsubscribe();
    for (const set of this.waiters.values()) for (const finish of [...set]) finish();
  }
}
