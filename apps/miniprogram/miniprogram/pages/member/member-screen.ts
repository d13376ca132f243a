import type { ConnectionStatus, PushClient } from '@scanpush/client';
import { CLOSE_CODES, RESULT_CODES, type CardView, type Decoded, type QrResponse, type ResultMessage, type StoreSummary, type StreamPosition } from '@scanpush/shared';
import { CAPTURE_WARNING, RESYNCED_TEXT, connectionText, errorText, resultView } from '../../lib/messages';
import { watchNetwork } from '../../lib/network';
import { OfflineDevice } from '../../lib/offline-device';
import { ScreenKeeper } from '../../lib/screen';
import { serverUrl } from '../../lib/server';
import { STAFF_SCAN_PAGE, staffBound } from '../../lib/staff-credential';
import { forgetLegacySeq } from '../../lib/stream-positions';
import { ApiError } from '../../lib/api';
import { Subscriptions } from '../../lib/subscriptions';
import { rememberCards, rememberedCards } from './card-cache';
import { createCardClient } from './card-client';
import { HistoryPanel } from './history-panel';
import { cardFields, type MemberData, type MemberView } from './member-data';
import { MemberSessionKeeper } from './member-session';
import { QrPanel } from './qr-panel';
import { StoreEntry, choiceLabels, chooseIndex, enterQuery, pickAt } from './store-entry';

/**
 * The member page's behaviour, apart from `Component()`: login, the card, the QR and its countdown, the
 * one socket, results and the history, the screen's brightness and the network. The page forwards its
 * lifecycle here.
 *
 * The socket carries the stream of the card on screen only (one member's results at one store). A card
 * switch stops that card's client and starts the other's from its own saved position, so each result
 * reaches the card it belongs to, once. The socket is connected only while the page is shown and the
 * phone has a network; without one the client waits `offline` and connects the moment it returns.
 *
 * The session (renewed once for all that find it gone, member-session.ts), the QR (qr-panel.ts), the
 * history (history-panel.ts) and the store of a 办卡 entry without a card yet (store-entry.ts: shown
 * like a card, with its QR and its stream, until the sale's push makes it one) are its parts.
 */
export class MemberScreen {
  private readonly server = serverUrl();
  private readonly sessions = new MemberSessionKeeper(this.server, () => this.renewed());
  /** This phone's enrolment for offline codes: checked (or made) online, used with no network. */
  private readonly device = new OfflineDevice(this.server, (path, init) => this.sessions.call(path, init));
  private readonly entry = new StoreEntry({ server: this.server, call: (path) => this.sessions.call(path), memberId: () => this.sessions.session?.memberId });
  /** The push client of the card on screen; events of any other (a stopped one) are ignored. */
  private client: PushClient | undefined;
  private storeId = 0;
  /** The history (epoch) of the result on screen, to tell whether a resync made it one the server lost. */
  private resultEpoch = '';
  private readonly qr: QrPanel;
  private readonly history: HistoryPanel;
  private readonly screen = new ScreenKeeper();
  /** 到店消费提醒: the page's taps ask through it (`notify.ask`), synchronously in their handlers. */
  readonly notify = new Subscriptions({ call: (path, init) => this.sessions.call(path, init), set: (patch) => this.set(patch), now: Date.now });
  private visible = false;
  private online = true;
  private closed = false;
  private readonly stopWatchingNetwork: () => void;
  private readonly onCapture = () => this.warnCapture();

  constructor(private readonly view: MemberView) {
    const screen = this;
    this.qr = new QrPanel({
      view,
      requestQr: (storeId) => this.sessions.call<QrResponse>('/api/qr', { body: { storeId } }),
      set: (patch) => this.set(patch),
      get closed() {
        return screen.closed;
      },
      get online() {
        return screen.online;
      },
      offlineCode: (storeId) => this.device.code(storeId),
    });
    this.history = new HistoryPanel({ call: (path) => this.sessions.call(path), set: (patch) => this.set(patch) });
    this.stopWatchingNetwork = watchNetwork((online) => this.setOnline(online));
    if (typeof wx.onUserCaptureScreen === 'function') wx.onUserCaptureScreen(this.onCapture);
  }

