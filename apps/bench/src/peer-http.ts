/**
 * What the bench's two peers (floor-server.ts, socketio-server.ts) share: the scan endpoint over an
 * in-memory counter (or a durable one, durable-counter.ts), speaking just enough of scanpush's HTTP API
 * for the bench (POST /api/scans with the floor's answer, GET /healthz), and the start-up line the bench
 * waits for. Each peer brings its push.
 */
import http from 'node:http';
import { formatPushText, parseQrToken } from '@scanpush/shared';

export interface Peer {
  /** Sends the push text to the member's sockets. */
  push(memberId: number, text: string): void;
  /** Sockets open now, for /healthz. */
  sockets(): number;
  /** The /metrics body (the bench reads only what it knows). */
  metrics(): string;
}

/** Takes one use of the member's card at the store for the QR `nonce`; answers the uses left. */
export type TakeUse = (memberId: number, storeId: number, nonce: string) => number;

/** The peers' default: counts in memory, nothing written. */
function inMemory(): TakeUse {
  const counts = new Map<number, number>();
  return (memberId) => {
    const remaining = (counts.get(memberId) ?? 1_000_000) - 1;
    counts.set(memberId, remaining);
    return remaining;
  };
}

export function peerServer(peer: Peer, take: TakeUse = inMemory()): http.Server {
  return http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/scans') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const token = parseQrToken((JSON.parse(body) as { qr: string }).qr);
        if (!token.ok) return answer(res, 422, { error: { code: 'QR_INVALID' } });
        const { memberId, storeId, nonce } = token.value.claims;
        const remaining = take(memberId, storeId, nonce);
        const text = formatPushText('OK', remaining);
        // The push leaves before the answer, as scanpush's does.
        peer.push(memberId, text);
        answer(res, 200, { result: { code: 0, ok: true, text, remaining, memberId, storeId } });
      });
      return;
    }
    if (req.url === '/healthz') return answer(res, 200, { ok: true, sockets: peer.sockets() });
    if (req.url === '/metrics') return answer(res, 200, peer.metrics());
    answer(res, 404, { error: { code: 'NOT_FOUND' } });
  });
}

/** Listens on an ephemeral loopback port and prints the line the bench waits for, in scanpush's log shape. */
export function listen(server: http.Server): void {
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ level: 30, msg: 'scanpush listening', url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
