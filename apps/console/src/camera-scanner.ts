import { createDecoder, type QrDecoder } from './qr-decode.js';

/** Why the camera could not start, as a Chinese sentence for staff. */
export class CameraError extends Error {
  override name = 'CameraError';
}

const FRAME_INTERVAL_MS = 150;

/**
 * Reads QR codes from the device camera into a <video>. Each distinct text is reported once: the same QR
 * held in front of the camera is one scan, not one per frame.
 */
export class CameraScanner {
  private stream: MediaStream | undefined;
  private timer: number | undefined;
  private decoder: QrDecoder | undefined;
  private lastText = '';

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onText: (text: string) => Promise<void>,
  ) {}

  get running(): boolean {
    return this.stream !== undefined;
  }

  /** Starts the camera; answers the decoder's name. Throws CameraError with a sentence for staff. */
  async start(): Promise<QrDecoder['name']> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new CameraError('此页面无法使用摄像头：浏览器只在 HTTPS 或 localhost 页面上开放摄像头。');
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
    } catch (error) {
      const name = (error as DOMException).name;
      if (name === 'NotAllowedError') throw new CameraError('摄像头权限被拒绝，请在浏览器设置中允许本页面使用摄像头。');
      if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new CameraError('没有找到可用的摄像头。');
      if (name === 'NotReadableError') throw new CameraError('摄像头正被其他程序占用。');
      throw new CameraError(`无法打开摄像头（${name}）。`);
    }
    this.decoder ??= await createDecoder();
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.playsInline = true;
    await this.video.play();
    this.lastText = '';
    this.schedule();
    return this.decoder.name;
  }

  stop(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
    this.video.srcObject = null;
  }

  private schedule(): void {
    this.timer = window.setTimeout(() => void this.frame(), FRAME_INTERVAL_MS);
  }

  // The next frame is read only after this one (and its scan) finished, so scans never overlap.
  private async frame(): Promise<void> {
    if (!this.stream || !this.decoder) return;
    let text: string | undefined;
    try {
      if (this.video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) text = await this.decoder.decode(this.video);
    } catch {
      // A frame that fails to decode is just a frame without a QR.
    }
    if (text && text !== this.lastText) {
      this.lastText = text;
      // The panel shows every outcome itself; a bug there must not stop the camera loop.
      await this.onText(text).catch((error: unknown) => console.error(error));
    }
    if (this.stream) this.schedule();
  }
}
