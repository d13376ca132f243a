import { connect, type Socket } from 'node:net';
import { API_ERROR_CODES, CLOSE_CODES } from '@scanpush/shared';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { devLogin } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

// The edge of the HTTP server, where no route runs or none fits: what Node's parser refuses, methods a
// path does not take, refused upgrades, oversized frames, slow clients, and where /metrics is served.
// Every answer is the one error shape.

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(env: Record<string, string> = {}): Promise<TestServer> {
  const srv = await startServer({ env });
  servers.push(srv);
  return srv;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (after its answer, or without one: status 0). */
  closedAt: number;
}

/** Writes raw bytes (and later ones, if given) on a fresh connection and reads until the server closes it. */
function raw(port: number, chunks: string[], opts: { gapMs?: number; maxMs?: number; halfClose?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let data = '';
    const started = Date.now();
    const timers: NodeJS.Timeout[] = [];
    const give = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open ${opts.maxMs ?? 30_000} ms; read so far: ${JSON.stringify(data)}`));
    }, opts.maxMs ?? 30_000);
    socket.on('connect', () => {
      chunks.forEach((chunk, i) => timers.push(setTimeout(() => socket.writable && socket.write(chunk), i * (opts.gapMs ?? 0))));
      if (opts.halfClose) timers.push(setTimeout(() => socket.end(), chunks.length * (opts.gapMs ?? 0)));
    });
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(give);
      timers.forEach(clearTimeout);
      resolve({ ...parse(data), closedAt: Date.now() - started });
    });
  });
}

function parse(text: string): Omit<RawAnswer, 'closedAt'> {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: text };
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** The one error shape, with a code from the catalog and the request id the header names. */
function expectErrorShape(answer: { headers: Record<string, string> | Headers; body: string }, code: string): void {
  const header = (name: string) => (answer.headers instanceof Headers ? answer.headers.get(name) : answer.headers[name]);
  expect(header('content-type')).toBe('application/json');
  const body = JSON.parse(answer.body) as { error: { code: string; message: string; requestId: string } };
  expect(API_ERROR_CODES).toContain(body.error.code);
  expect(body.error).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
  expect(body.error.requestId).toBe(header('x-request-id'));
}

describe('requests Node refuses before any route', () => {
  it('answers headers over the limit with 431 HEADERS_TOO_LARGE in the one shape', async () => {
    const srv = await server();
    const answer = await raw(srv.port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(answer.status).toBe(431);
    expectErrorShape(answer, 'HEADERS_TOO_LARGE');
  });

  it.each([
    ['a request line that is not HTTP', 'garbage\r\n\r\n'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'],
    ['a bad Content-Length', 'POST /api/scans HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n'],
    ['a bad chunk size', 'POST /api/scans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
  ])('answers %s with 400 MALFORMED_REQUEST in the one shape', async (_what, request) => {
    const srv = await server();
    const answer = await raw(srv.port, [request]);
    expect(answer.status).toBe(400);
    expectErrorShape(answer, 'MALFORMED_REQUEST');
  });
});

describe('requests Node would answer with a bare status line, or not at all', () => {
  it.each([
    ['no Host header', 'GET /healthz HTTP/1.1\r\n\r\n'],
    ['HTTP/1.0 without Host', 'GET /healthz HTTP/1.0\r\n\r\n'],
    ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a backslash in the path', 'GET /api\\cards HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('answers %s with 400 MALFORMED_REQUEST in the one shape', async (_what, request) => {
    const srv = await server();
    const answer = await raw(srv.port, [request]);
    expect(answer.status).toBe(400);
    expectErrorShape(answer, 'MALFORMED_REQUEST');
  });

  it('answers CONNECT with 405 and Allow: it is no proxy', async () => {
    const srv = await server();
    const answer = await raw(srv.port, ['CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD, POST');
    expectErrorShape(answer, 'METHOD_NOT_ALLOWED');
  });

  it('serves a request with an Expect it does not know instead of a bare 417', async () => {
    const srv = await server();
    const answer = await raw(srv.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nConnection: close\r\n\r\n']);
    expect(answer.status).toBe(200);
  });

  it('answers a client that half-closes after its request, then closes', async () => {
    const srv = await server();
    const answer = await raw(srv.port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n'], { halfClose: true });
    expect(answer.status).toBe(200);
  });

  it('lets go of a refused upgrade that came with a body nobody reads', async () => {
    const srv = await server();
    const body = 'x'.repeat(70_000);
    const answer = await raw(srv.port, [`POST /x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: ${body.length}\r\n\r\n${body}`]);
    expect(answer.status).toBe(404);
    expectErrorShape(answer, 'NOT_FOUND');
    // The socket was a leak when the server never read past the head: stop() waited for it for ever.
    servers.splice(servers.indexOf(srv), 1);
    await srv.stop();
  });
});

describe('methods', () => {
  it.each([
    ['GET', '/api/scans', 'POST'],
    ['DELETE', '/healthz', 'GET, HEAD'],
    ['PUT', '/api/cards/2/history', 'GET, HEAD'],
    ['POST', '/api/notifications', 'GET, HEAD'],
    ['PATCH', '/api/qr', 'POST'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const srv = await server();
    const res = await fetch(srv.url + path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expectErrorShape({ headers: res.headers, body: await res.text() }, 'METHOD_NOT_ALLOWED');
  });

  it('still answers 404 for a path no method has', async () => {
    const srv = await server();
    const res = await fetch(`${srv.url}/api/nothing-here`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.headers.get('allow')).toBeNull();
    expectErrorShape({ headers: res.headers, body: await res.text() }, 'NOT_FOUND');
  });
});

describe('the socket edge', () => {
  it('gives a refused upgrade a request id, as every other answer', async () => {
    const srv = await server();
    const answer = await raw(srv.port, ['GET /webSocket/17/2 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Request-Id: trace-7\r\n\r\n']);
    expect(answer.status).toBe(401);
    expectErrorShape(answer, 'UNAUTHORIZED');
    expect(answer.headers['x-request-id']).toBe('trace-7');
  });

  it('survives a frame whose type cannot be turned into text, closing that socket only with 4000', async () => {
    const srv = await server();
    const token = await devLogin(srv.url);
    const ws = new WebSocket(`${srv.wsUrl}/webSocket/17/2`, ['scanpush.v2'], { headers: { authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // String() of this throws; it once ended the server process.
    ws.send('{"type":{"toString":0}}');
    expect(await closed).toBe(CLOSE_CODES.BAD_FRAME.code);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });

  it('answers an upgrade whose target is no path with 400, not 500', async () => {
    const srv = await server();
    const answer = await raw(srv.port, ['GET // HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n']);
    expect(answer.status).toBe(400);
    expectErrorShape(answer, 'VALIDATION_FAILED');
  });

  it('closes a socket that sends a frame over 4 KiB with 1009 and the catalog reason', async () => {
    const srv = await server();
    const token = await devLogin(srv.url);
    const ws = new WebSocket(`${srv.wsUrl}/webSocket/17/2`, ['scanpush.v2'], { headers: { authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    ws.send('x'.repeat(5000));
    expect(await closed).toEqual([CLOSE_CODES.MESSAGE_TOO_BIG.code, CLOSE_CODES.MESSAGE_TOO_BIG.reason]);
  });
});

describe('slow clients', () => {
  // Short limits so the test is short; the defaults (10 s, 15 s, 75 s) are in the README's table.
  const limits = { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_KEEPALIVE_TIMEOUT_MS: '1000' };
  // Node checks its connections once a second: a stalled request is cut within its limit and that second.
  // The slack is for a loaded machine, and is far below Node's default (a stalled head lived 40 s).
  const SLACK_MS = 4_000;

  it('cuts a request head that stalls, with 408 in the one shape, while others are served', async () => {
    const srv = await server(limits);
    const stalled = raw(srv.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n'], { gapMs: 300 });
    const served: number[] = [];
    for (let i = 0; i < 5; i++) {
      served.push((await fetch(`${srv.url}/healthz`)).status);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(served).toEqual([200, 200, 200, 200, 200]);
    const answer = await stalled;
    expect(answer.status).toBe(408);
    expectErrorShape(answer, 'REQUEST_TIMEOUT');
    expect(answer.closedAt).toBeGreaterThanOrEqual(1000);
    expect(answer.closedAt).toBeLessThan(1000 + 1000 + SLACK_MS);
  });

  it('cuts a request whose body stalls, with 408, and records nothing', async () => {
    const srv = await server(limits);
    const head = `POST /api/scans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.demoMerchantKey}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const answer = await raw(srv.port, [head, '{"qr":"SP']);
    expect(answer.status).toBe(408);
    expectErrorShape(answer, 'REQUEST_TIMEOUT');
    expect(answer.closedAt).toBeLessThan(2000 + 1000 + SLACK_MS);
    expect((await srv.storage.cards.getCard(17, 2))?.remaining).toBe(10);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });

  it("never cuts a long-poll the server itself holds longer than the request limit", async () => {
    const srv = await server(limits);
    const token = await devLogin(srv.url);
    const headers = { authorization: `Bearer ${token}` };
    const head = (await (await fetch(`${srv.url}/api/notifications?storeId=2&after=0&wait=0`, { headers })).json()) as { epoch: string; lastSeq: number };
    const started = Date.now();
    const res = await fetch(`${srv.url}/api/notifications?storeId=2&epoch=${head.epoch}&after=${head.lastSeq}&wait=3`, { headers });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
  });

  it('closes an idle keep-alive connection after its limit', async () => {
    const srv = await server(limits);
    const answer = await raw(srv.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(answer.status).toBe(200);
    expect(answer.closedAt).toBeGreaterThanOrEqual(1000);
    expect(answer.closedAt).toBeLessThan(1000 + 1000 + SLACK_MS);
  });
});

