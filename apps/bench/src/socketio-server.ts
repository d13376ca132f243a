/**
 * The Socket.IO reference (issue 18): a small Socket.IO 4 server doing the same push as scanpush from an
 * in-memory counter — no database, no signature check, no authentication, no log — so that every
 * scanpush figure can also be read as a ratio to what the usual Node realtime stack costs for the same
 * job on the same box, driven by the same client workers (socketio-client.ts) in the same run.
 * Speaks just enough for the bench: POST /api/scans (the floor's body and answer), GET /healthz, /metrics.
 * With PEER_STORE=sqlite, the same server commits each scan first (durable-counter.ts).
 */
import { Server } from 'socket.io';
import { sqliteCounter } from './durable-counter.js';
import { listen, peerServer } from './peer-http.js';

// PEER_STORE=sqlite: the durable variant, each scan committed to the bench's database before its push.
const durable = process.env.PEER_STORE === 'sqlite';
if (durable && !process.env.DATABASE_PATH) throw new Error('PEER_STORE=sqlite needs DATABASE_PATH');

const server = peerServer({
  // The adapter encodes the event once for the room.
  push: (memberId, text) => void io.to(room(memberId)).emit('push', text),
  // Sockets connected to the main namespace, not Engine.IO connections: a client counts as open only
  // once its namespace CONNECT is answered, so both sides count the same thing.
  sockets: () => io.of('/').sockets.size,
  // Only the JS heap, under the name the bench reads from scanpush, for capacity's heap per socket.
  metrics: () => `scanpush_process_nodejs_heap_size_used_bytes ${process.memoryUsage().heapUsed}\n`,
}, durable ? sqliteCounter(process.env.DATABASE_PATH!, process.env.SQLITE_SYNCHRONOUS === 'full' ? 'full' : 'normal') : undefined);

const io = new Server(server, {
  // WebSocket only: scanpush's members open a WebSocket at once, and the default (HTTP long-polling
  // first, then an upgrade) would add a polling request and an upgrade probe per connect, plus the
  // polling session's buffers, to a figure meant to compare the steady push path and the per-socket cost.
  transports: ['websocket'],
  perMessageDeflate: false,
  // The bench loads no browser bundle; serving it would only add a route.
  serveClient: false,
  // pingInterval and pingTimeout stay at Socket.IO's defaults (25 s / 20 s): its own heartbeat, the
  // analogue of scanpush's HEARTBEAT_MS, as a Socket.IO deployment would run it.
});

io.use((socket, next) => {
  const member = Number(socket.handshake.query.member);
  if (!Number.isSafeInteger(member) || member <= 0) return next(new Error('member must be a positive integer'));
  socket.data.member = member;
  next();
});

io.on('connection', (socket) => {
  void socket.join(room(socket.data.member as number));
});

function room(memberId: number): string {
  return `m:${memberId}`;
}

listen(server);
