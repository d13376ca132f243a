import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
import { retryAfterClose, retryAfterRefusal } from './policy.js';
import { result, setup, synced } from './testing/harness.js';

describe('backoffDelay', () => {
  const policy = { baseMs: 500, capMs: 30_000 };

  it('stays within [ceiling/2, ceiling] for any random value, doubling the ceiling up to the cap', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(30_000, 500 * 2 ** attempt);
      for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
        const delay = backoffDelay(attempt, policy, () => r);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, policy, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, policy, () => 1))).toEqual([500, 1000, 2000, 4000]);
  });

  it('never exceeds the cap, even after very many attempts', () => {
    expect(backoffDelay(1_000, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(1_000, policy, () => 0)).toBe(15_000);
    expect(backoffDelay(1_000)).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
  });
});

describe('PushClient: reconnecting', () => {
  it('waits longer after each failure, with jitter within [ceiling/2, ceiling], up to the cap', () => {
    const delays: Record<string, number[]> = {};
    for (const [name, random] of [['low', () => 0], ['mid', () => 0.5], ['high', () => 0.999999]] as const) {
      const { client, clock, last } = setup({ random });
      client.start();
      delays[name] = [];
      for (let i = 0; i < 8; i++) {
        last().serverClose(1006);
        delays[name].push(clock.nextIn()!);
        clock.advance(clock.nextIn()!);
      }
    }
    expect(delays.low).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(delays.mid).toEqual([750, 1500, 3000, 6000, 12_000, 22_500, 22_500, 22_500]);
    expect(delays.high).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts over from the shortest wait once a connection got synced', () => {
    const { client, clock, last } = setup();
    client.start();
    for (let i = 0; i < 4; i++) {
      last().serverClose(1006);
      clock.advance(clock.nextIn()!);
    }
    last().open();
    last().deliver(synced(0));
    last().serverClose(1006);
    expect(clock.nextIn()).toBe(750);
  });

  it('gives up on a socket that does not open in time, and tries again', () => {
    const { client, clock, sockets, last, statuses } = setup();
    client.start();
    clock.advance(9_999);
    expect(client.state).toBe('connecting');
    clock.advance(1);
    expect(client.state).toBe('waiting');
    expect(statuses.at(-1)).toEqual({ state: 'waiting', closeCode: 1006, reason: 'connect timeout', retryInMs: 750 });
    expect(last().closedWith).toEqual({ code: 1000, reason: 'connect timeout' });
    clock.advance(clock.nextIn()!);
    expect(sockets).toHaveLength(2);
  });

  it.each([4001, 4002, 4004])('stops for close code %i, which says not to come back', (code) => {
    const { connected, statuses, clock, sockets } = setup();
    connected().serverClose(code, 'why');
    expect(statuses.at(-1)).toEqual({ state: 'stopped', closeCode: code, reason: 'why' });
    expect(clock.pending).toBe(0);
    clock.advance(120_000);
    expect(sockets).toHaveLength(1);
  });

  // 1000 and 1005 too: WeChat reports them for sockets it killed and for a server's code (close-policy.test.ts).
  it.each([1000, 1001, 1005, 1006, 4000, 4003, 1011, 4999])('reconnects after close code %i', (code) => {
    const { connected, statuses, clock, sockets } = setup();
    connected().serverClose(code);
    expect(statuses.at(-1)).toMatchObject({ state: 'waiting', closeCode: code });
    clock.advance(clock.nextIn()!);
    expect(sockets).toHaveLength(2);
  });

  it('stops for a refused upgrade that will not change (401, 403, 404) and retries 429 and 5xx', () => {
    for (const status of [400, 401, 403, 404]) {
      const { client, last, statuses, clock } = setup();
      client.start();
      last().events.onRefused(status, 'UNAUTHORIZED: no session');
      expect(statuses.at(-1)).toEqual({ state: 'stopped', refusedStatus: status, reason: 'UNAUTHORIZED: no session' });
      expect(clock.pending).toBe(0);
    }
    for (const status of [429, 500, 502, 503]) {
      const { client, last, statuses } = setup();
      client.start();
      last().events.onRefused(status, 'UNAVAILABLE: later');
      expect(statuses.at(-1)).toEqual({ state: 'waiting', refusedStatus: status, reason: 'UNAVAILABLE: later', retryInMs: 750 });
    }
    expect([401, 403, 404, 400].some(retryAfterRefusal)).toBe(false);
    expect([408, 429, 500, 503].every(retryAfterRefusal)).toBe(true);
    expect([4001, 4002, 4004].some(retryAfterClose)).toBe(false);
  });

  it('reconnects at once on retryNow instead of waiting out the backoff', () => {
    const { client, sockets, last, clock } = setup();
    client.start();
    last().serverClose(1006);
    client.retryNow();
    expect(sockets).toHaveLength(2);
    expect(client.state).toBe('connecting');
    expect(clock.nextIn()).toBe(10_000); // only the connect timeout is left
  });
});

