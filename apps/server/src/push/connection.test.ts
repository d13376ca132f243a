import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBroker } from './broker-memory.js';
import { wallClockMs } from './broker.js';
import { structuredDialect } from './dialect-structured.js';
import { textDialect } from './dialect-text.js';
import type { Dialect } from './dialect.js';
import { Hub } from './hub.js';
import type { ResumePosition } from './stream-reader.js';
import { FakeSocket, MemoryStreams, delivery, settle, silentLogger, testMetrics } from './testing.js';
import type { StreamEntry } from '../storage/streams.js';

const M = 7;
const S = 1;

function setup() {
  const streams = new MemoryStreams('epochA');
  const broker = createMemoryBroker((err) => {
    throw err;
  });
  const metrics = testMetrics();
  const hub = new Hub({ streams, broker, logger: silentLogger, metrics, now: () => Date.now(), heartbeatMs: 25_000, delivery });
  const open = (dialect: Dialect = structuredDialect, resume?: ResumePosition, store = S) => {
    const socket = new FakeSocket();
    const conn = hub.connect({ memberId: M, storeId: store, sessionId: 1, tokenHash: 'hash-1', ...(resume ? { resume } : {}) }, socket, dialect);
    socket.onClosed = (code) => conn.socketClosed(code);
    return { socket, conn };
  };
  const publish = (entry: StreamEntry) => broker.publish({ entry, committedAt: wallClockMs() });
  const commit = (store = S) => {
    const entry = streams.append(M, store);
    publish(entry);
    return entry;
  };
  const count = async (name: 'gapFills' | 'pushesSent' | 'pushesReplayed') => (await metrics[name].get()).values.reduce((n, v) => n + v.value, 0);
  return { streams, broker, hub, open, publish, commit, count };
}

let current: ReturnType<typeof setup> | undefined;
function fresh() {
  current = setup();
  return current;
}
afterEach(async () => {
  vi.useRealTimers();
  await current?.hub.shutdown();
  current = undefined;
});

