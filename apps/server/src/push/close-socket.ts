import { CLOSE_CODES, type CloseName } from '@scanpush/shared';
import type { Dialect } from './dialect.js';

/** The little of a socket closing needs; ws's WebSocket and PushSocket have it. */
export interface ClosableSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

/** `readyState` of an open socket (WebSocket.OPEN). */
const OPEN = 1;

/**
 * The one way the server closes a member socket with a code of its choosing: the dialect's bye (the
 * structured dialect's `{"type":"bye",code,reason}`; the text dialect has none), then the close frame
 * with the catalog's code and reason. The bye goes out only while the socket is open: a socket already
 * closing (the client's close, an earlier close of ours) can carry no more data frames, and a second
 * close of it is a no-op.
 */
export function closeSocket(socket: ClosableSocket, dialect: Pick<Dialect, 'bye'>, why: CloseName): void {
  const { code, reason } = CLOSE_CODES[why];
  if (socket.readyState === OPEN) {
    const bye = dialect.bye(why);
    if (bye !== undefined) socket.send(bye);
  }
  socket.close(code, reason);
}
