import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as QrTokenModule from './qr-token.js';
import type { QrClaims } from './qr-token.js';
import { base32Encode } from './base32.js';

// The mini-program has no TextEncoder. Remove it (and TextDecoder) before the module is first loaded, so
// loading it and every call below would fail if it reached for them. Buffer stays: vitest's own worker
// messaging needs it between tests.
const globals = globalThis as Record<string, unknown>;
const REMOVED = ['TextEncoder', 'TextDecoder'] as const;
const saved = new Map<string, PropertyDescriptor | undefined>();
let qr: typeof QrTokenModule;

beforeAll(async () => {
  for (const name of REMOVED) {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    delete globals[name];
  }
  qr = await import('./qr-token.js');
});

afterAll(() => {
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
  }
});

const CLAIMS: QrClaims = { memberId: 17, storeId: 2, expiresAt: 1767225600, nonce: '0123456789abcdef' };
const MAC = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
// Computed independently with Python's base64.b32encode over the 37 bytes laid out by hand.
const GOLDEN = 'SPAEAAAAARAAAAAATJKW4QAAJDIVTYTK6N56QKDIVDUSS2NJ5IVGVKXLFNV2XQ';

function parsedOk(text: string): QrTokenModule.ParsedQrToken {
  const result = qr.parseQrToken(text);
  if (!result.ok) throw new Error(`expected ${text} to parse: ${result.reason}`);
  return result.value;
}

function expectRefused(text: string): void {
  const result = qr.parseQrToken(text);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.reason).not.toBe('');
}

describe('qr-token without TextEncoder or TextDecoder', () => {
  it('runs with those globals really gone', () => {
    for (const name of REMOVED) expect(name in globalThis).toBe(false);
  });

  it('formats fixed claims and MAC as the pinned token', () => {
    expect(qr.formatQrToken(CLAIMS, MAC)).toBe(GOLDEN);
  });

  it('lays the signed bytes out as documented', () => {
    expect(Array.from(qr.qrSigningInput(CLAIMS))).toEqual([
      1, 0, 0, 0, 17, 0, 0, 0, 2, 0x69, 0x55, 0xb9, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    ]);
  });

  it('parses a formatted token back to its claims, signed bytes and MAC', () => {
    const token = qr.formatQrToken(CLAIMS, MAC);
    const parsed = parsedOk(token);
    expect(parsed.claims).toEqual(CLAIMS);
    expect(parsed.signed).toEqual(qr.qrSigningInput(CLAIMS));
    expect(parsed.mac).toEqual(MAC);
  });

  it.each([
    { memberId: 1, storeId: 1, expiresAt: 0, nonce: '0000000000000000' },
    { memberId: 0xffffffff, storeId: 0xffffffff, expiresAt: 0xffffffff, nonce: 'ffffffffffffffff' },
    { memberId: 123456789, storeId: 42, expiresAt: 2000000000, nonce: 'deadbeef00c0ffee' },
  ])('keeps every token at QR_TOKEN_LENGTH QR-alphanumeric characters: %j', (claims) => {
    const token = qr.formatQrToken(claims, MAC);
    expect(qr.QR_TOKEN_LENGTH).toBe(62);
    expect(token).toHaveLength(qr.QR_TOKEN_LENGTH);
    expect(token.length).toBeLessThanOrEqual(90);
    expect(qr.isQrAlphanumeric(token)).toBe(true);
    expect(parsedOk(token).claims).toEqual(claims);
  });

  it('signs with the first 16 bytes of a longer MAC and refuses a shorter one', () => {
    const full = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
    expect(qr.formatQrToken(CLAIMS, full)).toBe(GOLDEN);
    expect(() => qr.formatQrToken(CLAIMS, MAC.subarray(0, 15))).toThrow(RangeError);
  });

  it('reads a token a scanner returned with ASCII whitespace around it', () => {
    expect(parsedOk(` ${GOLDEN}\r\n`).claims).toEqual(CLAIMS);
    expect(parsedOk(`\t${GOLDEN}\n`).claims).toEqual(CLAIMS);
  });

  it('accepts exactly one spelling: no case folding, no look-alike letters', () => {
    expectRefused(GOLDEN.toLowerCase());
    expectRefused(`SP${GOLDEN.slice(2).toLowerCase()}`);
    const at = GOLDEN.indexOf('S', 2);
    const i = GOLDEN.indexOf('I', 2);
    expect(at).toBeGreaterThan(1);
    expect(i).toBeGreaterThan(1);
    // Both upper-case to ASCII (ſ → S, ı → I): a parser that folds case would read them as the token.
    expectRefused(`${GOLDEN.slice(0, at)}ſ${GOLDEN.slice(at + 1)}`);
    expectRefused(`${GOLDEN.slice(0, i)}ı${GOLDEN.slice(i + 1)}`);
    expect(qr.parseQrToken(`${GOLDEN.slice(0, i)}ı${GOLDEN.slice(i + 1)}`)).toMatchObject({ reason: expect.stringMatching(/upper-case base32/) });
    // Whitespace inside, or non-ASCII space around, is not transport.
    expectRefused(`${GOLDEN.slice(0, 30)} ${GOLDEN.slice(31)}`);
    expectRefused(`\u00a0${GOLDEN}`);
  });

  it('refuses a wrong prefix', () => {
    expectRefused(`XP${GOLDEN.slice(2)}`);
    expectRefused(GOLDEN.slice(2));
    expectRefused('https://example.com/?q=1');
  });

  it('refuses a wrong length', () => {
    expectRefused('');
    expectRefused('SP');
    expectRefused(GOLDEN.slice(0, -1));
    expectRefused(`${GOLDEN}A`);
    expectRefused(`${GOLDEN}AAAAAAAA`);
  });

  it('refuses another version', () => {
    for (const version of [0, 2, 0x81]) {
      const bytes = new Uint8Array(qr.QR_SIGNED_BYTES + qr.QR_MAC_BYTES);
      bytes.set(qr.qrSigningInput(CLAIMS));
      bytes.set(MAC, qr.QR_SIGNED_BYTES);
      bytes[0] = version;
      const token = qr.QR_TOKEN_PREFIX + base32Encode(bytes);
      expect(token).toHaveLength(qr.QR_TOKEN_LENGTH);
      const result = qr.parseQrToken(token);
      expect(result).toEqual({ ok: false, reason: `unknown token version ${version}` });
    }
  });

  it('refuses bad base32', () => {
    expectRefused(`${GOLDEN.slice(0, 30)}0${GOLDEN.slice(31)}`);
    expectRefused(`${GOLDEN.slice(0, 30)}1${GOLDEN.slice(31)}`);
    expectRefused(`${GOLDEN.slice(0, 30)}=${GOLDEN.slice(31)}`);
    // The last character carries 1 data bit and 4 zero bits; Q is 10000, R is 10001.
    expect(GOLDEN.endsWith('Q')).toBe(true);
    expectRefused(`${GOLDEN.slice(0, -1)}R`);
  });

  it.each([
    ['memberId', -1],
    ['memberId', 2 ** 32],
    ['memberId', 1.5],
    ['memberId', Number.NaN],
    ['storeId', -1],
    ['storeId', 2 ** 32],
    ['expiresAt', 2 ** 32],
    ['expiresAt', Number.POSITIVE_INFINITY],
  ] as const)('qrSigningInput throws on %s = %s', (key, value) => {
    expect(() => qr.qrSigningInput({ ...CLAIMS, [key]: value })).toThrow(RangeError);
    expect(() => qr.formatQrToken({ ...CLAIMS, [key]: value }, MAC)).toThrow(key);
  });

  it.each(['', '0123456789abcde', '0123456789abcdef00', '0123456789abcdeg', '0x23456789abcdef'])(
    'qrSigningInput throws on nonce %j',
    (nonce) => {
      expect(() => qr.qrSigningInput({ ...CLAIMS, nonce })).toThrow(RangeError);
    },
  );
});

