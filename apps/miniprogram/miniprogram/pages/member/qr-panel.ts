import type { QrResponse } from '@scanpush/shared';
import { ApiError } from '../../lib/api';
import { errorText } from '../../lib/messages';
import type { OfflineCodeNow } from '../../lib/offline-device';
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
  /** The offline code of a store now, made on the phone (lib/offline-device.ts); undefined without an enrolment. */
  offlineCode(storeId: number): OfflineCodeNow | undefined;
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
 *
 * Without a network, or when `POST /api/qr` gets no answer, and no valid online code is on screen, the
 * phone's offline code (离线码) is drawn instead, made with no request, and replaced at every time step
 * of the server's clock as the phone knows it. An online code still valid is kept rather than replaced:
 * it is revocable and the server saw this phone issue it; a flickering signal does not flip the code.
 * The first online answer puts an online code back.
 */
export class QrPanel {
  private storeId = 0;
  /** The QR token on screen; '' when none is (not loaded yet, or expired and wiped). */
  private token = '';
  /** The code on screen is the offline one (its deadline is the end of its time step). */
  private offline = false;
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
    this.offline = false;
    this.deadline = 0;
    this.retryAt = 0;
    this.host.set({ qrReady: false, qrExpired: false, qrError: '', qrOffline: false });
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

  /** The network is back: a code that is due (or missing, or expired, or offline) is asked for at once. */
  online(): void {
    this.retryAt = 0;
    if (this.storeId && (!this.token || this.offline || this.due())) void this.refresh(true);
  }

  /** The network is gone: with no valid online code on screen, the offline code is drawn now. */
  offlineNow(): void {
    if (this.storeId && (!this.token || this.offline || Date.now() >= this.deadline)) void this.showOffline();
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
    // No network: no request at all.
    if (!this.host.online && (await this.showOffline())) return;
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
      this.offline = false;
      this.host.set({ qrReady: true, qrExpired: false, qrError: '', qrOffline: false, qrSeconds: this.secondsLeft() });
      await this.draw();
    } catch (err) {
      if (storeId !== this.storeId) return;
      this.retryAt = Date.now() + QR_RETRY_MS;
      // No answer at all (no signal, the server out of reach): the offline code, unless a valid online one is shown.
      const unanswered = err instanceof ApiError && err.code === 'NETWORK';
      if (unanswered && (!this.token || this.offline || Date.now() >= this.deadline) && (await this.showOffline())) return;
      this.host.set({ qrError: errorText(err) });
      // A code still valid stays (the staff's phone checks it, not this one); one whose time is up goes.
      if (this.token && Date.now() >= this.deadline) this.expire();
    }
  }

  /**
   * Draws the offline code of the card on screen for the current step; false (nothing changed) without
   * an enrolment. Its countdown runs to the end of the step.
   */
  private async showOffline(): Promise<boolean> {
    const code = this.host.offlineCode(this.storeId);
    if (!code) return false;
    this.shownSince ??= Math.floor(code.serverNow / 1000) * 1000;
    const changed = code.text !== this.token;
    this.token = code.text;
    this.offline = true;
    this.deadline = code.stepEndsAt;
    this.ttl = Math.max(1, Math.round((code.stepEndsAt - Date.now()) / 1000));
    this.host.set({ qrReady: true, qrExpired: false, qrError: '', qrOffline: true, qrSeconds: this.secondsLeft() });
    // The same step's code again (a retry without signal) is on the canvas already.
    if (changed) await this.draw();
    return true;
  }

  /** The code's time is up and no fresh one came: wiped and masked, so nothing refusable is shown. */
  private expire(): void {
    this.token = '';
    this.offline = false;
    this.host.set({ qrReady: false, qrExpired: true, qrOffline: false, qrSeconds: 0 });
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
    if (this.token && Date.now() >= this.deadline) {
      // An offline code's step is over: the next step's code. An online code's time is up: the offline
      // code if the network is gone, else wiped (a fresh one is asked for below).
      if (this.offline || !this.host.online) void this.showOffline().then((shown) => shown || this.expire());
      else this.expire();
    }
    if (this.due() && Date.now() >= this.retryAt && this.host.online) void this.refresh(true);
  }
}
