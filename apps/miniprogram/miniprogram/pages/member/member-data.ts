import type { CardView } from '@scanpush/shared';
import type { HistoryRow, ResultView } from '../../lib/messages';
import type { ConnectionState } from '@scanpush/client';

/** Everything the member page renders. */
export interface MemberData {
  phase: 'loading' | 'empty' | 'ready' | 'error';
  message: string;
  cards: CardView[];
  cardIndex: number;
  storeName: string;
  remaining: number;
  qrReady: boolean;
  qrSeconds: number;
  qrError: string;
  connection: ConnectionState;
  connectionText: string;
  /** Said once the card's stream was resynchronised (the server's database was restored); '' otherwise. */
  syncNotice: string;
  result: ResultView | null;
  history: HistoryRow[];
}

export const INITIAL_DATA: MemberData = {
  phase: 'loading',
  message: '',
  cards: [],
  cardIndex: 0,
  storeName: '',
  remaining: 0,
  qrReady: false,
  qrSeconds: 0,
  qrError: '',
  connection: 'idle',
  connectionText: '',
  syncNotice: '',
  result: null,
  history: [],
};

/** What the screen needs of its page. */
export interface MemberView {
  data: MemberData;
  setData(patch: Partial<MemberData>): void;
  /** For `createSelectorQuery().in(...)`. */
  component: WechatMiniprogram.Component.TrivialInstance;
}
