import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, retryAfterClose, retryAfterRefusal, type ConnectionStatus } from '@scanpush/client';
import { wsConnect } from '@scanpush/client/ws';
import { parsePushText } from '@scanpush/shared';
import { CliError } from './errors.js';
import { describeEnd, type ListenOutput } from './listen-output.js';

export interface TextListen {
  server: string;
  memberId: number;
  storeId: number;
  token: string;
  /** Exit after this many lines. */
  count: number;
  signal: AbortSignal;
}

/**
 * The seed's text dialect (`--text`): a raw reader, not PushClient, because the dialect has no positions
 * to resume from or dedupe by: every frame is a push text, printed as it comes, and a reconnect misses
 * what was pushed in the gap. Reconnects use the library's backoff and close/refusal policy; as before
 * the first open, any failure ends the command (a wrong --server, not an outage).
 */
export async function listenText(options: TextListen, output: ListenOutput): Promise<void> {
  const connect = wsConnect({ server: options.server, memberId: options.memberId, storeId: options.storeId, token: options.token, protocols: [] });
  let printed = 0;
  let everOpen = false;
  let attempt = 0;
  for (;;) {
    let opened = false;
    const end = await new Promise<ConnectionStatus | 'done'>((resolve) => {
      const settle = (value: ConnectionStatus | 'done') => {
        options.signal.removeEventListener('abort', stop);
        resolve(value);
      };
      const stop = () => {
        socket.close(1000, 'done');
        settle('done');
      };
      const socket = connect({
        onOpen: () => {
          opened = everOpen = true;
          output.connected();
        },
        onMessage: (text) => {
          const parsed = parsePushText(text);
          output.line(output.json ? JSON.stringify(parsed.ok ? { type: 'text', text, ...parsed.value } : { type: 'text', text }) : text);
          if (++printed >= options.count) stop();
        },
        onClose: (closeCode, reason) => settle({ state: 'stopped', closeCode, reason }),
        onRefused: (refusedStatus, reason) => settle({ state: 'stopped', refusedStatus, reason }),
      });
      options.signal.addEventListener('abort', stop, { once: true });
    });
    if (end === 'done') return;
    const why = describeEnd(end, opened);
    const retry = end.refusedStatus !== undefined ? retryAfterRefusal(end.refusedStatus) : retryAfterClose(end.closeCode ?? 1006);
    if (!everOpen) throw new CliError(why);
    if (!retry) throw new CliError(end.refusedStatus === undefined ? `socket closed by the server: ${why}` : why);
    if (opened) attempt = 0;
    const delay = backoffDelay(attempt++);
    output.note(`${why}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}
