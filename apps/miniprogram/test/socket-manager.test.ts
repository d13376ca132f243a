import { encodeMessage, type ResultMessage } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { SocketManager, type ConnectionStatus, type SocketEvents, type SocketManagerOptions } from '../miniprogram/lib/socket-manager';
import { FakeClock } from './helpers/fake-clock';

/** A socket the test drives by hand: it opens, delivers and closes when told. */
class FakeSocket {
  readonly sent: string[] = [];
  closedWith: { code: number; reason: string } | undefined;
  constructor(readonly events: SocketEvents) {}
  open(): void {
    this.events.onOpen();
  }
  deliver(message: object): void {
    this.events.onMessage(JSON.stringify(message));
  }
  serverClose(code: number): void {
    this.events.onClose(code, '');
  }
  get frames(): Array<Record<string, unknown>> {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

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
    at: '2025-01-01T00:00:00.000Z',
  };
}

function setup(overrides: Partial<SocketManagerOptions> = {}) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const shown: Array<{ seq: number; replayed: boolean }> = [];
  const statuses: ConnectionStatus[] = [];
  const errors: unknown[] = [];
  const manager = new SocketManager({
    clock,
    random: () => 0.5,
    connect: (events) => {
      const socket = new FakeSocket(events);
      sockets.push(socket);
      return { send: (text) => socket.sent.push(text), close: (code, reason) => (socket.closedWith = { code, reason }) };
    },
    onResult: (r, info) => shown.push({ seq: r.seq, replayed: info.replayed }),
    onStatus: (s) => statuses.push(s),
    onError: (e) => errors.push(e),
    heartbeatMs: 20_000,
    heartbeatTimeoutMs: 10_000,
    connectTimeoutMs: 10_000,
    resumeDelayMs: 1000,
    backoff: { baseMs: 1000, capMs: 30_000 },
    ...overrides,
  });
  const last = () => sockets.at(-1)!;
  return { clock, sockets, shown, statuses, errors, manager, last };
}

describe('SocketManager: resume and dedupe', () => {
  it('opens with resume from the last seq, flags replayed results, and acks each one shown', () => {
    const { manager, last, shown, statuses } = setup({ lastSeq: 4 });
    manager.start();
    expect(manager.state).toBe('connecting');
    last().open();
    expect(manager.state).toBe('syncing');
    expect(last().frames[0]).toEqual({ type: 'resume', after: 4 });
    last().deliver(result(5));
    last().deliver({ type: 'synced', lastSeq: 5, complete: true });
    expect(manager.state).toBe('live');
    last().deliver(result(6));
    expect(shown).toEqual([
      { seq: 5, replayed: true },
      { seq: 6, replayed: false },
    ]);
    expect(last().frames.slice(1)).toEqual([
      { type: 'ack', seq: 5 },
      { type: 'ack', seq: 6 },
    ]);
    expect(manager.lastSeq).toBe(6);
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'syncing', 'live']);
  });

  it('shows a result once although it arrives twice, and drops older ones', () => {
    const { manager, last, shown } = setup();
    manager.start();
    last().open();
    last().deliver({ type: 'synced', lastSeq: 0, complete: true });
    last().deliver(result(1));
    last().deliver(result(1));
    last().deliver(result(3));
    last().deliver(result(2));
    expect(shown.map((s) => s.seq)).toEqual([1, 3]);
    expect(last().frames.filter((f) => f.type === 'ack')).toEqual([
      { type: 'ack', seq: 1 },
      { type: 'ack', seq: 3 },
    ]);
  });

  it('resumes after the highest seq shown when it reconnects, and takes the server’s lastSeq', () => {
    const { manager, clock, sockets, last, shown } = setup();
    manager.start();
    last().open();
    last().deliver(result(1));
    last().deliver(result(2));
    last().deliver({ type: 'synced', lastSeq: 2, complete: true });
    last().serverClose(1006);
    expect(manager.state).toBe('waiting');
    clock.advance(clock.nextIn()!);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(last().frames[0]).toEqual({ type: 'resume', after: 2 });
    // Results at other stores also take seqs: the server's lastSeq is where the next resume starts.
    last().deliver({ type: 'synced', lastSeq: 9, complete: true });
    expect(manager.lastSeq).toBe(9);
    last().serverClose(1001);
    clock.advance(clock.nextIn()!);
    last().open();
    expect(last().frames[0]).toEqual({ type: 'resume', after: 9 });
    expect(shown.map((s) => s.seq)).toEqual([1, 2]);
  });

  it('follows a server that went back (a restored database) instead of dropping its new results', () => {
    const { manager, last, shown } = setup({ lastSeq: 50 });
    manager.start();
    last().open();
    expect(last().frames[0]).toEqual({ type: 'resume', after: 50 });
    // The server never issued 50: its head is 3, and the next result it commits is 4.
    last().deliver({ type: 'synced', lastSeq: 3, complete: false });
    expect(manager.lastSeq).toBe(3);
    last().deliver(result(4));
    expect(shown.map((s) => s.seq)).toEqual([4]);
    expect(manager.lastSeq).toBe(4);
  });

  it('does not count a result whose handler threw, so its redelivery is shown', () => {
    let fail = true;
    const seen: number[] = [];
    const { manager, last, errors } = setup({
      onResult: (r) => {
        if (fail) throw new Error('page not ready');
        seen.push(r.seq);
      },
    });
    manager.start();
    last().open();
    last().deliver(result(1));
    expect(manager.lastSeq).toBe(0);
    expect(last().frames.some((f) => f.type === 'ack')).toBe(false);
    expect(errors).toHaveLength(1);
    fail = false;
    last().deliver(result(1));
    expect(seen).toEqual([1]);
  });

  it('reports an unreadable frame and keeps the socket', () => {
    const { manager, last, errors } = setup();
    manager.start();
    last().open();
    last().events.onMessage('0_扣费成功_剩余次数: 3');
    last().events.onMessage(encodeMessage({ type: 'synced', lastSeq: 0, complete: true }));
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/unreadable frame/);
    expect(manager.state).toBe('live');
  });
});

