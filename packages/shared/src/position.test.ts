import { describe, expect, it } from 'vitest';
import { NO_POSITION, StreamCursor, isEpoch, isSeq } from './position.js';

describe('StreamCursor.accept', () => {
  it('takes results in order and drops a repeat or an older seq of the same epoch', () => {
    const cursor = new StreamCursor();
    expect([1, 2, 2, 1, 3].map((seq) => cursor.accept({ epoch: 'e1', seq }))).toEqual([true, true, false, false, true]);
    expect(cursor.position).toEqual({ epoch: 'e1', seq: 3 });
  });

  it('takes a jump forward (results pruned or replayed in part) and never goes back within an epoch', () => {
    const cursor = new StreamCursor({ epoch: 'e1', seq: 4 });
    expect(cursor.accept({ epoch: 'e1', seq: 4 })).toBe(false);
    expect(cursor.accept({ epoch: 'e1', seq: 9 })).toBe(true);
    expect(cursor.accept({ epoch: 'e1', seq: 5 })).toBe(false);
    expect(cursor.position).toEqual({ epoch: 'e1', seq: 9 });
  });

  it('starts over in another epoch: a lower seq of the new history is new', () => {
    const cursor = new StreamCursor({ epoch: 'old', seq: 50 });
    expect(cursor.accept({ epoch: 'new', seq: 1 })).toBe(true);
    expect(cursor.position).toEqual({ epoch: 'new', seq: 1 });
    expect(cursor.accept({ epoch: 'new', seq: 1 })).toBe(false);
    expect(cursor.accept({ epoch: 'new', seq: 2 })).toBe(true);
  });

  it('hands out copies: changing one does not move the cursor', () => {
    const start = { epoch: 'e1', seq: 2 };
    const cursor = new StreamCursor(start);
    start.seq = 99;
    cursor.position.seq = 99;
    expect(cursor.position).toEqual({ epoch: 'e1', seq: 2 });
    expect(new StreamCursor().position).toEqual(NO_POSITION);
  });
});

describe('StreamCursor.synced', () => {
  it('takes the server head of a first connection without calling it a resync', () => {
    const cursor = new StreamCursor();
    expect(cursor.synced({ epoch: 'e1', seq: 7 }, NO_POSITION)).toBe(false);
    expect(cursor.position).toEqual({ epoch: 'e1', seq: 7 });
  });

  it('moves forward within an epoch, never back', () => {
    const cursor = new StreamCursor({ epoch: 'e1', seq: 5 });
    expect(cursor.synced({ epoch: 'e1', seq: 8 }, { epoch: 'e1', seq: 5 })).toBe(false);
    expect(cursor.position).toEqual({ epoch: 'e1', seq: 8 });
    expect(cursor.synced({ epoch: 'e1', seq: 3 }, { epoch: 'e1', seq: 8 })).toBe(false);
    expect(cursor.position).toEqual({ epoch: 'e1', seq: 8 });
  });

  it('answers true and takes the head when the history changed (a restore), even to a lower seq', () => {
    const cursor = new StreamCursor({ epoch: 'before', seq: 5 });
    expect(cursor.synced({ epoch: 'after', seq: 2 }, { epoch: 'before', seq: 5 })).toBe(true);
    expect(cursor.position).toEqual({ epoch: 'after', seq: 2 });
    // The new history's seq 3 is new to this client, though it had seen a seq 5 of the old one.
    expect(cursor.accept({ epoch: 'after', seq: 3 })).toBe(true);
  });

  it('still calls it a resync when the replay of the new history already moved the cursor', () => {
    const from = { epoch: 'before', seq: 5 };
    const cursor = new StreamCursor(from);
    expect(cursor.accept({ epoch: 'after', seq: 1 })).toBe(true);
    expect(cursor.accept({ epoch: 'after', seq: 2 })).toBe(true);
    expect(cursor.synced({ epoch: 'after', seq: 2 }, from)).toBe(true);
    expect(cursor.position).toEqual({ epoch: 'after', seq: 2 });
  });
});

describe('isEpoch and isSeq', () => {
  it.each(['a', 'e-1_X', 'x'.repeat(64)])('accepts the epoch %j', (epoch) => expect(isEpoch(epoch)).toBe(true));
  it.each(['', 'x'.repeat(65), 'a b', 'é', 'a/b', 3, null, undefined])('refuses the epoch %j', (epoch) => expect(isEpoch(epoch)).toBe(false));
  it.each([0, 1, Number.MAX_SAFE_INTEGER])('accepts the seq %j', (seq) => expect(isSeq(seq)).toBe(true));
  it.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Infinity, NaN, '1', null])('refuses the seq %j', (seq) => expect(isSeq(seq)).toBe(false));
});
