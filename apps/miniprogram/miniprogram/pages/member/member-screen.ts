import type { CardView, LedgerEntry, QrResponse, ResultMessage } from '@scanpush/shared';
import { ApiError, apiRequest, type ApiRequest } from '../../lib/api';
import { systemClock } from '../../lib/clock';
import { connectionText, errorText, historyRow, resultView } from '../../lib/messages';
import { drawQrOnCanvas } from '../../lib/qr-canvas';
import { serverUrl, socketUrl } from '../../lib/server';
import { forgetSession, login, readSeq, storedSession, writeSeq, type MemberSession } from '../../lib/session';
import { SocketManager, type ConnectionStatus } from '../../lib/socket-manager';
import { wxSocketConnect } from '../../lib/wx-socket';
import type { MemberData, MemberView } from './member-data';

/** Offline, a failed QR request is tried again this often rather than on every tick. */
const QR_RETRY_MS = 5000;

/** A QR is replaced when this share of its lifetime is left (at most 10 s): never show one about to die. */
function refreshAtSeconds(ttl: number): number {
  return Math.min(10, Math.ceil(ttl / 4));
}

/**
 * The member page's behaviour, apart from `Component()`: login, the card, the QR and its countdown, the
 * one socket, results and the history. The page forwards its lifecycle here.
 */
export class MemberScreen {
  private readonly server = serverUrl();
  private session: MemberSession | undefined;
  private manager: SocketManager | undefined;
  private storeId = 0;
  /** The QR token on screen. */
  private token = '';
  private qrDeadline = 0;
  private qrTtl = 0;
  /** After a failed QR request, the countdown waits until then before asking again. */
  private qrRetryAt = 0;
  private refreshing: Promise<void> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** Server time of the first QR shown on this page: replayed results after it are news to the member. */
  private shownSince: number | undefined;
  private relogging = false;
  private closed = false;

  constructor(private readonly view: MemberView) {}

  async open(): Promise<void> {
    try {
      this.session = storedSession(this.server) ?? (await login(this.server));
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
    this.manager?.resume();
    this.startTicking();
  }

  hide(): void {
    this.manager?.pause();
    this.stopTicking();
  }

  close(): void {
    this.closed = true;
    this.manager?.stop();
    this.stopTicking();
  }

  async selectCard(index: number): Promise<void> {
    const card = this.view.data.cards[index];
    if (!card || card.storeId === this.storeId) return;
    this.set({ cardIndex: index, storeName: card.storeName, remaining: card.remaining, result: null });
    await this.useCard(card.storeId);
  }

  dismissResult(): void {
    this.set({ result: null });
    // The canvas was hidden under the result: draw the current QR again.
    void this.refreshQr();
  }

  /** Connection line tapped: reconnect now rather than after the backoff. */
  reconnect(): void {
    const state = this.manager?.state;
    if (state === 'waiting') this.manager?.retryNow();
    else if (state === 'stopped' && this.session) this.startSocket();
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
    this.startTicking();
    await Promise.all([this.refreshQr(true), this.loadHistory()]);
  }

  private startSocket(): void {
    this.manager?.stop();
    const session = this.session;
    if (!session || this.closed) return;
    const manager = new SocketManager({
      connect: wxSocketConnect(socketUrl(this.server, session.memberId, this.storeId), session.token),
      clock: systemClock,
      lastSeq: readSeq(session.memberId),
      onResult: (result, info) => this.onResult(result, info.replayed),
      onSynced: () => {
        // The manager's cursor now holds the server's head, lower than before if its database was restored.
        writeSeq(session.memberId, manager.lastSeq);
        void this.refreshCard();
      },
      onStatus: (status) => this.onStatus(manager, status),
      onError: (err) => console.warn('scanpush socket:', err),
    });
    this.manager = manager;
    manager.start();
  }

  private onStatus(manager: SocketManager, status: ConnectionStatus): void {
    if (manager !== this.manager) return;
    this.set({ connection: status.state, connectionText: connectionText(status) });
    // 4001: the session was revoked. Log in again; the new token opens a new socket.
    if (status.state === 'stopped' && status.closeCode === 4001) void this.relogin();
  }

  private onResult(result: ResultMessage, replayed: boolean): void {
    if (this.closed || result.storeId !== this.storeId || !this.session) return;
    writeSeq(this.session.memberId, result.seq);
    const patch: Partial<MemberData> = {};
    if (result.remaining !== null) patch.remaining = result.remaining;
    // A replay also brings results from before this page was opened: those only update the count.
    const news = !replayed || (this.shownSince !== undefined && Date.parse(result.at) >= this.shownSince);
    if (news) {
      patch.result = resultView(result);
      wx.vibrateShort({ type: 'medium' });
    }
    this.set(patch);
    // The QR just scanned is spent (or refused): have a fresh one ready.
    if (news) void this.refreshQr(true);
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
    try {
      const { entries } = await this.call<{ entries: LedgerEntry[] }>(`/api/cards/${this.storeId}/history?limit=20`);
      this.set({ history: entries.map(historyRow) });
    } catch {
      // History is a convenience: the card and the QR work without it.
    }
  }

  /** Fetches a fresh QR and draws it; concurrent calls share one request. */
  private refreshQr(force = false): Promise<void> {
    if (!force && this.qrDeadline - Date.now() > refreshAtSeconds(this.qrTtl) * 1000) return this.draw();
    this.refreshing ??= this.fetchQr().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async fetchQr(): Promise<void> {
    try {
      const qr = await this.call<QrResponse>('/api/qr', { body: { storeId: this.storeId } });
      this.shownSince ??= Date.parse(qr.expiresAt) - qr.ttlSeconds * 1000;
      // Counted on the phone's clock from now, so a phone whose clock is off still counts down right; a
      // second short, as the server rounds the expiry down to the second.
      this.qrTtl = qr.ttlSeconds;
      this.qrDeadline = Date.now() + (qr.ttlSeconds - 1) * 1000;
      this.token = qr.token;
      this.set({ qrReady: true, qrError: '', qrSeconds: qr.ttlSeconds - 1 });
      await this.draw();
    } catch (err) {
      this.qrRetryAt = Date.now() + QR_RETRY_MS;
      this.set({ qrReady: false, qrError: errorText(err) });
    }
  }

  private async draw(): Promise<void> {
    // Under a result the canvas is hidden; dismissing the result draws again.
    if (!this.token || this.closed || this.view.data.result) return;
    await drawQrOnCanvas(this.view.component, '#qr', this.token);
  }

  private startTicking(): void {
    this.stopTicking();
    this.tick();
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  private stopTicking(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private tick(): void {
    if (!this.qrDeadline) return;
    const left = Math.max(0, Math.ceil((this.qrDeadline - Date.now()) / 1000));
    if (left !== this.view.data.qrSeconds) this.set({ qrSeconds: left });
    if (left <= refreshAtSeconds(this.qrTtl) && Date.now() >= this.qrRetryAt) void this.refreshQr(true);
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
