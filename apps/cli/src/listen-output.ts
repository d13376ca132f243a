import { CLOSE_CODES, closeName } from '@scanpush/shared';
import type { ConnectionStatus } from '@scanpush/client';

/** Where `scanpush listen` prints: results on stdout, one per line; the rest on stderr. */
export interface ListenOutput {
  json: boolean;
  /** Prints a line on stdout. */
  line(text: string): void;
  /** Prints `scanpush: <text>` on stderr. */
  note(text: string): void;
  /** Announces a socket that is live: scripts wait for this line before acting. */
  connected(): void;
}

export const terminalOutput = (json: boolean): ListenOutput => ({
  json,
  line: (text) => process.stdout.write(`${text}\n`),
  note: (text) => process.stderr.write(`scanpush: ${text}\n`),
  connected: () => process.stderr.write('connected\n'),
});

/** How a socket ended, in one line: `socket refused: 401 …`, `cannot connect: …` or `1006 connection lost`. */
export function describeEnd(end: ConnectionStatus, opened: boolean): string {
  if (end.refusedStatus !== undefined) return `socket refused: ${end.refusedStatus} ${end.reason || 'no reason given'}`;
  if (!opened) return `cannot connect: ${end.reason || 'closed before the handshake finished'}`;
  const code = end.closeCode ?? 1006;
  const name = closeName(code);
  const meaning = name ? CLOSE_CODES[name].reason : code === 1006 ? 'connection lost' : 'unknown close code';
  const said = end.reason && end.reason !== meaning ? ` (${end.reason})` : '';
  return `${code} ${meaning}${said}`;
}
