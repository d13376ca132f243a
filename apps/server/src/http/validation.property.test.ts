import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { MAX_ID, isEpoch, parseDecimal } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { authorizeUpgrade } from '../push/upgrade.js';
import { clientAddressFrom, parseTrustedProxies, trustedProxies } from './client-address.js';
import { check, decimalParam, id, idParam, seqParam } from './validation.js';


// Text near a decimal: what Number() takes and parseDecimal must not (sign, exponent, hex, dot, spaces,
// leading zeros, non-ASCII digits), and numbers past 2^53.
const nearDecimal = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 18 }),
  fc.string({ unit: fc.constantFrom(...'00123456789+-eE.x _\t', '０', '١'), maxLength: 18 }),
  fc.bigInt({ min: 0n, max: 10n ** 17n }).map(String),
);
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), nearDecimal);
const bound = fc.oneof(fc.maxSafeNat(), fc.nat(1000));
const bounds = fc.tuple(bound, bound).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

// Copies of the routes' schemas (they are not exported), built from the same parts.
const SCHEMAS = {
  notificationsQuery: z.object({
    storeId: idParam,
    epoch: z.string().refine(isEpoch, 'must be 1-64 characters of [A-Za-z0-9_-]').optional(),
    after: seqParam,
    wait: decimalParam(0, 30).default(25),
  }),
  historyQuery: z.object({ limit: decimalParam(1, 200).default(50) }),
  idPath: z.object({ id: idParam }),
  devLogin: z.object({ userId: id }),
  qrRequest: z.object({ storeId: id, svg: z.boolean().optional() }),
  topUp: z.object({ memberId: id, storeId: id, uses: z.number().int().min(1).max(10_000) }),
  scanRequest: z.object({ qr: z.string().min(1).max(512) }),
  idempotencyKey: z.string().regex(/^[\x21-\x7e]{1,128}$/).optional(),
};
type SchemaName = keyof typeof SCHEMAS;

// Values shaped like what the routes receive: objects whose keys are the schemas' fields (and
// Object.prototype's), with near-valid values, plus anything at all.
const KEYS = ['storeId', 'epoch', 'after', 'wait', 'limit', 'id', 'userId', 'svg', 'memberId', 'uses', 'qr', 'toString', '__proto__', 'constructor', 'valueOf'];
const fieldValue = fc.oneof(anyText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.anything({ maxDepth: 2 }));
const requestValue = fc.oneof(fc.dictionary(fc.constantFrom(...KEYS), fieldValue, { maxKeys: 6 }), fc.anything(), anyText);

