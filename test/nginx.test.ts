import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { STRUCTURED_SUBPROTOCOL, decodeServerMessage, encodeMessage, socketPath, type ServerMessage } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { clientAddressFrom, trustedProxies } from '../apps/server/src/http/client-address.js';
import { TestSocket } from './helpers/client.js';
import { makeCertificates, renderNginxConfig, request, startNginx, type Certificates, type NginxVars, type RunningNginx } from './helpers/nginx.js';
import { startServer, type TestServer } from './helpers/server.js';

// Slow: real nginx (Debian's package, see scripts/ensure-system-deps.sh) in front of the real server, over
// TLS with a throwaway CA. Run apart with `npx vitest run test/nginx.test.ts`.

let dir: string;
let certs: Certificates;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-tls-'));
  certs = makeCertificates(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The shipped template's variables for loopback ports, the test certificate and one upstream. */
function vars(ports: { httpsPort: number; httpPort: number }, upstreamPort: number, readTimeout = '75s'): NginxVars {
  return {
    SCANPUSH_DOMAIN: 'localhost',
    SCANPUSH_HTTPS_LISTEN: `127.0.0.1:${ports.httpsPort}`,
    SCANPUSH_HTTP_LISTEN: `127.0.0.1:${ports.httpPort}`,
    SCANPUSH_CERT: certs.certPath,
    SCANPUSH_CERT_KEY: certs.keyPath,
    SCANPUSH_UPSTREAM: `127.0.0.1:${upstreamPort}`,
    SCANPUSH_SOCKET_READ_TIMEOUT: readTimeout,
  };
}

/** The real server behind nginx rendered from the shipped config; `edit` may change the rendered text. */
async function stack(opts: { env?: Record<string, string>; readTimeout?: string; edit?: (conf: string) => string } = {}) {
  const srv = await startServer({ env: opts.env ?? {} });
  const nginx = await startNginx((ports) => (opts.edit ?? ((c) => c))(renderNginxConfig(vars(ports, srv.port, opts.readTimeout))));
  const https = `https://127.0.0.1:${nginx.httpsPort}`;
  return {
    srv,
    nginx,
    https,
    wss: `wss://127.0.0.1:${nginx.httpsPort}`,
    api: <T = any>(path: string, init: Parameters<typeof request>[1] = {}) => request<T>(https + path, { ...init, ca: certs.caPem }),
    async stop() {
      await nginx.stop();
      await srv.stop();
    },
  };
}
type Stack = Awaited<ReturnType<typeof stack>>;

async function login(s: Stack, userId = 17): Promise<string> {
  const answer = await s.api('/api/auth/dev', { body: { userId } });
  expect(answer.status).toBe(200);
  return answer.body.token as string;
}

async function scanThrough(s: Stack, memberToken: string) {
  const qr = await s.api('/api/qr', { token: memberToken, body: { storeId: 2 } });
  expect(qr.status).toBe(200);
  return s.api('/api/scans', { token: s.srv.demoMerchantKey, body: { qr: qr.body.token } });
}

/** Opens the member socket over wss:// trusting only the test CA; rejects with the status of a refusal. */
async function openSocket(s: Stack, token: string, structured = false): Promise<TestSocket> {
  const ws = new WebSocket(s.wss + socketPath(17, 2), structured ? [STRUCTURED_SUBPROTOCOL] : [], {
    ca: certs.caPem,
    headers: { authorization: `Bearer ${token}` },
  });
  const socket = new TestSocket(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return socket;
}

/** The HTTP status a handshake got: 101 when it upgraded, the refusal's status otherwise. */
function handshakeStatus(s: Stack, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(s.wss + socketPath(17, 2), { ca: certs.caPem, headers: { authorization: `Bearer ${token}` } });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.once('error', reject);
  });
}

