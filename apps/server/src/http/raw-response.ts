import { STATUS_CODES } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ApiErrorCode, ErrorBody } from '@scanpush/shared';

/**
 * Error answers written straight to a socket, for the two places no route runs: a refused WebSocket
 * upgrade and a request Node's HTTP parser gave up on (client-error.ts). Same shape, same request id
 * rule as the app's answers (Hono's requestId middleware: the client's X-Request-Id when it is 1-255
 * characters of [A-Za-z0-9_=-], a new UUID otherwise), so nothing leaves the server outside the one shape.
 */
const REQUEST_ID = /^[\w\-=]{1,255}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** The one error shape's body, as text. */
export function errorJson(body: { code: ApiErrorCode; message: string; field?: string }, requestId: string): string {
  return JSON.stringify({ error: { ...body, requestId } } satisfies ErrorBody);
}

/** A complete HTTP/1.1 error response in the one error shape; the connection closes after it. */
export function rawErrorResponse(
  status: number,
  body: { code: ApiErrorCode; message: string; field?: string },
  requestId: string,
  headers: Record<string, string> = {},
): string {
  const json = errorJson(body, requestId);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    // As Hono's c.json: JSON is UTF-8 by definition (RFC 8259).
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(json)}`,
    `X-Request-Id: ${requestId}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${json}`;
}
