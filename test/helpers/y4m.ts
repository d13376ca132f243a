import QRCode from 'qrcode';

/** A square of modules, dark where `get` answers 1: what `qrcode`'s `create(...).modules` is. */
export interface ModuleMatrix {
  size: number;
  get(row: number, col: number): number;
}

export interface Y4mOptions {
  width?: number;
  height?: number;
  /** Identical frames in the file; Chromium loops the file, so one second is plenty. */
  frames?: number;
  fps?: number;
  /** Light modules around the code, as the QR standard asks (4). */
  quietZone?: number;
}

/** The QR matrix of a token as the member's page draws it: alphanumeric mode, error correction M. */
export function qrMatrix(token: string): ModuleMatrix {
  return QRCode.create([{ data: token, mode: 'alphanumeric' }], { errorCorrectionLevel: 'M' }).modules;
}

/**
 * A YUV4MPEG2 video of a still QR code, for Chromium's `--use-file-for-fake-video-capture`: a one-line
 * header, then per frame `FRAME\n` and raw 4:2:0 planes (Y full size, U and V quarter size). The code is
 * centred, black on white, with whole pixels per module so nothing is blurred.
 */
export function qrY4m(matrix: ModuleMatrix, options: Y4mOptions = {}): Buffer {
  const { width = 640, height = 480, frames = 10, fps = 10, quietZone = 4 } = options;
  if (width % 2 || height % 2) throw new RangeError('4:2:0 needs an even width and height');
  const luma = qrLuma(matrix, width, height, quietZone);
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frame = Buffer.concat([Buffer.from('FRAME\n', 'ascii'), luma, chroma]);
  return Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]);
}

/** The luma plane alone (0 black, 255 white), row by row: also what a test reads back to check the video. */
export function qrLuma(matrix: ModuleMatrix, width: number, height: number, quietZone = 4): Buffer {
  const modules = matrix.size + 2 * quietZone;
  const scale = Math.floor(Math.min(width, height) / modules);
  if (scale < 2) throw new RangeError(`a ${width}x${height} frame is too small for ${modules} modules`);
  const left = Math.floor((width - matrix.size * scale) / 2);
  const top = Math.floor((height - matrix.size * scale) / 2);
  const luma = Buffer.alloc(width * height, 255);
  for (let row = 0; row < matrix.size; row++) {
    for (let col = 0; col < matrix.size; col++) {
      if (!matrix.get(row, col)) continue;
      for (let y = 0; y < scale; y++) {
        const start = (top + row * scale + y) * width + left + col * scale;
        luma.fill(0, start, start + scale);
      }
    }
  }
  return luma;
}
