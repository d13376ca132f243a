import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, decodeErrorBody, type ErrorBody } from './api.js';
import { CLOSE_CODES, closeName, shouldReconnect } from './close-codes.js';
import { MAX_ID } from './decimal.js';
import { formatMerchantKey, isMerchantKey, parseMerchantKey } from './merchant-key.js';
import { RESULT_CODES, resultName, type ResultName } from './result-codes.js';
import type { ScanResult } from './scan-result.js';


const RESULT_NAMES = Object.keys(RESULT_CODES) as ResultName[];
const text = fc.string({ unit: 'binary', maxLength: 30 });

const scanResultArb: fc.Arbitrary<ScanResult> = fc.constantFrom(...RESULT_NAMES).chain((name) =>
  fc.record({
    code: fc.constant(RESULT_CODES[name].code),
    name: fc.constant(name),
    ok: fc.constant(name === 'OK'),
    title: fc.constant(RESULT_CODES[name].title),
    text,
    remaining: fc.option(fc.nat(), { nil: null }),
    memberId: fc.option(fc.integer({ min: 1, max: MAX_ID }), { nil: null }),
    storeId: fc.integer({ min: 1, max: MAX_ID }),
    at: text,
  }),
);

const errorBodyArb: fc.Arbitrary<ErrorBody> = fc
  .record(
    {
      // A code this version knows, or one a newer server added: kept as sent either way.
      code: fc.oneof(fc.constantFrom(...API_ERROR_CODES, ...RESULT_NAMES.filter((n) => n !== 'OK')), fc.stringMatching(/^[A-Z_]{1,24}$/)),
      message: text,
      field: text,
      result: scanResultArb,
      replayed: fc.boolean(),
      requestId: text,
    },
    { requiredKeys: ['code', 'message'] },
  )
  .map((error) => ({ error: error as ErrorBody['error'] }));

const jsonish = fc.oneof(fc.jsonValue(), fc.anything(), errorBodyArb.map((b) => ({ ...b, error: { ...b.error, extra: 1 } })));

describe('decodeErrorBody', () => {
  it('round-trips every valid error body through JSON', () => {
    fc.assert(
      fc.property(errorBodyArb, (body) => {
        expect(decodeErrorBody(JSON.parse(JSON.stringify(body)))).toEqual({ ok: true, value: body });
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps code and message and leaves out optional fields of the wrong type', () => {
    const wrong = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(errorBodyArb, fc.record({ field: wrong, result: wrong, replayed: wrong, requestId: wrong }, { requiredKeys: [] }), (body, junk) => {
        const decoded = decodeErrorBody({ error: { ...body.error, ...junk } });
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) return;
        const { error } = decoded.value;
        expect([error.code, error.message]).toEqual([body.error.code, body.error.message]);
        if (error.field !== undefined) expect(typeof error.field).toBe('string');
        if (error.result !== undefined) expect(typeof error.result === 'object' && error.result !== null && !Array.isArray(error.result)).toBe(true);
        if (error.replayed !== undefined) expect(typeof error.replayed).toBe('boolean');
        if (error.requestId !== undefined) expect(typeof error.requestId).toBe('string');
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary values: refused with a reason unless code and message are strings', () => {
    fc.assert(
      fc.property(fc.oneof(jsonish, jsonish.map((error) => ({ error }))), (value) => {
        const decoded = decodeErrorBody(value);
        if (!decoded.ok) {
          expect(decoded.reason).not.toBe('');
          return;
        }
        expect(typeof decoded.value.error.code).toBe('string');
        expect(typeof decoded.value.error.message).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseMerchantKey and formatMerchantKey', () => {
  const secretArb = fc.stringMatching(/^[A-Za-z0-9_-]{16,128}$/);

  it('round-trip every merchant id from 1 to 2^32-1 and every 16-128 character secret', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1, max: MAX_ID }), fc.nat(100).map((n) => n + 1)), secretArb, (merchantId, secret) => {
        const key = formatMerchantKey(merchantId, secret);
        expect(parseMerchantKey(key)).toEqual({ ok: true, value: { merchantId, secret } });
        expect(isMerchantKey(key)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throw, and read a key only in its one spelling', () => {
    const nearKey = fc
      .tuple(
        fc.constantFrom('spk_', 'SPK_', 'spk', 'spk__', ''),
        fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 11n }).map(String), fc.stringMatching(/^0?\d{1,3}$/), fc.string({ maxLength: 3 })),
        fc.constantFrom('_', '-', ''),
        fc.oneof(secretArb, fc.string({ unit: fc.constantFrom(...'aZ09_-+/= ', 'é'), minLength: 14, maxLength: 130 })),
        fc.constantFrom('', '\n', ' '),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), nearKey), (key) => {
        const parsed = parseMerchantKey(key);
        expect(isMerchantKey(key)).toBe(parsed.ok);
        if (!parsed.ok) {
          expect(parsed.reason).not.toBe('');
          return;
        }
        expect(parsed.value.merchantId >= 1 && parsed.value.merchantId <= MAX_ID).toBe(true);
        expect(formatMerchantKey(parsed.value.merchantId, parsed.value.secret)).toBe(key);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('close codes and result codes', () => {
  const code = fc.oneof(fc.integer(), fc.integer({ min: 999, max: 4010 }), fc.double(), fc.constantFrom(...Object.values(CLOSE_CODES).map((c) => c.code)));

  it('closeName and shouldReconnect never throw; a named code is its catalog entry, an unknown one reconnects', () => {
    fc.assert(
      fc.property(code, (n) => {
        const name = closeName(n);
        if (name === undefined) expect(shouldReconnect(n)).toBe(true);
        else {
          // `===`, not Object.is: -0 is the code 0 wherever numbers are compared.
          expect(CLOSE_CODES[name].code === n).toBe(true);
          expect(shouldReconnect(n)).toBe(CLOSE_CODES[name].reconnect);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('resultName never throws; a named code is its catalog entry', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.integer({ min: -2, max: 10 }), fc.double()), (n) => {
        const name = resultName(n);
        if (name !== undefined) expect(RESULT_CODES[name].code === n).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
