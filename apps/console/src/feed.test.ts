import type { ResultMessage } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { Feed } from './feed.js';

function result(seq: number, remaining = 10 - seq): ResultMessage {
  return {
    type: 'result',
    seq,
    code: 0,
    name: 'OK',
    ok: true,
    title: '扣费成功',
    text: `0_扣费成功_剩余次数: ${remaining}`,
    remaining,
    memberId: 17,
    storeId: 2,
    at: '2026-01-01T00:00:00.000Z',
  };
}

describe('Feed', () => {
  it('takes results in seq order, newest first', () => {
    const feed = new Feed();
    expect([1, 2, 3].map((seq) => feed.add(result(seq)))).toEqual([true, true, true]);
    expect(feed.entries.map((e) => e.seq)).toEqual([3, 2, 1]);
    expect(feed.lastSeq).toBe(3);
  });

  it('drops a replayed result it has shown, and an older one arriving late', () => {
    const feed = new Feed();
    feed.add(result(1));
    feed.add(result(3));
    expect(feed.add(result(3))).toBe(false);
    expect(feed.add(result(2))).toBe(false);
    expect(feed.add(result(1))).toBe(false);
    expect(feed.entries.map((e) => e.seq)).toEqual([3, 1]);
    expect(feed.lastSeq).toBe(3);
  });

  it('skips gaps: seqs are per member across stores, so another store takes the missing numbers', () => {
    const feed = new Feed();
    expect(feed.add(result(5))).toBe(true);
    expect(feed.add(result(9))).toBe(true);
    expect(feed.lastSeq).toBe(9);
  });

  it('starts after a seq it was given, and keeps at most its limit', () => {
    const feed = new Feed(2, 4);
    expect(feed.add(result(4))).toBe(false);
    for (const seq of [5, 6, 7]) feed.add(result(seq));
    expect(feed.entries.map((e) => e.seq)).toEqual([7, 6]);
  });
});
