import jsQR from 'jsqr';

/** Reads the QR in a video frame or image; undefined when there is none. */
export interface QrDecoder {
  /** Shown to staff, so they know which engine is reading. */
  readonly name: 'BarcodeDetector' | 'jsQR';
  decode(source: HTMLVideoElement | ImageBitmap): Promise<string | undefined>;
}

// Not in TypeScript's DOM library yet; only what is used here.
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

/** Frames are scaled down to this width before jsQR reads them: enough for a phone-sized QR, and fast. */
const MAX_FRAME_WIDTH = 800;

/**
 * The browser's own BarcodeDetector when it can read QR codes (Chrome on Android, macOS, ChromeOS), else
 * jsQR over canvas pixels (everywhere else, desktop Linux and Windows Chrome included).
 */
export async function createDecoder(): Promise<QrDecoder> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (Detector) {
    try {
      if ((await Detector.getSupportedFormats()).includes('qr_code')) {
        const detector = new Detector({ formats: ['qr_code'] });
        return {
          name: 'BarcodeDetector',
          decode: async (source) => (await detector.detect(source)).find((code) => code.rawValue)?.rawValue,
        };
      }
    } catch {
      // Present but unusable (no platform backend): fall through to jsQR.
    }
  }
  return jsQrDecoder();
}

/** jsQR over a canvas copy of the frame. Tries inverted images too only for still images (costly per frame). */
export function jsQrDecoder(): QrDecoder {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return {
    name: 'jsQR',
    decode: async (source) => {
      if (!context) return undefined;
      const width = source instanceof HTMLVideoElement ? source.videoWidth : source.width;
      const height = source instanceof HTMLVideoElement ? source.videoHeight : source.height;
      if (!width || !height) return undefined;
      const scale = Math.min(1, MAX_FRAME_WIDTH / width);
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      const still = !(source instanceof HTMLVideoElement);
      const code = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: still ? 'attemptBoth' : 'dontInvert' });
      return code?.data || undefined;
    },
  };
}

/** Reads the QR in an image file; undefined when the image holds none; throws when it is not an image. */
export async function decodeImageFile(file: Blob): Promise<string | undefined> {
  const bitmap = await createImageBitmap(file);
  try {
    // jsQR for files even where BarcodeDetector exists: one engine for uploads behaves the same everywhere.
    return await jsQrDecoder().decode(bitmap);
  } finally {
    bitmap.close();
  }
}
