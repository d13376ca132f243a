import { byeFor, decodeClientMessage, encodeMessage } from '@scanpush/shared';
import type { Dialect } from './dialect.js';

/** A structured client that sends no resume within this time gets live results only. */
export const RESUME_WAIT_MS = 2000;

/**
 * The structured dialect, `scanpush.v2` (packages/shared/src/envelope.ts): JSON frames. The client
 * resumes from its position, by `?epoch=&after=` in the URL or a `resume` frame as its first message;
 * it is sent the retained entries after it, then `synced`, then live results. A client whose first
 * message is not a resume, or that sends none within RESUME_WAIT_MS, gets live results only.
 * A binary or undecodable frame closes the socket with BAD_FRAME. Every close the server decides is
 * preceded by a `bye` with its code and reason: WeChat may hand the close code over as 1005 or 1000.
 */
export const structuredDialect: Dialect = {
  name: 'structured',
  start(conn, resume) {
    if (resume) conn.resume(resume);
    else conn.awaitResume(RESUME_WAIT_MS);
  },
  receive(conn, data, isBinary) {
    if (isBinary) return conn.close('BAD_FRAME');
    const decoded = decodeClientMessage(data);
    if (!decoded.ok) return conn.close('BAD_FRAME');
    const message = decoded.value;
    const wasWaiting = conn.stopAwaitingResume();
    if (message.type === 'resume') {
      const { epoch, after } = message;
      return conn.resume(epoch === undefined ? { after } : { epoch, after });
    }
    conn.send(encodeMessage(message.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.id }));
    if (wasWaiting) conn.goLive();
  },
  frame(out) {
    return out.json;
  },
  bye(why) {
    return encodeMessage(byeFor(why));
  },
};
