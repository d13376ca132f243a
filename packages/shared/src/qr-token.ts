import { base32Decode, base32Encode } from './base32.js';
import type { Decoded } from './decoded.js';

/**
 * The QR token a member shows and a merchant scans.
 *
 * Text form: `SP` + base32 (RFC 4648, no padding) of 37 bytes:
 *
 * | bytes | field                                                  |
 * |-------|--------------------------------------------------------|
 * | 0     | version (1)                                            |
 * | 1–4   | member id, uint32 big-endian                           |
 * | 5–8   | store id, uint32 big-endian                            |
 * | 9–12  | expiry, Unix seconds, uint32 big-endian                |
 * | 13–20 | nonce, 64 random bits; a token is accepted once        |
 * | 21–36 | MAC: HMAC-SHA256(server secret, bytes 0–20), first 128 bits |
 *
 * 62 characters, all in the QR alphanumeric set, so a version 4 QR at error correction M holds it and
 * encoders never need byte mode (and so no TextEncoder). This module only lays bytes out and reads them
 * back; the server owns the secret, signs and verifies.
 */
export const QR_TOKEN_PREFIX = 'SP';
export const QR_TOKEN_VERSION = 1;
export const QR_SIGNED_BYTES = 21;
export const QR_MAC_BYTES = 16;
export const QR_NONCE_BYTES = 8;
export const QR_TOKEN_LENGTH = QR_TOKEN_PREFIX.length + Math.ceil(((QR_SIGNED_BYTES + QR_MAC_BYTES) * 8) / 5);

/**
 * The QR alphanumeric character set (ISO/IEC 18004): digits, upper-case letters, space and `$%*+-./:`.
 * Text made only of it is encoded in alphanumeric mode (11 bits per 2 characters instead of 8 per byte),
 * the mode every scanpush client draws tokens in; the mini-program's encoder supports no other.
 */
export const QR_ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const QR_ALPHANUMERIC_RE = /^[0-9A-Z $%*+\-./:]+$/;

/** True when `text` is non-empty and made only of the QR alphanumeric set. */
export function isQrAlphanumeric(text: string): boolean {
  return QR_ALPHANUMERIC_RE.test(text);
}

const MAX_UINT32 = 0xffffffff;

export interface QrClaims {
  memberId: number;
  storeId: number;
  /** Unix seconds after which the token is refused. */
  expiresAt: number;
  /** 16 lower-case hex digits. */
  nonce: string;
}

export interface ParsedQrToken {
  claims: QrClaims;
  /** The bytes the MAC covers. */
  signed: Uint8Array;
  mac: Uint8Array;
}

/** The bytes the server signs for these claims. Throws on claims that cannot be encoded (a server bug). */
export function qrSigningInput(claims: QrClaims): Uint8Array {
  for (const key of ['memberId', 'storeId', 'expiresAt'] as const) {
    const value = claims[key];
    if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
      throw new RangeError(`${key} must be a uint32, got ${value}`);
    }
  }
  const nonce = hexToBytes(claims.nonce);
  if (!nonce || nonce.length !== QR_NONCE_BYTES) throw new RangeError('nonce must be 16 hex digits');
  const bytes = new Uint8Array(QR_SIGNED_BYTES);
  const view = new DataView(bytes.buffer);
  bytes[0] = QR_TOKEN_VERSION;
  view.setUint32(1, claims.memberId);
  view.setUint32(5, claims.storeId);
  view.setUint32(9, claims.expiresAt);
  bytes.set(nonce, 13);
  return bytes;
}

/** The token text for claims and the MAC the server computed over `qrSigningInput(claims)`. */
export function formatQrToken(claims: QrClaims, mac: Uint8Array): string {
  if (mac.length < QR_MAC_BYTES) throw new RangeError(`MAC must be at least ${QR_MAC_BYTES} bytes`);
  const all = new Uint8Array(QR_SIGNED_BYTES + QR_MAC_BYTES);
  all.set(qrSigningInput(claims));
  all.set(mac.subarray(0, QR_MAC_BYTES), QR_SIGNED_BYTES);
  return QR_TOKEN_PREFIX + base32Encode(all);
}

// Scanners in keyboard mode end what they read with CR/LF or a tab: ASCII whitespace around the token is
// transport, not token. Nothing else is forgiven (see parseQrToken).
const SURROUNDING_SPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const TOKEN_BODY = /^[A-Z2-7]+$/;

/**
 * Reads a scanned text into claims and MAC. Does not check the MAC or the expiry.
 *
 * A token has exactly one spelling: `SP` and upper-case base32, checked character by character before
 * anything is decoded. No case folding: `toUpperCase` would also turn `ſ` into `S` and `ı` into `I`, so
 * texts no server ever signed would be read as tokens.
 */
export function parseQrToken(text: string): Decoded<ParsedQrToken> {
  const token = text.replace(SURROUNDING_SPACE, '');
  if (!token.startsWith(QR_TOKEN_PREFIX)) return { ok: false, reason: 'not a scanpush QR token' };
  if (token.length !== QR_TOKEN_LENGTH) {
    return { ok: false, reason: `token length ${token.length}, expected ${QR_TOKEN_LENGTH}` };
  }
  const body = token.slice(QR_TOKEN_PREFIX.length);
  if (!TOKEN_BODY.test(body)) return { ok: false, reason: 'token has characters outside upper-case base32 (A-Z, 2-7)' };
  const bytes = base32Decode(body);
  if (!bytes || bytes.length !== QR_SIGNED_BYTES + QR_MAC_BYTES) return { ok: false, reason: 'token is not valid base32' };
  if (bytes[0] !== QR_TOKEN_VERSION) return { ok: false, reason: `unknown token version ${bytes[0]}` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const claims: QrClaims = {
    memberId: view.getUint32(1),
    storeId: view.getUint32(5),
    expiresAt: view.getUint32(9),
    nonce: bytesToHex(bytes.subarray(13, QR_SIGNED_BYTES)),
  };
  return {
    ok: true,
    value: { claims, signed: bytes.slice(0, QR_SIGNED_BYTES), mac: bytes.slice(QR_SIGNED_BYTES) },
  };
}

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function hexToBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
