import WebSocket from 'ws';
import type { ErrorBody } from '@scanpush/shared';

const HANDSHAKE_TIMEOUT_MS = 10_000;
// Protocol pings every interval; a socket that has not answered by the next one is dead (a NAT or proxy
// dropped it silently) and is terminated so the caller reconnects instead of waiting forever.
const PING_INTERVAL_MS = 30_000;
const REFUSAL_BODY_LIMIT = 4_096;

/** How one connection attempt ended. */
export type ConnectionEnd =
  /** The socket opened, then closed (1006: dropped without a close frame, or dead by heartbeat). */
  | { kind: 'closed'; code: number; reason: string; openMs: number }
  /** The server answered the upgrade with a plain HTTP status. */
  | { kind: 'refused'; status: number; reason: string }
  /** No answer at all: refused connection, DNS, handshake timeout. */
  | { kind: 'failed'; reason: string }
  /** The session asked to stop (enough results, or the caller aborted). */
  | { kind: 'done' };

/** What a dialect does with one open socket. */
export interface SocketSession {
  onOpen(send: (text: string) => void): void;
  /** Returns 'done' to close the socket normally and end the attempt. */
  onText(text: string, send: (text: string) => void): 'continue' | 'done';
}

export interface ConnectOptions {
  url: string;
  token: string;
  protocols: string[];
  signal: AbortSignal;
}

/**
 * Opens one socket and runs `session` on it until it ends; never rejects. Handshake refusals are read
 * (status and the server's error message) instead of surfacing as a bare "Unexpected server response".
 */
export function connectOnce(options: ConnectOptions, session: SocketSession): Promise<ConnectionEnd> {
  return new Promise((resolve) => {
    const ws = new WebSocket(options.url, options.protocols, {
      headers: { authorization: `Bearer ${options.token}` },
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    let openedAt = 0;
    let ended: ConnectionEnd | undefined;
    let alive = true;
    let pinger: NodeJS.Timeout | undefined;

    const finish = (end: ConnectionEnd) => {
      if (ended) return;
      ended = end;
      clearInterval(pinger);
      options.signal.removeEventListener('abort', onAbort);
      resolve(end);
    };
    const send = (text: string) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    };
    const stop = () => {
      finish({ kind: 'done' });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000);
    };
    const onAbort = () => stop();
    options.signal.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= REFUSAL_BODY_LIMIT) chunks.push(chunk);
      });
      res.on('end', () => {
        finish({ kind: 'refused', status: res.statusCode ?? 0, reason: refusalReason(res.statusMessage, Buffer.concat(chunks).toString('utf8')) });
        ws.terminate();
      });
      res.on('error', () => finish({ kind: 'failed', reason: `HTTP ${res.statusCode} answer was cut off` }));
    });
    ws.on('open', () => {
      openedAt = Date.now();
      pinger = setInterval(() => {
        if (!alive) {
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, PING_INTERVAL_MS);
      session.onOpen(send);
    });
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', (data, isBinary) => {
      alive = true;
      if (ended) return;
      if (isBinary) {
        process.stderr.write('scanpush: ignored a binary frame\n');
        return;
      }
      if (session.onText(rawText(data), send) === 'done') stop();
    });
    ws.on('error', (error) => {
      if (openedAt === 0) finish({ kind: 'failed', reason: describeSocketError(error) });
    });
    ws.on('close', (code, reason) => {
      if (openedAt === 0) finish({ kind: 'failed', reason: 'closed before the handshake finished' });
      else finish({ kind: 'closed', code, reason: reason.toString('utf8'), openMs: Date.now() - openedAt });
    });
  });
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function refusalReason(statusMessage: string | undefined, body: string): string {
  try {
    const parsed = JSON.parse(body) as Partial<ErrorBody>;
    if (parsed.error && typeof parsed.error.code === 'string') return `${parsed.error.code}: ${parsed.error.message}`;
  } catch {
    // Not the JSON error shape: fall back to the body's first line or the status text.
  }
  const line = body.trim().split('\n', 1)[0]?.slice(0, 200);
  return line || statusMessage || 'no reason given';
}

function describeSocketError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}
