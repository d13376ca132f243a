import { CLOSE_CODES, type CloseName } from './close-codes.js';
import type { Decoded } from './decoded.js';
import { isEpoch, isSeq, type StreamPosition } from './position.js';
import { isSuccess, resultName } from './result-codes.js';
import type { ScanResult } from './scan-result.js';

/**
 * The structured dialect (subprotocol `scanpush.v2`): one JSON object per text frame.
 *
 * A socket at `/webSocket/{userId}/{carwashId}` carries one stream: the member's results at that store.
 * Every result names its position in it (`epoch`, `seq`; see position.ts). Delivery is at-least-once:
 * a client keeps its position (StreamCursor) and shows a result only when it is past it.
 *
 * The conversation: the client resumes from its position (a `resume` frame, or `?epoch=&after=` in the
 * socket URL); the server sends every retained result after it, oldest first, then `synced` with its own
 * position, then live results. A client of another epoch is sent everything retained and
 * `complete: false`. There are no acks: the position a client resumes from is what it has.
 *
 * When the server ends a socket it sends `bye` with the close code and reason right before the close
 * frame, so that a client whose platform rewrites close codes (WeChat) still knows why.
 */

/** A result pushed to the member. */
export interface ResultMessage extends ScanResult {
  type: 'result';
  epoch: string;
  seq: number;
  memberId: number;
}

/** Sent after the replay that follows a resume: live results follow. */
export interface SyncedMessage {
  type: 'synced';
  /** The server's history; the client's position takes it. */
  epoch: string;
  /** The highest seq of this stream on the server. */
  lastSeq: number;
  /**
   * False when results after the client's position may be missing from the replay: older than
   * retention and pruned, or the client's position was of another epoch (a restored or new database).
   */
  complete: boolean;
}

export interface PongMessage {
  type: 'pong';
  id?: string | number;
}

/**
 * The server is closing this socket, and why: sent right before the close frame, with the same code and
 * reason (close-codes.ts). The client decides whether to reconnect by the bye's code, not the close
 * frame's, which a platform may rewrite (WeChat: 1005 for a server's code). Never sent in the text dialect.
 */
export interface ByeMessage {
  type: 'bye';
  /** A close code, 1000–4999. */
  code: number;
  reason: string;
}

export type ServerMessage = ResultMessage | SyncedMessage | PongMessage | ByeMessage;

/** Asks for every result after `after` in `epoch` (no epoch: a client that has nothing yet). */
export interface ResumeMessage {
  type: 'resume';
  epoch?: string;
  after: number;
}

/** Application-level ping for clients that cannot see protocol pings; answered with `pong`. */
export interface PingMessage {
  type: 'ping';
  id?: string | number;
}

export type ClientMessage = ResumeMessage | PingMessage;

export function encodeMessage(message: ServerMessage | ClientMessage): string {
  return JSON.stringify(message);
}

/** The bye that precedes a close with the catalog's `why`. */
export function byeFor(why: CloseName): ByeMessage {
  const { code, reason } = CLOSE_CODES[why];
  return { type: 'bye', code, reason };
}

/** The position a result or `synced` names. */
export function positionOf(message: ResultMessage | SyncedMessage): StreamPosition {
  return message.type === 'result' ? { epoch: message.epoch, seq: message.seq } : { epoch: message.epoch, seq: message.lastSeq };
}

/** The resume frame for a position; a position with no epoch yet resumes from the start. */
export function resumeFrom(position: StreamPosition): ResumeMessage {
  return position.epoch === '' ? { type: 'resume', after: 0 } : { type: 'resume', epoch: position.epoch, after: position.seq };
}

// Finite only: JSON.parse reads 1e400 as Infinity, which a pong would echo back as null.
function isId(value: unknown): value is string | number | undefined {
  return value === undefined || (typeof value === 'string' && value.length <= 64) || Number.isFinite(value);
}

// What a close frame may carry (RFC 6455 7.4: 1000-2999 for the protocol, 3000-4999 for applications).
function isCloseCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1000 && value <= 4999;
}

