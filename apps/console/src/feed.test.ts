import { result } from '@scanpush/client/testing';
import { describe, expect, it } from 'vitest';
import { Feed } from './feed.js';

const seqs = (feed: Feed) => feed.entries.map((e) => `${e.epoch}:${e.seq}`);

describe('Feed', () => {
  it('shows results newest first, keeping at most its limit', () => {
    const feed = new Feed(2);
    for (const seq of [1, 2, 3]) feed.add(result(seq));
    expect(seqs(feed)).toEqual(['e1:3', 'e1:2']);
  });

  it('starts from the saved results', () => {
    const feed = new Feed(30, [result(2), result(1)]);
    feed.add(result(3));
    expect(seqs(feed)).toEqual(['e1:3', 'e1:2', 'e1:1']);
  });

  it('clears the rows of another history when a result of a new epoch arrives', () => {
    const feed = new Feed(30, [result(5, 'old'), result(4, 'old')]);
    feed.add(result(1, 'new'));
    feed.add(result(2, 'new'));
    expect(seqs(feed)).toEqual(['new:2', 'new:1']);
  });

  it('clears them on entering a new epoch with nothing retained, and keeps them in the same one', () => {
    const feed = new Feed(30, [result(5, 'old')]);
    feed.enter('old');
    expect(seqs(feed)).toEqual(['old:5']);
    feed.enter('new');
    expect(seqs(feed)).toEqual([]);
  });
});