  /** `launch`: the page's query; its `q` is a 办卡 entry scanned with WeChat's own scanner. */
  async open(launch?: Record<string, string | undefined>): Promise<void> {
    // Taken before the first wait: the show that follows the load must see this launch as taken.
    const entryText = this.entry.launched(launch);
    this.set({ staffEntry: staffBound() });
    try {
      const session = await this.sessions.open();
      forgetLegacySeq(session.memberId);
      // Read before the first code is asked for, so a load without signal can show the offline code.
      await this.device.load(session.memberId);
      this.checkDevice();
      const entered = entryText === undefined ? undefined : this.entered(await this.entry.enter(entryText));
      await this.loadCards(entered);
    } catch (err) {
      this.set({ phase: 'error', message: errorText(err) });
    }
  }

  /** For the empty and error states' button. */
  async reload(): Promise<void> {
    this.set({ phase: 'loading', message: '' });
    await this.open();
  }

  show(): void {
    this.visible = true;
    if (this.closed) return;
    // A phone bound (or unbound) as staff meanwhile shows (or hides) its entry.
    this.set({ staffEntry: staffBound() });
    // A 办卡 code scanned with WeChat while this page stayed open in the background.
    const entryText = this.entry.launched(enterQuery());
    if (entryText !== undefined && this.sessions.session) void this.entry.enter(entryText).then((outcome) => this.showEntry(outcome));
    if (this.view.data.phase === 'ready') {
      if (this.client?.state === 'idle') this.client.start();
      else this.client?.resume();
      this.qr.startTicking();
      this.notify.readSetting();
    }
    this.updateScreen();
  }

  hide(): void {
    this.visible = false;
    this.client?.pause();
    this.qr.stopTicking();
    this.updateScreen();
  }

  close(): void {
    this.visible = false;
    this.updateScreen();
    this.closed = true;
    this.client?.stop();
    this.qr.stopTicking();
    this.stopWatchingNetwork();
    // Before base library 2.9.3 there is no off; newer ones take the listener (the typings lag behind).
    if (typeof wx.offUserCaptureScreen === 'function') (wx.offUserCaptureScreen as (listener?: () => void) => void)(this.onCapture);
  }

  /** A pick in the list: a card, or (past the cards) the store without a card yet. */
  async selectCard(index: number): Promise<void> {
    const { cards } = this.view.data;
    const pick = pickAt(cards, index < cards.length ? undefined : this.entry.pending(cards), index);
    if (!pick || pick.storeId === this.storeId) return;
    this.set({ cardIndex: index, ...pick.fields, result: null, syncNotice: '' });
    this.history.reset(pick.storeId);
    await this.useCard(pick.storeId);
  }

  /** 扫码办卡: a store's 办卡 code read with the camera (or from the album); that store is shown. */
  async scanEntry(): Promise<void> {
    await this.showEntry(await this.entry.scan());
  }

  dismissResult(): void {
    this.set({ result: null });
    // The canvas was hidden under the result: draw the current QR again.
    void this.qr.refresh();
  }

  /** The QR mask (expired, or failed to load) was tapped. */
  retryQr(): Promise<void> {
    return this.qr.retry();
  }

  /** Connection line tapped: reconnect now rather than after the backoff, or after the server closed it. */
  reconnect(): void {
    const state = this.client?.state;
    // A new client resumes from the card's saved position, as the old one's next attempt would have.
    if (state === 'waiting' || state === 'stopped') this.startSocket();
  }

  /** Pull-down: the card, the newest history and a fresh code; the spinner stops when all answered. */
  async pullDown(): Promise<void> {
    try {
      if (this.view.data.phase !== 'ready') {
        await this.reload();
      } else {
        await Promise.all([this.refreshCard(), this.history.loadNewest(), this.qr.retry()]);
      }
    } finally {
      if (typeof wx.stopPullDownRefresh === 'function') wx.stopPullDownRefresh();
    }
  }

  /** "加载更多" or the bottom reached: the next older page of the card's history. */
  loadMoreHistory(): Promise<void> {
    return this.history.loadMore();
  }

  /** The 员工扫码 entry (shown to bound staff phones only). */
  openStaffScan(): void {
    wx.navigateTo({ url: STAFF_SCAN_PAGE });
  }

