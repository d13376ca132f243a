import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashSecret } from '../core/credentials.js';
import { createMemoryBroker } from './broker-memory.js';
import { wallClockMs } from './broker.js';
import { createPushServer, type PushServer } from './push-server.js';
import { MemoryAccounts, MemoryStreams, delivery, silentLogger, testMetrics } from './testing.js';

interface Running {
  http: Server;
  push: PushServer;
  accounts: MemoryAccounts;
  streams: MemoryStreams;
  commit(): void;
  url(path: string): string;
}

let running: Running | undefined;

async function start(): Promise<Running> {
  const accounts = new MemoryAccounts();
  accounts.sessions.set(hashSecret('tok'), { id: 5, memberId: 7, expiresAt: Number.MAX_SAFE_INTEGER });
  accounts.stores.add(1);
  const streams = new MemoryStreams('epochA');
  const broker = createMemoryBroker((err) => {
    throw err;
  });
  const push = createPushServer({ accounts, streams, broker, logger: silentLogger, metrics: testMetrics(), now: Date.now, heartbeatMs: 25_000, delivery });
  const http = createServer((_req, res) => res.end());
  http.on('upgrade', push.handleUpgrade);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  running = {
    http,
    push,
    accounts,
    streams,
    commit: () => broker.publish({ entry: streams.append(7, 1), committedAt: wallClockMs() }),
    url: (path) => `ws://127.0.0.1:${port}${path}`,
  };
  return running;
}

afterEach(async () => {
  if (!running) return;
  await running.push.shutdown();
  await new Promise((resolve) => running!.http.close(resolve));
  running = undefined;
});

