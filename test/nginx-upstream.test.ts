import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STRUCTURED_SUBPROTOCOL, decodeServerMessage, encodeMessage, socketPath, type ServerMessage } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TestSocket } from './helpers/client.js';
import { freePort, makeCertificates, renderNginxConfig, request, startNginx, withUpstreams, type Certificates, type RunningNginx } from './helpers/nginx.js';
import { startNodes, type TestNodes } from './helpers/nodes.js';
import type { TestServer } from './helpers/server.js';

// Slow: the shipped nginx template with an upstream of several nodes (deploy/nginx/scanpush.conf), in front
// of stand-in upstreams that fail on purpose, and of two real nodes on PostgreSQL and Redis (in this process;
// test/multi-node kills separate processes). Run apart with `npx vitest run test/nginx-upstream.test.ts`.

let dir: string;
let certs: Certificates;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-upstream-'));
  certs = makeCertificates(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** nginx from the shipped template, its upstream listing `addresses` in this order. */
function startFront(addresses: string[]): Promise<RunningNginx> {
  return startNginx((ports) =>
    withUpstreams(
      renderNginxConfig({
        SCANPUSH_DOMAIN: 'localhost',
        SCANPUSH_HTTPS_LISTEN: `127.0.0.1:${ports.httpsPort}`,
        SCANPUSH_HTTP_LISTEN: `127.0.0.1:${ports.httpPort}`,
        SCANPUSH_CERT: certs.certPath,
        SCANPUSH_CERT_KEY: certs.keyPath,
        SCANPUSH_UPSTREAM: addresses[0]!,
        SCANPUSH_SOCKET_READ_TIMEOUT: '75s',
      }),
      addresses,
    ),
  );
}

describe('withUpstreams', () => {
  it('copies the template’s server line, parameters included, once per further node', () => {
    const conf = 'upstream scanpush {\n    zone z 64k;\n    server 10.0.0.1:8089 max_fails=2 fail_timeout=10s;\n    keepalive 16;\n}';
    expect(withUpstreams(conf, ['10.0.0.1:8089', '10.0.0.2:8089'])).toBe(
      'upstream scanpush {\n    zone z 64k;\n    server 10.0.0.1:8089 max_fails=2 fail_timeout=10s;\n    server 10.0.0.2:8089 max_fails=2 fail_timeout=10s;\n    keepalive 16;\n}',
    );
    expect(() => withUpstreams(conf, ['10.0.0.9:8089'])).toThrow(/no `server 10.0.0.9:8089` line/);
  });
});

/** A stand-in upstream that records the probe id of every request, and either answers or drops it. */
async function standIn(behaviour: 'answers' | 'drops'): Promise<{ address: string; seen: Array<{ method: string; id: string }>; close(): Promise<void> }> {
  const seen: Array<{ method: string; id: string }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', id: String(req.headers['x-probe'] ?? '') });
      // Dropped after the whole request arrived: the node died between receiving a request and answering.
      if (behaviour === 'drops') return req.socket.destroy();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ answeredBy: 'stand-in' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the upstream’s retry rule', () => {
  it('sends a request no node received to the next node, whatever its method', async () => {
    const answering = await standIn('answers');
    // Nothing listens there: every connection to it is refused, as to a stopped node.
    const front = await startFront([`127.0.0.1:${await freePort()}`, answering.address]);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const answer = await request(`https://127.0.0.1:${front.httpsPort}/api/scans`, { ca: certs.caPem, headers: { 'x-probe': `p${i}` }, body: { qr: 'x' } });
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(answering.seen.map((s) => s.id)).toEqual(['p0', 'p1', 'p2', 'p3']);
      // nginx did try the stopped node first (it is first in the upstream and had no connection).
      expect(front.log()).toMatch(/Connection refused\) while connecting to upstream/);
    } finally {
      await front.stop();
      await answering.close();
    }
  });

  it('never sends a POST a node received and lost to another node, and does retry a GET', async () => {
    const dropping = await standIn('drops');
    const answering = await standIn('answers');
    const front = await startFront([dropping.address, answering.address]);
    const send = (method: 'GET' | 'POST', id: string) =>
      request(`https://127.0.0.1:${front.httpsPort}${method === 'POST' ? '/api/scans' : '/api/cards'}`, {
        method,
        ca: certs.caPem,
        headers: { 'x-probe': id },
        body: method === 'POST' ? { qr: 'x' } : undefined,
      });
    const reached = (who: typeof dropping, id: string) => who.seen.some((s) => s.id === id);
    try {
      // Until a POST lands on the dropping node (the balancer alternates: one or two tries).
      let lostPost: Awaited<ReturnType<typeof send>> | undefined;
      for (let i = 0; i < 4 && !lostPost; i++) {
        const answer = await send('POST', `post${i}`);
        if (reached(dropping, `post${i}`)) {
          lostPost = answer;
          // The scan may have committed there: the answering node must never see it.
          expect(reached(answering, `post${i}`)).toBe(false);
        } else {
          expect(answer.status).toBe(200);
        }
      }
      expect(lostPost?.status).toBe(502);
      expect(lostPost?.body).toEqual({
        error: { code: 'UNAVAILABLE', message: 'No server answered: retry (a scan with the same Idempotency-Key)' },
      });

      // A GET the dropping node lost is answered by the other one.
      let retriedGet = false;
      for (let i = 0; i < 4 && !retriedGet; i++) {
        const answer = await send('GET', `get${i}`);
        expect(answer.status).toBe(200);
        retriedGet = reached(dropping, `get${i}`) && reached(answering, `get${i}`);
      }
      expect(retriedGet).toBe(true);
    } finally {
      await front.stop();
      await dropping.close();
      await answering.close();
    }
  });
});

