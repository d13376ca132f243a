import QRCode, { type QRCodeSegment } from 'qrcode';
import { isQrAlphanumeric } from '@scanpush/shared';
import { el } from './dom.js';

// Tokens are `SP` + upper-case base32: all in the QR alphanumeric set, so the code is drawn in
// alphanumeric mode (smaller than byte mode), as the server and the mini-program draw it.

/** Seconds before expiry at which a fresh QR is fetched, so staff never scan a dying one. */
export function refreshLeadSeconds(ttlSeconds: number): number {
  return Math.max(1, Math.min(10, Math.floor(ttlSeconds / 4)));
}

/**
 * The member's live QR: draws a token, counts down to its expiry, and calls `onDue` when it is time for
 * a fresh one. The deadline is counted from when the token arrived plus its TTL, not from the server's
 * clock, so a browser whose clock is off still refreshes in time.
 */
export class QrView {
  private readonly canvas = el('canvas', 'qr-canvas');
  private deadline = 0;
  private lead = 0;
  private ticker: number | undefined;
  private due = false;

  constructor(
    private readonly box: HTMLElement,
    private readonly countdown: HTMLElement,
    private readonly tokenText: HTMLElement,
    private readonly onDue: () => void,
  ) {
    box.replaceChildren(this.canvas);
  }

  async show(token: string, ttlSeconds: number): Promise<void> {
    const segments: QRCodeSegment[] | string = isQrAlphanumeric(token) ? [{ data: token, mode: 'alphanumeric' }] : token;
    await QRCode.toCanvas(this.canvas, segments, { errorCorrectionLevel: 'M', margin: 4, scale: 6 });
    this.box.replaceChildren(this.canvas);
    this.box.classList.remove('stale');
    this.tokenText.textContent = token;
    // The server keeps expiry in whole seconds, rounded down: the token may have a second less than its TTL.
    this.deadline = performance.now() + (ttlSeconds - 1) * 1000;
    this.lead = refreshLeadSeconds(ttlSeconds);
    this.due = false;
    window.clearInterval(this.ticker);
    this.ticker = window.setInterval(() => this.tick(), 250);
    this.tick();
  }

  /** Shows a problem where the QR was (no QR is better than a QR that will be refused). */
  showProblem(text: string): void {
    this.stop();
    this.box.replaceChildren(el('p', 'qr-problem', text));
    this.countdown.textContent = '';
    this.tokenText.textContent = '';
  }

  /** Marks the QR as spent (a result for it came) until the fresh one is drawn. */
  markStale(): void {
    this.box.classList.add('stale');
  }

  stop(): void {
    window.clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private tick(): void {
    const left = Math.max(0, Math.ceil((this.deadline - performance.now()) / 1000));
    this.countdown.textContent = left > 0 ? `${left} 秒后过期` : '已过期';
    this.countdown.classList.toggle('urgent', left <= this.lead);
    if (left <= this.lead && !this.due) {
      this.due = true;
      this.onDue();
    }
  }
}
