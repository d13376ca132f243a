// RFC 4648 base32 without padding. Hand-written because the QR token must be built from the QR
// alphanumeric character set in runtimes without TextEncoder or Buffer (the mini-program), and these
// few lines are all of it.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const LOOKUP = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes unpadded base32; undefined for a character outside the alphabet, a length no encoder produces,
 * or non-zero trailing bits. Each byte string has exactly one accepted text.
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = LOOKUP.get(char);
    if (value === undefined) return undefined;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  // Leftover bits must be zero padding shorter than a character (so lengths 1, 3 and 6 mod 8 are refused),
  // or two texts would decode to the same bytes.
  if (bits >= 5 || buffer !== 0) return undefined;
  return out;
}
