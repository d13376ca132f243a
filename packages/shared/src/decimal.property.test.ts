import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ID, parseDecimal, parseId, parseSeq } from './decimal.js';


// Text near a decimal: digits with what Number() would also take (sign, exponent, hex, dot, spaces,
// leading zeros, full-width and Arabic-Indic digits), and numbers past 2^53.
const nearDecimal = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 18 }),
  fc.string({ unit: fc.constantFrom(...'00123456789+-eE.x _\t', '０', '١', '\u00a0'), maxLength: 18 }),
  fc.bigInt({ min: 0n, max: 10n ** 17n }).map(String),
  fc.double().map(String),
);
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 20 }), nearDecimal);

/** Bounds within the safe integers, min <= max. */
const bound = fc.oneof(fc.maxSafeNat(), fc.nat(1000));
const bounds = fc.tuple(bound, bound).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

describe('parseDecimal', () => {
  it('reads String(n) back as n for every safe whole number in bounds, and refuses it outside', () => {
    fc.assert(
      fc.property(bounds, fc.oneof(fc.maxSafeNat(), fc.nat(1000)), ([min, max], n) => {
        expect(parseDecimal(String(n), min, max)).toBe(n >= min && n <= max ? n : undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws, and reads a text only in its one spelling (String(value) is the text)', () => {
    fc.assert(
      fc.property(anyText, bounds, (text, [min, max]) => {
        const value = parseDecimal(text, min, max);
        if (value === undefined) return;
        expect(String(value)).toBe(text);
        expect(Number.isSafeInteger(value) && value >= min && value <= max).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseId and parseSeq', () => {
  it('read every id from 1 to 2^32-1 and every seq from 0 to 2^53-1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_ID }), fc.oneof(fc.maxSafeNat(), fc.nat(100)), (id, seq) => {
        expect(parseId(String(id))).toBe(id);
        expect(parseSeq(String(seq))).toBe(seq);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuse 0 and past 2^32-1 as ids, past 2^53-1 as seqs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(MAX_ID) + 1n, max: 10n ** 20n }), (big) => {
        expect(parseId(String(big))).toBeUndefined();
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) expect(parseSeq(String(big))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
    expect(parseId('0')).toBeUndefined();
  });

  it('never throw, and read a text only in its one spelling', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const value of [parseId(text), parseSeq(text)]) {
          if (value !== undefined) expect(String(value)).toBe(text);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
