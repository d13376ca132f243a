import { SeqCursor, decodeServerMessage, encodeMessage, parsePushText, STRUCTURED_SUBPROTOCOL } from '@scanpush/shared';
import type { SocketSession } from './socket.js';

/** Where a listener's output goes; `result` is called once per result the member is shown. */
export interface ListenOutput {
  json: boolean;
  /** Called after each printed result; returns true when the listener has printed enough. */
  printed(): boolean;
}

/** Announces a socket that is live: scripts wait for this line before acting. */
function announce(): void {
  process.stderr.write('connected\n');
}

function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * State of the structured dialect across reconnects: the cursor of results shown. Undefined until known,
 * in which case the first connection shows only results newer than the server's `synced.lastSeq` (the
 * replay before it is history this listener was not asked for).
 */
export interface StructuredState {
  cursor: SeqCursor | undefined;
}

/**
 * The `scanpush.v1` dialect: resume from the last seq as the first frame, print each result once
 * (duplicates from at-least-once delivery are dropped by seq), ack after printing.
 */
export function structuredSession(state: StructuredState, output: ListenOutput): SocketSession {
  let live = false;
  return {
    onOpen(send) {
      send(encodeMessage({ type: 'resume', after: state.cursor?.lastSeq ?? 0 }));
    },
    onText(text, send) {
      const decoded = decodeServerMessage(text);
      if (!decoded.ok) {
        process.stderr.write(`scanpush: ignored a frame: ${decoded.reason}\n`);
        return 'continue';
      }
      const message = decoded.value;
      if (message.type === 'synced') {
        live = true;
        const wentBack = state.cursor?.synced(message.lastSeq) ?? false;
        state.cursor ??= new SeqCursor(message.lastSeq);
        if (wentBack) {
          process.stderr.write(`scanpush: the server holds results up to seq ${message.lastSeq} only (a restored database?); continuing from there\n`);
        } else if (!message.complete) {
          process.stderr.write('scanpush: some results were older than retention and are gone\n');
        }
        if (output.json) printLine(JSON.stringify(message));
        announce();
        return 'continue';
      }
      if (message.type !== 'result') return 'continue';
      if (state.cursor === undefined && !live) return 'continue';
      state.cursor ??= new SeqCursor();
      if (!state.cursor.isNew(message.seq)) {
        // Seen already; ack again so the server stops resending it.
        send(encodeMessage({ type: 'ack', seq: message.seq }));
        return 'continue';
      }
      printLine(output.json ? JSON.stringify(message) : message.text);
      state.cursor.shown(message.seq);
      send(encodeMessage({ type: 'ack', seq: message.seq }));
      return output.printed() ? 'done' : 'continue';
    },
  };
}

/** The seed's text dialect: every frame is a push text, printed as it comes. */
export function textSession(output: ListenOutput): SocketSession {
  return {
    onOpen() {
      announce();
    },
    onText(text) {
      if (output.json) {
        const parsed = parsePushText(text);
        printLine(JSON.stringify(parsed.ok ? { type: 'text', text, ...parsed.value } : { type: 'text', text }));
      } else {
        printLine(text);
      }
      return output.printed() ? 'done' : 'continue';
    },
  };
}

export function protocolsFor(text: boolean): string[] {
  return text ? [] : [STRUCTURED_SUBPROTOCOL];
}
