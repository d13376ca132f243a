import { isMerchantKey, type ScanResponse, type ScanResult } from '@scanpush/shared';
import { api, ApiFailure, newRequestKey } from './api.js';
import { CameraError, CameraScanner } from './camera-scanner.js';
import { byId, clock, show } from './dom.js';
import { explainError, explainResult, type Explained, type LocalFailure } from './messages.js';
import { decodeImageFile } from './qr-decode.js';
import { load, save } from './storage.js';

type Source = '摄像头' | '图片' | '粘贴';

/**
 * The merchant side, as at a shop's counter: the merchant key, then a QR from the camera, an uploaded
 * image or pasted text; each is one scan (`POST /api/scans`) whose outcome is shown with the member's
 * remaining uses, or as a Chinese sentence with the English code when refused.
 */
export class MerchantPanel {
  private readonly keyInput = byId<HTMLInputElement>('merchant-key');
  private readonly cameraButton = byId<HTMLButtonElement>('camera-button');
  private readonly cameraStatus = byId('camera-status');
  private readonly video = byId<HTMLVideoElement>('camera');
  private readonly scanner = new CameraScanner(this.video, (text) => this.scan(text, '摄像头'));

  mount(): void {
    this.keyInput.value = load('merchantKey') ?? '';
    this.keyInput.addEventListener('input', () => save('merchantKey', this.keyInput.value.trim()));
    this.cameraButton.addEventListener('click', () => void this.toggleCamera());
    const upload = byId<HTMLInputElement>('upload');
    upload.addEventListener('change', () => {
      const file = upload.files?.[0];
      upload.value = '';
      if (file) void this.scanFile(file);
    });
    const paste = byId<HTMLInputElement>('paste-token');
    byId<HTMLFormElement>('paste-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const text = paste.value.trim();
      if (!text) return this.showLocal('EMPTY_TOKEN', '粘贴');
      void this.scan(text, '粘贴').then(() => (paste.value = ''));
    });
  }

  private async toggleCamera(): Promise<void> {
    if (this.scanner.running) {
      this.scanner.stop();
      show(this.video, false);
      this.cameraButton.textContent = '打开摄像头扫码';
      this.cameraStatus.textContent = '';
      return;
    }
    this.cameraButton.disabled = true;
    try {
      show(this.video, true);
      const engine = await this.scanner.start();
      this.cameraButton.textContent = '关闭摄像头';
      this.cameraStatus.textContent = `摄像头已打开，请将会员二维码对准取景框（识别引擎：${engine}）。`;
    } catch (error) {
      this.scanner.stop();
      show(this.video, false);
      this.cameraStatus.textContent = error instanceof CameraError ? error.message : `无法打开摄像头：${String(error)}`;
    } finally {
      this.cameraButton.disabled = false;
    }
  }

  private async scanFile(file: File): Promise<void> {
    let text: string | undefined;
    try {
      text = await decodeImageFile(file);
    } catch {
      return this.showLocal('BAD_IMAGE', '图片');
    }
    if (!text) return this.showLocal('NO_QR_FOUND', '图片');
    await this.scan(text, '图片');
  }

  /** One scan; every answer, refusals and network failures included, is shown. */
  private async scan(qr: string, source: Source): Promise<void> {
    const key = this.keyInput.value.trim();
    if (!key) return this.showLocal('NO_KEY', source);
    // The shared key form: a mistyped key is told apart from a wrong one without asking the server.
    if (!isMerchantKey(key)) return this.showLocal('BAD_KEY', source);
    try {
      const answer = await api<ScanResponse>('/api/scans', {
        bearer: key,
        body: { qr },
        // A retried request (a flaky tablet connection) must not deduct twice.
        headers: { 'idempotency-key': newRequestKey() },
      });
      this.showResult(answer.result, source);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      const result = error.body?.error.result;
      if (result) this.showResult(result, source);
      else this.show(explainError(error.code, 'merchant', error.body?.error.field), null, source);
    }
  }

  private showResult(result: ScanResult, source: Source): void {
    this.show(explainResult(result), result.remaining, source, result.at);
  }

  private showLocal(failure: LocalFailure, source: Source): void {
    this.show(explainError(failure, 'merchant'), null, source);
  }

  private show(explained: Explained, remaining: number | null, source: Source, at = new Date().toISOString()): void {
    const box = byId('scan-result');
    box.className = `result ${explained.ok ? 'ok' : 'fail'}`;
    box.dataset.code = explained.code;
    byId('result-title').textContent = explained.title;
    byId('result-remaining').textContent = remaining === null ? '' : `剩余 ${remaining} 次`;
    byId('result-sentence').textContent = explained.sentence;
    byId('result-hint').textContent = explained.hint;
    byId('result-code').textContent = explained.code;
    byId('result-meta').textContent = `· 来源：${source} · ${clock(at)}`;
    show(box, true);
    // Restart the highlight so two identical outcomes in a row still visibly register.
    box.classList.remove('flash');
    void box.offsetWidth;
    box.classList.add('flash');
  }
}
