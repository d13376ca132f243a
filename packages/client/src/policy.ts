import { shouldReconnect, type ByeMessage } from '@scanpush/shared';
import type { ConnectionStatus } from './socket.js';

/** How a socket ended, as the client saw it: a close code, or a refused upgrade's status; and why. */
export type SocketEnd = Pick<ConnectionStatus, 'closeCode' | 'refusedStatus' | 'reason'>;

/**
 * The end that decides what comes next: a socket that ended after the server's `bye` ended for the
 * bye's code and reason, whatever close code the platform reported (WeChat may report 1005 or 1000
 * for a server's 4001), and even if it then went silent or failed (1006).
 */
export function decidingEnd(seen: SocketEnd, bye: ByeMessage | undefined): SocketEnd {
  if (!bye || seen.refusedStatus !== undefined) return seen;
  return { closeCode: bye.code, reason: bye.reason };
}

/**
 * Whether to try again after the socket ended with `code` (the deciding one: see decidingEnd). The
 * shared close-code catalog decides: 4001 session revoked, 4002 replaced and 4004 protocol retired say
 * no; anything else the client did not ask for — 1000, 1001, 1005, 1006, 4003, unknown codes — says yes.
 */
export function retryAfterClose(code: number): boolean {
  return shouldReconnect(code);
}

/**
 * Whether to try again after the server refused the upgrade with an HTTP status: 401, 403, 404 and the
 * other 4xx will not change by asking again; 408, 429 and 5xx (an overloaded or restarting server,
 * a proxy without its upstream) may.
 */
export function retryAfterRefusal(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