describe('/metrics', () => {
  it('is off in production unless a port of its own or a token is set', async () => {
    const srv = await server({ NODE_ENV: 'production' });
    const res = await fetch(`${srv.url}/metrics`);
    expect(res.status).toBe(404);
    expectErrorShape({ headers: res.headers, body: await res.text() }, 'NOT_FOUND');
  });

  it('needs METRICS_TOKEN when it is set', async () => {
    const srv = await server({ NODE_ENV: 'production', METRICS_TOKEN: 'scrape-me-0123456789' });
    const refused = await fetch(`${srv.url}/metrics`);
    expect(refused.status).toBe(401);
    expectErrorShape({ headers: refused.headers, body: await refused.text() }, 'UNAUTHORIZED');
    expect((await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const scraped = await fetch(`${srv.url}/metrics`, { headers: { authorization: 'Bearer scrape-me-0123456789' } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('scanpush_scan_results_total');
  });

  it('moves to a listener of its own with METRICS_PORT, which serves nothing else', async () => {
    const srv = await server({ NODE_ENV: 'production', METRICS_PORT: '0' });
    const port = srv.server.metricsPort;
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(srv.port);
    expect((await fetch(`${srv.url}/metrics`)).status).toBe(404);
    const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('process_resident_memory_bytes');
    const other = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(other.status).toBe(404);
    expectErrorShape({ headers: other.headers, body: await other.text() }, 'NOT_FOUND');
  });

  it('stays open on the main port outside production, for development', async () => {
    const srv = await server();
    expect((await fetch(`${srv.url}/metrics`)).status).toBe(200);
  });
});
