import type { CardView, StoreSummary } from '@scanpush/shared';
import { expiryText, type HistoryRow, type ResultView } from '../../lib/messages';
import type { ConnectionState } from '@scanpush/client';
import type { NotifyView } from '../../lib/subscriptions';

/** Everything the member page renders. */
export interface MemberData {
  phase: 'loading' | 'empty' | 'ready' | 'error';
  message: string;
  cards: CardView[];
  /** The picker's labels: the cards, then a store of a 办卡 entry without a card (store-entry.ts). */
  choices: string[];
  /** Index into `choices`: `cards.length` is the store without a card. */
  cardIndex: number;
  /** The store on screen is one the member holds no card at yet: its QR is shown to buy the first one. */
  newCard: boolean;
  /** Why a scanned 办卡 entry was refused (another code, an unknown store); '' otherwise. */
  entryNotice: string;
  storeName: string;
  remaining: number;
  /** `有效期至 YYYY-MM-DD`, the expired notice, or '' for a card that never expires (lib/messages expiryText). */
  expiry: string;
  /** The card's expiry has passed: it refuses deductions until the store sells it a product again. */
  expired: boolean;
  /** A valid code is drawn. */
  qrReady: boolean;
  qrSeconds: number;
  /** The drawn code's time ran out before a fresh one came: wiped and masked, tap to refresh. */
  qrExpired: boolean;
  /** The drawn code is the phone's offline code (离线码, no network), replaced at every time step. */
  qrOffline: boolean;
  qrError: string;
  connection: ConnectionState;
  connectionText: string;
  /** Whether the phone has a network (`wx.onNetworkStatusChange`). */
  online: boolean;
  /** Said once the card's stream was resynchronised (the server's database was restored); '' otherwise. */
  syncNotice: string;
  result: ResultView | null;
  history: HistoryRow[];
  /** Older history is left to load ("加载更多", or scrolling to the bottom). */
  historyMore: boolean;
  historyLoading: boolean;
  /** This phone holds a staff credential: the 员工扫码 entry shows (members never see it). */
  staffEntry: boolean;
  /** The 到店消费提醒 row (lib/subscriptions.ts); null while the server has subscription messages off. */
  notify: NotifyView | null;
}

export const INITIAL_DATA: MemberData = {
  phase: 'loading',
  message: '',
  cards: [],
  choices: [],
  cardIndex: 0,
  newCard: false,
  entryNotice: '',
  storeName: '',
  remaining: 0,
  expiry: '',
  expired: false,
  qrReady: false,
  qrSeconds: 0,
  qrExpired: false,
  qrOffline: false,
  qrError: '',
  connection: 'idle',
  connectionText: '',
  online: true,
  syncNotice: '',
  result: null,
  history: [],
  historyMore: false,
  historyLoading: false,
  staffEntry: false,
  notify: null,
};

/** The card's part of the page: store, count and expiry, as of `now`. */
export function cardFields(card: CardView, now: number): Pick<MemberData, 'storeName' | 'remaining' | 'expiry' | 'expired' | 'newCard'> {
  const expired = card.expiresAt !== null && Date.parse(card.expiresAt) <= now;
  return { storeName: card.storeName, remaining: card.remaining, expiry: expiryText(card.expiresAt ?? null, now), expired, newCard: false };
}

/** The same part for a store where the member holds no card yet. */
export function newCardFields(store: StoreSummary): Pick<MemberData, 'storeName' | 'remaining' | 'expiry' | 'expired' | 'newCard'> {
  return { storeName: store.name, remaining: 0, expiry: '', expired: false, newCard: true };
}

/** What the screen needs of its page. */
export interface MemberView {
  data: MemberData;
  setData(patch: Partial<MemberData>): void;
  /** For `createSelectorQuery().in(...)`. */
  component: WechatMiniprogram.Component.TrivialInstance;
}
