import type { CardView, LedgerEntry, QrResponse, ResultMessage, SessionResponse } from '@scanpush/shared';
import { api, ApiFailure } from './api.js';
import { byId, clock, dateTime, el, show } from './dom.js';
import { explainError, explainResult } from './messages.js';
import { MemberStream } from './member-stream.js';
import { QrView } from './qr-view.js';
import { load, save } from './storage.js';

const QR_RETRY_MS = 5000;
const HISTORY_ROWS = 10;

interface Session {
  memberId: number;
  storeId: number;
  token: string;
  stream: MemberStream;
}

/**
 * The member side: development login, the card, the live QR, the connection state, the pushed results
 * and the card's history. Everything it shows comes from the member API and the structured socket.
 */
export class MemberPanel {
  private readonly error = byId('member-error');
  private readonly body = byId('member-body');
  private readonly qr = new QrView(byId('qr-box'), byId('qr-countdown'), byId('qr-token'), () => void this.refreshQr());
  private session: Session | undefined;
  private qrLoading: Promise<void> | undefined;
  private qrRetry: number | undefined;

  mount(): void {
    const memberInput = byId<HTMLInputElement>('member-id');
    const storeInput = byId<HTMLInputElement>('store-id');
    memberInput.value = load('memberId') ?? memberInput.value;
    storeInput.value = load('storeId') ?? storeInput.value;
    byId<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.login(Number(memberInput.value), Number(storeInput.value));
    });
    // A newcomer opening the page sees the demo member's QR at once.
    void this.login(Number(memberInput.value), Number(storeInput.value));
  }

  private async login(memberId: number, storeId: number): Promise<void> {
    this.logout();
    if (!isId(memberId) || !isId(storeId)) return this.fail('会员 ID 和门店 ID 必须是正整数。');
    save('memberId', String(memberId));
    save('storeId', String(storeId));
    let token: string;
    let card: CardView | undefined;
    try {
      token = (await api<SessionResponse>('/api/auth/dev', { body: { userId: memberId } })).token;
      card = await findCard(token, storeId);
    } catch (error) {
      if (error instanceof ApiFailure && error.code === 'NOT_FOUND') {
        return this.fail(`开发登录未开启（生产环境），或没有会员 ${memberId}。`, error.code);
      }
      return this.failWith(error);
    }
    if (!card) return this.fail(`会员 ${memberId} 在门店 ${storeId} 没有会员卡。`, 'CARD_NOT_FOUND');
    const session: Session = {
      memberId,
      storeId,
      token,
      stream: new MemberStream({
        memberId,
        storeId,
        token,
        sessionValid: () => this.sessionValid(session),
        onResult: (message, live) => this.onResult(session, message, live),
        onSynced: () => this.onSynced(session),
        onConnection: (kind, text) => this.onConnection(session, kind, text),
        onNotice: (text) => this.onNotice(session, text),
      }),
    };
    this.session = session;
    show(this.error, false);
    show(this.body, true);
    byId('card-store').textContent = `${card.storeName}（门店 ${storeId}）· 会员 ${memberId}`;
    this.showRemaining(card.remaining);
    showExpiry(card);
    this.onNotice(session, undefined);
    this.renderFeed(session);
    session.stream.start();
    await Promise.all([this.refreshQr(), this.loadHistory(session)]);
  }

  private logout(): void {
    this.session?.stream.stop();
    this.session = undefined;
    this.qr.stop();
    window.clearTimeout(this.qrRetry);
  }

  /** A result the stream shows for the first time (it arrives on this store's socket only). */
  private onResult(session: Session, message: ResultMessage, live: boolean): void {
    if (session !== this.session) return;
    this.renderFeed(session);
    // A replayed result is old news for the card and the QR: `onSynced` reloads the card once instead.
    if (!live) return;
    if (message.remaining !== null) this.showRemaining(message.remaining);
    // A sale moves the expiry, which the push does not carry.
    if (message.name === 'TOPPED_UP' || message.name === 'CARD_EXPIRED') void this.reloadCard(session);
    // The QR on screen was just scanned (it is one-time): replace it now rather than at its expiry.
    this.qr.markStale();
    void this.refreshQr();
    void this.loadHistory(session);
  }

  private onSynced(session: Session): void {
    if (session !== this.session) return;
    this.renderFeed(session);
    // Results missed while away may have changed the card.
    void this.reloadCard(session);
    void this.loadHistory(session);
  }

  private onConnection(session: Session, kind: string, text: string): void {
    if (session !== this.session) return;
    const conn = byId('conn');
    conn.dataset.kind = kind;
    conn.textContent = text;
  }

  private onNotice(session: Session, text: string | undefined): void {
    if (session !== this.session) return;
    const notice = byId('stream-notice');
    notice.textContent = text ?? '';
    show(notice, text !== undefined);
  }

  /** Fetches and draws a fresh QR; one request at a time, retried while the server cannot be reached. */
  private refreshQr(): Promise<void> {
    const session = this.session;
    if (!session) return Promise.resolve();
    this.qrLoading ??= (async () => {
      window.clearTimeout(this.qrRetry);
      try {
        const qr = await api<QrResponse>('/api/qr', { bearer: session.token, body: { storeId: session.storeId } });
        if (session === this.session) await this.qr.show(qr.token, qr.ttlSeconds);
      } catch (error) {
        if (session !== this.session) return;
        const code = error instanceof ApiFailure ? error.code : 'NETWORK';
        if (code === 'UNAUTHORIZED') return this.failWith(error);
        this.qr.showProblem(`${explainError(code, 'member').sentence}（${code}）${QR_RETRY_MS / 1000} 秒后重试。`);
        this.qrRetry = window.setTimeout(() => void this.refreshQr(), QR_RETRY_MS);
      }
    })().finally(() => (this.qrLoading = undefined));
    return this.qrLoading;
  }

  private async reloadCard(session: Session): Promise<void> {
    try {
      const card = await findCard(session.token, session.storeId);
      if (card && session === this.session) {
        this.showRemaining(card.remaining);
        showExpiry(card);
      }
    } catch {
      // The socket's state already tells the member something is wrong.
    }
  }

  private async loadHistory(session: Session): Promise<void> {
    let entries: LedgerEntry[];
    try {
      ({ entries } = await api<{ entries: LedgerEntry[] }>(`/api/cards/${session.storeId}/history?limit=${HISTORY_ROWS}`, { bearer: session.token }));
    } catch {
      return;
    }
    if (session !== this.session) return;
    byId('history').replaceChildren(
      ...(entries.length ? entries.map(historyRow) : [el('li', 'empty', '暂无记录')]),
    );
  }

  /** Answers false when the server says the session is gone; undefined when it cannot tell. */
  private async sessionValid(session: Session): Promise<boolean | undefined> {
    try {
      await api('/api/cards', { bearer: session.token });
      return true;
    } catch (error) {
      return error instanceof ApiFailure && error.code === 'UNAUTHORIZED' ? false : undefined;
    }
  }

  private showRemaining(remaining: number): void {
    byId('card-remaining').textContent = String(remaining);
  }

  private renderFeed(session: Session): void {
    const items = session.stream.feed.entries.map(feedRow);
    byId('feed').replaceChildren(...(items.length ? items : [el('li', 'empty', '还没有消息')]));
  }

  private failWith(error: unknown): void {
    const code = error instanceof ApiFailure ? error.code : 'NETWORK';
    const explained = explainError(code, 'member');
    this.fail(`${explained.title}：${explained.sentence}${explained.hint ? explained.hint + '。' : ''}`, code);
  }

  private fail(sentence: string, code?: string): void {
    this.logout();
    show(this.body, false);
    this.error.textContent = code ? `${sentence}（${code}）` : sentence;
    show(this.error, true);
  }
}