/** Opens a socket and collects its frames; resolves once open. */
async function connect(url: string, protocols?: string[], token = 'tok') {
  const ws = new WebSocket(url, protocols, { headers: { authorization: `Bearer ${token}` } });
  const frames: string[] = [];
  /** Frames and the close in the order the client saw them. */
  const log: string[] = [];
  ws.on('message', (data) => {
    frames.push(String(data));
    log.push(String(data));
  });
  const closed = new Promise<number>((resolve) =>
    ws.on('close', (code, reason) => {
      log.push(`close ${code} ${String(reason)}`);
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = async (n: number) => {
    for (let i = 0; i < 200 && frames.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    return frames.slice(0, n);
  };
  return { ws, frames, log, closed, next };
}

describe('createPushServer over real sockets', () => {
  it('revalidateSessions closes the sockets whose session storage no longer knows, and only those', async () => {
    const srv = await start();
    srv.accounts.sessions.set(hashSecret('other'), { id: 6, memberId: 7, expiresAt: Number.MAX_SAFE_INTEGER });
    const revoked = await connect(srv.url('/webSocket/7/1'));
    const kept = await connect(srv.url('/webSocket/7/1'), undefined, 'other');
    expect(await srv.push.revalidateSessions()).toBe(0);
    // Revoked on another node while this one could not hear it.
    srv.accounts.sessions.delete(hashSecret('tok'));
    expect(await srv.push.revalidateSessions()).toBe(1);
    expect(await revoked.closed).toBe(4001);
    expect(kept.ws.readyState).toBe(WebSocket.OPEN);
    kept.ws.close();
  });

  it('refuses before the handshake with the HTTP status', async () => {
    const srv = await start();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(srv.url('/webSocket/7/1'), { headers: { authorization: 'Bearer wrong' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
  });

  it('resumes from ?epoch=&after= in the URL', async () => {
    const srv = await start();
    srv.streams.append(7, 1);
    srv.streams.append(7, 1);
    const s = await connect(srv.url('/webSocket/7/1?epoch=epochA&after=1'), ['scanpush.v2']);
    expect(s.ws.protocol).toBe('scanpush.v2');
    const [result, synced] = (await s.next(2)).map((f) => JSON.parse(f));
    expect(result).toMatchObject({ type: 'result', epoch: 'epochA', seq: 2 });
    expect(synced).toEqual({ type: 'synced', epoch: 'epochA', lastSeq: 2, complete: true });
    srv.commit();
    expect(JSON.parse((await s.next(3))[2]!)).toMatchObject({ seq: 3 });
    expect(srv.push.openSockets()).toBe(1);
  });

  it('speaks the text dialect to a socket without subprotocol', async () => {
    const srv = await start();
    const s = await connect(srv.url('/webSocket/7/1'));
    await new Promise((r) => setTimeout(r, 20));
    srv.commit();
    expect(await s.next(1)).toEqual(['0_扣费成功_剩余次数: 99']);
  });

  it('accepts a retired subprotocol only to close it with PROTOCOL_RETIRED', async () => {
    const srv = await start();
    const s = await connect(srv.url('/webSocket/7/1?after=0'), ['scanpush.v1']);
    expect(await s.closed).toBe(4004);
    expect(srv.push.openSockets()).toBe(0);
  });

  it('says bye before closing a structured socket it revokes, replaces or shuts down; a text socket hears only the close', async () => {
    const srv = await start();
    // Live-only structured sockets (no resume): they are sent nothing but what closing them sends.
    const revoked = await connect(srv.url('/webSocket/7/1'), ['scanpush.v2']);
    const text = await connect(srv.url('/webSocket/7/1'));
    expect(srv.push.closeMember(7, 5)).toBe(2);
    await Promise.all([revoked.closed, text.closed]);
    expect(revoked.log).toEqual(['{"type":"bye","code":4001,"reason":"session revoked or expired"}', 'close 4001 session revoked or expired']);
    expect(text.log).toEqual(['close 4001 session revoked or expired']);

    // The cap is 2 sockets per stream here: a third replaces the oldest.
    const oldest = await connect(srv.url('/webSocket/7/1'), ['scanpush.v2']);
    await connect(srv.url('/webSocket/7/1'), ['scanpush.v2']);
    const newest = await connect(srv.url('/webSocket/7/1'), ['scanpush.v2']);
    await oldest.closed;
    expect(oldest.log).toEqual(['{"type":"bye","code":4002,"reason":"too many sockets: replaced by a newer one"}', 'close 4002 too many sockets: replaced by a newer one']);

    await srv.push.shutdown();
    await newest.closed;
    expect(newest.log).toEqual(['{"type":"bye","code":1001,"reason":"server shutting down"}', 'close 1001 server shutting down']);
  });

  it('answers a client’s ping with its payload, from the frame budget: a ping flood closes the socket with RATE_LIMITED', async () => {
    const srv = await start();
    const s = await connect(srv.url('/webSocket/7/1'));
    const pongs: string[] = [];
    s.ws.on('pong', (data) => pongs.push(String(data)));
    s.ws.ping('hello');
    for (let i = 0; i < 200 && pongs.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(pongs).toEqual(['hello']);
    // The budget here is a burst of 3 and 10 a second: the ping above took one.
    for (let i = 0; i < 10; i++) s.ws.ping(String(i));
    expect(await s.closed).toBe(4003);
    expect(pongs.length).toBeLessThan(5);
    expect(srv.push.openSockets()).toBe(0);
  });

  it('a retired socket that sends a frame over the limit while it is closed costs only that socket', async () => {
    const srv = await start();
    const ws = new WebSocket(srv.url('/webSocket/7/1'), ['scanpush.v1'], { headers: { authorization: 'Bearer tok' } });
    ws.on('error', () => {});
    // At once, before the server's close can arrive: the server reads it while it closes (ws: 1009).
    ws.on('open', () => ws.send('x'.repeat(10_000)));
    const code = await new Promise<number>((resolve) => ws.on('close', resolve));
    expect([1009, 4004]).toContain(code);
    // The process is still here and serving.
    const s = await connect(srv.url('/webSocket/7/1'));
    srv.commit();
    expect(await s.next(1)).toEqual(['0_扣费成功_剩余次数: 99']);
  });

  it('says bye with PROTOCOL_RETIRED before closing a retired subprotocol', async () => {
    const srv = await start();
    const s = await connect(srv.url('/webSocket/7/1'), ['scanpush.v1']);
    await s.closed;
    expect(s.log).toEqual(['{"type":"bye","code":4004,"reason":"protocol version retired: update the app"}', 'close 4004 protocol version retired: update the app']);
  });

  it('closes a member’s sockets on revocation and all of them at shutdown, then refuses upgrades', async () => {
    const srv = await start();
    const a = await connect(srv.url('/webSocket/7/1'));
    expect(srv.push.closeMember(7, 5)).toBe(1);
    expect(await a.closed).toBe(4001);
    const b = await connect(srv.url('/webSocket/7/1'));
    await srv.push.shutdown();
    expect(await b.closed).toBe(1001);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(srv.url('/webSocket/7/1'), { headers: { authorization: 'Bearer tok' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(503);
  });
});
