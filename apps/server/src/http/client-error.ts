import type { Socket } from 'node:net';
import type { ApiErrorCode } from '@scanpush/shared';
import { HTTP_STATUS } from '../errors.js';
import type { Logger } from '../logger.js';
import { rawErrorResponse, requestIdFrom } from './raw-response.js';

/** Node's HTTP parser errors, as `clientError` hands them over. */
interface ParserError extends Error {
  code?: string;
}

/**
 * The HTTP server's `clientError` listener: a request Node refused before any route ran (headers over
 * the limit, a request head or body that did not arrive in time, bytes that are not HTTP/1.1). Node's own
 * answer is a bare status line with no body; this one is the one error shape. A connection already
 * answering (a response started) or already gone is only destroyed.
 */
export function clientErrorListener(logger: Logger): (err: ParserError, socket: Socket) => void {
  return (err, socket) => {
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    const [code, message] = describe(err);
    const requestId = requestIdFrom(undefined);
    logger.info({ requestId, client: socket.remoteAddress, status: HTTP_STATUS[code], code, parser: err.code }, 'request refused by the HTTP parser');
    socket.end(rawErrorResponse(HTTP_STATUS[code], { code, message }, requestId));
    // end() waits for the client to read; a client that never does must not hold the socket.
    socket.setTimeout(5_000, () => socket.destroy());
  };
}

function describe(err: ParserError): [ApiErrorCode, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return ['HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts (16 KiB)'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['REQUEST_TIMEOUT', 'The request did not arrive in time'];
    default:
      return ['MALFORMED_REQUEST', 'The request is not valid HTTP/1.1'];
  }
}