describe('hex helpers', () => {
  it('round-trip bytes and refuse odd or non-hex text', () => {
    const bytes = Uint8Array.of(0, 1, 0x7f, 0x80, 0xff);
    expect(qr.bytesToHex(bytes)).toBe('00017f80ff');
    expect(qr.hexToBytes('00017f80ff')).toEqual(bytes);
    expect(qr.hexToBytes('00017F80FF')).toEqual(bytes);
    expect(qr.hexToBytes('')).toEqual(new Uint8Array(0));
    expect(qr.hexToBytes('abc')).toBeUndefined();
    expect(qr.hexToBytes('zz')).toBeUndefined();
    expect(qr.hexToBytes('+1')).toBeUndefined();
  });
});

describe('the QR alphanumeric set', () => {
  it('has the 45 characters of ISO/IEC 18004 and nothing else', () => {
    expect(qr.QR_ALPHANUMERIC).toHaveLength(45);
    for (const ch of qr.QR_ALPHANUMERIC) expect(qr.isQrAlphanumeric(ch), ch).toBe(true);
    for (const ch of ['a', 'z', '_', '#', '!', '?', '=', ',', '\n', 'é', '二']) expect(qr.isQrAlphanumeric(ch), ch).toBe(false);
  });

  it('holds every token and refuses the empty text', () => {
    expect(qr.isQrAlphanumeric(GOLDEN)).toBe(true);
    expect(qr.isQrAlphanumeric('SP' + 'a')).toBe(false);
    expect(qr.isQrAlphanumeric('')).toBe(false);
  });
});
