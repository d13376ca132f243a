import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBroker } from './broker-memory.js';
import { wallClockMs } from './broker.js';
import { LongPoll, PAGE, type PollRequest } from './long-poll.js';
import { MemoryStreams, settle } from './testing.js';

const M = 3;
const S = 1;

function setup() {
  const streams = new MemoryStreams('epochA');
  const broker = createMemoryBroker((err) => {
    throw err;
  });
  const longPoll = new LongPoll(streams, broker);
  const commit = (store = S) => broker.publish({ entry: streams.append(M, store), committedAt: wallClockMs() });
  const req = (position: PollRequest['position'], waitMs = 10_000, signal = new AbortController().signal, storeId = S): PollRequest => ({ memberId: M, storeId, position, waitMs, signal });
  return { streams, broker, longPoll, commit, req };
}

let current: ReturnType<typeof setup> | undefined;
afterEach(() => current?.longPoll.shutdown());
function fresh() {
  return (current = setup());
}

describe('LongPoll', () => {
  it('answers at once with what is after the position', async () => {
    const t = fresh();
    t.commit();
    t.commit();
    const answer = await t.longPoll.poll(t.req({ epoch: 'epochA', after: 1 }));
    expect(answer).toMatchObject({ epoch: 'epochA', lastSeq: 2, complete: true });
    expect(answer.results.map((r) => [r.seq, r.epoch, r.storeId])).toEqual([[2, 'epochA', S]]);
  });

  it('waits at the head and is woken by an event of its stream, not of another', async () => {
    const t = fresh();
    t.commit();
    const pending = t.longPoll.poll(t.req({ epoch: 'epochA', after: 1 }));
    await settle();
    expect(t.longPoll.waiting).toBe(1);
    t.commit(2); // the same member at another store: another stream
    await settle();
    expect(t.longPoll.waiting).toBe(1);
    t.commit();
    const answer = await pending;
    expect(answer.results.map((r) => r.seq)).toEqual([2]);
    expect(answer.lastSeq).toBe(2);
    expect(t.longPoll.waiting).toBe(0);
  });

  it('a wake is a hint: an event with nothing new in storage keeps the poll waiting', async () => {
    const t = fresh();
    const entry = t.streams.append(M, S);
    const pending = t.longPoll.poll(t.req({ epoch: 'epochA', after: 1 }, 200));
    await settle();
    t.broker.publish({ entry, committedAt: wallClockMs() }); // a late duplicate of seq 1
    await settle();
    expect(t.longPoll.waiting).toBe(1);
    expect(await pending).toEqual({ results: [], epoch: 'epochA', lastSeq: 1, complete: true });
  });

  it('answers empty at the timeout with the position unchanged', async () => {
    const t = fresh();
    t.commit();
    const started = Date.now();
    expect(await t.longPoll.poll(t.req({ epoch: 'epochA', after: 1 }, 50))).toEqual({ results: [], epoch: 'epochA', lastSeq: 1, complete: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(t.longPoll.waiting).toBe(0);
  });

  it('ends when the request is aborted', async () => {
    const t = fresh();
    const abort = new AbortController();
    const pending = t.longPoll.poll(t.req({ after: 0 }, 10_000, abort.signal));
    await settle();
    abort.abort();
    expect(await pending).toEqual({ results: [], epoch: 'epochA', lastSeq: 0, complete: true });
    expect(t.longPoll.waiting).toBe(0);
  });

  it('shutdown answers every waiting request', async () => {
    const t = fresh();
    const polls = [t.longPoll.poll(t.req({ after: 0 })), t.longPoll.poll(t.req({ after: 0 }, 10_000, undefined, 2))];
    await settle();
    expect(t.longPoll.waiting).toBe(2);
    t.longPoll.shutdown();
    expect((await Promise.all(polls)).map((a) => a.results)).toEqual([[], []]);
  });

  it('answers an epoch mismatch at once, from the start of what is retained, incomplete', async () => {
    const t = fresh();
    const started = Date.now();
    expect(await t.longPoll.poll(t.req({ epoch: 'epochOld', after: 7 }))).toEqual({ results: [], epoch: 'epochA', lastSeq: 0, complete: false });
    t.commit();
    t.commit();
    const answer = await t.longPoll.poll(t.req({ epoch: 'epochOld', after: 7 }));
    expect(answer.results.map((r) => r.seq)).toEqual([1, 2]);
    expect(answer).toMatchObject({ epoch: 'epochA', lastSeq: 2, complete: false });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers at once when retention pruned everything after the position, moving it to the head', async () => {
    const t = fresh();
    for (let i = 0; i < 4; i++) t.commit();
    t.streams.pruneThrough(M, S, 4);
    expect(await t.longPoll.poll(t.req({ epoch: 'epochA', after: 1 }))).toEqual({ results: [], epoch: 'epochA', lastSeq: 4, complete: false });
  });

  it('pages: at most PAGE results, lastSeq the last of them', async () => {
    const t = fresh();
    for (let i = 0; i < PAGE + 5; i++) t.streams.append(M, S);
    const first = await t.longPoll.poll(t.req({ after: 0 }));
    expect(first.results).toHaveLength(PAGE);
    expect(first).toMatchObject({ lastSeq: PAGE, complete: true });
    const second = await t.longPoll.poll(t.req({ epoch: first.epoch, after: first.lastSeq }));
    expect(second.results.map((r) => r.seq)).toEqual([101, 102, 103, 104, 105]);
  });
});