async function findCard(token: string, storeId: number): Promise<CardView | undefined> {
  const { cards } = await api<{ cards: CardView[] }>('/api/cards', { bearer: token });
  return cards.find((card) => card.storeId === storeId);
}

function isId(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 0xffffffff;
}

function feedRow(message: ResultMessage): HTMLLIElement {
  const explained = explainResult(message);
  const row = el('li', explained.ok ? 'ok' : 'fail');
  row.dataset.seq = String(message.seq);
  row.append(
    el('span', 'feed-title', explained.title),
    el('span', 'feed-text', message.text),
    el('span', 'feed-meta', `${clock(message.at)} · #${message.seq} · ${explained.code}`),
  );
  return row;
}

/** `有效期至 YYYY-MM-DD`, `已过期`, or nothing for a card that never expires. */
function showExpiry(card: CardView): void {
  const box = byId('card-expiry');
  const at = card.expiresAt ? new Date(card.expiresAt) : undefined;
  const expired = at !== undefined && at.getTime() <= Date.now();
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = at && `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  box.textContent = at === undefined ? '' : expired ? '会员卡已过期' : `有效期至 ${day}`;
  box.classList.toggle('expired', expired);
}

function historyRow(entry: LedgerEntry): HTMLLIElement {
  const row = el('li', entry.kind);
  const change = entry.kind === 'deduct' ? `扣费 ${entry.delta}` : entry.kind === 'reversal' ? `撤销 +${entry.delta}` : `充值 +${entry.delta}`;
  row.append(el('span', '', change), el('span', '', `余 ${entry.balanceAfter} 次`), el('span', 'feed-meta', dateTime(entry.at)));
  return row;
}
