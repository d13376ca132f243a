import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBroker } from './broker-memory.js';
import { structuredDialect } from './dialect-structured.js';
import type { Connection } from './connection.js';
import { Hub } from './hub.js';
import { FakeSocket, MemoryStreams, delivery, settle, silentLogger, testMetrics } from './testing.js';

function setup(heartbeatMs = 25_000) {
  const streams = new MemoryStreams();
  const broker = createMemoryBroker((err) => {
    throw err;
  });
  const metrics = testMetrics();
  let clock = 1000;
  const hub = new Hub({ streams, broker, logger: silentLogger, metrics, now: () => clock, heartbeatMs, delivery, wallClock: () => clock });
  const connOf = new Map<FakeSocket, Connection>();
  const open = (memberId: number, storeId: number, sessionId = 1) => {
    const socket = new FakeSocket();
    const conn = hub.connect({ memberId, storeId, sessionId, tokenHash: `hash-${sessionId}`, resume: { after: 0 } }, socket, structuredDialect);
    socket.onClosed = (code) => conn.socketClosed(code);
    connOf.set(socket, conn);
    return socket;
  };
  const reasons = async () => Object.fromEntries((await metrics.disconnects.get()).values.map((v) => [v.labels.reason, v.value]));
  return { streams, broker, metrics, hub, open, connOf, reasons, tick: (ms: number) => (clock += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Hub', () => {
  it('closes the oldest socket of a stream over the cap with REPLACED', async () => {
    const t = setup();
    const [a, b] = [t.open(7, 1), t.open(7, 1)];
    const other = t.open(7, 2);
    const c = t.open(7, 1);
    expect(a.closedWith).toEqual({ code: 4002, reason: expect.any(String) });
    expect([b.closedWith, c.closedWith, other.closedWith]).toEqual([undefined, undefined, undefined]);
    expect(t.hub.size).toBe(3);
    await settle();
    expect(await t.reasons()).toEqual({ replaced: 1 });
    await t.hub.shutdown();
  });

  it('closeMember closes one session’s sockets, or all of the member’s, at every store', async () => {
    const t = setup();
    const s1 = [t.open(7, 1, 1), t.open(7, 2, 1)];
    const s2 = t.open(7, 1, 2);
    const stranger = t.open(8, 1, 3);
    expect(t.hub.closeMember(7, 1)).toBe(2);
    expect(s1.map((s) => s.closedWith?.code)).toEqual([4001, 4001]);
    expect(s2.closedWith).toBeUndefined();
    expect(t.hub.closeMember(7)).toBe(1);
    expect(stranger.closedWith).toBeUndefined();
    expect(t.hub.size).toBe(1);
    await t.hub.shutdown();
  });

  it('revalidateSessions closes the sockets whose session is no longer live, asking once per session', async () => {
    const t = setup();
    const live = [t.open(7, 1, 1), t.open(7, 2, 1)];
    const revoked = [t.open(8, 1, 2), t.open(8, 2, 2)];
    const asked: string[] = [];
    const closed = await t.hub.revalidateSessions(async (tokenHash) => {
      asked.push(tokenHash);
      return tokenHash === 'hash-1';
    });
    expect(closed).toBe(2);
    expect(asked.sort()).toEqual(['hash-1', 'hash-2']);
    expect(live.map((s) => s.closedWith)).toEqual([undefined, undefined]);
    expect(revoked.map((s) => s.closedWith?.code)).toEqual([4001, 4001]);
    await t.hub.shutdown();
  });

  it('observes push latency from the event’s committedAt, once per fan-out', async () => {
    const t = setup();
    t.open(7, 1);
    t.open(7, 1);
    await settle();
    const entry = t.streams.append(7, 1);
    const committedAt = 1000;
    t.tick(2); // 2 ms later
    t.broker.publish({ entry, committedAt });
    const h = (await t.metrics.pushLatency.get()).values;
    expect(h.find((v) => v.metricName === 'scanpush_push_latency_seconds_count')?.value).toBe(1);
    expect(h.find((v) => v.metricName === 'scanpush_push_latency_seconds_sum')?.value).toBeCloseTo(0.002);
    await t.hub.shutdown();
  });

  it('shutdown closes every socket with 1001, stops listening, and writes the pending delivery marks', async () => {
    const t = setup();
    const sockets = [t.open(7, 1), t.open(8, 1)];
    await settle();
    t.broker.publish({ entry: t.streams.append(7, 1), committedAt: 0 });
    expect(t.streams.isDelivered(7, 1, 1)).toBe(false);
    await t.hub.shutdown();
    expect(sockets.map((s) => s.closedWith?.code)).toEqual([1001, 1001]);
    expect(t.hub.size).toBe(0);
    expect(t.streams.isDelivered(7, 1, 1)).toBe(true);
    expect(await t.reasons()).toEqual({ going_away: 2 });
  });

  it('shutdown terminates a peer that does not answer the close within 2 s', async () => {
    vi.useFakeTimers();
    const t = setup();
    const deaf = t.open(7, 1);
    deaf.deaf = true;
    const done = t.hub.shutdown();
    await vi.advanceTimersByTimeAsync(2000);
    await done;
    expect(deaf.terminated).toBe(true);
  });

  it('heartbeat: pings each socket once a period, terminates one that did not answer', async () => {
    vi.useFakeTimers();
    const t = setup(1000);
    const answering = t.open(7, 1);
    const silent = t.open(8, 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect([answering.pings, silent.pings]).toEqual([1, 1]);
    // Only the first answers its ping.
    t.connOf.get(answering)!.pong();
    await vi.advanceTimersByTimeAsync(1000);
    expect(answering.terminated).toBe(false);
    expect(answering.pings).toBe(2);
    expect(silent.terminated).toBe(true);
    expect(t.hub.size).toBe(1);
    expect(await t.reasons()).toEqual({ heartbeat: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(silent.pings).toBe(1);
    vi.useRealTimers();
    await t.hub.shutdown();
  });
});
