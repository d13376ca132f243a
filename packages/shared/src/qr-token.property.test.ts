import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32.js';
import {
  QR_MAC_BYTES,
  QR_TOKEN_LENGTH,
  bytesToHex,
  formatQrToken,
  hexToBytes,
  isQrAlphanumeric,
  parseQrToken,
  qrSigningInput,
  type QrClaims,
} from './qr-token.js';


const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const TOKEN_RE = /^SP[A-Z2-7]+$/;
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const hexDigit = fc.constantFrom(...'0123456789abcdef');
const claimsArb: fc.Arbitrary<QrClaims> = fc.record({
  memberId: uint32,
  storeId: uint32,
  expiresAt: uint32,
  nonce: fc.string({ unit: hexDigit, minLength: 16, maxLength: 16 }),
});
// formatQrToken takes the first 16 bytes of a longer MAC (a full HMAC-SHA256 is 32).
const macArb = fc.uint8Array({ minLength: QR_MAC_BYTES, maxLength: 32 });
const tokenArb = fc.tuple(claimsArb, macArb).map(([claims, mac]) => formatQrToken(claims, mac));
// What keyboard-mode scanners put around what they read: the only text parseQrToken forgives.
const transportSpace = fc.string({ unit: fc.constantFrom(' ', '\t', '\r', '\n'), maxLength: 4 });