describe('decimalParam, idParam and seqParam', () => {
  it('agree with parseDecimal on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, bounds, (text, [min, max]) => {
        for (const [schema, lo, hi] of [
          [decimalParam(min, max), min, max],
          [idParam, 1, MAX_ID],
          [seqParam, 0, Number.MAX_SAFE_INTEGER],
        ] as const) {
          const parsed = schema.safeParse(text);
          const expected = parseDecimal(text, lo, hi);
          expect(parsed.success ? parsed.data : undefined).toBe(expected);
          expect(parsed.success).toBe(expected !== undefined);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuse anything that is not a string, without throwing', () => {
    fc.assert(
      fc.property(fc.anything().filter((v) => typeof v !== 'string'), (value) => {
        expect(idParam.safeParse(value).success).toBe(false);
        expect(seqParam.safeParse(value).success).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('check', () => {
  it('answers the parsed value or throws only AppError VALIDATION_FAILED, naming a field of the schema', () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(SCHEMAS) as SchemaName[])), requestValue, (name, value) => {
        const schema = SCHEMAS[name];
        let thrown: unknown;
        try {
          check(schema, value);
        } catch (err) {
          thrown = err;
        }
        expect(schema.safeParse(value).success).toBe(thrown === undefined);
        if (thrown === undefined) return;
        expect(thrown).toBeInstanceOf(AppError);
        const error = thrown as AppError;
        expect(error.code).toBe('VALIDATION_FAILED');
        expect(error.message).not.toBe('');
        if (error.extra.field !== undefined) expect(KEYS).toContain(error.extra.field.split('.')[0]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseTrustedProxies', () => {
  const entry = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV4Extended(),
    fc.ipV4().map((a) => `::ffff:${a}`),
    fc.ipV6().map((a) => `${a}%eth0`),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%/'), maxLength: 12 }),
    fc.string({ maxLength: 6 }),
  );
  const prefix = fc.oneof(fc.constant(''), fc.nat(140).map((n) => `/${n}`), fc.constantFrom('/', '/08', '/-1', '/1e1', '/ 8', '/8/8'));
  const list = fc.array(fc.tuple(fc.constantFrom('', ' ', '\t'), entry, prefix), { maxLength: 4 }).map((xs) => xs.map(([s, e, p]) => s + e + p + s).join(','));

  it('never throws; what it accepts builds a matcher and parses again to itself', () => {
    fc.assert(
      fc.property(fc.oneof(list, fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        const parsed = parseTrustedProxies(text);
        if (!parsed.ok) {
          expect(parsed.reason).not.toBe('');
          return;
        }
        const trusted = trustedProxies(parsed.value);
        for (const e of parsed.value) expect(typeof trusted(e.split('/')[0] ?? '')).toBe('boolean');
        expect(parseTrustedProxies(parsed.value.join(','))).toEqual(parsed);
      }),
      { numRuns: 2000 },
    );
  });

  it('clientAddressFrom never throws, and answers the peer or an IP address', () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`), fc.string({ maxLength: 10 }));
    const header = fc.option(fc.array(fc.tuple(fc.constantFrom('', ' '), address), { maxLength: 4 }).map((xs) => xs.map(([s, a]) => s + a).join(',')), { nil: undefined });
    const trustList = fc.constantFrom('', '127.0.0.1', '0.0.0.0/0,::/0', '10.0.0.0/8,fd00::/8', '::1');
    fc.assert(
      fc.property(fc.option(address, { nil: undefined }), header, header, trustList, (peer, forwardedFor, realIp, trust) => {
        const parsed = parseTrustedProxies(trust);
        if (!parsed.ok) return expect.fail(parsed.reason);
        const client = clientAddressFrom(peer, { forwardedFor, realIp }, trustedProxies(parsed.value));
        if (peer === undefined) expect(client).toBeUndefined();
        else expect(client === peer.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1') || isIP(client ?? '') !== 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('authorizeUpgrade', () => {
  // Nobody has a session and no store exists: every request is refused, before or at the session.
  const noAccounts = { findSession: async () => undefined, getStore: async () => undefined };
  // Request targets as a client may send them: origin-form paths, absolute-form URLs, `//` (a path that
  // a URL parser reads as a host), brackets and ports that are not valid hosts, percent-escapes.
  const piece = fc.oneof(
    fc.constantFrom('/webSocket/', '/', '//', 'http://', 'ws://', '[', ']', ':', '@', '?', '#', '&', '=', '%', '%zz', '..', '\\', ' ', 'after=', 'epoch=', 'token='),
    fc.stringMatching(/^\d{1,11}$/),
    fc.string({ maxLength: 4 }),
  );
  const target = fc.oneof(
    fc.array(piece, { maxLength: 8 }).map((xs) => xs.join('')),
    fc.tuple(fc.integer({ min: 1, max: MAX_ID }), fc.integer({ min: 1, max: MAX_ID }), fc.array(piece, { maxLength: 5 })).map(([m, s, q]) => `/webSocket/${m}/${s}?${q.join('')}`),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.webPath(),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const headers = fc.record(
    { upgrade: fc.oneof(fc.constantFrom('websocket', 'WebSocket', 'h2c', ''), fc.string({ maxLength: 10 })), authorization: fc.oneof(fc.constantFrom('Bearer tok', 'Bearer ', 'bearer  x '), fc.string({ maxLength: 20 })) },
    { requiredKeys: [] },
  );

  it('never throws on arbitrary request targets and answers a refusal: 400, 401 or 404 with a code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(target, { nil: undefined }), headers, async (url, h) => {
        const req = { url, headers: h } as unknown as IncomingMessage;
        const decision = await authorizeUpgrade(req, noAccounts, 1_000_000);
        expect(decision.ok).toBe(false);
        if (decision.ok) return;
        expect([400, 401, 404]).toContain(decision.status);
        expect(decision.code).toMatch(/^[A-Z_]+$/);
        expect(decision.message).not.toBe('');
      }),
      { ...{ numRuns: 2000 }, examples: [['//', { upgrade: 'websocket' }], ['http://[', { upgrade: 'websocket' }]] },
    );
  });
});
