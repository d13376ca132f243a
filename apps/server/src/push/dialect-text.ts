import type { Dialect } from './dialect.js';

/**
 * The seed's text dialect: a socket without a subprotocol. The server sends one line per result
 * (`0_扣费成功_剩余次数: 3`); on connect, the stream's recent entries that no socket received, once, then
 * live results. Clients have no way to say where they stand, and may send anything (some send "ping"
 * strings): nothing they send is for the server, so frames are only counted against the rate limit.
 * The seed's clients read every frame as a push text: no bye before a close, only the close code.
 */
export const textDialect: Dialect = {
  name: 'text',
  start(conn) {
    conn.replayUndelivered();
  },
  receive() {},
  frame(out) {
    return out.text;
  },
  bye() {
    return undefined;
  },
};
