/**
 * Just enough of a Socket.IO client for the bench's workers, over the same raw `ws` sockets as the
 * scanpush dialects, so the load generator is the same code and the same cost on both sides:
 * Engine.IO v4 over its WebSocket transport (one packet per frame: `0` open, `2` ping, `3` pong,
 * `4` message) carrying Socket.IO v5 packets (`40` connect, `42` event, `44` connect error).
 * socket.io-client is deliberately not used: its reconnection, buffering and emitter layers would be
 * load-generator work that the scanpush side does not pay.
 */
import type WebSocket from 'ws';

/** The URL of a WebSocket-only Engine.IO connection for `memberId` (the server joins it to the member's room). */
export function socketIoUrl(wsBase: string, memberId: number): string {
  return `${wsBase}/socket.io/?EIO=4&transport=websocket&member=${memberId}`;
}

/** One Engine.IO frame as the client sees it. */
export type SocketIoFrame =
  | { type: 'open'; sid: string; pingInterval: number; pingTimeout: number }
  | { type: 'ping' }
  | { type: 'close' }
  | { type: 'connected'; sid: string }
  | { type: 'connect-error'; message: string }
  | { type: 'disconnected' }
  | { type: 'event'; name: string; args: unknown[] }
  /** A frame valid on the wire that the bench has no use for (noop, pong, an ack, another namespace). */
  | { type: 'other' };

export type DecodedFrame = { ok: true; value: SocketIoFrame } | { ok: false; reason: string };

/** Decodes one text frame of the main namespace; malformed input is an error value, never a throw. */
export function decodeFrame(frame: string): DecodedFrame {
  switch (frame[0]) {
    case '0': {
      const open = parseJson(frame.slice(1)) as { sid?: unknown; pingInterval?: unknown; pingTimeout?: unknown } | undefined;
      if (typeof open?.sid !== 'string' || typeof open.pingInterval !== 'number' || typeof open.pingTimeout !== 'number') return { ok: false, reason: 'bad open packet' };
      return { ok: true, value: { type: 'open', sid: open.sid, pingInterval: open.pingInterval, pingTimeout: open.pingTimeout } };
    }
    case '1':
      return { ok: true, value: { type: 'close' } };
    case '2':
      return { ok: true, value: { type: 'ping' } };
    case '3':
    case '6':
      return { ok: true, value: { type: 'other' } };
    case '4':
      return decodeSocketIoPacket(frame.slice(1));
    default:
      return { ok: false, reason: `unknown Engine.IO packet type "${frame.slice(0, 1)}"` };
  }
}

function decodeSocketIoPacket(packet: string): DecodedFrame {
  // Another namespace ("/admin,…") or an ack id before the payload: not the bench's.
  const payload = packet.slice(1);
  if (payload.startsWith('/') || /^\d/.test(payload)) return { ok: true, value: { type: 'other' } };
  const data = payload === '' ? undefined : parseJson(payload);
  switch (packet[0]) {
    case '0': {
      const sid = (data as { sid?: unknown } | undefined)?.sid;
      return typeof sid === 'string' ? { ok: true, value: { type: 'connected', sid } } : { ok: false, reason: 'CONNECT without a sid' };
    }
    case '1':
      return { ok: true, value: { type: 'disconnected' } };
    case '2': {
      if (!Array.isArray(data) || typeof data[0] !== 'string') return { ok: false, reason: 'EVENT without a name' };
      return { ok: true, value: { type: 'event', name: data[0], args: data.slice(1) } };
    }
    case '4': {
      const message = (data as { message?: unknown } | undefined)?.message;
      return { ok: true, value: { type: 'connect-error', message: typeof message === 'string' ? message : 'connect error' } };
    }
    case '3':
    case '5':
    case '6':
      return { ok: true, value: { type: 'other' } };
    default:
      return { ok: false, reason: `unknown Socket.IO packet type "${packet.slice(0, 1)}"` };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The protocol side of one member's socket: joins the main namespace once Engine.IO is open, answers
 * every ping, and hands each `push` event's text to the caller. `connected` settles when the namespace
 * CONNECT is answered (or refused); the caller owns the socket's lifetime.
 */
export class SocketIoSession {
  readonly connected: Promise<void>;
  private settle!: { resolve(): void; reject(err: Error): void };

  constructor(private readonly ws: WebSocket) {
    this.connected = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.connected.catch(() => undefined); // observed by whoever awaits it
  }

  /**
   * Handles one text frame; answers the text of a `push` event, null for a protocol frame handled here,
   * or undefined for a frame that is neither (counted as unparsed by the caller).
   */
  receive(frame: string): string | null | undefined {
    const decoded = decodeFrame(frame);
    if (!decoded.ok) return undefined;
    const f = decoded.value;
    switch (f.type) {
      case 'open':
        this.ws.send('40');
        return null;
      case 'ping':
        this.ws.send('3');
        return null;
      case 'connected':
        this.settle.resolve();
        return null;
      case 'connect-error':
        this.settle.reject(new Error(`Socket.IO refused the connect: ${f.message}`));
        return null;
      case 'event':
        return f.name === 'push' && typeof f.args[0] === 'string' ? f.args[0] : undefined;
      default:
        return null;
    }
  }
}