  /** A 办卡 entry read while the page is open: its store is shown, or the reason said. */
  private async showEntry(outcome: Decoded<StoreSummary> | undefined): Promise<void> {
    const storeId = this.entered(outcome);
    if (storeId === undefined || this.closed) return;
    await this.loadCards(storeId).catch((err: unknown) => this.set({ entryNotice: errorText(err) }));
  }

  /** A 办卡 entry's outcome: its store's id, or undefined with the reason said (a cancelled scan says nothing). */
  private entered(outcome: Decoded<StoreSummary> | undefined): number | undefined {
    if (outcome) this.set({ entryNotice: outcome.ok ? '' : outcome.reason });
    return outcome?.ok ? outcome.value.id : undefined;
  }

  /** The cards and a remembered store without one; shows `entered` (just scanned) if given. */
  private async loadCards(entered?: number): Promise<void> {
    const cards = await this.fetchCards(true);
    const pending = this.entry.pending(cards);
    const index = chooseIndex(cards, pending, entered === undefined ? [this.storeId] : [entered, this.storeId]);
    const pick = pickAt(cards, pending, index);
    if (!pick) {
      this.set({ phase: 'empty', cards: [], choices: [], newCard: false });
      return;
    }
    const switched = pick.storeId !== this.storeId;
    this.set({ phase: 'ready', cards, choices: choiceLabels(cards, pending), cardIndex: index, ...pick.fields, ...(switched ? { result: null, syncNotice: '' } : {}) });
    if (switched) this.history.reset(pick.storeId);
    // Beside the code, never before it.
    void this.notify.load();
    await this.useCard(pick.storeId);
  }

  private async useCard(storeId: number): Promise<void> {
    this.storeId = storeId;
    this.startSocket();
    // A store without a card has no history yet.
    await Promise.all([this.qr.useCard(storeId), this.view.data.newCard ? undefined : this.history.loadNewest()]);
  }

  /**
   * (Re)starts the socket of the card on screen, from that card's saved position: at once when the page
   * is shown and the phone online; offline it waits for the network, hidden for `show()`.
   */
  private startSocket(): void {
    // Forgotten before it is stopped, so that its last `stopped` does not reach the screen.
    const old = this.client;
    this.client = undefined;
    old?.stop();
    const session = this.sessions.session;
    if (!session || this.closed || !this.storeId) return;
    const storeId = this.storeId;
    const client = createCardClient(this.server, session, storeId, {
      onResult: (result, replayed) => {
        if (client === this.client) this.onResult(result, replayed, storeId);
      },
      onSynced: (info) => {
        if (client === this.client) this.onSynced(info);
      },
      onStatus: (status) => {
        if (client === this.client) this.onStatus(status, session.token);
      },
    });
    this.client = client;
    // Offline, a started client waits `offline` and connects when the network returns; one left idle
    // would wait for the next show.
    client.setNetwork(this.online);
    if (this.visible) client.start();
  }

  private onStatus(status: ConnectionStatus, token: string): void {
    this.set({ connection: status.state, connectionText: connectionText(status) });
    // The session was revoked (the server's bye says so, whatever code WeChat delivers the close with):
    // log in again; the new token opens a new socket.
    if (status.state === 'stopped' && status.closeCode === CLOSE_CODES.SESSION_REVOKED.code) {
      this.sessions.renew(token).catch((err: unknown) => this.set({ connectionText: errorText(err) }));
    }
  }

  /** The phone's network came or went (also its state at the start). */
  private setOnline(online: boolean): void {
    if (online === this.online || this.closed) return;
    this.online = online;
    this.set({ online });
    this.client?.setNetwork(online);
    if (!online) {
      if (this.view.data.phase === 'ready') this.qr.offlineNow();
      return;
    }
    this.checkDevice();
    // What failed for want of a network is tried again at once: the load itself, or the code, the count
    // and the history.
    if (this.view.data.phase === 'error') {
      void this.reload();
    } else if (this.view.data.phase === 'ready') {
      this.qr.online();
      void this.refreshCard();
      void this.history.loadNewest();
    }
  }

  /** The replay after a (re)connect is over: the card's count is the server's again. */
  private onSynced(info: { position: StreamPosition; resynced: boolean }): void {
    if (info.resynced) {
      // The server's database was restored: what this phone saw before may no longer exist there. Its
      // history is reloaded, and a result still on screen from the old history goes.
      const patch: Partial<MemberData> = { syncNotice: RESYNCED_TEXT };
      const stale = this.view.data.result !== null && this.resultEpoch !== info.position.epoch;
      if (stale) patch.result = null;
      this.set(patch);
      if (stale) void this.qr.refresh();
      this.history.reset(this.storeId);
      void this.history.loadNewest();
    }
    void this.refreshCard();
  }

