import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiErrorCode } from '@scanpush/shared';
import { SOCKET_PATH_PREFIX, decimalRule, isEpoch, parseSeq, parseSocketPath } from '@scanpush/shared';
import { bearerToken, hashSecret } from '../core/credentials.js';
import { endWith } from '../http/node-edge.js';
import { rawErrorResponse, requestIdFrom } from '../http/raw-response.js';
import type { AccountStore } from '../storage/accounts.js';
import type { ResumePosition } from './stream-reader.js';

/** Who may open the socket, and which stream it carries: the member's results at the store. */
export interface UpgradeGrant {
  memberId: number;
  storeId: number;
  sessionId: number;
  /** SHA-256 of the session's token: to re-check the session while the socket is open (revalidateSessions). */
  tokenHash: string;
  /** Structured dialect: the position given as `?epoch=&after=` instead of a resume frame. */
  resume?: ResumePosition;
}

export type UpgradeDecision = { ok: true; grant: UpgradeGrant } | { ok: false; status: number; code: ApiErrorCode; message: string };

/**
 * Decides an upgrade from the request alone, before any handshake, in this order: 404 not the socket
 * path, 400 not a websocket upgrade, malformed ids or a malformed `?after=` / `?epoch=` (`epoch` needs
 * `after`), 401 no or bad session, 403 another member's session, 404 unknown store. The session token
 * comes from `Authorization: Bearer …` or, for browsers that cannot set headers, `?token=`.
 */
export async function authorizeUpgrade(req: IncomingMessage, accounts: Pick<AccountStore, 'findSession' | 'getStore'>, now: number): Promise<UpgradeDecision> {
  // Node passes the request target as sent: `//` or `http://[` is no URL at all.
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://upgrade.invalid');
  } catch {
    return deny(400, 'VALIDATION_FAILED', 'The request target is not a path');
  }
  if (!url.pathname.startsWith(SOCKET_PATH_PREFIX)) return deny(404, 'NOT_FOUND', 'No WebSocket endpoint at this path');
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return deny(400, 'VALIDATION_FAILED', 'Upgrade must be websocket');
  const path = parseSocketPath(url.pathname);
  if (!path.ok) return deny(400, 'VALIDATION_FAILED', path.reason);
  const afterText = url.searchParams.get('after');
  const after = afterText === null ? undefined : parseSeq(afterText);
  const epoch = url.searchParams.get('epoch');
  if (afterText !== null && after === undefined) return deny(400, 'VALIDATION_FAILED', `after: ${decimalRule(0, Number.MAX_SAFE_INTEGER)}`);
  if (epoch !== null && !isEpoch(epoch)) return deny(400, 'VALIDATION_FAILED', 'epoch must be 1-64 characters of [A-Za-z0-9_-]');
  if (epoch !== null && afterText === null) return deny(400, 'VALIDATION_FAILED', 'epoch needs after');
  const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('token') ?? undefined;
  if (!token) return deny(401, 'UNAUTHORIZED', 'A session token is required');
  const tokenHash = hashSecret(token);
  const session = await accounts.findSession(tokenHash, now);
  if (!session) return deny(401, 'UNAUTHORIZED', 'Unknown, expired or revoked session token');
  if (session.memberId !== path.value.memberId) return deny(403, 'FORBIDDEN', 'This session belongs to another member');
  if (!(await accounts.getStore(path.value.storeId))) return deny(404, 'NOT_FOUND', 'No such store');
  const grant: UpgradeGrant = { ...path.value, sessionId: session.id, tokenHash };
  if (after !== undefined) grant.resume = epoch === null ? { after } : { epoch, after };
  return { ok: true, grant };
}

function deny(status: number, code: ApiErrorCode, message: string): UpgradeDecision {
  return { ok: false, status, code, message };
}

/**
 * Answers a refused upgrade with a plain HTTP response in the one error shape (request id included, as
 * the app's answers), then closes the socket. Answers the request id, for the log.
 */
export function refuseUpgrade(socket: Duplex, req: IncomingMessage, status: number, code: ApiErrorCode, message: string): string {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  endWith(socket, rawErrorResponse(status, { code, message }, requestId));
  return requestId;
}
