import { describe, expect, it } from 'vitest';
import { entriesAfter, planReplay } from './stream-reader.js';
import { MemoryStreams } from './testing.js';

function stream(n: number, prunedThrough = 0) {
  const streams = new MemoryStreams('epochA');
  for (let i = 0; i < n; i++) streams.append(1, 1);
  if (prunedThrough) streams.pruneThrough(1, 1, prunedThrough);
  return streams;
}

describe('planReplay', () => {
  it('same epoch: after the position, complete while retention reaches after + 1', async () => {
    expect(await planReplay(stream(5), 1, 1, { epoch: 'epochA', after: 2 })).toEqual({ from: 2, complete: true, resynced: false, head: 5 });
    expect(await planReplay(stream(5, 2), 1, 1, { epoch: 'epochA', after: 2 })).toEqual({ from: 2, complete: true, resynced: false, head: 5 });
    expect(await planReplay(stream(5, 3), 1, 1, { epoch: 'epochA', after: 2 })).toEqual({ from: 2, complete: false, resynced: false, head: 5 });
  });

  it('same epoch at the head: complete, even when everything is pruned', async () => {
    expect(await planReplay(stream(5, 5), 1, 1, { epoch: 'epochA', after: 5 })).toEqual({ from: 5, complete: true, resynced: false, head: 5 });
    expect(await planReplay(stream(5, 5), 1, 1, { epoch: 'epochA', after: 4 })).toMatchObject({ complete: false });
  });

  it('another epoch, or after > 0 without one: everything retained, incomplete', async () => {
    expect(await planReplay(stream(5), 1, 1, { epoch: 'epochB', after: 2 })).toEqual({ from: 0, complete: false, resynced: true, head: 5 });
    expect(await planReplay(stream(5), 1, 1, { after: 2 })).toEqual({ from: 0, complete: false, resynced: true, head: 5 });
  });

  it('same epoch but past the head (cannot happen within one history): resynchronised', async () => {
    expect(await planReplay(stream(2), 1, 1, { epoch: 'epochA', after: 3 })).toMatchObject({ from: 0, complete: false, resynced: true });
  });

  it('no epoch and after 0: everything retained, complete when nothing was pruned', async () => {
    expect(await planReplay(stream(0), 1, 1, { after: 0 })).toEqual({ from: 0, complete: true, resynced: false, head: 0 });
    expect(await planReplay(stream(3), 1, 1, { after: 0 })).toMatchObject({ complete: true });
    expect(await planReplay(stream(3, 1), 1, 1, { after: 0 })).toMatchObject({ complete: false });
  });

  it('a stream is one store: another store of the member does not count', async () => {
    const streams = stream(3);
    streams.append(1, 2);
    expect(await planReplay(streams, 1, 2, { epoch: 'epochA', after: 1 })).toEqual({ from: 1, complete: true, resynced: false, head: 1 });
  });
});

describe('entriesAfter', () => {
  it('reads in batches until a short one', async () => {
    const streams = stream(5);
    const batches: number[][] = [];
    for await (const batch of entriesAfter(streams, 1, 1, 0, 2)) batches.push(batch.map((e) => e.seq));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(streams.reads.map((r) => r.afterSeq)).toEqual([0, 2, 4]);
  });

  it('ends with one more read when the last batch was full', async () => {
    const streams = stream(4);
    const seqs: number[] = [];
    for await (const batch of entriesAfter(streams, 1, 1, 0, 2)) seqs.push(...batch.map((e) => e.seq));
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(streams.reads).toHaveLength(3);
  });
});
