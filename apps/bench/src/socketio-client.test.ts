import { spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatPushText } from '@scanpush/shared';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { QrSigner } from '../../server/src/core/qr-signer.js';
import { decodeFrame, SocketIoSession, socketIoUrl } from './socketio-client.js';

describe('decodeFrame', () => {
  it('reads the frames a Socket.IO 4 server sends over its WebSocket transport', () => {
    expect(decodeFrame('0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')).toEqual({
      ok: true,
      value: { type: 'open', sid: 'lv_VI97HAXpY6yYWAAAC', pingInterval: 25000, pingTimeout: 20000 },
    });
    expect(decodeFrame('2')).toEqual({ ok: true, value: { type: 'ping' } });
    expect(decodeFrame('40{"sid":"wZX3oN0bSVIhsaknAAAI"}')).toEqual({ ok: true, value: { type: 'connected', sid: 'wZX3oN0bSVIhsaknAAAI' } });
    expect(decodeFrame('42["push","0_成功_剩余次数：41"]')).toEqual({ ok: true, value: { type: 'event', name: 'push', args: ['0_成功_剩余次数：41'] } });
    expect(decodeFrame('44{"message":"member must be a positive integer"}')).toEqual({ ok: true, value: { type: 'connect-error', message: 'member must be a positive integer' } });
    expect(decodeFrame('41')).toEqual({ ok: true, value: { type: 'disconnected' } });
    expect(decodeFrame('1')).toEqual({ ok: true, value: { type: 'close' } });
    // Another namespace and an event asking for an ack are not the bench's.
    expect(decodeFrame('42/admin,["push","x"]')).toEqual({ ok: true, value: { type: 'other' } });
    expect(decodeFrame('4213["push","x"]')).toEqual({ ok: true, value: { type: 'other' } });
  });

  it('returns an error value for malformed frames', () => {
    for (const bad of ['', '9', '0{"sid":1}', '0not json', '40', '40{}', '42', '42{"push":1}', '42[1,"x"]', '4x']) {
      expect(decodeFrame(bad).ok, bad).toBe(false);
    }
  });
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real Socket.IO server on port 0, configured like socketio-server.ts but with a fast heartbeat. */
async function realServer(): Promise<{ io: Server; wsBase: string }> {
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false, pingInterval: 50, pingTimeout: 100 });
  io.use((socket, next) => (socket.handshake.query.member === '7' ? next() : next(new Error('member must be 7'))));
  io.on('connection', (socket) => void socket.join('m:7'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => void io.close(() => resolve())));
  return { io, wsBase: `ws://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** Opens a raw ws socket with a session on it, the way the bench's worker does; pushes land in `pushes`. */
function connect(url: string): { ws: WebSocket; session: SocketIoSession; pushes: string[] } {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const session = new SocketIoSession(ws);
  const pushes: string[] = [];
  ws.on('message', (data) => {
    const text = session.receive(String(data));
    if (typeof text === 'string') pushes.push(text);
  });
  cleanups.push(() => ws.terminate());
  return { ws, session, pushes };
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SocketIoSession against a real Socket.IO 4 server', () => {
  it('connects to the main namespace, answers the heartbeat and receives the room’s pushes', async () => {
    const { io, wsBase } = await realServer();
    const { ws, session, pushes } = connect(socketIoUrl(wsBase, 7));
    await session.connected;
    expect(io.of('/').sockets.size).toBe(1);
    const [serverSocket] = io.of('/').sockets.values();
    let pongs = 0;
    serverSocket!.conn.on('packet', (p: { type: string }) => void (p.type === 'pong' && pongs++));
    // Many heartbeat rounds: without pongs the server would drop the socket after 150 ms.
    await until(() => pongs >= 6, 'six pongs');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(serverSocket!.connected).toBe(true);

    io.to('m:7').emit('push', formatPushText('OK', 41));
    io.to('m:8').emit('push', formatPushText('OK', 1));
    await until(() => pushes.length >= 1, 'the push');
    expect(pushes).toEqual([formatPushText('OK', 41)]);
  });

  it('rejects `connected` when the server refuses the namespace connect', async () => {
    const { wsBase } = await realServer();
    const { session } = connect(socketIoUrl(wsBase, 8));
    await expect(session.connected).rejects.toThrow(/refused the connect: member must be 7/);
  });
});

describe('the bench’s Socket.IO reference server (socketio-server.ts)', () => {
  it('pushes a scan to the member’s room and counts the member’s socket', async () => {
    // node with tsx's loader rather than the tsx command, which would leave its node child behind on a kill.
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./socketio-server.ts', import.meta.url))], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
      child.once('exit', (code) => reject(new Error(`socketio-server exited (${code})`)));
      setTimeout(() => reject(new Error('socketio-server did not listen in 30 s')), 30_000).unref();
    });
    const { session, pushes } = connect(socketIoUrl(url.replace(/^http/, 'ws'), 7));
    await session.connected;
    expect(JSON.parse(await (await fetch(`${url}/healthz`)).text())).toEqual({ ok: true, sockets: 1 });

    const qr = new QrSigner('x'.repeat(43)).issue(7, 3, Date.now(), 60).token;
    const res = await fetch(`${url}/api/scans`, { method: 'POST', body: JSON.stringify({ qr }) });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { text: string; remaining: number; memberId: number } };
    expect(result).toMatchObject({ memberId: 7, remaining: 999_999 });
    await until(() => pushes.length >= 1, 'the push');
    expect(pushes).toEqual([result.text]);

    const refused = await fetch(`${url}/api/scans`, { method: 'POST', body: JSON.stringify({ qr: 'not a token' }) });
    expect(refused.status).toBe(422);
  }, 40_000);
});
