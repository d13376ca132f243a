import type { QrResponse } from '@scanpush/shared';
import { errorText } from '../../lib/messages';
import { drawQrOnCanvas } from '../../lib/qr-canvas';
import type { MemberData, MemberView } from './member-data';

/** Offline, a failed QR request is tried again this often rather than on every tick. */
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
}

/**
 * The one-time QR of the card on screen: fetched, drawn on the page's canvas, counted down, and replaced
 * before it expires. A QR answered after a card switch is dropped: a code of another store on screen
 * would only be refused at the counter.
 */
export class QrPanel {
  private storeId = 0;
  /** The QR token on screen. */
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
    this.host.set({ qrReady: false });
    this.startTicking();
    return this.refresh(true);
  }

  /** Draws the current QR again, or a fresh one when it is near its end (`force`: always a fresh one). */
  refresh(force = false): Promise<void> {
    if (!force && this.deadline - Date.now() > refreshAtSeconds(this.ttl) * 1000) return this.draw();
    if (this.refreshing?.storeId !== this.storeId) {
      const request = { storeId: this.storeId, done: this.fetch(this.storeId) };
      this.refreshing = request;
      void request.done.finally(() => {
        if (this.refreshing === request) this.refreshing = undefined;
      });
    }
    return this.refreshing.done;
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

  private async fetch(storeId: number): Promise<void> {
    try {
      const qr = await this.host.requestQr(storeId);
      if (storeId !== this.storeId) return;
      this.shownSince ??= Date.parse(qr.expiresAt) - qr.ttlSeconds * 1000;
      // Counted on the phone's clock from now, so a phone whose clock is off still counts down right; a
      // second short, as the server rounds the expiry down to the second.
      this.ttl = qr.ttlSeconds;
      this.deadline = Date.now() + (qr.ttlSeconds - 1) * 1000;
      this.token = qr.token;
      this.host.set({ qrReady: true, qrError: '', qrSeconds: qr.ttlSeconds - 1 });
      await this.draw();
    } catch (err) {
      if (storeId !== this.storeId) return;
      this.retryAt = Date.now() + QR_RETRY_MS;
      this.host.set({ qrReady: false, qrError: errorText(err) });
    }
  }

  private async draw(): Promise<void> {
    const { view, closed } = this.host;
    // Under a result the canvas is hidden; dismissing the result draws again.
    if (!this.token || closed || view.data.result) return;
    await drawQrOnCanvas(view.component, '#qr', this.token);
  }

  private tick(): void {
    if (!this.deadline) return;
    const left = Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000));
    if (left !== this.host.view.data.qrSeconds) this.host.set({ qrSeconds: left });
    if (left <= refreshAtSeconds(this.ttl) && Date.now() >= this.retryAt) void this.refresh(true);
  }
}
