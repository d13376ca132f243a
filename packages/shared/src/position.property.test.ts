import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_POSITION, StreamCursor, isEpoch, isSeq, type StreamPosition } from './position.js';


const epochArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const seqArb = fc.oneof(fc.nat(20), fc.maxSafeNat());
// A few epochs, so that a sequence of positions returns to an epoch it left.
const fewEpochs = fc.constantFrom('e1', 'e2', 'epoch_3');
const positionArb: fc.Arbitrary<StreamPosition> = fc.record({ epoch: fewEpochs, seq: fc.nat(20) });
const startArb: fc.Arbitrary<StreamPosition> = fc.oneof(fc.constant(NO_POSITION), positionArb);

describe('isEpoch and isSeq', () => {
  it('never throw, and accept exactly 1-64 characters of [A-Za-z0-9_-] and the safe whole numbers from 0', () => {
    const value = fc.oneof(
      fc.anything(),
      epochArb,
      fc.string({ unit: fc.constantFrom(...'aZ09_-.+/ ', 'é', '\u212a'), maxLength: 66 }),
      fc.double(),
      fc.integer({ min: -5, max: 5 }),
      fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -0, 0.5, '1', 1n),
    );
    fc.assert(
      fc.property(value, (v) => {
        expect(isEpoch(v)).toBe(typeof v === 'string' && v.length >= 1 && v.length <= 64 && [...v].every((c) => /[A-Za-z0-9_-]/.test(c)));
        expect(isSeq(v)).toBe(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('StreamCursor', () => {
  it('within one epoch, accept() never moves back, takes each seq at most once, and takes exactly those above the position', () => {
    fc.assert(
      fc.property(fc.nat(20), fc.array(seqArb, { maxLength: 40 }), (start, seqs) => {
        const cursor = new StreamCursor({ epoch: 'e1', seq: start });
        const taken = new Set<number>();
        let high = start;
        for (const seq of seqs) {
          const before = cursor.position.seq;
          const isNew = cursor.accept({ epoch: 'e1', seq });
          expect(isNew).toBe(seq > high);
          if (isNew) {
            expect(taken.has(seq)).toBe(false);
            taken.add(seq);
            high = seq;
          }
          expect(cursor.position).toEqual({ epoch: 'e1', seq: high });
          expect(cursor.position.seq).toBeGreaterThanOrEqual(before);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('across epochs, takes a position of another epoch and then its seqs in order, each once per stay in that epoch', () => {
    fc.assert(
      fc.property(startArb, fc.array(positionArb, { maxLength: 40 }), (start, positions) => {
        const cursor = new StreamCursor(start);
        let current = { ...start };
        for (const at of positions) {
          const isNew = cursor.accept(at);
          const expected = at.epoch !== current.epoch ? at.seq > 0 : at.seq > current.seq;
          expect(isNew).toBe(expected);
          if (at.epoch !== current.epoch) current = { epoch: at.epoch, seq: 0 };
          if (isNew) current = { ...at };
          expect(cursor.position).toEqual(current);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('synced() never moves back within an epoch, takes another epoch as it is, and reports a resync exactly when the resumed epoch was another', () => {
    const resumedArb = fc.oneof(fc.constant(NO_POSITION), positionArb);
    fc.assert(
      fc.property(startArb, positionArb, resumedArb, (start, head, resumedFrom) => {
        const cursor = new StreamCursor(start);
        const resynced = cursor.synced(head, resumedFrom);
        expect(resynced).toBe(resumedFrom.epoch !== '' && resumedFrom.epoch !== head.epoch);
        const expectedSeq = head.epoch === start.epoch ? Math.max(start.seq, head.seq) : head.seq;
        expect(cursor.position).toEqual({ epoch: head.epoch, seq: expectedSeq });
      }),
      { numRuns: 2000 },
    );
  });

  it('hands out copies: neither the start nor a read position moves it', () => {
    fc.assert(
      fc.property(positionArb, seqArb, (start, other) => {
        const given = { ...start };
        const cursor = new StreamCursor(given);
        given.seq = other;
        const read = cursor.position;
        read.seq = other;
        read.epoch = 'elsewhere';
        expect(cursor.position).toEqual(start);
      }),
      { numRuns: 500 },
    );
  });
});
