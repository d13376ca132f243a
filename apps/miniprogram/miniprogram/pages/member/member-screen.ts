import type { ConnectionStatus, PushClient } from '@scanpush/client';
import { CLOSE_CODES, type CardView, type LedgerEntry, type QrResponse, type ResultMessage, type StreamPosition } from '@scanpush/shared';
import { ApiError, apiRequest, type ApiRequest } from '../../lib/api';
import { RESYNCED_TEXT, connectionText, errorText, historyRow, resultView } from '../../lib/messages';
import { serverUrl } from '../../lib/server';
import { forgetSession, login, storedSession, type MemberSession } from '../../lib/session';
import { forgetLegacySeq } from '../../lib/stream-positions';
import { createCardClient } from './card-client';
import type { MemberData, MemberView } from './member-data';
import { QrPanel } from './qr-panel';

/**
 * The member page's behaviour, apart from `Component()`: login, the card, the QR and its countdown, the
 * one socket, results and the history. The page forwards its lifecycle here.
 *
 * The socket carries the stream of the card on screen only (one member's results at one store). A card
 * switch stops that card's client and starts the other's from its own saved position, so each result
 * reaches the card it belongs to, once.
 */
export class MemberScreen {
  private readonly server = serverUrl();
  private session: MemberSession | undefined;
  /** The push client of the card on screen; events of any other (a stopped one) are ignored. */
  private client: PushClient | undefined;
  private storeId = 0;
  /** The history (epoch) of the result on screen, to tell whether a resync made it one the server lost. */
  private resultEpoch = '';
  private readonly qr: QrPanel;
  private relogging = false;
  private closed = false;

  constructor(private readonly view: MemberView) {
    const screen = this;
    this.qr = new QrPanel({
      view,
      requestQr: (storeId) => this.call<QrResponse>('/api/qr', { body: { storeId } }),
      set: (patch) => this.set(patch),
      get closed() {
        return screen.closed;
      },
    });
  }

  async open(): Promise<void> {
    try {
      this.session = storedSession(this.server) ?? (await login(this.server));
      forgetLegacySeq(this.session.memberId);
      await this.loadCards();
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
    if (this.closed || this.view.data.phase !== 'ready') return;
    this.client?.resume();
    this.qr.startTicking();
  }

  hide(): void {
    this.client?.pause();
    this.qr.stopTicking();
  }

  close(): void {
    this.closed = true;
    this.client?.stop();
    this.qr.stopTicking();
  }

  async selectCard(index: number): Promise<void> {
    const card = this.view.data.cards[index];
    if (!card || card.storeId === this.storeId) return;
    this.set({ cardIndex: index, storeName: card.storeName, remaining: card.remaining, result: null, syncNotice: '', history: [] });
    await this.useCard(card.storeId);
  }

  dismissResult(): void {
    this.set({ result: null });
    // The canvas was hidden under the result: draw the current QR again.
    void this.qr.refresh();
  }

  /** Connection line tapped: reconnect now rather than after the backoff, or after the server closed it. */
  reconnect(): void {
    const state = this.client?.state;
    // A new client resumes from the card's saved position, as the old one's next attempt would have.
    if (state === 'waiting' || state === 'stopped') this.startSocket();
  }

  private async loadCards(): Promise<void> {
    const { cards } = await this.call<{ cards: CardView[] }>('/api/cards');
    if (cards.length === 0) {
      this.set({ phase: 'empty', cards: [] });
      return;
    }
    const index = Math.max(0, cards.findIndex((c) => c.storeId === this.storeId));
    const card = cards[index]!;
    this.set({ phase: 'ready', cards, cardIndex: index, storeName: card.storeName, remaining: card.remaining });
    await this.useCard(card.storeId);
  }

  private async useCard(storeId: number): Promise<void> {
    this.storeId = storeId;
    this.startSocket();
    await Promise.all([this.qr.useCard(storeId), this.loadHistory()]);
  }

  /** (Re)starts the socket of the card on screen, from that card's saved position. */
  private startSocket(): void {
    // Forgotten before it is stopped, so that its last `stopped` does not reach the screen.
    const old = this.client;
    this.client = undefined;
    old?.stop();
    const session = this.session;
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
        if (client === this.client) this.onStatus(status);
      },
    });
    this.client = client;
    client.start();
  }

  private onStatus(status: ConnectionStatus): void {
    this.set({ connection: status.state, connectionText: connectionText(status) });
    // The session was revoked: log in again; the new token opens a new socket.
    if (status.state === 'stopped' && status.closeCode === CLOSE_CODES.SESSION_REVOKED.code) void this.relogin();
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
      void this.loadHistory();
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
    void this.loadHistory();
  }

  private async refreshCard(): Promise<void> {
    try {
      const { cards } = await this.call<{ cards: CardView[] }>('/api/cards');
      const index = cards.findIndex((c) => c.storeId === this.storeId);
      if (index >= 0) this.set({ cards, cardIndex: index, remaining: cards[index]!.remaining });
    } catch {
      // The count stays as last known; the next sync tries again.
    }
  }

  private async loadHistory(): Promise<void> {
    const storeId = this.storeId;
    try {
      const { entries } = await this.call<{ entries: LedgerEntry[] }>(`/api/cards/${storeId}/history?limit=20`);
      // Answered after a card switch, it is the other card's.
      if (storeId === this.storeId) this.set({ history: entries.map(historyRow) });
    } catch {
      // History is a convenience: the card and the QR work without it.
    }
  }

  private async relogin(): Promise<void> {
    if (this.relogging || this.closed) return;
    this.relogging = true;
    try {
      forgetSession();
      this.session = await login(this.server);
      this.startSocket();
    } catch (err) {
      this.set({ connectionText: errorText(err) });
    } finally {
      this.relogging = false;
    }
  }

  /** A member request; an expired or revoked session is renewed once through WeChat login. */
  private async call<T>(path: string, init: ApiRequest = {}): Promise<T> {
    const session = this.session;
    if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'not logged in');
    try {
      return await apiRequest<T>(this.server, path, { ...init, token: session.token });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      forgetSession();
      this.session = await login(this.server);
      if (this.storeId) this.startSocket();
      return apiRequest<T>(this.server, path, { ...init, token: this.session.token });
    }
  }

  private set(patch: Partial<MemberData>): void {
    // A socket or timer can fire after the page is gone, where setData throws.
    if (!this.closed && Object.keys(patch).length > 0) this.view.setData(patch);
  }
}
