import { parseId } from './decimal.js';
import type { Decoded } from './decoded.js';

/**
 * The seed's socket path, kept for its clients: `/webSocket/{userId}/{carwashId}`.
 * Ids are positive decimal integers without leading zeros.
 */
export const SOCKET_PATH_PREFIX = '/webSocket/';

/**
 * The structured dialect's subprotocol; a socket without one speaks the seed's text dialect.
 * v2: positions carry an epoch and a stream is one member's results at one store (see position.ts).
 */
export const STRUCTURED_SUBPROTOCOL = 'scanpush.v2';

/**
 * Structured dialects the server no longer speaks. Their seqs counted a member's results across stores
 * and had no epoch: a v1 client would misread v2's positions. The server accepts such a socket only to
 * close it with PROTOCOL_RETIRED (the app must be updated), rather than let it fail as a bare handshake.
 */
export const RETIRED_SUBPROTOCOLS: readonly string[] = ['scanpush.v1'];

export function socketPath(memberId: number, storeId: number): string {
  return `${SOCKET_PATH_PREFIX}${memberId}/${storeId}`;
}

/** Reads member and store ids from a request path (query string ignored). */
export function parseSocketPath(path: string): Decoded<{ memberId: number; storeId: number }> {
  const pathname = path.split('?', 1)[0] ?? '';
  if (!pathname.startsWith(SOCKET_PATH_PREFIX)) return { ok: false, reason: 'not a socket path' };
  const parts = pathname.slice(SOCKET_PATH_PREFIX.length).split('/');
  if (parts.length !== 2) return { ok: false, reason: 'expected /webSocket/{userId}/{carwashId}' };
  const memberId = parseId(parts[0] ?? '');
  const storeId = parseId(parts[1] ?? '');
  if (memberId === undefined) return { ok: false, reason: 'userId must be a positive integer' };
  if (storeId === undefined) return { ok: false, reason: 'carwashId must be a positive integer' };
  return { ok: true, value: { memberId, storeId } };
}
