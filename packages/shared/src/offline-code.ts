import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base32Decode, base32Encode } from './base32.js';
import type { Decoded } from './decoded.js';

/**
 * The member code a phone makes with no signal, from the secret its device got at enrolment.
 *
 * Text form: `SO` + base32 (RFC 4648, no padding, the alphabet of the online token) of 25 bytes:
 *
 * | bytes | field                                                        |
 * |-------|--------------------------------------------------------------|
 * | 0     | version (1)                                                  |
 * | 1–4   | device id, uint32 big-endian                                 |
 * | 5–8   | store id, uint32 big-endian                                  |
 * | 9–12  | time step, floor(Unix seconds / step seconds), uint32 BE     |
 * | 13–24 | MAC: HMAC-SHA256(device secret, "scanpush offline v1" ‖ bytes 0–12), first 96 bits |
 *
 * 42 characters, all in the QR alphanumeric set. The domain label keeps a MAC of these bytes from ever
 * being valid for anything else the same secret might sign. The member is not in the code: the server
 * reads it from the device, so a code can only ever deduct its own device's member. One code per device
 * and step is accepted once (`offlineNonce`); the server owns the time window.
 *
 * HMAC-SHA256 is @noble/hashes (pure JavaScript), so the same lines run in Node and in the WeChat
 * mini-program, which has neither WebCrypto nor Node's crypto.
 */
export const OFFLINE_CODE_PREFIX = 'SO';
export const OFFLINE_CODE_VERSION = 1;
/** 96 bits: a guess is right with probability 2^-96 (the issue asks for at least 80). */
export const OFFLINE_MAC_BYTES = 12;
export const OFFLINE_SIGNED_BYTES = 13;
export const OFFLINE_CODE_LENGTH =
  OFFLINE_CODE_PREFIX.length + Math.ceil(((OFFLINE_SIGNED_BYTES + OFFLINE_MAC_BYTES) * 8) / 5);

const MAX_UINT32 = 0xffffffff;
const DOMAIN = 'scanpush offline v1';
// ASCII by hand: the mini-program has no TextEncoder.
const DOMAIN_BYTES = Uint8Array.from(DOMAIN, (c) => c.charCodeAt(0));
/** A secret shorter than this is a caller's mistake (device secrets are 32 bytes), not a key. */
const MIN_SECRET_BYTES = 16;

export interface OfflineCodeClaims {
  deviceId: number;
  storeId: number;
  /** `timeStep(ms, stepSeconds)` when the code was made. */
  step: number;
}

export interface ParsedOfflineCode {
  claims: OfflineCodeClaims;
  /** The 13 bytes the MAC covers (after the domain label). */
  signed: Uint8Array;
  mac: Uint8Array;
}

/** The time step `ms` (Unix ms) falls in: floor(ms / 1000 / stepSeconds). */
export function timeStep(ms: number, stepSeconds: number): number {
  return Math.floor(ms / 1000 / stepSeconds);
}

/** HMAC-SHA256(secret, "scanpush offline v1" ‖ signed), truncated to OFFLINE_MAC_BYTES. */
export function offlineCodeMac(secret: Uint8Array, signed: Uint8Array): Uint8Array {
  if (secret.length < MIN_SECRET_BYTES) throw new RangeError(`secret must be at least ${MIN_SECRET_BYTES} bytes`);
  const input = new Uint8Array(DOMAIN_BYTES.length + signed.length);
  input.set(DOMAIN_BYTES);
  input.set(signed, DOMAIN_BYTES.length);
  return hmac(sha256, secret, input).subarray(0, OFFLINE_MAC_BYTES);
}

/** The code for these claims. Throws on claims that cannot be encoded (a caller's bug, not input). */
export function makeOfflineCode(secret: Uint8Array, claims: OfflineCodeClaims): string {
  for (const key of ['deviceId', 'storeId', 'step'] as const) {
    const value = claims[key];
    if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
      throw new RangeError(`${key} must be a uint32, got ${value}`);
    }
  }
  const all = new Uint8Array(OFFLINE_SIGNED_BYTES + OFFLINE_MAC_BYTES);
  const view = new DataView(all.buffer);
  all[0] = OFFLINE_CODE_VERSION;
  view.setUint32(1, claims.deviceId);
  view.setUint32(5, claims.storeId);
  view.setUint32(9, claims.step);
  all.set(offlineCodeMac(secret, all.subarray(0, OFFLINE_SIGNED_BYTES)), OFFLINE_SIGNED_BYTES);
  return OFFLINE_CODE_PREFIX + base32Encode(all);
}

// As for the online token: whitespace a keyboard-mode scanner adds is transport, nothing else is forgiven.
const SURROUNDING_SPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const CODE_BODY = /^[A-Z2-7]+$/;

/** True when `text` has an offline code's prefix and length; says nothing of its MAC (see parseOfflineCode). */
export function isOfflineCode(text: string): boolean {
  const code = text.replace(SURROUNDING_SPACE, '');
  return code.startsWith(OFFLINE_CODE_PREFIX) && code.length === OFFLINE_CODE_LENGTH;
}

/**
 * Reads a scanned text into claims and MAC: the form only, neither MAC nor time. One spelling per code,
 * upper-case base32 checked before decoding (no case folding, as parseQrToken).
 */
export function parseOfflineCode(text: string): Decoded<ParsedOfflineCode> {
  const code = text.replace(SURROUNDING_SPACE, '');
  if (!code.startsWith(OFFLINE_CODE_PREFIX)) return { ok: false, reason: 'not a scanpush offline code' };
  if (code.length !== OFFLINE_CODE_LENGTH) {
    return { ok: false, reason: `code length ${code.length}, expected ${OFFLINE_CODE_LENGTH}` };
  }
  const body = code.slice(OFFLINE_CODE_PREFIX.length);
  if (!CODE_BODY.test(body)) return { ok: false, reason: 'code has characters outside upper-case base32 (A-Z, 2-7)' };
  const bytes = base32Decode(body);
  if (!bytes || bytes.length !== OFFLINE_SIGNED_BYTES + OFFLINE_MAC_BYTES) return { ok: false, reason: 'code is not valid base32' };
  if (bytes[0] !== OFFLINE_CODE_VERSION) return { ok: false, reason: `unknown offline code version ${bytes[0]}` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    ok: true,
    value: {
      claims: { deviceId: view.getUint32(1), storeId: view.getUint32(5), step: view.getUint32(9) },
      signed: bytes.slice(0, OFFLINE_SIGNED_BYTES),
      mac: bytes.slice(OFFLINE_SIGNED_BYTES),
    },
  };
}

/**
 * The ledger's one-use nonce of a code: one per device and step, so a screenshot shown again is
 * QR_USED. Never 16 hex digits (it has an `s`), so it cannot meet an online token's nonce.
 */
export function offlineNonce(deviceId: number, step: number): string {
  return `d${deviceId}s${step}`;
}
