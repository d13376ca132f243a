import type { IncomingMessage } from 'node:http';
import { STATUS_CODES as REASONS } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiErrorCode, ErrorBody } from '@scanpush/shared';
import { SOCKET_PATH_PREFIX, parseSocketPath } from '@scanpush/shared';
import { bearerToken, hashSecret } from '../core/credentials.js';
import type { Repository } from '../db/repository.js';


export interface UpgradeGrant {
  memberId: number;
  storeId: number;
  sessionId: number;
  /** Structured dialect: the last seq the client has seen, given as `?after=` instead of a resume frame. */
  after?: number;
}

export type UpgradeDecision = { ok: true; grant: UpgradeGrant } | { ok: false; status: number; code: ApiErrorCode; message: string };

/**
 * Decides an upgrade from the request alone, before any handshake: 400 malformed ids, 401 no or bad
 * session, 403 another member's session, 404 unknown store. The session token comes from
 * `Authorization: Bearer …` or, for browsers that cannot set headers, `?token=`.
 */
export async function authorizeUpgrade(req: IncomingMessage, repo: Repository, now: number): Promise<UpgradeDecision> {
  const url = new URL(req.url ?? '/', 'http://upgrade.invalid');
  if (!url.pathname.startsWith(SOCKET_PATH_PREFIX)) return deny(404, 'NOT_FOUND', 'No WebSocket endpoint at this path');
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return deny(400, 'VALIDATION_FAILED', 'Upgrade must be websocket');
  const path = parseSocketPath(url.pathname);
  if (!path.ok) return deny(400, 'VALIDATION_FAILED', path.reason);
  const afterText = url.searchParams.get('after');
  if (afterText !== null && !/^(0|[1-9]\d{0,15})$/.test(afterText)) return deny(400, 'VALIDATION_FAILED', 'after must be a sequence number');
  const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('token') ?? undefined;
  if (!token) return deny(401, 'UNAUTHORIZED', 'A session token is required');
  const session = await repo.findSession(hashSecret(token), now);
  if (!session) return deny(401, 'UNAUTHORIZED', 'Unknown, expired or revoked session token');
  if (session.memberId !== path.value.memberId) return deny(403, 'FORBIDDEN', "This session belongs to another member");
  if (!(await repo.getStore(path.value.storeId))) return deny(404, 'NOT_FOUND', 'No such store');
  const grant: UpgradeGrant = { ...path.value, sessionId: session.id };
  if (afterText !== null) grant.after = Number(afterText);
  return { ok: true, grant };
}

function deny(status: number, code: ApiErrorCode, message: string): UpgradeDecision {
  return { ok: false, status, code, message };
}

/** Answers a refused upgrade with a plain HTTP response in the one error shape, then closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, code: ApiErrorCode, message: string): void {
  if (socket.destroyed) return;
  const body: ErrorBody = { error: { code, message } };
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      '\r\n' +
      json,
  );
}
