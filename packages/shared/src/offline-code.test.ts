import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32.js';
import {
  OFFLINE_CODE_LENGTH,
  OFFLINE_CODE_PREFIX,
  OFFLINE_MAC_BYTES,
  isOfflineCode,
  makeOfflineCode,
  offlineCodeMac,
  offlineNonce,
  parseOfflineCode,
  timeStep,
} from './offline-code.js';
import { isQrAlphanumeric } from './qr-token.js';

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const CLAIMS = { deviceId: 7, storeId: 1, step: 58_000_000 };

/** The body bytes of a code, to tamper with. */
function bytesOf(code: string): Uint8Array {
  return base32Decode(code.slice(2))!;
}

describe('offline member codes', () => {
  it('has 42 characters of the QR alphanumeric set', () => {
    const code = makeOfflineCode(SECRET, CLAIMS);
    expect(OFFLINE_CODE_LENGTH).toBe(42);
    expect(code).toHaveLength(42);
    expect(code.startsWith(OFFLINE_CODE_PREFIX)).toBe(true);
    expect(isQrAlphanumeric(code)).toBe(true);
    expect(OFFLINE_MAC_BYTES * 8).toBeGreaterThanOrEqual(80);
  });

  it('reads back what it was made of', () => {
    const parsed = parseOfflineCode(makeOfflineCode(SECRET, CLAIMS));
    expect(parsed.ok && parsed.value.claims).toEqual(CLAIMS);
    if (!parsed.ok) return;
    expect(offlineCodeMac(SECRET, parsed.value.signed)).toEqual(parsed.value.mac);
  });

  it('matches HMAC-SHA256 over the domain label and the 13 signed bytes (node:crypto as the reference)', () => {
    const signed = Uint8Array.from([1, 0, 0, 0, 7, 0, 0, 0, 1, 0x03, 0x75, 0x02, 0x80]);
    const expected = createHmac('sha256', SECRET).update('scanpush offline v1').update(signed).digest().subarray(0, 12);
    const code = makeOfflineCode(SECRET, CLAIMS);
    expect(bytesOf(code)).toEqual(new Uint8Array([...signed, ...expected]));
    expect(code).toBe(OFFLINE_CODE_PREFIX + base32Encode(new Uint8Array([...signed, ...expected])));
    // Golden: the text other clients must produce for these inputs (checked with Python's hmac too).
    expect(code).toBe('SOAEAAAAAHAAAAAAIDOUBIAC5UODBIYKLRNWHBEAYD');
  });

  it('breaks the MAC when any byte is changed', () => {
    const bytes = bytesOf(makeOfflineCode(SECRET, CLAIMS));
    for (let i = 1; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i]! ^= 0x01;
      const parsed = parseOfflineCode(OFFLINE_CODE_PREFIX + base32Encode(tampered));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(offlineCodeMac(SECRET, parsed.value.signed)).not.toEqual(parsed.value.mac);
    }
    const otherSecret = SECRET.map((b) => b ^ 0xff);
    const parsed = parseOfflineCode(makeOfflineCode(SECRET, CLAIMS));
    expect(parsed.ok && offlineCodeMac(otherSecret, parsed.value.signed)).not.toEqual(parsed.ok && parsed.value.mac);
  });

  it('encodes ids and steps up to 2^32 - 1 and refuses beyond', () => {
    const max = { deviceId: 0xffffffff, storeId: 0xffffffff, step: 0xffffffff };
    const parsed = parseOfflineCode(makeOfflineCode(SECRET, max));
    expect(parsed.ok && parsed.value.claims).toEqual(max);
    const zero = { deviceId: 0, storeId: 0, step: 0 };
    expect(parseOfflineCode(makeOfflineCode(SECRET, zero))).toMatchObject({ ok: true, value: { claims: zero } });
    for (const bad of [2 ** 32, -1, 1.5, Number.NaN]) {
      expect(() => makeOfflineCode(SECRET, { ...CLAIMS, deviceId: bad })).toThrow(RangeError);
      expect(() => makeOfflineCode(SECRET, { ...CLAIMS, step: bad })).toThrow(RangeError);
    }
    expect(() => makeOfflineCode(new Uint8Array(8), CLAIMS)).toThrow(RangeError);
  });

  it('refuses junk with a reason', () => {
    const code = makeOfflineCode(SECRET, CLAIMS);
    const body = code.slice(2);
    const versionTwo = bytesOf(code);
    versionTwo[0] = 2;
    const cases: Array<[string, RegExp]> = [
      ['', /not a scanpush offline code/],
      ['SP' + body, /not a scanpush offline code/],
      [code.slice(0, -1), /length 41, expected 42/],
      [code + 'A', /length 43/],
      ['SO' + body.toLowerCase(), /outside upper-case base32/],
      ['SO' + body.slice(0, -1) + '1', /outside upper-case base32/],
      ['SO' + body.slice(0, -1) + '=', /outside upper-case base32/],
      [OFFLINE_CODE_PREFIX + base32Encode(versionTwo), /unknown offline code version 2/],
    ];
    for (const [text, reason] of cases) {
      const parsed = parseOfflineCode(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(reason);
    }
  });

  it('forgives only the whitespace a scanner adds', () => {
    const code = makeOfflineCode(SECRET, CLAIMS);
    expect(parseOfflineCode(`${code}\r\n`).ok).toBe(true);
    expect(isOfflineCode(`\t${code}\n`)).toBe(true);
    expect(parseOfflineCode(`${code.slice(0, 20)} ${code.slice(20)}`).ok).toBe(false);
  });

  it('tells an offline code from an online token by prefix and length', () => {
    expect(isOfflineCode(makeOfflineCode(SECRET, CLAIMS))).toBe(true);
    expect(isOfflineCode('SP' + 'A'.repeat(60))).toBe(false);
    expect(isOfflineCode('SO' + 'A'.repeat(39))).toBe(false);
    expect(isOfflineCode('')).toBe(false);
  });

  it('counts time in whole steps', () => {
    expect(timeStep(0, 30)).toBe(0);
    expect(timeStep(29_999, 30)).toBe(0);
    expect(timeStep(30_000, 30)).toBe(1);
    expect(timeStep(1_740_000_000_000, 30)).toBe(58_000_000);
  });

  it('names one nonce per device and step, never an online token nonce', () => {
    expect(offlineNonce(7, 58_000_000)).toBe('d7s58000000');
    expect(offlineNonce(7, 1)).not.toBe(offlineNonce(71, 1));
    expect(offlineNonce(1, 11)).not.toBe(offlineNonce(11, 1));
    expect(offlineNonce(0xffffffff, 0xffffffff)).not.toMatch(/^[0-9a-f]{16}$/);
  });
});