  /**
   * A result of the card's stream, new to this phone (the client drops repeats). Throwing would leave
   * it unseen and redelivered; nothing here throws but `set` on a closed page, which is guarded.
   */
  private onResult(result: ResultMessage, replayed: boolean, storeId: number): void {
    // The stream is the card's: another store's result here would be a server fault, not this card's news.
    if (this.closed || result.storeId !== storeId || storeId !== this.storeId) return;
    const patch: Partial<MemberData> = {};
    if (result.remaining !== null) patch.remaining = result.remaining;
    // The first card was sold: it shows at once with the pushed count; refreshCard brings the rest.
    const sold = result.code === RESULT_CODES.TOPPED_UP.code && this.view.data.newCard;
    if (sold) patch.newCard = false;
    // A replay also brings results from before this page was opened: those only update the count.
    const since = this.qr.shownSince;
    const news = !replayed || (since !== undefined && Date.parse(result.at) >= since);
    if (news) {
      patch.result = resultView(result);
      this.resultEpoch = result.epoch;
      wx.vibrateShort({ type: 'medium' });
    }
    this.set(patch);
    // The QR just scanned is spent (or refused): have a fresh one ready.
    if (news) void this.qr.refresh(true);
    void this.history.loadNewest();
    // A sale moves the card's expiry, and an expired card's refusal means the page's date is stale:
    // the push carries the count only, so the card is read again.
    if (sold || (news && (result.code === RESULT_CODES.TOPPED_UP.code || result.code === RESULT_CODES.CARD_EXPIRED.code))) void this.refreshCard();
  }

  /** A new login: a new socket, and (lib/session.ts dropped the old enrolment) a new enrolment. */
  private renewed(): void {
    this.startSocket();
    this.checkDevice();
  }

  /** Online: the enrolment checked with the server (and the clock offset learnt), or made. */
  private checkDevice(): void {
    const session = this.sessions.session;
    if (session && this.online && !this.closed) void this.device.ensure(session.memberId);
  }

  /**
   * `GET /api/cards`, remembered for the next open. `offlineFallback`: when no answer comes and this
   * phone can make offline codes, the cards last read online instead (a page opened without signal).
   */
  private async fetchCards(offlineFallback: boolean): Promise<CardView[]> {
    const memberId = this.sessions.session?.memberId ?? 0;
    try {
      const { cards } = await this.sessions.call<{ cards: CardView[] }>('/api/cards');
      rememberCards(this.server, memberId, cards);
      return cards;
    } catch (err) {
      const unanswered = err instanceof ApiError && err.code === 'NETWORK';
      const kept = unanswered && offlineFallback && this.device.enrolled ? rememberedCards(this.server, memberId) : undefined;
      if (!kept) throw err;
      return kept;
    }
  }

  private async refreshCard(): Promise<void> {
    try {
      const cards = await this.fetchCards(false);
      const index = cards.findIndex((c) => c.storeId === this.storeId);
      // A store of a 办卡 entry that has its card now is forgotten here (the card took its place).
      if (index >= 0) this.set({ cards, choices: choiceLabels(cards, this.entry.pending(cards)), cardIndex: index, ...cardFields(cards[index]!, Date.now()) });
    } catch {
      // The count stays as last known; the next sync tries again.
    }
  }

  /** Bright and kept on while a code can be shown; the member's own brightness otherwise. */
  private updateScreen(): void {
    if (this.visible && !this.closed && this.view.data.phase === 'ready') this.screen.brighten();
    else this.screen.restore();
  }

  private warnCapture(): void {
    if (this.closed || !this.visible || this.view.data.phase !== 'ready') return;
    wx.showModal({ title: '请勿截图', content: CAPTURE_WARNING, showCancel: false });
  }

  private set(patch: Partial<MemberData>): void {
    // A socket or timer can fire after the page is gone, where setData throws.
    if (this.closed || Object.keys(patch).length === 0) return;
    this.view.setData(patch);
    if ('phase' in patch) this.updateScreen();
  }
}
