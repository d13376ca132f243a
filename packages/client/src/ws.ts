import WebSocket from 'ws';
import { STRUCTURED_SUBPROTOCOL, decodeErrorBody } from '@scanpush/shared';
import type { ConnectFn } from './socket.js';
import { socketUrl, type ConnectorOptions } from './socket-url.js';

// An error answer is one small JSON object; anything longer is not read further.
const REFUSAL_BODY_LIMIT = 4_096;

export interface WsConnectOptions extends ConnectorOptions {
  /**
   * Subprotocols to offer; default `scanpush.v2`. `[]` speaks the seed's text dialect (for a raw reader:
   * PushClient itself speaks only the structured dialect).
   */
  protocols?: string[];
}

/**
 * The connector over Node's `ws`: the session in the Authorization header; a refused upgrade is read
 * (status and the server's ErrorBody as `CODE: message`) and reported as `onRefused` instead of a bare
 * "Unexpected server response"; a socket that never opened reports `onClose(1006, <the socket error>)`.
 */
export function wsConnect(options: WsConnectOptions): ConnectFn {
  const url = socketUrl(options.server, options.memberId, options.storeId);
  const protocols = options.protocols ?? [STRUCTURED_SUBPROTOCOL];
  return (events) => {
    const ws = new WebSocket(url, protocols, { headers: { authorization: `Bearer ${options.token}` } });
    let ended = false;
    let opened = false;
    // Why a socket that never opened failed (ECONNREFUSED…); an open socket's end is its close frame's.
    let failure = '';
    const end = (report: () => void) => {
      if (ended) return;
      ended = true;
      report();
    };
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= REFUSAL_BODY_LIMIT) chunks.push(chunk);
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        end(() => events.onRefused(status, refusalReason(res.statusMessage, Buffer.concat(chunks).toString('utf8'))));
        ws.terminate();
      });
      res.on('error', () => {
        end(() => events.onClose(1006, `HTTP ${res.statusCode} answer was cut off`));
        ws.terminate();
      });
    });
    ws.on('open', () => {
      opened = true;
      if (!ended) events.onOpen();
    });
    ws.on('message', (data, isBinary) => {
      if (!ended && !isBinary) events.onMessage(rawText(data));
    });
    ws.on('error', (error) => {
      if (!opened) failure ||= describeSocketError(error);
    });
    ws.on('close', (code, reason) => end(() => events.onClose(code, reason.toString('utf8') || failure)));
    return {
      send: (text) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(text);
      },
      close: (code, reason) => {
        ended = true;
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(code, reason);
      },
    };
  };
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** The server's ErrorBody as `CODE: message`, else the body's first line, else the status text. */
function refusalReason(statusMessage: string | undefined, body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const decoded = decodeErrorBody(json);
  if (decoded.ok) return `${decoded.value.error.code}: ${decoded.value.error.message}`;
  const line = body.trim().split('\n', 1)[0]?.slice(0, 200);
  return line || statusMessage || 'no reason given';
}

function describeSocketError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}
