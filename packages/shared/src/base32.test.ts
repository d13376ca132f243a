import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32.js';

// Bytes from ASCII by hand: the module exists for runtimes without TextEncoder, so its tests do not lean on it.
function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

// RFC 4648 section 10, padding removed.
const VECTORS: Array<[string, string]> = [
  ['', ''],
  ['f', 'MY'],
  ['fo', 'MZXQ'],
  ['foo', 'MZXW6'],
  ['foob', 'MZXW6YQ'],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI'],
];

describe('base32Encode', () => {
  it.each(VECTORS)('encodes %j as %j', (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
  });

  it('encodes bytes with the high bit set', () => {
    // Checked with Python: base64.b32encode(bytes([0, 0xff, 0x10, 0x80, 0x7f])).
    expect(base32Encode(Uint8Array.of(0x00, 0xff, 0x10, 0x80, 0x7f))).toBe('AD7RBAD7');
  });
});

describe('base32Decode', () => {
  it.each(VECTORS)('decodes %j from %j', (plain, encoded) => {
    expect(base32Decode(encoded)).toEqual(ascii(plain));
  });

  it('round-trips every byte value at every length up to 40', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base32Decode(base32Encode(all))).toEqual(all);
    for (let length = 0; length <= 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 7 + 13) & 0xff);
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    }
  });

  it.each(['mzxw6', 'Mzxw6', 'MZXW6yq'])('rejects lower case %j', (text) => {
    expect(base32Decode(text)).toBeUndefined();
  });

  it.each(['MZXW1', 'MZXW0', 'MZXW8', 'MZXW6===', 'MZ XW6', 'MZXW6\n', 'MZXW-', 'MZXWÉ'])(
    'rejects %j, which holds a character outside the alphabet',
    (text) => {
      expect(base32Decode(text)).toBeUndefined();
    },
  );

  it.each([
    ['MZ', 'f with a low bit set in the 2 padding bits'],
    ['MZXR', 'fo with a padding bit set'],
    ['MZXW7', 'foo with the padding bit set'],
    ['MZXW6YR', 'foob with a padding bit set'],
    ['MZXW6YTBOJ', 'foobar with a padding bit set'],
  ])('rejects %j (%s)', (text) => {
    expect(base32Decode(text)).toBeUndefined();
  });

  // 1, 3 and 6 characters (mod 8) leave 5 or more bits over: a whole character no encoder writes.
  // Accepting them would let "A" and "" (or "AA" and "AAA") decode to the same bytes.
  it.each(['A', 'AAA', 'AAAAAA', 'MZXW6YTBA', 'MZXW6YTBOIA'])('rejects %j, a length no encoder produces', (text) => {
    expect(base32Decode(text)).toBeUndefined();
  });
});
