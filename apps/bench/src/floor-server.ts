/**
 * The floor: bare `ws` + `node:http` doing the same push with nothing else — no authentication, no
 * signature check, no database, counts in memory — as the "floor" peer. Measured with the same
 * clients on the same machine in the same session, it tells how much of a figure is the machine.
 * Speaks just enough of scanpush's protocol for the bench: POST /api/scans, GET /healthz, the socket path.
 */
import { parseSocketPath } from '@scanpush/shared';
import { WebSocketServer, type WebSocket } from 'ws';
import { listen, peerServer } from './peer-http.js';

const byMember = new Map<number, Set<WebSocket>>();
let open = 0;

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

const server = peerServer({
  push: (memberId, text) => {
    for (const ws of byMember.get(memberId) ?? []) ws.send(text);
  },
  sockets: () => open,
  metrics: () => '',
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

listen(server);