describe('through nginx over TLS', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack();
  });
  afterAll(() => s.stop());

  it('logs in, connects over wss://, scans over https://, and the seed text arrives', async () => {
    const token = await login(s);
    const socket = await openSocket(s, token);
    const answer = await scanThrough(s, token);
    expect(answer.status).toBe(200);
    expect(answer.body.result).toMatchObject({ code: 0, remaining: 9 });
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');
    socket.close();
    await socket.closed;
  });

  it('speaks the structured dialect and resumes after the connection dropped', async () => {
    const token = await login(s);
    const first = await openSocket(s, token, true);
    expect(first.ws.protocol).toBe(STRUCTURED_SUBPROTOCOL);
    first.ws.send(encodeMessage({ type: 'resume', after: 0 }));
    const before = await untilSynced(first);
    const lastSeen = before.synced.lastSeq;
    const epoch = before.synced.epoch;

    expect((await scanThrough(s, token)).status).toBe(200);
    const live = decodeServerMessage(await first.next());
    expect(live).toMatchObject({ ok: true, value: { type: 'result', seq: lastSeen + 1, code: 0 } });
    const remainingLive = (live as { value: { remaining: number } }).value.remaining;

    // The network drops: no close frame, nginx and the server only see the TCP connection end.
    first.ws.terminate();
    await first.closed;
    expect((await scanThrough(s, token)).status).toBe(200);
    expect((await scanThrough(s, token)).status).toBe(200);

    const second = await openSocket(s, token, true);
    second.ws.send(encodeMessage({ type: 'resume', epoch, after: lastSeen + 1 }));
    const replay = await untilSynced(second);
    expect(replay.results.map((r) => [r.seq, r.remaining])).toEqual([
      [lastSeen + 2, remainingLive - 1],
      [lastSeen + 3, remainingLive - 2],
    ]);
    expect(replay.synced).toEqual({ type: 'synced', epoch, lastSeq: lastSeen + 3, complete: true });
    second.close();
    await second.closed;
  });

  it('refuses a TLS 1.1 handshake and negotiates TLS 1.2 and 1.3', async () => {
    // SECLEVEL=0 lets Node's OpenSSL 3 offer TLS 1.1 at all, so the refusal seen is nginx's. The alert
    // matters: with TLSv1.1 put back into ssl_protocols, Debian's OpenSSL still refuses, but with
    // handshake_failure (no TLS 1.1 cipher at its security level); protocol_version is our ssl_protocols.
    const old = await tlsHandshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(old).toMatchObject({ ok: false, code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    expect(await tlsHandshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toEqual({ ok: true, protocol: 'TLSv1.2' });
    expect(await tlsHandshake({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' })).toEqual({ ok: true, protocol: 'TLSv1.3' });
  });

  it('redirects plain HTTP to https and sends HSTS over https', async () => {
    const plain = await request(`http://127.0.0.1:${s.nginx.httpPort}/api/cards?x=1`);
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe('https://localhost/api/cards?x=1');
    const health = await s.api('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true });
    expect(health.headers['strict-transport-security']).toBe('max-age=63072000');
  });

  it('keeps /metrics off the internet while the server still serves it on its own port', async () => {
    expect((await s.api('/metrics')).status).toBe(403);
    expect((await request(`${s.srv.url}/metrics`)).status).toBe(200);
  });

  function tlsHandshake(opts: { minVersion: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }) {
    return new Promise<{ ok: true; protocol: string | null } | { ok: false; code: string | undefined }>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: s.nginx.httpsPort, servername: 'localhost', ca: certs.caPem, ...opts });
      socket.once('secureConnect', () => {
        resolve({ ok: true, protocol: socket.getProtocol() });
        socket.destroy();
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, code: err.code }));
    });
  }
});

describe('rate limits at nginx', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack();
  });
  afterAll(() => s.stop());

  it('answers a burst of logins beyond the limit with 429 in the API error shape', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => s.api('/api/auth/dev', { body: { userId: 17 } })));
    const statuses = answers.map((a) => a.status);
    // 30 r/m with a burst of 20: at least the first 20 pass, and 40 at once cannot all pass.
    expect(statuses.filter((st) => st === 200).length).toBeGreaterThanOrEqual(20);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.body).toEqual({ error: { code: 'RATE_LIMITED', message: 'Too many requests' } });
  });
});

