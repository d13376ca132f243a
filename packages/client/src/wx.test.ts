import type { ResultMessage } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { PushClient } from './push-client.js';
import type { ConnectionStatus, SocketEvents } from './socket.js';
import { FakeClock } from './testing/fake-clock.js';
import { FakeWx, type WxFate } from './testing/fake-wx.js';
import { wxConnect } from './wx.js';

// These tests run the connector against FakeWx, a stand-in that behaves like WeChat where it matters
// here (see testing/fake-wx.ts): asynchronous callbacks, a close before open that does nothing, tasks
// counted against WeChat's limit of five, close codes rewritten.

const STREAM = { server: 'https://api.example.com', memberId: 17, storeId: 2, token: 'tok' };

function world() {
  const clock = new FakeClock();
  const wx = new FakeWx(clock);
  return { clock, wx, connect: wxConnect({ ...STREAM, api: wx }) };
}

function recorder() {
  const log: string[] = [];
  const events: SocketEvents = {
    onOpen: () => log.push('open'),
    onMessage: (text) => log.push(`message ${text}`),
    onClose: (code, reason) => log.push(`close ${code} ${reason}`),
    onRefused: (status) => log.push(`refused ${status}`),
  };
  return { log, events };
}

describe('wx connector: the SocketTask wrapper', () => {
  it('passes the url, the session header, scanpush.v2 and the client’s connect timeout to connectSocket', () => {
    const { clock, wx, connect } = world();
    connect(recorder().events, { timeoutMs: 7_000, clock });
    expect(wx.tasks[0]!.options).toMatchObject({
      url: 'wss://api.example.com/webSocket/17/2',
      header: { Authorization: 'Bearer tok' },
      protocols: ['scanpush.v2'],
      timeout: 7_000,
    });
  });

  it('closes a task the client closed before it opened, in onOpen, and tells the client nothing of it', () => {
    const { clock, wx, connect } = world();
    const r = recorder();
    const socket = connect(r.events, { timeoutMs: 10_000, clock });
    socket.close(1000, 'background');
    // WeChat's close did nothing: the task is still connecting, and opens 100 ms later.
    clock.advance(10);
    expect(wx.tasks[0]!.state).toBe('connecting');
    clock.advance(90);
    expect(wx.tasks[0]!.state).toBe('closing');
    clock.advance(50);
    expect(wx.tasks[0]!.state).toBe('closed');
    expect(wx.tasks[0]!.closedWith).toEqual({ code: 1000, reason: 'background' });
    expect(r.log).toEqual([]);
  });

  it('reports a failed send as one close (1006), so the client reconnects', () => {
    const { clock, wx, connect } = world();
    const r = recorder();
    const socket = connect(r.events, { timeoutMs: 10_000, clock });
    clock.advance(100);
    wx.tasks[0]!.broken = true;
    socket.send('{"type":"ping","id":1}');
    socket.send('{"type":"ping","id":2}');
    clock.advance(1);
    expect(r.log).toEqual(['open', 'close 1006 send failed: sendSocketMessage:fail WebSocket is not connected']);
    socket.close(1000, 'lost');
    clock.advance(50);
    expect(wx.alive).toBe(0);
  });

  it('hears one end when WeChat reports a failed connect three ways (fail, onError, onClose)', () => {
    const { clock, wx, connect } = world();
    wx.fate = () => ({ fail: 300 });
    const r = recorder();
    connect(r.events, { timeoutMs: 10_000, clock });
    clock.advance(300);
    expect(r.log).toEqual(['close 1006 connectSocket:fail network error']);
  });

  it('decides nothing by the close code: it passes on what WeChat reports (1005 for a server’s 4001)', () => {
    const { clock, wx, connect } = world();
    const r = recorder();
    connect(r.events, { timeoutMs: 10_000, clock });
    clock.advance(100);
    wx.tasks[0]!.deliver({ type: 'bye', code: 4001, reason: 'session revoked or expired' });
    wx.tasks[0]!.serverClose(4001, 'session revoked or expired');
    expect(r.log).toEqual(['open', 'message {"type":"bye","code":4001,"reason":"session revoked or expired"}', 'close 1005 session revoked or expired']);
  });

  it('starts an attempt only once WeChat is done with the previous task, with the time left of its timeout', () => {
    const { clock, wx, connect } = world();
    wx.fate = () => 'hang';
    connect(recorder().events, { timeoutMs: 10_000, clock }).close(1000, 'background');
    clock.advance(4_000);
    const r = recorder();
    connect(r.events, { timeoutMs: 10_000, clock });
    expect(wx.tasks).toHaveLength(1);
    wx.fate = () => ({ open: 100 });
    // WeChat gives the first task up at its timeout; the second starts then, with 4 s of its 10 left.
    clock.advance(6_000);
    expect(wx.tasks).toHaveLength(2);
    expect(wx.tasks[1]!.options.timeout).toBe(4_000);
    clock.advance(100);
    expect(r.log).toEqual(['open']);
    expect(wx.maxAlive).toBe(1);
  });

  it('lets a task WeChat never reports on go: a connecting one at its timeout, an open one a timeout after the close', () => {
    const { clock, wx, connect } = world();
    wx.fate = () => 'hang';
    connect(recorder().events, { timeoutMs: 10_000, clock }).close(1000, 'background');
    wx.tasks[0]!.silent = true;
    clock.advance(2_000);
    wx.fate = () => ({ open: 100 });
    const second = connect(recorder().events, { timeoutMs: 10_000, clock });
    // WeChat's timeout for the first task is at 10 s: it holds no task after that, said so or not.
    clock.advance(7_999);
    expect(wx.tasks).toHaveLength(1);
    clock.advance(1);
    expect(wx.tasks).toHaveLength(2);
    clock.advance(100);
    expect(wx.tasks[1]!.state).toBe('open');

    // The open one closed by the client, and WeChat answers neither onClose nor fail.
    wx.tasks[1]!.silent = true;
    second.close(1000, 'background');
    connect(recorder().events, { timeoutMs: 10_000, clock });
    clock.advance(9_999);
    expect(wx.tasks).toHaveLength(2);
    clock.advance(1);
    expect(wx.tasks).toHaveLength(3);
  });

  it('lets an open socket in use hold no other stream back: two streams on one wx both open', () => {
    const { clock, wx, connect } = world();
    const first = recorder();
    const second = recorder();
    connect(first.events, { timeoutMs: 10_000, clock });
    connect(second.events, { timeoutMs: 10_000, clock });
    clock.advance(100);
    expect(first.log).toEqual(['open']);
    clock.advance(100);
    expect(second.log).toEqual(['open']);
    expect(wx.open).toHaveLength(2);
  });

  it('never creates the task of an attempt closed while it waited its turn', () => {
    const { clock, wx, connect } = world();
    wx.fate = () => 'hang';
    connect(recorder().events, { timeoutMs: 10_000, clock }).close(1000, 'background');
    const r = recorder();
    connect(r.events, { timeoutMs: 10_000, clock }).close(1000, 'background');
    clock.advance(60_000);
    expect(wx.tasks).toHaveLength(1);
    expect(r.log).toEqual([]);
  });
});

