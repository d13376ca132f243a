import { describe, expect, it } from 'vitest';
import { decidingEnd } from './policy.js';
import { setup, synced } from './testing/harness.js';

// What WeChat is reported to do, and why the bye exists: a server's 4001 or 4002 arrives as 1005 (or
// 1000), and a socket WeChat killed itself closes with 1000. Close codes cannot decide there.
describe('PushClient: the close policy', () => {
  it('stops for bye 4001 although the close says 1005, reporting 4001 so the page logs in again', () => {
    const { connected, statuses, clock, sockets } = setup();
    const socket = connected();
    socket.deliver(synced(0));
    socket.deliver({ type: 'bye', code: 4001, reason: 'session revoked or expired' });
    expect(statuses.at(-1)!.state).toBe('live');
    socket.serverClose(1005, '');
    expect(statuses.at(-1)).toEqual({ state: 'stopped', closeCode: 4001, reason: 'session revoked or expired' });
    expect(clock.pending).toBe(0);
    clock.advance(120_000);
    expect(sockets).toHaveLength(1);
  });

  it('stops for bye 4002 although the close says 1000', () => {
    const { connected, statuses, clock } = setup();
    const socket = connected();
    socket.deliver({ type: 'bye', code: 4002, reason: 'too many sockets: replaced by a newer one' });
    socket.serverClose(1000, '');
    expect(statuses.at(-1)).toEqual({ state: 'stopped', closeCode: 4002, reason: 'too many sockets: replaced by a newer one' });
    expect(clock.pending).toBe(0);
  });

  it('stops for a bye 4004 whose close never came: the socket went silent after it', () => {
    const { connected, statuses, clock } = setup();
    const socket = connected();
    socket.deliver({ type: 'bye', code: 4004, reason: 'protocol version retired: update the app' });
    clock.advance(30_000);
    expect(statuses.at(-1)).toEqual({ state: 'stopped', closeCode: 4004, reason: 'protocol version retired: update the app' });
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'heartbeat timeout' });
  });

  it.each([1000, 1005])('reconnects after close %i without a bye: nobody said why', (code) => {
    const { connected, statuses, clock, sockets } = setup();
    connected().serverClose(code, '');
    expect(statuses.at(-1)).toEqual({ state: 'waiting', closeCode: code, reason: '', retryInMs: 750 });
    clock.advance(750);
    expect(sockets).toHaveLength(2);
  });

  it('reconnects after a bye that says to (1001: the server is going away), reporting its code', () => {
    const { connected, statuses } = setup();
    const socket = connected();
    socket.deliver({ type: 'bye', code: 1001, reason: 'server shutting down' });
    socket.serverClose(1005, '');
    expect(statuses.at(-1)).toEqual({ state: 'waiting', closeCode: 1001, reason: 'server shutting down', retryInMs: 750 });
  });

  it('forgets a bye with its socket: the next socket is judged by its own end', () => {
    const { connected, reconnect, statuses } = setup();
    const first = connected();
    first.deliver({ type: 'bye', code: 1001, reason: 'server shutting down' });
    first.serverClose(1001);
    reconnect().serverClose(1000, '');
    expect(statuses.at(-1)).toMatchObject({ state: 'waiting', closeCode: 1000 });
  });

  it('lets a refused upgrade decide by its status, never by a bye', () => {
    expect(decidingEnd({ refusedStatus: 401, reason: 'no' }, { type: 'bye', code: 1001, reason: 'x' })).toEqual({ refusedStatus: 401, reason: 'no' });
    expect(decidingEnd({ closeCode: 1005, reason: '' }, undefined)).toEqual({ closeCode: 1005, reason: '' });
    expect(decidingEnd({ closeCode: 1006, reason: 'heartbeat timeout' }, { type: 'bye', code: 4001, reason: 'revoked' })).toEqual({ closeCode: 4001, reason: 'revoked' });
  });
});
