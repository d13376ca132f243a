import { describe, expect, it } from 'vitest';
import { parseDecimal, parseId, parseSeq } from './decimal.js';

describe('parseId', () => {
  it.each([
    ['1', 1],
    ['17', 17],
    ['4294967295', 4294967295],
  ])('reads %j', (text, id) => {
    expect(parseId(text)).toBe(id);
  });

  it.each(['', '0', '00', '01', '-1', '+1', ' 1', '1 ', '1.0', '1e3', '0x10', '4294967296', '10000000000', '１'])(
    'refuses %j',
    (text) => {
      expect(parseId(text)).toBeUndefined();
    },
  );
});

describe('parseSeq', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('reads %j', (text, seq) => {
    expect(parseSeq(text)).toBe(seq);
  });

  // What Number() and z.coerce take and the long-poll once accepted: one spelling per number.
  it.each(['', ' ', '00', '01', '-0', '-1', '+1', '1e0', '0x1', '0b1', '0o1', '1.', '.5', '1.5', 'Infinity', 'NaN', ' 1', '1\n', '9007199254740992', '١'])(
    'refuses %j',
    (text) => {
      expect(parseSeq(text)).toBeUndefined();
    },
  );
});

describe('parseDecimal', () => {
  it('keeps to its bounds', () => {
    expect(parseDecimal('30', 0, 30)).toBe(30);
    expect(parseDecimal('31', 0, 30)).toBeUndefined();
    expect(parseDecimal('0', 1, 30)).toBeUndefined();
  });
});
