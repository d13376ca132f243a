/**
 * A client worker process: holds member sockets (or polls on the members' behalf) and records when each
 * member learned each result. Forked by fleet.ts; one process stays under the per-process open-file limit.
 */
import http from 'node:http';
import { decodeServerMessage, encodeMessage, parsePushText, socketPath, STRUCTURED_SUBPROTOCOL } from '@scanpush/shared';
import WebSocket from 'ws';
import { nowUs } from './clock.js';
import type { ClientDialect, ClientMember, Command, Envelope, OpenReply, PollReply, ProgressEvent, Reply, StatusReply } from './protocol.js';
import { intervalPoller, longPoller, type Poller, type PollStats } from './pollers.js';
import { Recorder } from './recorder.js';
import { SocketIoSession, socketIoUrl } from './socketio-client.js';

const HANDSHAKE_TIMEOUT_MS = 30_000;

const recorder = new Recorder();
let recording = false;
const sockets = new Set<WebSocket>();
let closingAll = false;
const unexpectedCloses: Record<string, number> = {};

function send(message: Reply | ProgressEvent): void {
  process.send?.(message);
}

process.on('message', (raw) => {
  const msg = raw as Envelope;
  handle(msg).then(
    (value) => send({ id: msg.id, ok: true, value }),
    (err: unknown) => send({ id: msg.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});
// The coordinator going away must not leave this process holding thousands of sockets.
process.on('disconnect', () => process.exit(0));

async function handle(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'open':
      return openAll(cmd);
    case 'record':
      recorder.take();
      recording = true;
      return null;
    case 'count':
      return recorder.size;
    case 'collect':
      recording = false;
      return recorder.take();
    case 'status':
      return { open: [...sockets].filter((s) => s.readyState === WebSocket.OPEN).length, unexpectedCloses } satisfies StatusReply;
    case 'close':
      return closeAll();
    case 'poll':
      return startPolling(cmd);
    case 'poll-stop':
      return stopPolling();
  }
}

async function openAll(cmd: Extract<Command, { op: 'open' }>): Promise<OpenReply> {
  let next = 0;
  let opened = 0;
  let failed = 0;
  const errors = new Set<string>();
  const progress = setInterval(() => send({ event: 'progress', open: opened }), 250);
  const lane = async () => {
    while (next < cmd.members.length) {
      const i = next++;
      const member = cmd.members[i] as ClientMember;
      const localAddress = cmd.localAddresses[i % cmd.localAddresses.length];
      try {
        await openOne(member.wsUrl ?? cmd.wsUrl, member, localAddress, cmd.dialect);
        opened++;
      } catch (err) {
        failed++;
        if (errors.size < 5) errors.add(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.concurrency) }, lane));
  clearInterval(progress);
  send({ event: 'progress', open: opened });
  return { opened, failed, errors: [...errors] };
}

function openOne(wsUrl: string, member: ClientMember, localAddress: string | undefined, dialect: ClientDialect): Promise<void> {
  const structured = dialect === 'structured';
  const url = dialect === 'socketio' ? socketIoUrl(wsUrl, member.memberId) : wsUrl + socketPath(member.memberId, member.storeId);
  const ws = new WebSocket(url, structured ? [STRUCTURED_SUBPROTOCOL] : [], {
    headers: { authorization: `Bearer ${member.token}` },
    perMessageDeflate: false,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    ...(localAddress ? { localAddress } : {}),
  });
  const session = dialect === 'socketio' ? new SocketIoSession(ws) : undefined;
  const id = member.memberId;
  ws.on('message', (data, isBinary) => {
    const t = nowUs();
    // Socket.IO's pings are answered whether or not the run records; its pushes then read as the text dialect.
    const frame = isBinary ? undefined : String(data);
    const text = session && frame !== undefined ? session.receive(frame) : frame;
    if (!recording || text === null) return;
    const remaining = text === undefined ? undefined : structured ? structuredRemaining(text) : textRemaining(text);
    if (remaining === undefined) recorder.unparsed++;
    else recorder.add(id, remaining, t);
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      sockets.add(ws);
      // The structured dialect waits for a resume before it sends live results; ask from the start.
      if (structured) ws.send(encodeMessage({ type: 'resume', after: 0 }));
      ws.on('close', (code) => {
        sockets.delete(ws);
        if (!closingAll) unexpectedCloses[code] = (unexpectedCloses[code] ?? 0) + 1;
      });
      resolve();
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
  if (!session) return opened;
  // Socket.IO's socket is open once its namespace CONNECT is answered, not at the WebSocket upgrade.
  let timer: NodeJS.Timeout | undefined;
  return opened.then(() =>
    Promise.race([
      session.connected,
      new Promise<never>((_, reject) => ws.once('close', (code) => reject(new Error(`closed (${code}) before the Socket.IO connect`)))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no Socket.IO connect answer in time')), HANDSHAKE_TIMEOUT_MS))),
    ])
      .catch((err: unknown) => {
        ws.terminate();
        throw err;
      })
      .finally(() => clearTimeout(timer)),
  );
}

function textRemaining(text: string): number | undefined {
  const parsed = parsePushText(text);
  return parsed.ok ? parsed.value.remaining : undefined;
}

function structuredRemaining(text: string): number | undefined {
  const decoded = decodeServerMessage(text);
  if (!decoded.ok || decoded.value.type !== 'result') return undefined;
  return decoded.value.remaining ?? undefined;
}

async function closeAll(): Promise<number> {
  closingAll = true;
  const all = [...sockets];
  await Promise.all(
    all.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(1000);
          // A server that does not answer the close frame in time is cut off.
          setTimeout(() => ws.terminate(), 5000).unref();
        }),
    ),
  );
  sockets.clear();
  closingAll = false;
  return all.length;
}

// ---- polling on the members' behalf (pollers.ts): the seed's alternative to push, and long-poll ----

let pollers: Poller[] = [];
let pollStats: PollStats = { requests: 0, errors: 0, skipped: 0, durations: [] };
let agents: http.Agent[] = [];

function startPolling(cmd: Extract<Command, { op: 'poll' }>): null {
  recorder.take();
  recording = true;
  pollStats = { requests: 0, errors: 0, skipped: 0, durations: [] };
  const base = new URL(cmd.baseUrl);
  // Interval polls share a keep-alive pool, as phones behind one nginx would; long polls each hold one.
  const long = cmd.mode.kind === 'long';
  agents = (cmd.localAddresses.length ? cmd.localAddresses : [undefined]).map(
    (localAddress) => new http.Agent({ keepAlive: true, maxSockets: long ? Infinity : 64, ...(localAddress ? { localAddress } : {}) }),
  );
  pollers = cmd.members.map((member, i) => {
    const agent = agents[i % agents.length] as http.Agent;
    return cmd.mode.kind === 'interval'
      ? intervalPoller(base, agent, member, cmd.mode.intervalMs, recorder, pollStats)
      : longPoller(base, agent, member, cmd.mode.waitSeconds, recorder, pollStats);
  });
  return null;
}

function stopPolling(): PollReply {
  for (const p of pollers) p.stop();
  pollers = [];
  for (const a of agents) a.destroy();
  agents = [];
  recording = false;
  return { ...recorder.take(), requests: pollStats.requests, errors: pollStats.errors, skipped: pollStats.skipped, durations: Float64Array.from(pollStats.durations) };
}
