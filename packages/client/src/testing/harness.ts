import type { ResultMessage, StreamPosition } from '@scanpush/shared';
import { PushClient, type PushClientOptions, type SyncInfo } from '../push-client.js';
import type { ConnectionStatus, SocketEvents } from '../socket.js';
import { FakeClock } from './fake-clock.js';

export { FakeClock } from './fake-clock.js';
export { FakeWx, FakeWxTask, WX_DEFAULT_TIMEOUT_MS, WX_MAX_TASKS, type WxFate } from './fake-wx.js';

/** A socket the test drives by hand: it opens, delivers and closes when told, and records what was sent. */
export class FakeSocket {
  readonly sent: string[] = [];
  closedWith: { code: number; reason: string } | undefined;
  constructor(readonly events: SocketEvents) {}
  open(): void {
    this.events.onOpen();
  }
  deliver(message: object): void {
    this.events.onMessage(JSON.stringify(message));
  }
  serverClose(code: number, reason = ''): void {
    this.events.onClose(code, reason);
  }
  get frames(): Array<Record<string, unknown>> {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

export function result(seq: number, epoch = 'e1', remaining = 10 - seq): ResultMessage {
  return {
    type: 'result',
    epoch,
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

export function synced(lastSeq: number, epoch = 'e1', complete = true): object {
  return { type: 'synced', epoch, lastSeq, complete };
}

/** A PushClient on a fake clock and fake sockets, recording everything it reports. */
export function setup(overrides: Partial<PushClientOptions> = {}) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const shown: Array<{ epoch: string; seq: number; replayed: boolean }> = [];
  const syncs: SyncInfo[] = [];
  const positions: StreamPosition[] = [];
  const statuses: ConnectionStatus[] = [];
  const errors: unknown[] = [];
  const client = new PushClient({
    clock,
    random: () => 0.5,
    connect: (events) => {
      const socket = new FakeSocket(events);
      sockets.push(socket);
      return { send: (text) => socket.sent.push(text), close: (code, reason) => (socket.closedWith = { code, reason }) };
    },
    onResult: (r, info) => shown.push({ epoch: r.epoch, seq: r.seq, replayed: info.replayed }),
    onSynced: (info) => syncs.push(info),
    onPosition: (p) => positions.push(p),
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
  /** Starts and opens the first socket. */
  const connected = () => {
    client.start();
    last().open();
    return last();
  };
  /** Lets the scheduled reconnect run and opens the new socket. */
  const reconnect = () => {
    clock.advance(clock.nextIn()!);
    last().open();
    return last();
  };
  return { clock, sockets, shown, syncs, positions, statuses, errors, client, last, connected, reconnect };
}
