import { encodeMessage } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { result, setup, synced } from './testing/harness.js';

describe('PushClient: resume', () => {
  it('resumes with the epoch and seq it was given, flags replayed results, and reports the position', () => {
    const { client, connected, shown, statuses, positions } = setup({ position: { epoch: 'e1', seq: 4 } });
    const socket = connected();
    expect(client.state).toBe('syncing');
    expect(socket.frames).toEqual([{ type: 'resume', epoch: 'e1', after: 4 }]);
    socket.deliver(result(5));
    socket.deliver(synced(5));
    expect(client.state).toBe('live');
    socket.deliver(result(6));
    expect(shown).toEqual([
      { epoch: 'e1', seq: 5, replayed: true },
      { epoch: 'e1', seq: 6, replayed: false },
    ]);
    expect(positions).toEqual([
      { epoch: 'e1', seq: 5 },
      { epoch: 'e1', seq: 6 },
    ]);
    expect(client.position).toEqual({ epoch: 'e1', seq: 6 });
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'syncing', 'live']);
  });

  it('sends no ack, ever: the position it resumes from is what it has', () => {
    const { connected } = setup();
    const socket = connected();
    socket.deliver(result(1));
    socket.deliver(synced(1));
    socket.deliver(result(2));
    expect(socket.frames.map((f) => f.type)).toEqual(['resume']);
  });

  it('resumes from the start without an epoch, then from the epoch the server named', () => {
    const { connected, reconnect, syncs } = setup();
    const first = connected();
    expect(first.frames[0]).toEqual({ type: 'resume', after: 0 });
    first.deliver(result(1));
    first.deliver(result(2));
    first.deliver(synced(2));
    expect(syncs).toEqual([{ position: { epoch: 'e1', seq: 2 }, complete: true, resynced: false }]);
    first.serverClose(1006);
    expect(reconnect().frames[0]).toEqual({ type: 'resume', epoch: 'e1', after: 2 });
  });

  it('takes the server head from synced, and resumes after it next time', () => {
    const { connected, reconnect, positions, shown } = setup({ position: { epoch: 'e1', seq: 2 } });
    const socket = connected();
    // Retention pruned 3..8: the replay is empty and incomplete; the position moves to the head.
    socket.deliver(synced(9, 'e1', false));
    expect(positions).toEqual([{ epoch: 'e1', seq: 9 }]);
    socket.serverClose(1001);
    expect(reconnect().frames[0]).toEqual({ type: 'resume', epoch: 'e1', after: 9 });
    expect(shown).toEqual([]);
  });
});

describe('PushClient: dedupe', () => {
  it('shows a result once although it arrives twice, and drops older ones', () => {
    const { connected, shown } = setup();
    const socket = connected();
    socket.deliver(synced(0));
    for (const seq of [1, 1, 3, 2, 3]) socket.deliver(result(seq));
    expect(shown.map((s) => s.seq)).toEqual([1, 3]);
  });

  it('drops a replayed result that a live push on the previous socket already brought', () => {
    const { connected, reconnect, shown } = setup();
    const first = connected();
    first.deliver(synced(0));
    first.deliver(result(1));
    first.serverClose(1006);
    const second = reconnect();
    second.deliver(result(1));
    second.deliver(result(2));
    second.deliver(synced(2));
    expect(shown).toEqual([
      { epoch: 'e1', seq: 1, replayed: false },
      { epoch: 'e1', seq: 2, replayed: true },
    ]);
  });

  it('does not move past a result whose handler threw, so its redelivery is shown', () => {
    let fail = true;
    const seen: number[] = [];
    const { client, connected, errors, positions } = setup({
      position: { epoch: 'e1', seq: 3 },
      onResult: (r) => {
        if (fail) throw new Error('page not ready');
        seen.push(r.seq);
      },
    });
    const socket = connected();
    socket.deliver(result(4));
    expect(client.position).toEqual({ epoch: 'e1', seq: 3 });
    expect(positions).toEqual([]);
    expect(errors).toHaveLength(1);
    fail = false;
    socket.deliver(result(4));
    expect(seen).toEqual([4]);
    expect(client.position).toEqual({ epoch: 'e1', seq: 4 });
  });

  it('reports an unreadable frame and keeps the socket', () => {
    const { client, connected, errors } = setup();
    const socket = connected();
    socket.events.onMessage('0_扣费成功_剩余次数: 3');
    socket.events.onMessage(encodeMessage({ type: 'synced', epoch: 'e1', lastSeq: 0, complete: true }));
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/unreadable frame/);
    expect(client.state).toBe('live');
  });
});

describe('PushClient: another epoch (a restored or new database)', () => {
  it('shows the new history although its seqs are at or below the old position, and says it resynced', () => {
    const { client, connected, shown, syncs, positions } = setup({ position: { epoch: 'old', seq: 5 } });
    const socket = connected();
    expect(socket.frames[0]).toEqual({ type: 'resume', epoch: 'old', after: 5 });
    // The server replays everything it retains of its history, from seq 1.
    for (const seq of [1, 2, 3]) socket.deliver(result(seq, 'new'));
    socket.deliver(synced(3, 'new', false));
    socket.deliver(result(4, 'new'));
    expect(shown.map((s) => `${s.epoch}:${s.seq}`)).toEqual(['new:1', 'new:2', 'new:3', 'new:4']);
    expect(syncs).toEqual([{ position: { epoch: 'new', seq: 3 }, complete: false, resynced: true }]);
    expect(positions.at(-1)).toEqual({ epoch: 'new', seq: 4 });
    expect(client.position).toEqual({ epoch: 'new', seq: 4 });
  });

  it('says it resynced when the new history has nothing retained, and takes its head', () => {
    const { client, connected, syncs } = setup({ position: { epoch: 'old', seq: 5 } });
    connected().deliver(synced(0, 'new', false));
    expect(syncs).toEqual([{ position: { epoch: 'new', seq: 0 }, complete: false, resynced: true }]);
    expect(client.position).toEqual({ epoch: 'new', seq: 0 });
  });

  it('does not call a first connection (no epoch yet) a resync', () => {
    const { connected, syncs } = setup();
    const socket = connected();
    socket.deliver(result(1, 'e7'));
    socket.deliver(synced(1, 'e7'));
    expect(syncs).toEqual([{ position: { epoch: 'e7', seq: 1 }, complete: true, resynced: false }]);
  });

  it('resumes in the new epoch after the resync', () => {
    const { connected, reconnect } = setup({ position: { epoch: 'old', seq: 5 } });
    const socket = connected();
    socket.deliver(result(1, 'new'));
    socket.deliver(synced(1, 'new', false));
    socket.serverClose(1006);
    expect(reconnect().frames[0]).toEqual({ type: 'resume', epoch: 'new', after: 1 });
  });
});
