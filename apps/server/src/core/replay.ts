import type { ResultMessage } from '@scanpush/shared';
import type { Repository } from '../db/repository.js';
import { resultFromOutbox } from './results.js';

/**
 * Reads what a member missed after `after`, in seq order, at most `limit` rows. `complete` is false when
 * some of it was pruned by retention: seqs are contiguous per member, so a gap between `after` and the
 * oldest retained seq means results are gone. `more` says another read would find further rows.
 */
export async function readMissed(
  repo: Repository,
  memberId: number,
  after: number,
  limit: number,
  storeId?: number,
): Promise<{ results: ResultMessage[]; complete: boolean; more: boolean }> {
  const rows = await repo.outboxAfter(memberId, after, limit, storeId);
  const results = rows.map((row): ResultMessage => ({ type: 'result', ...resultFromOutbox(row), memberId: row.memberId }));
  let complete = true;
  const first = await repo.firstSeq(memberId);
  if (first === undefined) complete = after >= (await repo.lastSeq(memberId));
  else complete = after + 1 >= first;
  return { results, complete, more: rows.length === limit };
}
