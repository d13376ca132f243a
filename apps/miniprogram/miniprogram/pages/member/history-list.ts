/** History rows per request: the first page, and each "加载更多". */
export const HISTORY_PAGE = 20;

/** The rows of a card's history loaded so far, newest first, and whether older ones are left to load. */
export interface HistoryList<R extends { id: number }> {
  rows: R[];
  more: boolean;
}

export const NO_HISTORY: HistoryList<never> = { rows: [], more: false };

/** The `before` of the next older page: the oldest row's id; undefined when there is none to load. */
export function nextBefore<R extends { id: number }>(list: HistoryList<R>): number | undefined {
  return list.more && list.rows.length > 0 ? list.rows[list.rows.length - 1]!.id : undefined;
}

/** An older page (asked with `before` = `nextBefore`), appended; a row already shown is not repeated. */
export function withOlder<R extends { id: number }>(list: HistoryList<R>, page: R[], pageSize = HISTORY_PAGE): HistoryList<R> {
  const seen = new Set(list.rows.map((r) => r.id));
  return { rows: [...list.rows, ...page.filter((r) => !seen.has(r.id))], more: page.length === pageSize };
}

/**
 * The newest page again (after a result, a sync, a pull-down). The older rows loaded before are kept
 * when the newest page reaches them (nothing between is missing); otherwise more than a page was written
 * since, and the list starts over from the newest page.
 */
export function withNewest<R extends { id: number }>(list: HistoryList<R>, newest: R[], pageSize = HISTORY_PAGE): HistoryList<R> {
  if (newest.length < pageSize) return { rows: newest, more: false };
  const oldestNew = newest[newest.length - 1]!.id;
  const newestOld = list.rows[0]?.id;
  if (newestOld === undefined || oldestNew > newestOld) return { rows: newest, more: true };
  return { rows: [...newest, ...list.rows.filter((r) => r.id < oldestNew)], more: list.more };
}
