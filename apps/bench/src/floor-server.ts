/**
 * The floor: bare `ws` + `node:http` doing the same push with nothing else — no authentication, no
 * signature check, no database, counts in memory — as the issue's "floor" peer. Measured with the same
 * clients on the same machine in the same session, it tells how much of a figure is the machine.
 * Speaks just enough of scanpush's protocol for the bench: POST /api/scans, GET /healthz, the socket path.
 */
import http from 'node:http';
import { formatPushText, parseQrToken, parseSocketPath } from '@scanpush/shared';
import { WebSocketServer, type WebSocket } from 'ws';

const counts = new Map<number, number>();
const byMember = new Map<number, Set<WebSocket>>();
let open = 0;

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/api/scans') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const token = parseQrToken((JSON.parse(body) as { qr: string }).qr);
      if (!token.ok) return answer(res, 422, { error: { code: 'QR_INVALID' } });
      const { memberId, storeId } = token.value.claims;
      const remaining = (counts.get(memberId) ?? 1_000_000) - 1;
      counts.set(memberId, remaining);
      const text = formatPushText('OK', remaining);
      for (const ws of byMember.get(memberId) ?? []) ws.send(text);
      answer(res, 200, { result: { code: 0, ok: true, text, remaining, memberId, storeId } });
    });
    return;
  }
  if (req.url === '/healthz') return answer(res, 200, { ok: true, sockets: open });
  if (req.url === '/metrics') return answer(res, 200, '');
  answer(res, 404, { error: { code: 'NOT_FOUND' } });
});

server.on('upgrade', (req, socket, head) => {
  const path = parseSocketPath(req.url ?? '');
  if (!path.ok) return socket.destroy();
  const { memberId } = path.value;
  wss.handleUpgrade(req, socket, head, (ws) => {
    let set = byMember.get(memberId);
    if (!set) byMember.set(memberId, (set = new Set()));
    set.add(ws);
    open++;
    ws.on('close', () => {
      set.delete(ws);
      open--;
    });
  });
});

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  // The line the bench waits for, in the server's own log shape.
  process.stdout.write(`${JSON.stringify({ level: 30, msg: 'scanpush listening', url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
