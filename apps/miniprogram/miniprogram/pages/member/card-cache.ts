import type { CardView } from '@scanpush/shared';

/**
 * The member's cards as last read online, so a page opened where there is no signal (a bay) can still
 * show the card and its offline code. Plain storage: store names and counts, nothing secret. The count
 * may be behind; the first answer online replaces it.
 */
function key(server: string, memberId: number): string {
  return `scanpush.cards.${memberId}@${server}`;
}

export function rememberCards(server: string, memberId: number, cards: CardView[]): void {
  wx.setStorageSync(key(server, memberId), cards);
}

/** The cards last read online for this member on this server, if any. */
export function rememberedCards(server: string, memberId: number): CardView[] | undefined {
  const stored: unknown = wx.getStorageSync(key(server, memberId));
  return Array.isArray(stored) && stored.length > 0 ? (stored as CardView[]) : undefined;
}
