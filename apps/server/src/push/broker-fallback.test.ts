import { afterEach, describe, expect, it } from 'vitest';
import type { StreamEntry } from '../storage/streams.js';
import { DatabaseFallback } from './broker-fallback.js';
import { MemoryStreams, silentLogger } from './testing.js';

const running: DatabaseFallback[] = [];
afterEach(async () => {
  for (const f of running.splice(0)) await f.close();
});

function setup(overlapMs = 1000, batch = 100) {
  const streams = new MemoryStreams();
  const emitted: StreamEntry[] = [];
  let clock = 100_000;
  let reads = 0;
  const counting = { recent: (since: number, limit: number) => (reads++, streams.recent(since, limit)) };
  // A poll interval far longer than the tests: every read is started by the test (start, stop, catchUp).
  const fallback = new DatabaseFallback({ streams: counting, emit: (e) => emitted.push(e), logger: silentLogger, now: () => clock, pollMs: 3_600_000, overlapMs, batch });
  running.push(fallback);
  const seqs = () => emitted.map((e) => `${e.memberId}:${e.seq}`);
  return { streams, fallback, seqs, reads: () => reads, tick: (ms: number) => (clock += ms), at: () => clock };
}

describe('DatabaseFallback', () => {
  it('reads from the last sign of life minus the overlap, hands each entry over once, and stops after one more read', async () => {
    const t = setup();
    t.streams.append(1, 1, t.at() - 5000); // long before the loss: not read
    t.streams.append(1, 1, t.at() - 800); // committed just before the loss, within the overlap
    t.fallback.start(t.at());
    expect(t.fallback.active).toBe(true);
    await t.fallback.stop(); // waits for the first read, then reads once more
    expect(t.seqs()).toEqual(['1:2']);
    expect(t.fallback.active).toBe(false);
    expect(t.reads()).toBe(2);
  });

  it('does not hand over again what an overlapping read finds, nor what this node published itself', async () => {
    const t = setup();
    t.fallback.start(t.at());
    t.streams.append(1, 1, t.at());
    await t.fallback.catchUp(t.at()); // a read over the same window
    t.tick(200);
    const own = t.streams.append(2, 1, t.at());
    t.fallback.own(own);
    t.streams.append(3, 1, t.at());
    await t.fallback.stop();
    expect(t.seqs()).toEqual(['1:1', '3:1']);
  });

  it('an entry stamped before a read and committed after it is found by the next read, thanks to the overlap', async () => {
    const t = setup(1000);
    t.fallback.start(t.at());
    await t.fallback.catchUp(t.at()); // the first read has run
    const stampedAt = t.at() - 300; // createdAt before that read, visible only now
    t.tick(250);
    t.streams.append(1, 1, stampedAt);
    await t.fallback.stop();
    expect(t.seqs()).toEqual(['1:1']);
  });

  it('a catch-up while not active reads its window once and forgets it', async () => {
    const t = setup();
    t.streams.append(1, 1, t.at() - 10_000);
    t.streams.append(1, 1, t.at() - 2000);
    await t.fallback.catchUp(t.at() - 2500);
    expect(t.seqs()).toEqual(['1:2']);
    expect(t.fallback.active).toBe(false);
    await t.fallback.catchUp(t.at() - 2500);
    // Not polling: nothing remembered between two requests (the connections drop the repeat).
    expect(t.seqs()).toEqual(['1:2', '1:2']);
  });
});
