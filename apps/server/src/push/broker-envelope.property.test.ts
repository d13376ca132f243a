import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamEntry } from '../storage/streams.js';
import { decodeEnvelope, type Envelope } from './broker-envelope.js';


const safeInt = fc.oneof(fc.maxSafeNat(), fc.nat(100));
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0));
const entryArb: fc.Arbitrary<StreamEntry> = fc.record({
  memberId: safeInt,
  storeId: safeInt,
  epoch: fc.string({ maxLength: 20 }),
  seq: safeInt,
  code: fc.integer({ min: 0, max: 10 }),
  remaining: fc.option(safeInt, { nil: null }),
  ledgerId: fc.option(safeInt, { nil: null }),
  createdAt: fc.oneof(safeInt, finite),
});
const nodeId = fc.string({ unit: 'binary', maxLength: 16 });
const envelopeArb: fc.Arbitrary<Envelope> = fc.oneof(
  fc.record({ n: nodeId, e: fc.record({ entry: entryArb, committedAt: finite }) }),
  fc.record({ n: nodeId, c: fc.record({ kind: fc.constant('close-member' as const), memberId: safeInt, sessionId: safeInt }, { requiredKeys: ['kind', 'memberId'] }) }),
  fc.record({ n: nodeId, r: fc.record({ since: finite, sessions: fc.boolean() }) }),
);

// JSON whose keys are often the envelope's field names or Object.prototype's, with near-valid values.
const KEYS = ['n', 'e', 'c', 'r', 'entry', 'committedAt', 'kind', 'memberId', 'storeId', 'seq', 'code', 'epoch', 'createdAt', 'remaining', 'ledgerId', 'sessionId', 'since', 'sessions', 'toString', '__proto__', 'constructor'];
const { json: trickyJson } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1.5, -1, 2 ** 53)),
    fc.oneof(fc.boolean(), fc.constant(null), fc.string({ maxLength: 8 }), fc.constant('close-member')),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 3 })), tie('json'), { maxKeys: 8 }),
  ),
}));
const messageArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.json(),
  trickyJson.map((v) => JSON.stringify(v)),
  // A valid envelope with one field replaced by something else.
  fc.tuple(envelopeArb, fc.constantFrom(...KEYS), trickyJson).map(([env, key, value]) => JSON.stringify({ ...env, [key]: value })),
  envelopeArb.map((env) => JSON.stringify(env)),
);

describe('decodeEnvelope', () => {
  it('round-trips every valid envelope through JSON', () => {
    fc.assert(
      fc.property(envelopeArb, (envelope) => {
        expect(decodeEnvelope(JSON.stringify(envelope))).toEqual(envelope);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary messages, and hands on only well-formed envelopes', () => {
    fc.assert(
      fc.property(messageArb, (text) => {
        const envelope = decodeEnvelope(text);
        if (envelope === undefined) return;
        expect(typeof envelope.n).toBe('string');
        // Exactly one of event, control and catch-up, each well-formed: the decoder's own output reads back.
        expect([envelope.e, envelope.c, envelope.r].filter((x) => x !== undefined)).toHaveLength(1);
        expect(decodeEnvelope(JSON.stringify(envelope))).toEqual(envelope);
        const { e, c, r } = envelope;
        if (e) {
          const { entry } = e;
          for (const v of [entry.memberId, entry.storeId, entry.seq, entry.code]) expect(Number.isSafeInteger(v)).toBe(true);
          expect(typeof entry.epoch).toBe('string');
        }
        if (c) expect(c.kind === 'close-member' && Number.isSafeInteger(c.memberId)).toBe(true);
        if (r) expect(Number.isFinite(r.since) && typeof r.sessions === 'boolean').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
