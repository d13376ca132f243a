import { describe, expect, it } from 'vitest';
import { result, setup, synced } from './testing/harness.js';

describe('PushClient: network status', () => {
  it('drops the socket and every timer when the network goes, and makes no attempt while it is gone', () => {
    const { client, clock, sockets, connected, statuses } = setup();
    const socket = connected();
    socket.deliver(synced(0));
    client.setNetwork(false);
    expect(statuses.at(-1)).toEqual({ state: 'offline' });
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'offline' });
    expect(clock.pending).toBe(0);
    clock.advance(3_600_000);
    client.start();
    client.retryNow();
    client.setNetwork(false);
    expect(sockets).toHaveLength(1);
    expect(client.state).toBe('offline');
  });

  it('cancels a scheduled reconnect when the network goes', () => {
    const { client, clock, sockets, connected } = setup();
    connected().serverClose(1006);
    expect(client.state).toBe('waiting');
    client.setNetwork(false);
    expect(client.state).toBe('offline');
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('connects at once when the network is back, with the backoff started over, and resumes where it was', () => {
    const { client, clock, sockets, connected, last } = setup();
    const socket = connected();
    socket.deliver(result(1));
    socket.deliver(synced(1));
    for (let i = 0; i < 5; i++) {
      last().serverClose(1006);
      clock.advance(clock.nextIn()!);
    }
    client.setNetwork(false);
    client.setNetwork(true);
    expect(client.state).toBe('connecting');
    expect(sockets).toHaveLength(7);
    last().open();
    expect(last().frames[0]).toEqual({ type: 'resume', epoch: 'e1', after: 1 });
    last().serverClose(1006);
    // The first wait again, not the sixth.
    expect(clock.nextIn()).toBe(750);
  });

  it('connects at once when the network is reported back while waiting out a backoff', () => {
    const { client, clock, sockets, connected, last } = setup();
    connected();
    for (let i = 0; i < 4; i++) {
      last().serverClose(1006);
      clock.advance(clock.nextIn()!);
    }
    last().serverClose(1006);
    expect(client.state).toBe('waiting');
    expect(clock.nextIn()).toBe(12_000);
    client.setNetwork(true);
    expect(client.state).toBe('connecting');
    expect(sockets).toHaveLength(6);
  });

  it('keeps the short wait after resume() when the network is reported (WeChat may refuse it right after onShow)', () => {
    const { client, clock, sockets, connected } = setup();
    connected();
    client.pause();
    client.resume();
    client.setNetwork(true);
    expect(client.state).toBe('waiting');
    expect(sockets).toHaveLength(1);
    clock.advance(1000);
    expect(sockets).toHaveLength(2);
  });

  it('probes an open socket when the network is reported (a switch): ping now, dropped at the deadline if silent', () => {
    const { client, clock, sockets, connected, statuses } = setup();
    const socket = connected();
    socket.deliver(synced(0));
    clock.advance(5_000);
    client.setNetwork(true);
    expect(socket.frames.at(-1)).toEqual({ type: 'ping', id: 1 });
    // A second report while the ping is out sends no second ping and does not move the deadline.
    clock.advance(5_000);
    client.setNetwork(true);
    expect(socket.frames.filter((f) => f.type === 'ping')).toHaveLength(1);
    clock.advance(4_999);
    expect(client.state).toBe('live');
    clock.advance(1);
    expect(statuses.at(-1)).toMatchObject({ state: 'waiting', closeCode: 1006, reason: 'heartbeat timeout' });
    expect(sockets).toHaveLength(1);
  });

  it('keeps a probed socket that answers, and pings again only after the next silence', () => {
    const { client, clock, connected } = setup();
    const socket = connected();
    socket.deliver(synced(0));
    client.setNetwork(true);
    socket.deliver({ type: 'pong', id: 1 });
    clock.advance(19_999);
    expect(client.state).toBe('live');
    expect(socket.frames.filter((f) => f.type === 'ping')).toHaveLength(1);
    clock.advance(1);
    expect(socket.frames.at(-1)).toEqual({ type: 'ping', id: 2 });
  });

  it('leaves an attempt in progress alone when the network is reported', () => {
    const { client, clock, sockets } = setup();
    client.start();
    client.setNetwork(true);
    expect(sockets).toHaveLength(1);
    expect(clock.nextIn()).toBe(10_000);
  });

  it('stays paused when the network comes and goes; resume without network goes offline, not trying', () => {
    const { client, clock, sockets, connected, statuses } = setup();
    connected();
    client.pause();
    client.setNetwork(false);
    client.setNetwork(true);
    client.setNetwork(false);
    expect(client.state).toBe('paused');
    expect(sockets).toHaveLength(1);
    client.resume();
    expect(statuses.at(-1)).toEqual({ state: 'offline' });
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
    client.setNetwork(true);
    expect(sockets).toHaveLength(2);
  });

  it('pauses from offline, and stays paused when the network returns', () => {
    const { client, sockets, connected } = setup();
    connected();
    client.setNetwork(false);
    client.pause();
    expect(client.state).toBe('paused');
    client.setNetwork(true);
    expect(client.state).toBe('paused');
    expect(sockets).toHaveLength(1);
    client.resume();
    expect(client.state).toBe('waiting');
  });

  it('starts offline when told before start, and connects when the network comes', () => {
    const { client, sockets } = setup();
    client.setNetwork(false);
    expect(client.state).toBe('idle');
    client.start();
    expect(client.state).toBe('offline');
    expect(sockets).toHaveLength(0);
    client.setNetwork(true);
    expect(client.state).toBe('connecting');
    expect(sockets).toHaveLength(1);
  });

  it('stays stopped whatever the network does', () => {
    const { client, clock, sockets, connected } = setup();
    connected();
    client.stop();
    client.setNetwork(false);
    client.setNetwork(true);
    clock.advance(60_000);
    expect(client.state).toBe('stopped');
    expect(sockets).toHaveLength(1);
  });
});
