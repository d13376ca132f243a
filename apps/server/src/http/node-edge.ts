import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestError } from '@hono/node-server';
import type { ApiErrorCode } from '@scanpush/shared';
import { HTTP_STATUS } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorJson, rawErrorResponse, requestIdFrom } from './raw-response.js';

/**
 * Answers for what Node's HTTP server (and the Hono adaptor on it) decide before any route runs. Left to
 * themselves they answer with a bare status line and no body (431, 408, 400, 417), or close without a
 * word (CONNECT); these answer in the one error shape, with a request id, and close the connection.
 */

/** Node's HTTP parser errors, as `clientError` hands them over. */
interface ParserError extends Error {
  code?: string;
}

/**
 * The `clientError` listener: headers over the limit, a request head or body that did not arrive in
 * time, bytes that are not HTTP/1.1. A connection already answering (a response started) or already gone
 * is only destroyed.
 */
export function clientErrorListener(logger: Logger): (err: ParserError, socket: Socket) => void {
  return (err, socket) => {
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    const [code, message] = describeParserError(err);
    const requestId = requestIdFrom(undefined);
    logger.info({ requestId, client: socket.remoteAddress, status: HTTP_STATUS[code], code, parser: err.code }, 'request refused by the HTTP parser');
    endWith(socket, rawErrorResponse(HTTP_STATUS[code], { code, message }, requestId));
  };
}

function describeParserError(err: ParserError): [ApiErrorCode, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return ['HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts (16 KiB)'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['REQUEST_TIMEOUT', 'The request did not arrive in time'];
    default:
      return ['MALFORMED_REQUEST', 'The request is not valid HTTP/1.1'];
  }
}

/**
 * The adaptor's `errorHandler`: a request Node parsed but no URL can be made of (no Host, a backslash in
 * the path, `OPTIONS *`) is 400; anything else thrown before the app answered is a bug, 500 and logged.
 */
export function unreadableRequestHandler(logger: Logger): (err: unknown) => Response {
  return (err) => {
    const requestId = requestIdFrom(undefined);
    const [code, message]: [ApiErrorCode, string] =
      err instanceof RequestError ? ['MALFORMED_REQUEST', `The request cannot be read: ${err.message}`] : ['INTERNAL', 'Internal error'];
    if (code === 'INTERNAL') logger.error({ err, requestId }, 'request failed before the app answered');
    else logger.info({ requestId, status: 400, code, reason: (err as Error).message }, 'request refused: no URL can be made of it');
    return new Response(errorJson({ code, message }, requestId), {
      status: HTTP_STATUS[code],
      headers: { 'content-type': 'application/json', 'x-request-id': requestId, connection: 'close' },
    });
  };
}

/** The `connect` listener: this server is no proxy. Without one, Node closes the socket without a word. */
export function refuseConnect(req: IncomingMessage, socket: Duplex): void {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  endWith(socket, rawErrorResponse(405, { code: 'METHOD_NOT_ALLOWED', message: 'CONNECT is not served here: this is no proxy' }, requestId, { Allow: 'GET, HEAD, POST' }));
}

/**
 * Ends a socket no HTTP machinery reads any more with a last answer. It is resumed so the client's FIN is
 * seen (a paused socket holding an unread body never closes), and destroyed if the client never reads.
 */
export function endWith(socket: Duplex, answer: string): void {
  if (socket.destroyed) return;
  socket.end(answer);
  socket.resume();
  if (socket instanceof Socket) socket.setTimeout(5_000, () => socket.destroy());
}
