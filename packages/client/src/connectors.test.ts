import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { browserConnect, type BrowserSocketClass } from './browser.js';
import { systemClock } from './clock.js';
import { PushClient } from './push-client.js';
import type { SocketEvents } from './socket.js';
import { socketUrl } from './socket-url.js';
import { result } from './testing/harness.js';
import { wsConnect } from './ws.js';
import { wxConnect, type WxSocketApi } from './wx.js';

interface Upgrade {
  url: string;
  authorization: string | undefined;
  protocol: string | undefined;
}

/** An HTTP server on port 0 whose upgrades `answer` decides: a status to refuse with, or accept. */
async function serve(answer: (req: IncomingMessage) => number | 'accept', onSocket: (ws: WebSocket) => void = () => {}) {
  const upgrades: Upgrade[] = [];
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('scanpush.v2') ? 'scanpush.v2' : false) });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ url: req.url ?? '', authorization: req.headers.authorization, protocol: req.headers['sec-websocket-protocol'] });
    const decision = answer(req);
    if (decision !== 'accept') {
      const body = JSON.stringify({ error: { code: decision === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE', message: 'told by the test' } });
      socket.end(`HTTP/1.1 ${decision} No\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, onSocket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url, upgrades };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Records what a connector reports, and resolves `ended` at its close or refusal. */
function recorder() {
  const log: string[] = [];
  let finish: () => void = () => {};
  let open: () => void = () => {};
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  const events: SocketEvents = {
    onOpen: () => {
      log.push('open');
      open();
    },
    onMessage: (text) => log.push(`message ${text}`),
    onClose: (code, reason) => {
      log.push(`close ${code} ${reason}`);
      finish();
    },
    onRefused: (status, reason) => {
      log.push(`refused ${status} ${reason}`);
      finish();
    },
  };
  return { log, events, opened, ended };
}

// ws's class has the browser's interface; its constructor's overloads only hide it from the type.
const NodeWebSocket = WebSocket as unknown as BrowserSocketClass;

const STREAM = { memberId: 17, storeId: 2, token: 'tok en/1' };

describe('socketUrl', () => {
  it.each([
    ['http://h:8089', 'ws://h:8089/webSocket/17/2'],
    ['https://api.example.com/', 'wss://api.example.com/webSocket/17/2'],
    ['HTTPS://h/base//', 'wss://h/base/webSocket/17/2'],
    ['ws://h', 'ws://h/webSocket/17/2'],
  ])('%s → %s', (server, url) => expect(socketUrl(server, 17, 2)).toBe(url));

  it.each(['ftp://h', 'h:8089', 'http://', 'http://h/?x=1', ''])('refuses %j', (server) => {
    expect(() => socketUrl(server, 17, 2)).toThrow(/not an http\(s\) server URL/);
  });
});

describe('ws connector', () => {
  it('offers scanpush.v2 with the session in the Authorization header, and reports frames and the close', async () => {
    const srv = await serve(() => 'accept', (ws) => {
      ws.on('message', (data) => (String(data) === 'close me' ? ws.close(4001, 'session revoked') : ws.send(`echo ${String(data)}`)));
    });
    const r = recorder();
    const socket = wsConnect({ server: srv.url, ...STREAM })(r.events);
    await r.opened;
    socket.send('hello');
    socket.send('close me');
    await r.ended;
    socket.send('after the end');
    expect(srv.upgrades).toEqual([{ url: '/webSocket/17/2', authorization: 'Bearer tok en/1', protocol: 'scanpush.v2' }]);
    expect(r.log).toEqual(['open', 'message echo hello', 'close 4001 session revoked']);
  });

  it('reads a refused upgrade as its status and the server’s ErrorBody', async () => {
    const srv = await serve(() => 401);
    const r = recorder();
    wsConnect({ server: srv.url, ...STREAM })(r.events);
    await r.ended;
    expect(r.log).toEqual(['refused 401 UNAUTHORIZED: told by the test']);
  });

  it('reports a server that is not there as 1006 with the socket error', async () => {
    const srv = await serve(() => 'accept');
    await cleanups.pop()!();
    const r = recorder();
    wsConnect({ server: srv.url, ...STREAM })(r.events);
    await r.ended;
    expect(r.log).toEqual([expect.stringMatching(/^close 1006 .*ECONNREFUSED/)]);
  });

  it('carries a PushClient through resume, replay, synced and a live result', async () => {
    const srv = await serve(() => 'accept', (ws) => {
      ws.once('message', (data) => {
        expect(JSON.parse(String(data))).toEqual({ type: 'resume', epoch: 'e1', after: 1 });
        ws.send(JSON.stringify(result(2)));
        ws.send(JSON.stringify({ type: 'synced', epoch: 'e1', lastSeq: 2, complete: true }));
        ws.send(JSON.stringify(result(2)));
        ws.send(JSON.stringify(result(3)));
      });
    });
    const shown: string[] = [];
    const done = new Promise<void>((resolve) => {
      const client = new PushClient({
        connect: wsConnect({ server: srv.url, ...STREAM }),
        clock: systemClock,
        position: { epoch: 'e1', seq: 1 },
        onResult: (r, info) => {
          shown.push(`${r.seq}${info.replayed ? ' replayed' : ''}`);
          if (r.seq === 3) {
            client.stop();
            resolve();
          }
        },
      });
      client.start();
    });
    await done;
    expect(shown).toEqual(['2 replayed', '3']);
  });
});

describe('browser connector', () => {
  it('offers scanpush.v2 and puts the session in ?token= (a browser cannot set headers)', async () => {
    const srv = await serve(() => 'accept', (ws) => ws.send('hi'));
    const r = recorder();
    browserConnect({ server: srv.url, ...STREAM, WebSocket: NodeWebSocket })(r.events);
    await r.opened;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(srv.upgrades).toEqual([{ url: '/webSocket/17/2?token=tok%20en%2F1', authorization: undefined, protocol: 'scanpush.v2' }]);
    expect(r.log).toEqual(['open', 'message hi']);
  });

  it('sees a refused upgrade only as a 1006 close, once', async () => {
    const srv = await serve(() => 401);
    const r = recorder();
    browserConnect({ server: srv.url, ...STREAM, WebSocket: NodeWebSocket })(r.events);
    await r.ended;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.log).toEqual(['close 1006 ']);
  });
});

describe('wx connector', () => {
  function fakeWx() {
    const calls: Array<Record<string, unknown>> = [];
    const handlers: Record<string, (arg: never) => void> = {};
    const api: WxSocketApi = {
      connectSocket: (options) => {
        calls.push(options);
        return {
          onOpen: (fn) => (handlers.open = fn),
          onMessage: (fn) => (handlers.message = fn),
          onError: (fn) => (handlers.error = fn),
          onClose: (fn) => (handlers.close = fn),
          send: (o) => calls.push({ send: o.data }),
          close: (o) => calls.push({ close: o }),
        };
      },
    };
    const fire = (name: string, arg: unknown) => handlers[name]!(arg as never);
    return { api, calls, fire };
  }

  it('offers scanpush.v2 with the Authorization header, passes text frames, and reports one close for error + close', () => {
    const wx = fakeWx();
    const r = recorder();
    const socket = wxConnect({ server: 'https://api.example.com', ...STREAM, api: wx.api })(r.events);
    expect(wx.calls[0]).toMatchObject({
      url: 'wss://api.example.com/webSocket/17/2',
      header: { Authorization: 'Bearer tok en/1' },
      protocols: ['scanpush.v2'],
    });
    wx.fire('open', {});
    wx.fire('message', { data: '{"type":"pong"}' });
    wx.fire('message', { data: new ArrayBuffer(2) });
    socket.send('x');
    wx.fire('error', { errMsg: 'network down' });
    wx.fire('close', { code: 1006, reason: 'abnormal' });
    socket.send('after the end');
    expect(r.log).toEqual(['open', 'message {"type":"pong"}', 'close 1006 network down']);
    expect(wx.calls.slice(1)).toEqual([{ send: 'x' }]);
  });

  it('reports a connectSocket that failed at once as 1006', () => {
    const wx = fakeWx();
    const r = recorder();
    wxConnect({ server: 'http://10.0.0.2:8089', ...STREAM, api: wx.api })(r.events);
    (wx.calls[0]!.fail as (err: { errMsg: string }) => void)({ errMsg: 'connectSocket:fail url not in domain list' });
    wx.fire('close', { code: 1006, reason: '' });
    expect(r.log).toEqual(['close 1006 connectSocket:fail url not in domain list']);
  });
});