/** The text without the ASCII space, tab, CR and LF around it (String.prototype.trim takes more). */
function stripTransport(text: string): string {
  return text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

/** The 37 bytes a text reads as, in hex; undefined when it is refused. */
function tokenBytes(text: string): string | undefined {
  const parsed = parseQrToken(text);
  return parsed.ok ? bytesToHex(parsed.value.signed) + bytesToHex(parsed.value.mac) : undefined;
}

// Characters a scanner, a keyboard or a "helpful" normaliser may put in place of a token character:
// case changes, letters that case-fold to ASCII (ſ→S, ı→I, K→k), full-width forms, Greek and Cyrillic
// capitals that look the same, base32's excluded digits and padding, invisible and non-ASCII spaces. The
// property adds one random character of the base32 alphabet and one of all Unicode per run.
const LOOKALIKES: Record<string, string[]> = {
  S: ['ſ', 'Ѕ', '5', '$'],
  I: ['ı', 'İ', 'Ι', 'І', 'l', '1', '|'],
  K: ['\u212a', 'Κ', 'К'],
  A: ['Α', 'А', 'ª'],
  B: ['Β', 'В', '8', 'ß'],
  E: ['Ε', 'Е'],
  H: ['Η', 'Н'],
  M: ['Μ', 'М'],
  N: ['Ν'],
  O: ['Ο', 'О', '0', 'º'],
  P: ['Ρ', 'Р'],
  T: ['Τ', 'Т'],
  X: ['Χ', 'Х'],
  Y: ['Υ', 'Ү'],
  Z: ['Ζ', '2'],
  C: ['С', 'Ϲ'],
};

function substitutes(char: string): string[] {
  const code = char.charCodeAt(0);
  const fullWidth = code >= 0x21 && code <= 0x7e ? String.fromCharCode(code + 0xfee0) : char;
  return [
    char.toLowerCase(),
    char.toUpperCase(),
    fullWidth,
    ...(LOOKALIKES[char] ?? []),
    '0',
    '1',
    '8',
    '9',
    '=',
    ' ',
    '\u00a0',
    '\u200b',
  ].filter((c) => c !== char);
}

describe('parseQrToken and formatQrToken', () => {
  it('round-trip every valid claims and MAC, in 62 QR-alphanumeric characters', () => {
    fc.assert(
      fc.property(claimsArb, macArb, (claims, mac) => {
        const token = formatQrToken(claims, mac);
        expect(token).toHaveLength(QR_TOKEN_LENGTH);
        expect(isQrAlphanumeric(token)).toBe(true);
        const parsed = parseQrToken(token);
        expect(parsed).toEqual({ ok: true, value: { claims, signed: qrSigningInput(claims), mac: mac.slice(0, QR_MAC_BYTES) } });
      }),
      { numRuns: 1000 },
    );
  });

  it('read a token the same with ASCII space, tab, CR or LF around it', () => {
    fc.assert(
      fc.property(tokenArb, transportSpace, transportSpace, (token, before, after) => {
        expect(tokenBytes(before + token + after)).toEqual(tokenBytes(token));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuse a token with any other white space around it', () => {
    const otherSpace = fc.constantFrom('\u00a0', '\v', '\f', '\u2028', '\u2029', '\ufeff', '\u3000', '\u200b', '\u0085');
    fc.assert(
      fc.property(tokenArb, otherSpace, fc.boolean(), (token, space, front) => {
        const parsed = parseQrToken(front ? space + token : token + space);
        expect(parsed.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('never throw, and accept only `SP` + upper-case base32 of the right length, spelt as formatQrToken spells it', () => {
    const base32ish = fc.string({ unit: fc.constantFrom(...ALPHABET, ...'abcdefghijklmnopqrstuvwxyz0189=ſıK'), minLength: 55, maxLength: 65 });
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ maxLength: 80 }),
      fc.tuple(fc.constantFrom('SP', 'sp', 'Sp', 'ſP', ''), base32ish, transportSpace).map(([p, body, s]) => s + p + body + s),
      tokenArb,
    );
    fc.assert(
      fc.property(text, (input) => {
        const parsed = parseQrToken(input);
        if (!parsed.ok) {
          expect(parsed.reason).not.toBe('');
          return;
        }
        const token = stripTransport(input);
        expect(token).toMatch(TOKEN_RE);
        expect(token).toHaveLength(QR_TOKEN_LENGTH);
        // One spelling: the claims and MAC read back format to exactly the text that was read.
        expect(formatQrToken(parsed.value.claims, parsed.value.mac)).toBe(token);
      }),
      { numRuns: 3000 },
    );
  });

  it('have one spelling: every single-character change is refused or reads other bytes', () => {
    fc.assert(
      fc.property(tokenArb, fc.constantFrom(...ALPHABET), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), (token, letter, random) => {
        const original = tokenBytes(token);
        expect(original).toBeDefined();
        for (let i = 0; i < token.length; i++) {
          const char = token[i] as string;
          for (const other of [...substitutes(char), letter, random]) {
            if (other === char) continue;
            const changed = token.slice(0, i) + other + token.slice(i + 1);
            const bytes = tokenBytes(changed);
            if (bytes === original) expect.fail(`${JSON.stringify(changed)} reads the bytes of ${token}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuse a token in lower or mixed case', () => {
    fc.assert(
      fc.property(tokenArb, (token) => {
        expect(parseQrToken(token.toLowerCase()).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(tokenArb.chain((token) => fc.tuple(fc.constant(token), fc.mixedCase(fc.constant(token)))), ([token, mixed]) => {
        if (mixed !== token) expect(parseQrToken(mixed).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('qrSigningInput refuses unencodable claims with a RangeError only', () => {
    const number = fc.oneof(uint32, fc.double(), fc.integer({ min: -1, max: 0 }), fc.constant(0x100000000), fc.maxSafeInteger());
    const nonce = fc.oneof(fc.string({ unit: hexDigit, minLength: 16, maxLength: 16 }), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(number, number, number, nonce, (memberId, storeId, expiresAt, n) => {
        const claims = { memberId, storeId, expiresAt, nonce: n };
        const valid = [memberId, storeId, expiresAt].every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff) && /^[0-9a-fA-F]{16}$/.test(n);
        if (valid) expect(qrSigningInput(claims)).toHaveLength(21);
        else expect(() => qrSigningInput(claims)).toThrow(RangeError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('hexToBytes and bytesToHex', () => {
  it('round-trip bytes through lower-case hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const hex = bytesToHex(bytes);
        expect(hex).toMatch(/^[0-9a-f]*$/);
        expect(hexToBytes(hex)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throw, and read only even-length hex, back to its lower-case spelling', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFxg '), maxLength: 40 }));
    fc.assert(
      fc.property(text, (input) => {
        const bytes = hexToBytes(input);
        if (bytes === undefined) return;
        expect(bytesToHex(bytes)).toBe(input.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('base32Encode and base32Decode', () => {
  it('round-trip arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = base32Encode(bytes);
        expect(text).toHaveLength(Math.ceil((bytes.length * 8) / 5));
        expect(text).toMatch(/^[A-Z2-7]*$/);
        expect(base32Decode(text)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('are canonical: a text that decodes is the one encoding of its bytes', () => {
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 70 }),
      fc.string({ unit: fc.constantFrom(...ALPHABET, 'a', 'z', '0', '1', '=', 'ſ', 'ı', '\u212a'), maxLength: 70 }),
      fc.string({ unit: 'binary', maxLength: 70 }),
    );
    fc.assert(
      fc.property(text, (input) => {
        const bytes = base32Decode(input);
        if (bytes !== undefined) expect(base32Encode(bytes)).toBe(input);
      }),
      { numRuns: 3000 },
    );
  });
});
