import type { QrMatrix } from './qr-matrix';

/** The part of a Canvas 2D context the QR needs; WeChat's `canvas.getContext('2d')` has it. */
export interface QrContext {
  fillStyle: unknown;
  fillRect(x: number, y: number, width: number, height: number): void;
}

/** Light modules around the symbol; scanners need 4 to find it reliably. */
export const QUIET_ZONE = 4;

/**
 * Draws the matrix dark-on-white into a square of `pixels` device pixels, the quiet zone included.
 * Modules are whole pixels (no blur at the edges a scanner must find); the leftover is split evenly
 * around the symbol. Returns the module size in pixels (0 when the square is too small to draw it).
 */
export function drawQr(ctx: QrContext, matrix: QrMatrix, pixels: number): number {
  const modules = matrix.size + 2 * QUIET_ZONE;
  const cell = Math.floor(pixels / modules);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, pixels, pixels);
  if (cell < 1) return 0;
  const offset = Math.floor((pixels - cell * matrix.size) / 2);
  ctx.fillStyle = '#000000';
  for (let row = 0; row < matrix.size; row++) {
    for (let col = 0; col < matrix.size; col++) {
      if (matrix.isDark(row, col)) ctx.fillRect(offset + col * cell, offset + row * cell, cell, cell);
    }
  }
  return cell;
}
