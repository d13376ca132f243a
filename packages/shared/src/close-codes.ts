/**
 * Why the server closed a socket. Clients decide from `reconnect` whether to try again (with backoff).
 * A socket that missed its heartbeat is terminated without a close frame: clients see 1006.
 */
export const CLOSE_CODES = {
  NORMAL: { code: 1000, reconnect: false, reason: 'normal closure' },
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

/** Whether a client should reconnect after this close code; unknown codes (1006 included) say yes. */
export function shouldReconnect(code: number): boolean {
  const name = closeName(code);
  return name === undefined ? true : CLOSE_CODES[name].reconnect;
}
