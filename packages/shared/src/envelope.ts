import type { Decoded } from './decoded.js';
import { RESULT_CODES, resultName } from './result-codes.js';
import type { ScanResult } from './scan-result.js';

/**
 * The structured dialect (subprotocol `scanpush.v1`): one JSON object per text frame.
 *
 * Every result the member is told about carries `seq`, the member's own sequence number: increasing by
 * one per recorded result, across all of the member's stores. Delivery is at-least-once: a client keeps
 * the highest seq it has shown and drops any result at or below it.
 */

/** A result pushed to the member; `seq` is always present. */
export interface ResultMessage extends ScanResult {
  type: 'result';
  seq: number;
  memberId: number;
}

/**
 * Sent after the replay that follows a resume: live results follow.
 *
 * A client continues from `lastSeq` even when it is LOWER than the seq it resumed from: the server's
 * database went back (restored from a backup), the seqs above `lastSeq` will be issued again for new
 * results, and a client that kept its higher seq would drop them as already shown.
 */
export interface SyncedMessage {
  type: 'synced';
  /** The highest seq the server holds for this member. */
  lastSeq: number;
  /** False when results after the client's seq are gone: older than retention, or never held (restore). */
  complete: boolean;
}

export interface PongMessage {
  type: 'pong';
  id?: string | number;
}

export type ServerMessage = ResultMessage | SyncedMessage | PongMessage;

/** Asks for every result after `after` (0: everything retained). */
export interface ResumeMessage {
  type: 'resume';
  after: number;
}

/** The client has shown every result up to and including `seq`. */
export interface AckMessage {
  type: 'ack';
  seq: number;
}

/** Application-level ping for clients that cannot see protocol pings; answered with `pong`. */
export interface PingMessage {
  type: 'ping';
  id?: string | number;
}

export type ClientMessage = ResumeMessage | AckMessage | PingMessage;

export function encodeMessage(message: ServerMessage | ClientMessage): string {
  return JSON.stringify(message);
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

// Finite only: JSON.parse reads 1e400 as Infinity, which a pong would echo back as null.
function isId(value: unknown): value is string | number | undefined {
  return value === undefined || (typeof value === 'string' && value.length <= 64) || Number.isFinite(value);
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
      return isSeq(obj.after) ? { ok: true, value: { type: 'resume', after: obj.after } } : { ok: false, reason: 'resume.after must be a sequence number' };
    case 'ack':
      return isSeq(obj.seq) ? { ok: true, value: { type: 'ack', seq: obj.seq } } : { ok: false, reason: 'ack.seq must be a sequence number' };
    case 'ping':
      if (!isId(obj.id)) return { ok: false, reason: 'ping.id must be a short string or a number' };
      return { ok: true, value: obj.id === undefined ? { type: 'ping' } : { type: 'ping', id: obj.id } };
    default:
      return { ok: false, reason: `unknown message type: ${String(obj.type)}` };
  }
}

/** Reads a frame the server sent. Unknown result codes are kept (a newer server may add codes). */
export function decodeServerMessage(text: string): Decoded<ServerMessage> {
  const obj = parseObject(text);
  if (!obj) return { ok: false, reason: 'frame is not a JSON object' };
  switch (obj.type) {
    case 'result': {
      if (!isSeq(obj.seq)) return { ok: false, reason: 'result.seq must be a sequence number' };
      if (typeof obj.code !== 'number' || typeof obj.text !== 'string') return { ok: false, reason: 'result needs code and text' };
      if (!isEntityId(obj.memberId) || !isEntityId(obj.storeId)) return { ok: false, reason: 'result needs memberId and storeId as positive ids' };
      const name = resultName(obj.code);
      const message: ResultMessage = {
        type: 'result',
        seq: obj.seq,
        code: obj.code,
        name: name ?? (obj.name as ResultMessage['name']),
        ok: obj.code === RESULT_CODES.OK.code,
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
    case 'synced':
      if (!isSeq(obj.lastSeq) || typeof obj.complete !== 'boolean') return { ok: false, reason: 'synced needs lastSeq and complete' };
      return { ok: true, value: { type: 'synced', lastSeq: obj.lastSeq, complete: obj.complete } };
    case 'pong':
      return { ok: true, value: isId(obj.id) && obj.id !== undefined ? { type: 'pong', id: obj.id } : { type: 'pong' } };
    default:
      return { ok: false, reason: `unknown message type: ${String(obj.type)}` };
  }
}
