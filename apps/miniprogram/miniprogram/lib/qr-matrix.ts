import { isQrAlphanumeric } from '@scanpush/shared';
import { create } from 'qrcode/lib/core/qrcode';

/** A QR symbol's modules, row by row, without the quiet zone. */
export interface QrMatrix {
  size: number;
  isDark(row: number, col: number): boolean;
}

/**
 * The module matrix of `text` at error correction M. Throws for text outside the QR alphanumeric set:
 * that would need byte mode, whose encoder calls TextEncoder, which WeChat's older runtimes lack;
 * scanpush tokens never need it (see qr-token.ts in @scanpush/shared).
 */
export function qrMatrix(text: string): QrMatrix {
  if (!isQrAlphanumeric(text)) throw new RangeError('QR text must use the QR alphanumeric characters only');
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  return { size: modules.size, isDark: (row, col) => modules.get(row, col) === 1 };
}