/** A PushClient of the member page over the connector, recording its statuses. */
function pageClient(clock: FakeClock, wx: FakeWx, statuses: ConnectionStatus[]) {
  return new PushClient({
    connect: wxConnect({ ...STREAM, api: wx }),
    clock,
    random: () => 0.5,
    onResult: (_r: ResultMessage) => undefined,
    onStatus: (s) => statuses.push(s),
  });
}

describe('wx connector: the page never holds more than one task, and none is left open', () => {
  it('on a network that answers late: pause while connecting, twenty times over', () => {
    const { clock, wx } = world();
    wx.fate = () => ({ open: 3_000 });
    const client = pageClient(clock, wx, []);
    client.start();
    for (let i = 0; i < 20; i++) {
      clock.advance(1_000);
      client.pause();
      client.resume();
      expect(wx.alive).toBeLessThanOrEqual(1);
    }
    client.stop();
    clock.advance(60_000);
    expect({ alive: wx.alive, maxAlive: wx.maxAlive, refused: wx.refused }).toEqual({ alive: 0, maxAlive: 1, refused: 0 });
  });

  it('on a network that never answers: every attempt ends with the client’s connect timeout', () => {
    const { clock, wx } = world();
    wx.fate = () => 'hang';
    const statuses: ConnectionStatus[] = [];
    const client = pageClient(clock, wx, statuses);
    client.start();
    for (let i = 0; i < 60; i++) {
      clock.advance(5_000);
      expect(wx.alive).toBeLessThanOrEqual(1);
    }
    expect(wx.tasks.length).toBeGreaterThan(6);
    expect(wx.tasks.every((t) => t.options.timeout! <= 10_000)).toBe(true);
    expect({ maxAlive: wx.maxAlive, refused: wx.refused }).toEqual({ maxAlive: 1, refused: 0 });
    // The network comes back: the next attempt opens.
    wx.fate = () => ({ open: 100 });
    client.setNetwork(true);
    clock.advance(10_000);
    expect(client.state).toBe('syncing');
    client.stop();
    clock.advance(60_000);
    expect(wx.alive).toBe(0);
  });

  // A seeded walk through what a phone in a car-wash bay goes through: slow, failing and dead networks,
  // the app hidden and shown, network changes, server closes WeChat rewrites, sockets WeChat kills,
  // card switches (a new client on the same wx). Bounded: 600 steps of at most 15 s of fake time.
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('survives a seeded walk through bad signal (seed %i)', (seed) => {
    const rng = mulberry32(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
    const { clock, wx } = world();
    wx.fate = () => pick<WxFate>([{ open: 50 + Math.floor(rng() * 15_000) }, { open: 200 }, { fail: Math.floor(rng() * 3_000) }, 'hang']);
    const statuses: ConnectionStatus[] = [];
    let client = pageClient(clock, wx, statuses);
    client.start();
    let lives = 0;
    for (let step = 0; step < 600; step++) {
      const open = wx.open[0];
      switch (pick(['time', 'time', 'time', 'pause', 'resume', 'offline', 'online', 'switch', 'server', 'kill', 'break'] as const)) {
        case 'time':
          clock.advance(Math.floor(rng() * 15_000));
          break;
        case 'pause':
          client.pause();
          break;
        case 'resume':
          client.resume();
          break;
        case 'offline':
          client.setNetwork(false);
          break;
        case 'online':
          client.setNetwork(true);
          break;
        case 'switch':
          // Another card, or a new login after 4001: the old client stops, a new one starts.
          client.stop();
          client = pageClient(clock, wx, statuses);
          client.start();
          break;
        case 'server':
          if (!open) break;
          open.deliver({ type: 'synced', epoch: 'e1', lastSeq: 0, complete: true });
          if (rng() < 0.3) open.deliver({ type: 'bye', code: pick([1001, 4001, 4002, 4003]), reason: 'x' });
          open.serverClose(1001);
          break;
        case 'kill':
          open?.kill();
          break;
        case 'break':
          if (open) open.broken = true;
          break;
      }
      if (statuses.at(-1)?.state === 'syncing') lives++;
      expect(wx.alive, `step ${step}`).toBeLessThanOrEqual(1);
    }
    client.stop();
    clock.advance(120_000);
    expect({ alive: wx.alive, maxAlive: wx.maxAlive, refused: wx.refused }).toEqual({ alive: 0, maxAlive: 1, refused: 0 });
    // The walk did reach open sockets, not only failures.
    expect(lives).toBeGreaterThan(5);
  });
});

/** A small seeded generator: the walk replays from its seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