describe('two nodes on PostgreSQL and Redis behind nginx', () => {
  let cluster: TestNodes;
  let front: RunningNginx;
  const api = <T = any>(path: string, init: Parameters<typeof request>[1] = {}) => request<T>(`https://127.0.0.1:${front.httpsPort}${path}`, { ...init, ca: certs.caPem });

  beforeAll(async () => {
    cluster = await startNodes(2);
    front = await startFront(cluster.nodes.map((n) => `127.0.0.1:${n.port}`));
  });
  afterAll(async () => {
    await front?.stop();
    await cluster?.stop();
  });

  /** The structured socket of member 17 at store 2, through nginx, resumed after `after` and synced. */
  async function openSocket(token: string, position: { epoch?: string; after: number }) {
    const ws = new WebSocket(`wss://127.0.0.1:${front.httpsPort}${socketPath(17, 2)}`, [STRUCTURED_SUBPROTOCOL], {
      ca: certs.caPem,
      headers: { authorization: `Bearer ${token}` },
    });
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    ws.send(encodeMessage({ type: 'resume', ...position }));
    for (let i = 0; i < 100; i++) {
      const message = decode(await socket.next());
      if (message.type === 'synced') return { socket, synced: message };
    }
    throw new Error('no synced within 100 messages');
  }

  /** Sockets open on each node, in the order of cluster.nodes. */
  const socketsPerNode = () => cluster.nodes.map((n) => n.server.openSockets());

  /**
   * A scan through nginx. Its QR is minted on the node that keeps running, not through nginx: with a second
   * request per scan, the balancer's alternation could send every scan to the same node.
   */
  async function scan(token: string, key: string) {
    const qr = await request(`${cluster.nodes[1]!.url}/api/qr`, { token, body: { storeId: 2 } });
    expect(qr.status).toBe(200);
    return api('/api/scans', { token: cluster.shared.demoMerchantKey, body: { qr: qr.body.token }, headers: { 'idempotency-key': key } });
  }

  /** The next `count` results on a socket, as [seq, remaining]. */
  async function results(socket: TestSocket, count: number): Promise<Array<[number, number | null]>> {
    const got: Array<[number, number | null]> = [];
    while (got.length < count) {
      const message = decode(await socket.next(10_000));
      if (message.type === 'result') got.push([message.seq, message.remaining]);
    }
    return got;
  }

  it('spreads sockets and scans over both nodes with every push on both sockets, goes on through one node while the other is stopped, and fills the node that comes back', async () => {
    const login = await api('/api/auth/dev', { body: { userId: 17 } });
    expect(login.status).toBe(200);
    const token = login.body.token as string;

    // Two sockets, one on each node.
    const first = await openSocket(token, { after: 0 });
    const firstOn = socketsPerNode().indexOf(1);
    const second = await openSocket(token, { after: 0 });
    expect(socketsPerNode()).toEqual([1, 1]);
    const epoch = first.synced.epoch;

    // Scans through nginx land on either node; each result reaches both sockets, one of them on the other node.
    for (let i = 1; i <= 6; i++) expect((await scan(token, `two-${i}`)).status).toBe(200);
    const expected = [1, 2, 3, 4, 5, 6].map((seq): [number, number] => [seq, 10 - seq]);
    expect(await results(first.socket, 6)).toEqual(expected);
    expect(await results(second.socket, 6)).toEqual(expected);
    const scansPerNode = await Promise.all(cluster.nodes.map((n) => okScans(n)));
    expect(scansPerNode.every((n) => n > 0)).toBe(true);
    expect(scansPerNode.reduce((a, b) => a + b)).toBe(6);
    const crossNode = await Promise.all(cluster.nodes.map((n) => metric(n, 'scanpush_broker_events_received_total')));
    expect(crossNode.every((n) => n > 0)).toBe(true);

    // One node stops (a rolling restart, say): its socket is told to go away, and reconnects through nginx.
    const [stopping, staying] = cluster.nodes as [TestServer, TestServer];
    const [onStopping, onStaying] = firstOn === 0 ? [first, second] : [second, first];
    await stopping.stop();
    expect((await onStopping.socket.closed).code).toBe(1001);
    const reconnected = await openSocket(token, { epoch, after: 6 });
    expect(reconnected.synced).toEqual({ type: 'synced', epoch, lastSeq: 6, complete: true });
    expect(staying.server.openSockets()).toBe(2);

    // Everything goes on through the node left, the stopped one tried and skipped without an error answer.
    for (let i = 7; i <= 9; i++) expect((await scan(token, `one-${i}`)).status).toBe(200);
    const after = [7, 8, 9].map((seq): [number, number] => [seq, 10 - seq]);
    expect(await results(reconnected.socket, 3)).toEqual(after);
    expect(await results(onStaying.socket, 3)).toEqual(after);
    expect(front.log()).toMatch(/Connection refused\) while connecting to upstream/);
    expect((await staying.storage.cards.getCard(17, 2))?.remaining).toBe(1);
    expect((await staying.storage.audit()).problems).toEqual([]);

    // The node comes back on its port. nginx took it out after two refused connections; fail_timeout (10 s)
    // later it lets one connection through as a probe, and the node is back once a probe has ended well (a
    // probe that is a socket keeps it on probation while it lasts). Then least_conn sends it the new sockets
    // until the two are level, where round robin would alternate.
    const back = await cluster.restart(0);
    for (let deadline = Date.now() + 25_000, reached = false; !reached; ) {
      if (Date.now() > deadline) throw new Error('no socket reached the restarted node within 25 s');
      const probe = await openSocket(token, { epoch, after: 9 });
      reached = back.server.openSockets() === 1;
      probe.socket.close();
      await probe.socket.closed;
      await waitFor(() => back.server.openSockets() === 0 && staying.server.openSockets() === 2);
      if (!reached) await new Promise((r) => setTimeout(r, 500));
    }
    const landed = [(await openSocket(token, { epoch, after: 9 })).socket, (await openSocket(token, { epoch, after: 9 })).socket];
    expect([back.server.openSockets(), staying.server.openSockets()]).toEqual([2, 2]);
    expect((await scan(token, 'back-10')).status).toBe(200);
    for (const s of [...landed, reconnected.socket, onStaying.socket]) expect(await results(s, 1)).toEqual([[10, 0]]);

    for (const s of [...landed, reconnected.socket, onStaying.socket]) {
      s.close();
      await s.closed;
    }
  });
});

/** Polls `done` every 20 ms for up to 5 s. */
async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!done()) throw new Error(`not within 5 s: ${done.toString()}`);
}

function decode(frame: string): ServerMessage {
  const decoded = decodeServerMessage(frame);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value;
}

/** A counter of a node's /metrics (its own port, as Prometheus scrapes it), summed over its labels. */
async function metric(node: TestServer, name: string, labels = ''): Promise<number> {
  const text = (await request(`${node.url}/metrics`)).text;
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m?.[1] === name && (m[2] ?? '').includes(labels)) sum += Number(m[3]);
  }
  return sum;
}

const okScans = (node: TestServer) => metric(node, 'scanpush_scan_results_total', 'result="OK"');
