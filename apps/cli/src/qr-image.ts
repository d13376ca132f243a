import { readFile } from 'node:fs/promises';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import QRCode, { type QRCodeSegment } from 'qrcode';
import { isQrAlphanumeric } from '@scanpush/shared';
import { CliError } from './errors.js';

// Scanpush tokens (upper-case base32 after `SP`) are all in the QR alphanumeric set, so the code stays in
// alphanumeric mode: smaller than byte mode and what the mini-program's encoder produces.
function segments(text: string): QRCodeSegment[] | string {
  return isQrAlphanumeric(text) ? [{ data: text, mode: 'alphanumeric' }] : text;
}

/** The QR drawn with terminal characters (two rows per line), ending with a newline. */
export async function qrToTerminal(text: string): Promise<string> {
  const drawing = await QRCode.toString(segments(text), { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
  // qrcode ends the drawing with a line of colour codes only and no newline: drop it, end the last row.
  return `${drawing.replace(/\n(?:\x1b\[[0-9;]*m)*$/, '')}\n`;
}

/** Writes the QR as a PNG or SVG file. */
export async function writeQrFile(path: string, text: string, type: 'png' | 'svg'): Promise<void> {
  try {
    if (type === 'png') {
      await QRCode.toFile(path, segments(text), { type: 'png', errorCorrectionLevel: 'M', scale: 8 });
    } else {
      await QRCode.toFile(path, segments(text), { type: 'svg', errorCorrectionLevel: 'M' });
    }
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Reads the text of the QR in a PNG file; a CliError when the file is unreadable or holds no QR. */
export async function decodeQrPng(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new CliError(`${path} is not a PNG image: ${(error as Error).message}`);
  }
  const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  // jsqr is CommonJS typed as an ES module: under NodeNext its default export sits on `.default`, which
  // the package also sets at run time.
  const code = jsQR.default(pixels, png.width, png.height, { inversionAttempts: 'attemptBoth' });
  if (!code || code.data === '') throw new CliError(`no QR code found in ${path}`);
  return code.data;
}
