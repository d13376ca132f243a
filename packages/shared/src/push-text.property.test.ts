import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPushText, parsePushText } from './push-text.js';
import { RESULT_CODES, RESULT_HINTS, type ResultName } from './result-codes.js';


const NAMES = Object.keys(RESULT_CODES) as ResultName[];
const nameArb = fc.constantFrom(...NAMES);

// Texts near the format: a code-ish field, a title, a detail that may or may not hold a count, written
// the ways the parser tolerates (full-width colon, spacing) and the ways it should not read as a count.
const nearText = fc
  .tuple(
    fc.oneof(fc.stringMatching(/^ ?\d{1,6} ?$/), fc.string({ maxLength: 4 })),
    fc.oneof(fc.constantFrom(...NAMES.map((n) => RESULT_CODES[n].title)), fc.string({ maxLength: 8 })),
    fc.constantFrom('剩余次数: ', '剩余次数:', '剩余次数 ： ', '剩余次数\t:', '剩余次数', '余次数: ', ''),
    fc.oneof(fc.stringMatching(/^\d{1,6}$/), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String), fc.string({ maxLength: 6 })),
    fc.constantFrom('', ' ', '_', '\n', 'x'),
  )
  .map(([code, title, label, count, tail]) => `${code}_${title}_${label}${count}${tail}`);

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 60 }), nearText);

describe('formatPushText and parsePushText', () => {
  it('round-trip every result, with and without a remaining count', () => {
    fc.assert(
      fc.property(nameArb, fc.option(fc.maxSafeNat(), { nil: undefined }), (name, remaining) => {
        const text = formatPushText(name, remaining);
        const { code, title } = RESULT_CODES[name];
        const detail = remaining === undefined ? RESULT_HINTS[name] : `剩余次数: ${remaining}`;
        expect(text).toBe(`${code}_${title}_${detail}`);
        expect(parsePushText(text)).toEqual({ ok: true, value: remaining === undefined ? { code, title, detail } : { code, title, detail, remaining } });
      }),
      { numRuns: 2000 },
    );
  });

  it('never throw on arbitrary text, and read back only what the text holds', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parsePushText(text);
        if (!parsed.ok) {
          expect(parsed.reason).not.toBe('');
          return;
        }
        const { code, title, detail } = parsed.value;
        expect(Number.isInteger(code) && code >= 0 && code <= 9999).toBe(true);
        // Title and detail are the text after the code field, split at the first underscore after it.
        expect(`${title}_${detail}`).toBe(text.slice(text.indexOf('_') + 1));
        expect(title).not.toContain('_');
      }),
      { numRuns: 3000 },
    );
  });

  it('read a remaining count only as the whole number its digits spell', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parsePushText(text);
        if (!parsed.ok || parsed.value.remaining === undefined) return;
        const { remaining, detail } = parsed.value;
        const digits = /(\d+)\s*$/.exec(detail)?.[1] ?? '';
        // A count past 2^53 cannot be read exactly (and 400 digits read as Infinity): shown to the member,
        // it would be a number the server never sent.
        expect(Number.isSafeInteger(remaining), `remaining ${remaining} from ${JSON.stringify(text)}`).toBe(true);
        expect(BigInt(remaining)).toBe(BigInt(digits));
      }),
      { numRuns: 3000 },
    );
  });
});