describe('structured resume', () => {
  it('replays after the position in the same epoch, then synced with the head, then live', async () => {
    const t = fresh();
    for (let i = 0; i < 3; i++) t.streams.append(M, S);
    const { socket } = t.open(structuredDialect, { epoch: 'epochA', after: 1 });
    await settle();
    t.commit();
    expect(socket.json()).toEqual([
      expect.objectContaining({ type: 'result', epoch: 'epochA', seq: 2, memberId: M, storeId: S }),
      expect.objectContaining({ type: 'result', seq: 3 }),
      { type: 'synced', epoch: 'epochA', lastSeq: 3, complete: true },
      expect.objectContaining({ type: 'result', seq: 4 }),
    ]);
    expect(await t.count('pushesReplayed')).toBe(2);
    expect(await t.count('pushesSent')).toBe(1);
  });

  it('says incomplete when retention pruned entries after the position', async () => {
    const t = fresh();
    for (let i = 0; i < 5; i++) t.streams.append(M, S);
    t.streams.pruneThrough(M, S, 3);
    const { socket } = t.open(structuredDialect, { epoch: 'epochA', after: 1 });
    await settle();
    expect(socket.seqs()).toEqual([4, 5]);
    expect(socket.json().at(-1)).toEqual({ type: 'synced', epoch: 'epochA', lastSeq: 5, complete: false });
  });

  it('starts a client of another epoch over from what is retained, complete false', async () => {
    const t = fresh();
    for (let i = 0; i < 3; i++) t.streams.append(M, S);
    const { socket } = t.open(structuredDialect, { epoch: 'epochOld', after: 5 });
    await settle();
    expect(socket.seqs()).toEqual([1, 2, 3]);
    expect(socket.json().at(-1)).toEqual({ type: 'synced', epoch: 'epochA', lastSeq: 3, complete: false });
  });

  it('moves a client past a head whose entries are all pruned', async () => {
    const t = fresh();
    for (let i = 0; i < 5; i++) t.streams.append(M, S);
    t.streams.pruneThrough(M, S, 5);
    const { socket } = t.open(structuredDialect, { after: 0 });
    await settle();
    t.commit();
    expect(socket.json()).toEqual([{ type: 'synced', epoch: 'epochA', lastSeq: 5, complete: false }, expect.objectContaining({ seq: 6 })]);
  });

  it('holds live events during the replay and writes each seq once, in order', async () => {
    const t = fresh();
    for (let i = 0; i < 3; i++) t.streams.append(M, S);
    let open!: () => void;
    t.streams.gate = new Promise((resolve) => (open = resolve));
    const { socket, conn } = t.open(structuredDialect);
    conn.receive(JSON.stringify({ type: 'resume', after: 0 }), false);
    await settle();
    t.commit(); // seq 4, while the replay's read waits
    t.commit(); // seq 5
    expect(socket.sent).toEqual([]);
    t.streams.gate = undefined;
    open();
    await settle();
    t.commit(); // seq 6, live
    expect(socket.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(socket.json().find((m) => m.type === 'synced')).toEqual({ type: 'synced', epoch: 'epochA', lastSeq: 5, complete: true });
  });

  it('a resume frame on a live socket replays from its position again', async () => {
    const t = fresh();
    for (let i = 0; i < 2; i++) t.streams.append(M, S);
    const { socket, conn } = t.open(structuredDialect, { after: 0 });
    await settle();
    conn.receive(JSON.stringify({ type: 'resume', epoch: 'epochA', after: 1 }), false);
    await settle();
    expect(socket.seqs()).toEqual([1, 2, 2]);
    expect(socket.json().filter((m) => m.type === 'synced')).toHaveLength(2);
  });
});

describe('structured without resume', () => {
  it('goes live from the head read at connect after 2 s, writing what was committed meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = fresh();
    t.streams.append(M, S); // before the connect: never sent
    const { socket } = t.open(structuredDialect);
    await settle();
    t.commit(); // seq 2, during the wait
    expect(socket.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    await settle();
    t.commit(); // seq 3
    expect(socket.seqs()).toEqual([2, 3]);
  });

  it('a ping as first message answers pong and goes live at once', async () => {
    const t = fresh();
    const { socket, conn } = t.open(structuredDialect);
    await settle();
    conn.receive(JSON.stringify({ type: 'ping', id: 'a' }), false);
    await settle();
    t.commit();
    expect(socket.json()).toEqual([{ type: 'pong', id: 'a' }, expect.objectContaining({ type: 'result', seq: 1 })]);
  });

  it.each([
    ['binary', '{"type":"ping"}', true],
    ['not JSON', 'ping', false],
    ['an ack (acks left the protocol)', '{"type":"ack","seq":1}', false],
  ])('closes with BAD_FRAME on %s', async (_, data, binary) => {
    const t = fresh();
    const { socket, conn } = t.open(structuredDialect);
    conn.receive(data, binary);
    expect(socket.json()).toEqual([{ type: 'bye', code: 4000, reason: 'malformed frame' }]);
    expect(socket.closedWith?.code).toBe(4000);
    expect(t.hub.size).toBe(0);
  });

  it('closes with RATE_LIMITED past the burst', async () => {
    const t = fresh();
    const { socket, conn } = t.open(textDialect);
    for (let i = 0; i < delivery.frameBurst; i++) conn.receive('ping', false);
    expect(socket.closedWith).toBeUndefined();
    conn.receive('ping', false);
    expect(socket.closedWith?.code).toBe(4003);
    // The text dialect's clients take every frame for a push text: they are told nothing but the close.
    expect(socket.sent).toEqual([]);
  });

  it('says bye with RATE_LIMITED before closing a structured socket past the burst', async () => {
    const t = fresh();
    const { socket, conn } = t.open(structuredDialect, { after: 0 });
    await settle();
    for (let i = 0; i <= delivery.frameBurst; i++) conn.receive('{"type":"ping"}', false);
    expect(socket.json().at(-1)).toEqual({ type: 'bye', code: 4003, reason: 'too many frames' });
    expect(socket.closedWith?.code).toBe(4003);
  });
});

describe('broker events are hints', () => {
  async function live(t: ReturnType<typeof setup>) {
    const opened = t.open(structuredDialect, { after: 0 });
    await settle();
    opened.socket.sent.length = 0;
    return opened;
  }

  it('ignores duplicates', async () => {
    const t = fresh();
    const { socket } = await live(t);
    const entry = t.commit();
    t.publish(entry);
    t.publish(entry);
    expect(socket.seqs()).toEqual([1]);
    expect(await t.count('gapFills')).toBe(0);
  });

  it('fills a gap from storage and keeps seq order when events arrive out of order', async () => {
    const t = fresh();
    const { socket } = await live(t);
    const [e1, e2, e3] = [t.streams.append(M, S), t.streams.append(M, S), t.streams.append(M, S)];
    t.publish(e3!);
    t.publish(e1!);
    t.publish(e2!);
    await settle();
    expect(socket.seqs()).toEqual([1, 2, 3]);
    expect(await t.count('gapFills')).toBe(1);
    expect(await t.count('pushesSent')).toBe(3);
  });

  it('fills a lost event from storage when the next one comes', async () => {
    const t = fresh();
    const { socket } = await live(t);
    t.streams.append(M, S); // seq 1: its event never arrives
    t.commit(); // seq 2
    await settle();
    t.commit(); // seq 3: the next one, written directly
    expect(socket.seqs()).toEqual([1, 2, 3]);
    expect(await t.count('gapFills')).toBe(1);
  });

  it('holds events that arrive while a gap is being filled', async () => {
    const t = fresh();
    const { socket } = await live(t);
    let open!: () => void;
    t.streams.gate = new Promise((resolve) => (open = resolve));
    t.streams.append(M, S);
    t.commit(); // seq 2: a gap, the fill waits on the gate
    await settle();
    t.commit(); // seq 3 and 4 arrive during the fill
    t.commit();
    expect(socket.sent).toEqual([]);
    t.streams.gate = undefined;
    open();
    await settle();
    expect(socket.seqs()).toEqual([1, 2, 3, 4]);
  });

  it('takes an event of another epoch as a hint to read storage, never writes it', async () => {
    const t = fresh();
    const { socket } = await live(t);
    t.streams.append(M, S); // seq 1 of this history; its event lost
    const foreign: StreamEntry = { memberId: M, storeId: S, epoch: 'epochB', seq: 1, code: 0, remaining: 1, ledgerId: 1, createdAt: Date.now() };
    t.publish(foreign);
    await settle();
    expect(socket.json()).toEqual([expect.objectContaining({ epoch: 'epochA', seq: 1 })]);
    expect(await t.count('gapFills')).toBe(1);
  });

  it('sends an event only to the sockets of its stream', async () => {
    const t = fresh();
    const a = t.open(structuredDialect, { after: 0 }, 1);
    const b = t.open(structuredDialect, { after: 0 }, 2);
    await settle();
    t.commit(2);
    expect(a.socket.seqs()).toEqual([]);
    expect(b.socket.seqs()).toEqual([1]);
  });
});

describe('text dialect', () => {
  it('sends undelivered entries once, oldest first, then live text', async () => {
    const t = fresh();
    t.streams.append(M, S);
    t.streams.append(M, S);
    const first = t.open(textDialect);
    await settle();
    t.commit();
    expect(first.socket.sent).toEqual(['0_扣费成功_剩余次数: 99', '0_扣费成功_剩余次数: 98', '0_扣费成功_剩余次数: 97']);
    // Marked delivered (pending in memory, not yet written): a second socket is not sent them again.
    const second = t.open(textDialect);
    await settle();
    expect(second.socket.sent).toEqual([]);
  });

  it('skips entries that another socket already received', async () => {
    const t = fresh();
    t.streams.append(M, S);
    await t.streams.markDelivered([{ memberId: M, storeId: S, seq: 1 }]);
    t.streams.append(M, S);
    const { socket } = t.open(textDialect);
    await settle();
    expect(socket.sent).toEqual(['0_扣费成功_剩余次数: 98']);
  });

  it('starts live after the head, so an entry of the replay window already delivered is not repeated live', async () => {
    const t = fresh();
    const e1 = t.streams.append(M, S);
    await t.streams.markDelivered([e1]);
    const { socket } = t.open(textDialect);
    await settle();
    t.publish(e1); // a late duplicate
    t.commit();
    expect(socket.sent).toEqual(['0_扣费成功_剩余次数: 98']);
  });
});