describe('the client address behind nginx', () => {
  it('reaches the server in the forwarding headers, a client-written X-Forwarded-For replaced', async () => {
    // An upstream that answers what nginx told it, and what the server makes of that trusting nginx.
    const trusted = trustedProxies(['127.0.0.1']);
    const upstream = createServer((req, res) => {
      const headers = { forwardedFor: req.headers['x-forwarded-for'] as string | undefined, realIp: req.headers['x-real-ip'] as string | undefined };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ...headers, proto: req.headers['x-forwarded-proto'], peer: req.socket.remoteAddress, client: clientAddressFrom(req.socket.remoteAddress, headers, trusted) }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    const nginx = await startNginx((ports) => renderNginxConfig(vars(ports, port)));
    try {
      // The client connects from another loopback address than nginx's own, so the two can be told apart.
      const answer = await request(`https://127.0.0.1:${nginx.httpsPort}/api/whoami`, {
        ca: certs.caPem,
        headers: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6' },
        localAddress: '127.0.0.5',
      });
      expect(answer.body).toEqual({ forwardedFor: '127.0.0.5', realIp: '127.0.0.5', proto: 'https', peer: '127.0.0.1', client: '127.0.0.5' });
    } finally {
      await nginx.stop();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});

describe('the Upgrade and Connection headers in the /webSocket/ location', () => {
  it('are what makes the handshake through nginx succeed', async () => {
    let removed = 0;
    const without = await stack({
      edit: (conf) =>
        conf
          .split('\n')
          .filter((line) => !(/^\s*proxy_set_header\s+(Upgrade|Connection)\s+\$/.test(line) && ++removed))
          .join('\n'),
    });
    const ours = await stack();
    try {
      expect(removed).toBe(2);
      // As the seed describes: without the headers nginx forwards a plain GET, which the server answers
      // 400 UPGRADE_REQUIRED, and the client's handshake fails with "Unexpected response code: 400".
      expect(await handshakeStatus(without, await login(without))).toBe(400);
      expect(await handshakeStatus(ours, await login(ours))).toBe(101);
    } finally {
      await without.stop();
      await ours.stop();
    }
  });
});

describe('an idle member socket and a short proxy_read_timeout', () => {
  it('survives several timeouts thanks to the heartbeat, and is cut without one', async () => {
    const beating = await stack({ env: { HEARTBEAT_MS: '250' }, readTimeout: '1s' });
    const silent = await stack({ env: { HEARTBEAT_MS: '600000' }, readTimeout: '1s' });
    try {
      const token = await login(beating);
      const kept = await openSocket(beating, token);
      const cut = await openSocket(silent, await login(silent));
      let keptClosed = false;
      void kept.closed.then(() => (keptClosed = true));

      // Four read timeouts long, with nothing sent by either application.
      await new Promise((r) => setTimeout(r, 4_000));
      expect(keptClosed).toBe(false);
      expect((await cut.closed).code).toBe(1006);

      expect((await scanThrough(beating, token)).status).toBe(200);
      expect(await kept.next()).toBe('0_扣费成功_剩余次数: 9');
      kept.close();
      await kept.closed;
    } finally {
      await beating.stop();
      await silent.stop();
    }
  });
});

/** Reads results until `synced`. */
async function untilSynced(socket: TestSocket) {
  const results: Array<Extract<ServerMessage, { type: 'result' }>> = [];
  for (;;) {
    const decoded = decodeServerMessage(await socket.next());
    if (!decoded.ok) throw new Error(decoded.reason);
    if (decoded.value.type === 'synced') return { results, synced: decoded.value };
    if (decoded.value.type === 'result') results.push(decoded.value);
  }
}
