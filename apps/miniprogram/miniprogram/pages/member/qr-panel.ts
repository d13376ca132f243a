import type { QrResponse } from '@scanpush/shared';
import { errorText } from '../../lib/messages';
import { clearQrCanvas, drawQrOnCanvas } from '../../lib/qr-canvas';
import type { MemberData, MemberView } from './member-data';

/** After a failed QR request, the countdown asks again no sooner than this. */
const QR_RETRY_MS = 5000;

/** A QR is replaced when this share of its lifetime is left (at most 10 s): never show one about to die. */
function refreshAtSeconds(ttl: number): number {
  return Math.min(10, Math.ceil(ttl / 4));
}

/** What the QR needs of the member screen. */
export interface QrHost {
  view: MemberView;
  /** `POST /api/qr` for a card, with the screen's session handling. */
  requestQr(storeId: number): Promise<QrResponse>;
  set(patch: Partial<MemberData>): void;
  readonly closed: boolean;
  /** Whether the phone has a network: without one the countdown does not ask for codes. */
  readonly online: boolean;
}

/**
 * The one-time QR of the card on screen: fetched, drawn on the page's canvas, counted down, and replaced
 * before it expires. A QR answered after a card switch is dropped: a code of another store on screen
 * would only be refused at the counter.
 *
 * A code is never shown past its time: when it could not be replaced (no network, a refused request) and
 * its time is up, the canvas is wiped and masked (`qrExpired`, "二维码已失效，点击刷新"); a tap on the
 * mask (`retry`) or the network coming back asks for a fresh one. The time is counted from when the
 * request was SENT: the server issued the code after that, so a slow answer can only make the phone
 * count short, never past the server's expiry.
 */
export class QrPanel {
  private storeId = 0;
  /** The QR token on screen; '' when none is (not loaded yet, or expired and wiped). */
  private token = '';
  private deadline = 0;
  private ttl = 0;
  /** After a failed QR request, the countdown waits until then before asking again. */
  private retryAt = 0;
  /** The request in flight, and the card it is for: concurrent refreshes of one card share it. */
  private refreshing: { storeId: number; done: Promise<void> } | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  /**
   * Server time of the first QR shown on this page (to the second, rounded down): a result replayed
   * from after it is news to the member, one from before only updates the count.
   */
  shownSince: number | undefined;

  constructor(private readonly host: QrHost) {}

  /** Shows the QR of another card: the old one goes at once, the new one as soon as the server answers. */
  useCard(storeId: number): Promise<void> {
    this.storeId = storeId;
    this.token = '';
    this.deadline = 0;
    this.retryAt = 0;
    this.host.set({ qrReady: false, qrExpired: false, qrError: '' });
    this.startTicking();
    return this.refresh(true);
  }

  /** Draws the current QR again, or a fresh one when it is near its end (`force`: always a fresh one). */
  refresh(force = false): Promise<void> {
    if (!force && this.token && !this.due()) return this.draw();
    if (this.refreshing?.storeId !== this.storeId) {
      const request = { storeId: this.storeId, done: this.fetch(this.storeId) };
      this.refreshing = request;
      void request.done.finally(() => {
        if (this.refreshing === request) this.refreshing = undefined;
      });
    }
    return this.refreshing.done;
  }

  /** The mask (or the failed box) was tapped: ask now, whatever the retry wait. */
  retry(): Promise<void> {
    this.retryAt = 0;
    return this.refresh(true);
  }

  /** The network is back: a code that is due (or missing, or expired) is asked for at once. */
  online(): void {
    this.retryAt = 0;
    if (this.storeId && (!this.token || this.due())) void this.refresh(true);
  }

  startTicking(): void {
    this.stopTicking();
    this.tick();
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  stopTicking(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** The code on screen is in its last stretch (or past it): time for a fresh one. */
  private due(): boolean {
    return this.deadline - Date.now() <= refreshAtSeconds(this.ttl) * 1000;
  }

  private secondsLeft(): number {
    return Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000));
  }

  private async fetch(storeId: number): Promise<void> {
    const sentAt = Date.now();
    try {
      const qr = await this.host.requestQr(storeId);
      if (storeId !== this.storeId) return;
      this.shownSince ??= Date.parse(qr.expiresAt) - qr.ttlSeconds * 1000;
      // Counted on the phone's clock (a phone whose clock is off still counts right) from when the
      // request left, and a second short, as the server rounds the expiry down to the second.
      this.ttl = qr.ttlSeconds;
      this.deadline = sentAt + (qr.ttlSeconds - 1) * 1000;
      if (this.deadline <= Date.now()) throw new Error('the answer came after the code expired');
      this.token = qr.token;
      this.host.set({ qrReady: true, qrExpired: false, qrError: '', qrSeconds: this.secondsLeft() });
      await this.draw();
    } catch (err) {
      if (storeId !== this.storeId) return;
      this.retryAt = Date.now() + QR_RETRY_MS;
      this.host.set({ qrError: errorText(err) });
      // A code still valid stays (the staff's phone checks it, not this one); one whose time is up goes.
      if (this.token && Date.now() >= this.deadline) this.expire();
    }
  }

  /** The code's time is up and no fresh one came: wiped and masked, so nothing refusable is shown. */
  private expire(): void {
    this.token = '';
    this.host.set({ qrReady: false, qrExpired: true, qrSeconds: 0 });
    if (!this.host.closed) void clearQrCanvas(this.host.view.component, '#qr');
  }

  private async draw(): Promise<void> {
    const { view, closed } = this.host;
    // Under a result the canvas is hidden; dismissing the result draws again.
    if (!this.token || closed || view.data.result) return;
    await drawQrOnCanvas(view.component, '#qr', this.token);
  }

  private tick(): void {
    if (!this.deadline) return;
    const left = this.secondsLeft();
    if (left !== this.host.view.data.qrSeconds && this.token) this.host.set({ qrSeconds: left });
    if (this.token && Date.now() >= this.deadline) this.expire();
    if (this.due() && Date.now() >= this.retryAt && this.host.online) void this.refresh(true);
  }
}