describe('SocketManager: backoff', () => {
  it('waits longer after each failure, with jitter within [ceiling/2, ceiling], up to the cap', () => {
    const delays: Record<string, number[]> = {};
    for (const [name, random] of [['low', () => 0], ['mid', () => 0.5], ['high', () => 0.999999]] as const) {
      const { manager, clock, last } = setup({ random });
      manager.start();
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
    const { manager, clock, last } = setup();
    manager.start();
    for (let i = 0; i < 4; i++) {
      last().serverClose(1006);
      clock.advance(clock.nextIn()!);
    }
    last().open();
    last().deliver({ type: 'synced', lastSeq: 0, complete: true });
    last().serverClose(1006);
    expect(clock.nextIn()).toBe(750);
  });

  it('gives up on a socket that does not open in time', () => {
    const { manager, clock, sockets, last } = setup();
    manager.start();
    clock.advance(9_999);
    expect(manager.state).toBe('connecting');
    clock.advance(1);
    expect(manager.state).toBe('waiting');
    expect(last().closedWith).toEqual({ code: 1000, reason: 'lost' });
    clock.advance(clock.nextIn()!);
    expect(sockets).toHaveLength(2);
  });

  it('stops for close codes that say not to reconnect, and reconnects for the others', () => {
    const revoked = setup();
    revoked.manager.start();
    revoked.last().open();
    revoked.last().serverClose(4001);
    expect(revoked.statuses.at(-1)).toEqual({ state: 'stopped', closeCode: 4001 });
    expect(revoked.clock.pending).toBe(0);

    const limited = setup();
    limited.manager.start();
    limited.last().open();
    limited.last().serverClose(4003);
    expect(limited.statuses.at(-1)).toMatchObject({ state: 'waiting', closeCode: 4003 });
  });

  it('reconnects at once on retryNow instead of waiting out the backoff', () => {
    const { manager, sockets, last, clock } = setup();
    manager.start();
    last().serverClose(1006);
    manager.retryNow();
    expect(sockets).toHaveLength(2);
    expect(manager.state).toBe('connecting');
    expect(clock.nextIn()).toBe(10_000); // only the connect timeout is left
  });
});

describe('SocketManager: heartbeat', () => {
  it('pings after a silence and keeps the socket when anything answers', () => {
    const { manager, clock, last } = setup();
    manager.start();
    last().open();
    clock.advance(19_999);
    expect(last().frames.filter((f) => f.type === 'ping')).toHaveLength(0);
    clock.advance(1);
    expect(last().frames.at(-1)).toEqual({ type: 'ping', id: 1 });
    clock.advance(9_000);
    last().deliver({ type: 'pong', id: 1 });
    clock.advance(15_000);
    expect(manager.state).toBe('syncing');
    expect(last().closedWith).toBeUndefined();
    clock.advance(5_000);
    expect(last().frames.at(-1)).toEqual({ type: 'ping', id: 2 });
  });

  it('drops a socket that stays silent after a ping and reconnects', () => {
    const { manager, clock, sockets, last } = setup();
    manager.start();
    last().open();
    last().deliver({ type: 'synced', lastSeq: 0, complete: true });
    clock.advance(20_000 + 9_999);
    expect(manager.state).toBe('live');
    clock.advance(1);
    expect(manager.state).toBe('waiting');
    expect(sockets[0]!.closedWith).toEqual({ code: 1000, reason: 'heartbeat timeout' });
    clock.advance(clock.nextIn()!);
    expect(sockets).toHaveLength(2);
  });
});

describe('SocketManager: background and foreground', () => {
  it('closes in the background, stays closed however long, and reconnects after a delay on show', () => {
    const { manager, clock, sockets, last } = setup();
    manager.start();
    last().open();
    last().deliver(result(1));
    last().deliver({ type: 'synced', lastSeq: 1, complete: true });
    manager.pause();
    expect(manager.state).toBe('paused');
    expect(sockets[0]!.closedWith).toEqual({ code: 1000, reason: 'background' });
    expect(clock.pending).toBe(0);
    clock.advance(3_600_000);
    expect(sockets).toHaveLength(1);

    manager.resume();
    expect(manager.state).toBe('waiting');
    clock.advance(999);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(last().frames[0]).toEqual({ type: 'resume', after: 1 });
  });

  it('ignores what the closed socket still reports after going to the background', () => {
    const { manager, clock, sockets, shown } = setup();
    manager.start();
    sockets[0]!.open();
    manager.pause();
    sockets[0]!.deliver(result(1));
    sockets[0]!.serverClose(1006);
    expect(shown).toEqual([]);
    expect(manager.state).toBe('paused');
    expect(clock.pending).toBe(0);
  });

  it('cancels the delayed reconnect when hidden again before it ran', () => {
    const { manager, clock, sockets } = setup();
    manager.start();
    manager.pause();
    manager.resume();
    clock.advance(500);
    manager.pause();
    clock.advance(10_000);
    expect(sockets).toHaveLength(1);
    expect(manager.state).toBe('paused');
  });

  it('reports nothing and reconnects never after stop', () => {
    const { manager, clock, sockets, statuses } = setup();
    manager.start();
    sockets[0]!.open();
    manager.stop();
    const count = statuses.length;
    sockets[0]!.serverClose(1006);
    manager.resume();
    clock.advance(60_000);
    expect(statuses).toHaveLength(count);
    expect(sockets).toHaveLength(1);
  });
});
