import { shouldReconnect } from '@scanpush/shared';

/**
 * Whether to try again after the socket closed with `code`: the shared close-code catalog decides
 * (4001 session revoked, 4002 replaced, 4004 protocol retired and 1000 say no; 1001, 1006, 4003 and
 * unknown codes say yes).
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
