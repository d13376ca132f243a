import type { LedgerEntry } from '@scanpush/shared';
import { historyRow, type HistoryRow } from '../../lib/messages';
import { HISTORY_PAGE, NO_HISTORY, nextBefore, withNewest, withOlder, type HistoryList } from './history-list';
import type { MemberData } from './member-data';

/** What the history needs of the member screen. */
export interface HistoryHost {
  /** A member request, with the screen's session handling. */
  call<T>(path: string): Promise<T>;
  set(patch: Partial<MemberData>): void;
}

/**
 * The card's history under the code: the newest page, reloaded after each result, and older pages on
 * "加载更多", each row once (history-list.ts). A card switch or a resync starts it over; an answer for
 * a list that was started over meanwhile is dropped.
 */
export class HistoryPanel {
  private list: HistoryList<HistoryRow> = NO_HISTORY;
  private storeId = 0;
  /** Bumped when the list starts over: answers of an older list are dropped. */
  private gen = 0;
  private loadingMore = false;

  constructor(private readonly host: HistoryHost) {}

  /** Starts the list over, for the card at `storeId`. */
  reset(storeId: number): void {
    this.storeId = storeId;
    this.gen++;
    this.loadingMore = false;
    this.show(NO_HISTORY);
    this.host.set({ historyLoading: false });
  }

  /** The newest page, merged with older pages already loaded. History is a convenience: failures are quiet. */
  async loadNewest(): Promise<void> {
    const gen = this.gen;
    try {
      const { entries } = await this.host.call<{ entries: LedgerEntry[] }>(`/api/cards/${this.storeId}/history?limit=${HISTORY_PAGE}`);
      if (gen === this.gen) this.show(withNewest(this.list, entries.map(historyRow)));
    } catch {
      // The card and the QR work without it; the next result or pull-down tries again.
    }
  }

  /** The next older page, one request at a time. */
  async loadMore(): Promise<void> {
    const before = nextBefore(this.list);
    if (before === undefined || this.loadingMore) return;
    const gen = this.gen;
    this.loadingMore = true;
    this.host.set({ historyLoading: true });
    try {
      const { entries } = await this.host.call<{ entries: LedgerEntry[] }>(`/api/cards/${this.storeId}/history?limit=${HISTORY_PAGE}&before=${before}`);
      if (gen === this.gen) this.show(withOlder(this.list, entries.map(historyRow)));
    } catch {
      // The button stays: another tap tries again.
    } finally {
      if (gen === this.gen) {
        this.loadingMore = false;
        this.host.set({ historyLoading: false });
      }
    }
  }

  private show(list: HistoryList<HistoryRow>): void {
    this.list = list;
    this.host.set({ history: list.rows, historyMore: list.more });
  }
}
