import type { ControlMessage, PushEvent } from './broker.js';

/** What crosses Redis: one event or one control message, with the node that sent it. */
export interface Envelope {
  /** The sending node: its own messages coming back are dropped (it told its listeners already). */
  n: string;
  e?: PushEvent;
  c?: ControlMessage;
  /**
   * A catch-up request: the sender could not publish since `since` (the entries' clock). Receivers read
   * the database over that window once, and re-check their sockets' sessions when `sessions` says a
   * control message was among what was lost.
   */
  r?: CatchUp;
}

export interface CatchUp {
  since: number;
  sessions: boolean;
}

/**
 * Reads a message from a broker channel; undefined for anything that is not an envelope of ours (another
 * program on the same channel, another version): a listener is never handed a malformed event.
 */
export function decodeEnvelope(text: string): Envelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.n !== 'string') return undefined;
  if (value.e !== undefined) return isEvent(value.e) ? { n: value.n, e: value.e } : undefined;
  if (value.c !== undefined) return isControl(value.c) ? { n: value.n, c: value.c } : undefined;
  if (value.r !== undefined) return isCatchUp(value.r) ? { n: value.n, r: value.r } : undefined;
  return undefined;
}

function isEvent(e: unknown): e is PushEvent {
  if (!isObject(e) || typeof e.committedAt !== 'number' || !isObject(e.entry)) return false;
  const { entry } = e;
  return (
    isInt(entry.memberId) && isInt(entry.storeId) && isInt(entry.seq) && isInt(entry.code) && typeof entry.epoch === 'string' &&
    typeof entry.createdAt === 'number' && (entry.remaining === null || isInt(entry.remaining)) && (entry.ledgerId === null || isInt(entry.ledgerId))
  );
}

function isControl(c: unknown): c is ControlMessage {
  return isObject(c) && c.kind === 'close-member' && isInt(c.memberId) && (c.sessionId === undefined || isInt(c.sessionId));
}

function isCatchUp(r: unknown): r is CatchUp {
  return isObject(r) && typeof r.since === 'number' && Number.isFinite(r.since) && typeof r.sessions === 'boolean';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return Number.isSafeInteger(v);
}