// Member and store ids are positive uint32s everywhere else (socket path, QR token).
function isEntityId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 0xffffffff;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a frame a client sent. */
export function decodeClientMessage(text: string): Decoded<ClientMessage> {
  const obj = parseObject(text);
  if (!obj) return { ok: false, reason: 'frame is not a JSON object' };
  switch (obj.type) {
    case 'resume':
      if (!isSeq(obj.after)) return { ok: false, reason: 'resume.after must be a sequence number' };
      if (obj.epoch === undefined) return { ok: true, value: { type: 'resume', after: obj.after } };
      if (!isEpoch(obj.epoch)) return { ok: false, reason: 'resume.epoch must be 1-64 characters of [A-Za-z0-9_-]' };
      return { ok: true, value: { type: 'resume', epoch: obj.epoch, after: obj.after } };
    case 'ping':
      if (!isId(obj.id)) return { ok: false, reason: 'ping.id must be a short string or a number' };
      return { ok: true, value: obj.id === undefined ? { type: 'ping' } : { type: 'ping', id: obj.id } };
    default:
      return { ok: false, reason: `unknown message type: ${describeType(obj.type)}` };
  }
}

/** Reads a frame the server sent. Unknown result codes are kept (a newer server may add codes). */
export function decodeServerMessage(text: string): Decoded<ServerMessage> {
  const obj = parseObject(text);
  if (!obj) return { ok: false, reason: 'frame is not a JSON object' };
  switch (obj.type) {
    case 'result':
      return decodeResult(obj);
    case 'synced':
      if (!isEpoch(obj.epoch) || !isSeq(obj.lastSeq) || typeof obj.complete !== 'boolean') {
        return { ok: false, reason: 'synced needs epoch, lastSeq and complete' };
      }
      return { ok: true, value: { type: 'synced', epoch: obj.epoch, lastSeq: obj.lastSeq, complete: obj.complete } };
    case 'pong':
      return { ok: true, value: isId(obj.id) && obj.id !== undefined ? { type: 'pong', id: obj.id } : { type: 'pong' } };
    case 'bye':
      if (!isCloseCode(obj.code)) return { ok: false, reason: 'bye.code must be a close code (1000-4999)' };
      if (obj.reason !== undefined && typeof obj.reason !== 'string') return { ok: false, reason: 'bye.reason must be a string' };
      return { ok: true, value: { type: 'bye', code: obj.code, reason: obj.reason ?? '' } };
    default:
      return { ok: false, reason: `unknown message type: ${describeType(obj.type)}` };
  }
}

/** Reads one result object, as a socket frame or an element of a long-poll answer carries it. */
export function decodeResult(obj: Record<string, unknown>): Decoded<ResultMessage> {
  if (!isEpoch(obj.epoch) || !isSeq(obj.seq)) return { ok: false, reason: 'result needs epoch and seq' };
  if (typeof obj.code !== 'number' || typeof obj.text !== 'string') return { ok: false, reason: 'result needs code and text' };
  if (!isEntityId(obj.memberId) || !isEntityId(obj.storeId)) return { ok: false, reason: 'result needs memberId and storeId as positive ids' };
  const name = resultName(obj.code);
  const message: ResultMessage = {
    type: 'result',
    epoch: obj.epoch,
    seq: obj.seq,
    code: obj.code,
    name: name ?? (obj.name as ResultMessage['name']),
    ok: isSuccess(name),
    title: typeof obj.title === 'string' ? obj.title : '',
    text: obj.text,
    remaining: typeof obj.remaining === 'number' ? obj.remaining : null,
    memberId: obj.memberId,
    storeId: obj.storeId,
    at: typeof obj.at === 'string' ? obj.at : '',
  };
  if (typeof obj.ledgerId === 'number') message.ledgerId = obj.ledgerId;
  return { ok: true, value: message };
}

/**
 * A frame's `type` for a refusal's reason. Never `String(value)`: `{"type":{"toString":0}}` makes that
 * throw, and the decoder must refuse, not throw (a throw out of a socket's message handler ends the process).
 * JSON.stringify cannot throw on what JSON.parse made.
 */
function describeType(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'nothing');
}
