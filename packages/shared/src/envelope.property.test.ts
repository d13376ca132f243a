import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decoded } from './decoded.js';
import {
  decodeClientMessage,
  decodeResult,
  decodeServerMessage,
  encodeMessage,
  positionOf,
  resumeFrom,
  type ClientMessage,
  type ResultMessage,
  type ServerMessage,
} from './envelope.js';
import { isEpoch, isSeq } from './position.js';
import { RESULT_CODES, isSuccess, resultName, type ResultName } from './result-codes.js';


const NAMES = Object.keys(RESULT_CODES) as ResultName[];
const epochArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const seqArb = fc.oneof(fc.nat(100), fc.maxSafeNat());
const entityId = fc.integer({ min: 1, max: 0xffffffff });
const text = fc.string({ unit: 'binary', maxLength: 30 });
// A ping id the server echoes: a string of at most 64 UTF-16 units or a finite number (not -0, which
// JSON writes as 0).
const idArb = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }).filter((s) => s.length <= 64),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
);

// A code this version knows (name from its table), or a newer server's code with the name it sent.
const codeAndName = fc.oneof(
  fc.constantFrom(...NAMES).map((name) => ({ code: RESULT_CODES[name].code as number, name: name as string })),
  fc.tuple(fc.integer({ min: NAMES.length, max: 100_000 }), fc.stringMatching(/^[A-Z_]{1,20}$/)).map(([code, name]) => ({ code, name })),
);

const resultArb: fc.Arbitrary<ResultMessage> = fc
  .record(
    {
      codeAndName,
      epoch: epochArb,
      seq: seqArb,
      title: text,
      text,
      remaining: fc.option(fc.nat(), { nil: null }),
      memberId: entityId,
      storeId: entityId,
      at: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), text),
      ledgerId: fc.maxSafeNat(),
    },
    { requiredKeys: ['codeAndName', 'epoch', 'seq', 'title', 'text', 'remaining', 'memberId', 'storeId', 'at'] },
  )
  .map(({ codeAndName: { code, name }, ...rest }) => ({ type: 'result', code, name: name as ResultName, ok: isSuccess(resultName(code)), ...rest }));

const syncedArb: fc.Arbitrary<ServerMessage> = fc.record({ type: fc.constant('synced'), epoch: epochArb, lastSeq: seqArb, complete: fc.boolean() });
const pongArb: fc.Arbitrary<ServerMessage> = fc.record({ type: fc.constant('pong'), id: idArb }, { requiredKeys: ['type'] });
const byeArb: fc.Arbitrary<ServerMessage> = fc.record({ type: fc.constant('bye'), code: fc.integer({ min: 1000, max: 4999 }), reason: text });
const serverArb: fc.Arbitrary<ServerMessage> = fc.oneof(resultArb, syncedArb, pongArb, byeArb);

const clientArb: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({ type: fc.constant('resume'), epoch: epochArb, after: seqArb }, { requiredKeys: ['type', 'after'] }),
  fc.record({ type: fc.constant('ping'), id: idArb }, { requiredKeys: ['type'] }),
);

// JSON whose keys are often the envelope's own field names or Object.prototype's (toString, valueOf,
// __proto__, constructor), and whose values are often near-valid: that is where a decoder that trusts
// a field's type, or turns it into a string, breaks.
const KEYS = ['type', 'epoch', 'seq', 'after', 'lastSeq', 'complete', 'id', 'code', 'text', 'memberId', 'storeId', 'remaining', 'ledgerId', 'name', 'reason', 'toString', 'valueOf', '__proto__', 'constructor', 'hasOwnProperty', 'toJSON'];
const TYPES = ['result', 'synced', 'pong', 'bye', 'resume', 'ping', 'Result', ''];
const { json: trickyJson } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...TYPES),
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1.5, 2 ** 53, 0xffffffff + 1)),
    fc.oneof(fc.boolean(), fc.constant(null), fc.string({ maxLength: 70 })),
    epochArb,
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 5 })), tie('json'), { maxKeys: 6 }),
  ),
}));
const frameArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.json(),
  trickyJson.map((v) => JSON.stringify(v)),
  fc.tuple(fc.constantFrom(...TYPES), fc.dictionary(fc.constantFrom(...KEYS), trickyJson, { maxKeys: 5 })).map(([type, obj]) => JSON.stringify({ type, ...obj })),
  serverArb.map(encodeMessage),
  clientArb.map(encodeMessage),
);
// Known counterexamples, run first on every run: `String(obj.type)` on an object whose toString is not a
// function throws "Cannot convert object to primitive value".
// And numbers JSON.parse reads as Infinity, which JSON.stringify would write back as null.
const pinnedFrames: Array<[string]> = [
  ['{"type":{"toString":1}}'],
  ['{"type":[{"toString":null}]}'],
  ['{"type":{"toString":{},"valueOf":{}}}'],
  ['{"type":"ping","id":1e400}'],
  ['{"type":"pong","id":-1e400}'],
  ['{"type":"resume","after":1e400}'],
];

