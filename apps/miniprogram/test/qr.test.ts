import { createRequire } from 'node:module';
import { join } from 'node:path';
import { formatQrToken, QR_TOKEN_LENGTH } from '@scanpush/shared';
import { create } from 'qrcode/lib/core/qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawQr, QUIET_ZONE } from '../miniprogram/lib/qr-draw';
import { qrMatrix } from '../miniprogram/lib/qr-matrix';
import { RasterCanvas } from './helpers/raster-canvas';
import { BUILD_DIR } from './setup/compile';

// WeChat's older runtimes have no TextEncoder: everything below runs without one.
const saved = { TextEncoder: globalThis.TextEncoder, TextDecoder: globalThis.TextDecoder };
beforeAll(() => {
  delete (globalThis as Partial<typeof globalThis>).TextEncoder;
  delete (globalThis as Partial<typeof globalThis>).TextDecoder;
});
afterAll(() => Object.assign(globalThis, saved));

function token(memberId: number, storeId: number): string {
  const mac = new Uint8Array(16).map((_, i) => (i * 37 + memberId) & 0xff);
  return formatQrToken({ memberId, storeId, expiresAt: 1_900_000_000, nonce: '0123456789abcdef' }, mac);
}

function render(text: string, pixels = 300): RasterCanvas {
  const canvas = new RasterCanvas();
  canvas.width = pixels;
  canvas.height = pixels;
  drawQr(canvas.getContext('2d'), qrMatrix(text), pixels);
  return canvas;
}

describe('QR matrix and drawing', () => {
  it('runs here without TextEncoder, which byte mode would need', () => {
    expect(() => create('lower case needs byte mode', { errorCorrectionLevel: 'M' })).toThrow(/TextEncoder/);
    expect(() => qrMatrix('lower case needs byte mode')).toThrow(RangeError);
  });

  it.each([
    [17, 2],
    [1, 1],
    [0xffffffff, 0xffffffff],
  ])('draws the token of member %i at store %i so that a decoder reads it back', (memberId, storeId) => {
    const text = token(memberId, storeId);
    expect(text).toHaveLength(QR_TOKEN_LENGTH);
    expect(render(text).decode()).toBe(text);
  });

  it('fits a version 4 symbol at level M, as the token format promises', () => {
    expect(qrMatrix(token(17, 2)).size).toBe(33);
  });

  it('draws whole-pixel modules with a white quiet zone of at least four modules', () => {
    const matrix = qrMatrix(token(17, 2));
    const calls: Array<[number, number, number, number, string]> = [];
    const ctx = {
      fillStyle: '' as unknown,
      fillRect(x: number, y: number, w: number, h: number) {
        calls.push([x, y, w, h, String(this.fillStyle)]);
      },
    };
    const cell = drawQr(ctx, matrix, 300);
    expect(cell).toBe(Math.floor(300 / (33 + 2 * QUIET_ZONE)));
    expect(calls[0]).toEqual([0, 0, 300, 300, '#ffffff']);
    const dark = calls.slice(1);
    expect(dark.every(([x, y, w, h, colour]) => Number.isInteger(x) && Number.isInteger(y) && w === cell && h === cell && colour === '#000000')).toBe(true);
    const minEdge = Math.min(...dark.map(([x]) => x), ...dark.map(([, y]) => y));
    expect(minEdge).toBeGreaterThanOrEqual(QUIET_ZONE * cell);
  });

  it('draws nothing but white into a square too small for the symbol', () => {
    const canvas = new RasterCanvas();
    canvas.width = canvas.height = 30;
    expect(drawQr(canvas.getContext('2d'), qrMatrix(token(17, 2)), 30)).toBe(0);
    expect(canvas.decode()).toBeUndefined();
  });

  it('ships DevTools a bundled encoder that draws the same matrix, also without TextEncoder', () => {
    const require = createRequire(import.meta.url);
    const bundled = require(join(BUILD_DIR, 'node_modules/qrcode/lib/core/qrcode.js')) as typeof import('qrcode/lib/core/qrcode');
    const text = token(17, 2);
    const ours = qrMatrix(text);
    const theirs = bundled.create(text, { errorCorrectionLevel: 'M' }).modules;
    expect(theirs.size).toBe(ours.size);
    for (let r = 0; r < ours.size; r++) for (let c = 0; c < ours.size; c++) expect(theirs.get(r, c) === 1).toBe(ours.isDark(r, c));
  });
});
