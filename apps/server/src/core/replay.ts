import type { ResultMessage } from '@scanpush/shared';
import type { Repository } from '../db/repository.js';
import { resultFromOutbox } from './results.js';

export interface Missed {
  results: ResultMessage[];
  /** False when results after `after` are gone: pruned by retention, or never held (see `ahead`). */
  complete: boolean;
  /** Another read from the last result's seq would find more. */
  more: boolean;
  /** The member's highest seq on this server. */
  lastSeq: number;
  /**
   * The client claims seqs this server never issued: the database went back (restored from a backup).
   * The client must continue from `lastSeq`, or it would take the new results for ones it has shown.
   */
  ahead: boolean;
}

/**
 * Reads what a member missed after `after`, in seq order, at most `limit` rows. Seqs are contiguous per
 * member, so a gap between `after` and the oldest retained seq means results are gone.
 */
export async function readMissed(repo: Repository, memberId: number, after: number, limit: number, storeId?: number): Promise<Missed> {
  const lastSeq = await repo.lastSeq(memberId);
  if (after > lastSeq) return { results: [], complete: false, more: false, lastSeq, ahead: true };
  const rows = await repo.outboxAfter(memberId, after, limit, storeId);
  const results = rows.map((row): ResultMessage => ({ type: 'result', ...resultFromOutbox(row), memberId: row.memberId }));
  const first = await repo.firstSeq(memberId);
  const complete = first === undefined ? after >= lastSeq : after + 1 >= first;
  return { results, complete, more: rows.length === limit, lastSeq, ahead: false };
}
