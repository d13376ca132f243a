import type { StreamEntry, StreamStore } from '../storage/streams.js';

/** Entries per read; a longer replay is read in several. */
export const READ_BATCH = 200;

/** A client's position as it resumes: `epoch` absent for a client that has nothing yet. */
export interface ResumePosition {
  epoch?: string;
  after: number;
}

/** Where the replay for a resume starts, and what the client is told about it. */
export interface ReplayPlan {
  /** Replay the entries after this seq, in the server's epoch. */
  from: number;
  /** False when entries after the client's position may be missing from the replay. */
  complete: boolean;
  /** The client's position was of another history (or claimed seqs this one never issued). */
  resynced: boolean;
  /** The stream's head, read before any entry of the replay. */
  head: number;
}

/**
 * Decides a resume by the protocol's rule (README, Protocol):
 * - same epoch: the entries after `after`; complete unless the oldest retained entry is past `after + 1`;
 * - another epoch, or `after > 0` with no epoch: everything retained, from 0, complete = false;
 * - no epoch and `after = 0`: everything retained, complete when nothing was pruned.
 *
 * Same epoch with `after` above the head cannot happen (a restore makes a new epoch); if a client claims
 * it anyway, it is resynchronised as if its epoch were another.
 *
 * The head is read first: an entry committed during the replay is then either read by it or above
 * the head the client is told, so the client never takes an entry it has not had for one it has.
 */
export async function planReplay(streams: StreamStore, memberId: number, storeId: number, position: ResumePosition): Promise<ReplayPlan> {
  const head = await streams.head(memberId, storeId);
  const first = await streams.firstSeq(memberId, storeId);
  // With nothing retained, everything up to the head is gone (or never was).
  const reaches = (after: number) => (first === undefined ? after >= head : first <= after + 1);
  const { epoch, after } = position;
  if (epoch === streams.epoch() && after <= head) return { from: after, complete: reaches(after), resynced: false, head };
  if (epoch === undefined && after === 0) return { from: 0, complete: reaches(0), resynced: false, head };
  return { from: 0, complete: false, resynced: true, head };
}

/**
 * The entries after `after`, oldest first, a batch at a time; ends after the first short batch. Each
 * batch is read when the previous one has been consumed, so a consumer that stops early reads no more.
 */
export async function* entriesAfter(streams: StreamStore, memberId: number, storeId: number, after: number, batch = READ_BATCH): AsyncGenerator<StreamEntry[]> {
  for (let cursor = after; ; ) {
    const entries = await streams.read(memberId, storeId, cursor, batch);
    if (entries.length > 0) yield entries;
    if (entries.length < batch) return;
    cursor = entries[entries.length - 1]!.seq;
  }
}
