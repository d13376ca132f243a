import { describe, expect, it } from 'vitest';
import { SeqCursor } from './seq-cursor.js';

describe('SeqCursor', () => {
  it('shows each seq once, in any arrival order', () => {
    const cursor = new SeqCursor();
    const shown = [1, 2, 2, 1, 3, 3].filter((seq) => {
      if (!cursor.isNew(seq)) return false;
      cursor.shown(seq);
      return true;
    });
    expect(shown).toEqual([1, 2, 3]);
    expect(cursor.lastSeq).toBe(3);
  });

  it("moves up to the server's head on synced (results of other stores, a replay it skipped)", () => {
    const cursor = new SeqCursor(4);
    expect(cursor.synced(9)).toBe(false);
    expect(cursor.lastSeq).toBe(9);
    expect(cursor.isNew(9)).toBe(false);
    expect(cursor.isNew(10)).toBe(true);
  });

  it('moves down to a server that went back, so its next results are shown', () => {
    const cursor = new SeqCursor(50);
    expect(cursor.synced(3)).toBe(true);
    expect(cursor.isNew(4)).toBe(true);
    cursor.shown(4);
    expect(cursor.lastSeq).toBe(4);
  });
});
