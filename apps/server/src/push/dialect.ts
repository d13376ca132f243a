import type { CloseName } from '@scanpush/shared';
import type { Connection } from './connection.js';
import type { Outgoing } from './outgoing.js';
import type { ResumePosition } from './stream-reader.js';

/**
 * How a connection talks: the seed's text dialect or the structured one (`scanpush.v2`). A dialect is a
 * strategy a connection is given when the socket is accepted; it holds no state of its own (one
 * instance serves every socket), and acts through the connection's methods.
 */
export interface Dialect {
  /** The metrics label. */
  readonly name: 'text' | 'structured';
  /** Begins the conversation of a connection just accepted and registered; `resume` from the URL. */
  start(conn: Connection, resume: ResumePosition | undefined): void;
  /** An inbound frame that passed the rate limit. */
  receive(conn: Connection, data: string, isBinary: boolean): void;
  /** The frame that carries one entry. */
  frame(out: Outgoing): string;
  /**
   * The frame that says why the server closes the socket, sent right before the close frame; undefined
   * when the dialect has none. Only `closeSocket` (close-socket.ts) sends it.
   */
  bye(why: CloseName): string | undefined;
}
