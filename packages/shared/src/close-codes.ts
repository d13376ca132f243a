/**
 * Why the server closed a socket. Clients decide from `reconnect` whether to try again (with backoff).
 * A socket that missed its heartbeat is terminated without a close frame: clients see 1006.
 *
 * Only SESSION_REVOKED, REPLACED and PROTOCOL_RETIRED say not to come back; every other code, 1005 and
 * 1006 and unknown ones included, says to reconnect. A client cannot trust the close code alone: WeChat
 * is reported to close sockets it killed itself with 1000 and to hand a server's code over as 1005. So
 * before closing a structured socket the server says why in a `bye` frame (envelope.ts) with the same
 * code, and a structured client decides by the bye it heard, else by the close code.
 */
export const CLOSE_CODES = {
  /**
   * A close nobody explained: the server never sends it, and WeChat reports it for sockets it ended
   * itself. A close the client did not ask for is reconnected.
   */
  NORMAL: { code: 1000, reconnect: true, reason: 'normal closure' },
  GOING_AWAY: { code: 1001, reconnect: true, reason: 'server shutting down' },
  /** Sent by the socket library for a frame that breaks RFC 6455 (a client bug). */
  PROTOCOL_ERROR: { code: 1002, reconnect: true, reason: 'protocol error' },
  /** Sent by the socket library for a text frame that is not UTF-8. */
  INVALID_PAYLOAD: { code: 1007, reconnect: true, reason: 'text frame is not UTF-8' },
  MESSAGE_TOO_BIG: { code: 1009, reconnect: true, reason: 'frame too large' },
  BAD_FRAME: { code: 4000, reconnect: true, reason: 'malformed frame' },
  SESSION_REVOKED: { code: 4001, reconnect: false, reason: 'session revoked or expired' },
  REPLACED: { code: 4002, reconnect: false, reason: 'too many sockets: replaced by a newer one' },
  RATE_LIMITED: { code: 4003, reconnect: true, reason: 'too many frames' },
  /** The client offered only a structured dialect this server no longer speaks: update the app. */
  PROTOCOL_RETIRED: { code: 4004, reconnect: false, reason: 'protocol version retired: update the app' },
} as const;

export type CloseName = keyof typeof CLOSE_CODES;

const BY_CODE = new Map<number, CloseName>(
  (Object.keys(CLOSE_CODES) as CloseName[]).map((name) => [CLOSE_CODES[name].code, name]),
);

export function closeName(code: number): CloseName | undefined {
  return BY_CODE.get(code);
}

/**
 * Whether a client should reconnect after a socket ended with this code (a bye's, or else the close
 * frame's): no only for 4001, 4002 and 4004; 1000, 1005, 1006 and unknown codes say yes.
 */
export function shouldReconnect(code: number): boolean {
  const name = closeName(code);
  return name === undefined ? true : CLOSE_CODES[name].reconnect;
}