describe('PushClient: application heartbeat', () => {
  it('pings after a silence and keeps the socket when anything answers', () => {
    const { client, clock, connected } = setup();
    const socket = connected();
    clock.advance(19_999);
    expect(socket.frames.filter((f) => f.type === 'ping')).toHaveLength(0);
    clock.advance(1);
    expect(socket.frames.at(-1)).toEqual({ type: 'ping', id: 1 });
    clock.advance(9_000);
    socket.deliver({ type: 'pong', id: 1 });
    clock.advance(15_000);
    expect(client.state).toBe('syncing');
    expect(socket.closedWith).toBeUndefined();
    clock.advance(5_000);
    expect(socket.frames.at(-1)).toEqual({ type: 'ping', id: 2 });
  });

  it('drops a socket that stays silent after a ping, reconnects and resumes where it was', () => {
    const { client, clock, sockets, connected, statuses } = setup();
    const socket = connected();
    socket.deliver(result(1));
    socket.deliver(synced(1));
    clock.advance(20_000 + 9_999);
    expect(client.state).toBe('live');
    clock.advance(1);
    expect(client.state).toBe('waiting');
    expect(statuses.at(-1)).toMatchObject({ closeCode: 1006, reason: 'heartbeat timeout' });
    expect(sockets[0]!.closedWith).toEqual({ code: 1000, reason: 'heartbeat timeout' });
    clock.advance(clock.nextIn()!);
    sockets[1]!.open();
    expect(sockets[1]!.frames[0]).toEqual({ type: 'resume', epoch: 'e1', after: 1 });
  });
});

describe('PushClient: pause, resume and stop', () => {
  it('closes on pause, stays closed however long, and reconnects after a delay on resume', () => {
    const { client, clock, sockets, connected, last } = setup();
    const socket = connected();
    socket.deliver(result(1));
    socket.deliver(synced(1));
    client.pause();
    expect(client.state).toBe('paused');
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'background' });
    expect(clock.pending).toBe(0);
    clock.advance(3_600_000);
    expect(sockets).toHaveLength(1);

    client.resume();
    expect(client.state).toBe('waiting');
    clock.advance(999);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(last().frames[0]).toEqual({ type: 'resume', epoch: 'e1', after: 1 });
  });

  it('ignores what a closed socket still reports after pause', () => {
    const { client, clock, sockets, shown } = setup();
    client.start();
    sockets[0]!.open();
    client.pause();
    sockets[0]!.deliver(result(1));
    sockets[0]!.serverClose(1006);
    expect(shown).toEqual([]);
    expect(client.state).toBe('paused');
    expect(clock.pending).toBe(0);
  });

  it('cancels the delayed reconnect when paused again before it ran', () => {
    const { client, clock, sockets } = setup();
    client.start();
    client.pause();
    client.resume();
    clock.advance(500);
    client.pause();
    clock.advance(10_000);
    expect(sockets).toHaveLength(1);
    expect(client.state).toBe('paused');
  });

  it('reports stopped once, then nothing, and never reconnects', () => {
    const { client, clock, sockets, statuses, shown } = setup();
    client.start();
    sockets[0]!.open();
    client.stop();
    client.stop();
    const count = statuses.length;
    expect(statuses.at(-1)).toEqual({ state: 'stopped' });
    sockets[0]!.deliver(result(1));
    sockets[0]!.serverClose(1006);
    client.resume();
    clock.advance(60_000);
    expect(statuses).toHaveLength(count);
    expect(sockets).toHaveLength(1);
    expect(shown).toEqual([]);
  });
});