/** Refused with a reason, or accepted as something that encodes and decodes back to itself. */
function expectClean<T extends ServerMessage | ClientMessage>(decoded: Decoded<T>, decode: (text: string) => Decoded<T>): void {
  if (!decoded.ok) {
    expect(typeof decoded.reason).toBe('string');
    expect(decoded.reason).not.toBe('');
    return;
  }
  const again = decode(encodeMessage(decoded.value));
  expect(again.ok).toBe(true);
  if (again.ok) expect(encodeMessage(again.value)).toBe(encodeMessage(decoded.value));
}

describe('server messages', () => {
  it('round-trip through encodeMessage and decodeServerMessage', () => {
    fc.assert(
      fc.property(serverArb, (message) => {
        expect(decodeServerMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
      }),
      { numRuns: 2000 },
    );
  });

  it('name their position: positionOf a decoded result or synced is a valid position', () => {
    fc.assert(
      fc.property(fc.oneof(resultArb, syncedArb), (message) => {
        const decoded = decodeServerMessage(encodeMessage(message));
        if (!decoded.ok || decoded.value.type === 'pong' || decoded.value.type === 'bye') return expect.fail('valid message refused');
        const at = positionOf(decoded.value);
        expect(isEpoch(at.epoch) && isSeq(at.seq)).toBe(true);
        expect(at).toEqual(positionOf(message as ResultMessage));
      }),
      { numRuns: 500 },
    );
  });

  it('decodeServerMessage never throws: arbitrary frames are refused with a reason or read back stably', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        expectClean(decodeServerMessage(frame), decodeServerMessage);
      }),
      { ...{ numRuns: 3000 }, examples: pinnedFrames },
    );
  });

  it('decodeResult never throws on arbitrary objects, and keeps only valid positions and ids', () => {
    const objectArb = fc.oneof(
      fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 5 })), trickyJson, { maxKeys: 12 }),
      resultArb.chain((r) => fc.dictionary(fc.constantFrom(...KEYS), trickyJson, { maxKeys: 3 }).map((extra) => ({ ...r, ...extra }))),
      fc.object(),
    );
    fc.assert(
      fc.property(objectArb, (obj) => {
        const decoded = decodeResult(obj);
        if (!decoded.ok) {
          expect(decoded.reason).not.toBe('');
          return;
        }
        const r = decoded.value;
        expect(isEpoch(r.epoch) && isSeq(r.seq)).toBe(true);
        expect(Number.isInteger(r.memberId) && r.memberId >= 1 && r.memberId <= 0xffffffff).toBe(true);
        expect(Number.isInteger(r.storeId) && r.storeId >= 1 && r.storeId <= 0xffffffff).toBe(true);
        expect(r.ok).toBe(isSuccess(resultName(r.code)));
        if (resultName(r.code) !== undefined) expect(r.name).toBe(resultName(r.code));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('client messages', () => {
  it('round-trip through encodeMessage and decodeClientMessage', () => {
    fc.assert(
      fc.property(clientArb, (message) => {
        expect(decodeClientMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
      }),
      { numRuns: 2000 },
    );
  });

  it('resumeFrom a position decodes to that position', () => {
    const position = fc.oneof(fc.record({ epoch: epochArb, seq: seqArb }), fc.constant({ epoch: '', seq: 0 }));
    fc.assert(
      fc.property(position, (at) => {
        const decoded = decodeClientMessage(encodeMessage(resumeFrom(at)));
        expect(decoded).toEqual({ ok: true, value: at.epoch === '' ? { type: 'resume', after: 0 } : { type: 'resume', epoch: at.epoch, after: at.seq } });
      }),
      { numRuns: 500 },
    );
  });

  it('decodeClientMessage never throws: arbitrary frames are refused with a reason or read back stably', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        expectClean(decodeClientMessage(frame), decodeClientMessage);
      }),
      { ...{ numRuns: 3000 }, examples: pinnedFrames },
    );
  });
});
