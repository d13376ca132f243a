/**
 * Where a client stands in one of the member's streams.
 *
 * A stream is one member's results at one store: `seq` counts them, 1, 2, 3, … without gaps, and the
 * socket path (`/webSocket/{userId}/{carwashId}`) and the long-poll's `storeId` name the stream. A
 * client keeps one position per store it watches; a result at store B never moves the position of A.
 *
 * `epoch` names the history the seqs belong to. It changes whenever the server's history stops being
 * continuous — a new database, a database restored from a backup — and then the same seq may name
 * another result. A position of another epoch says nothing about this one: the server starts such a
 * client over from what it still retains and tells it `complete: false`.
 */
export interface StreamPosition {
  /** Opaque, 1-64 characters from [A-Za-z0-9_-]; compare for equality only. */
  epoch: string;
  /** The last seq the client has (0: none yet). */
  seq: number;
}

/** The start of a stream whose epoch the client does not know yet. */
export const NO_POSITION: StreamPosition = { epoch: '', seq: 0 };

const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;

export function isEpoch(value: unknown): value is string {
  return typeof value === 'string' && EPOCH.test(value);
}

export function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A client's half of "exactly once on screen" for one stream. Delivery is at-least-once (a resume may
 * replay what a live push already brought): a result is new only when its seq is above the position's,
 * in the same epoch. A result or `synced` of another epoch starts the position over in that epoch:
 * the server's history changed, and what it sends next is all it has.
 */
export class StreamCursor {
  private pos: StreamPosition;

  constructor(start: StreamPosition = NO_POSITION) {
    this.pos = { ...start };
  }

  /** Where to resume from. */
  get position(): StreamPosition {
    return { ...this.pos };
  }

  /**
   * Takes a result's position: true when it is new (show it), false for a repeat. A result of another
   * epoch resets the cursor to that epoch first.
   */
  accept(at: StreamPosition): boolean {
    if (at.epoch !== this.pos.epoch) this.pos = { epoch: at.epoch, seq: 0 };
    if (at.seq <= this.pos.seq) return false;
    this.pos = { epoch: at.epoch, seq: at.seq };
    return true;
  }

  /**
   * Applies the server's position after a replay (`synced`, a long-poll answer) that was asked for from
   * `resumedFrom`. Answers true when the server's history is not the one the client resumed in (the client
   * was resynchronised: its database was restored or replaced). Judged against `resumedFrom`, not the
   * cursor: the replay of a new history has already moved the cursor to the new epoch by now. Within one
   * epoch the cursor never moves back: a head below it cannot happen without a new epoch.
   */
  synced(head: StreamPosition, resumedFrom: StreamPosition): boolean {
    if (head.epoch !== this.pos.epoch || head.seq > this.pos.seq) this.pos = { epoch: head.epoch, seq: head.seq };
    return resumedFrom.epoch !== '' && resumedFrom.epoch !== head.epoch;
  }
}
