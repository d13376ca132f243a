import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { closeName, CLOSE_CODES, SeqCursor, shouldReconnect, socketPath } from '@scanpush/shared';
import { backoffDelay } from '../backoff.js';
import { protocolsFor, structuredSession, textSession, type ListenOutput, type StructuredState } from '../dialects.js';
import { CliError } from '../errors.js';
import { ApiClient } from '../http.js';
import { countArg, memberOptions, seqArg, serverBase, type MemberOptions } from '../options.js';
import { memberSession } from '../session.js';
import { connectOnce, type ConnectionEnd } from '../socket.js';

interface ListenOptions extends MemberOptions {
  server: string;
  text?: boolean;
  count?: number;
  after?: number;
  json?: boolean;
}

// A connection that stayed up this long was healthy: the next failure starts the backoff afresh.
const STABLE_MS = 10_000;

/** `scanpush listen`: the member's push socket, as the mini-program keeps it open. */
export function listenCommand(): Command {
  const command = new Command('listen').description("open a member's push socket and print each result");
  for (const option of memberOptions()) command.addOption(option);
  return command
    .option('--text', "speak the seed's text dialect instead of scanpush.v1")
    .addOption(new Option('--count <n>', 'exit 0 after printing n results').argParser(countArg))
    .addOption(new Option('--after <seq>', 'also print retained results after this seq (default: only new ones)').argParser(seqArg).conflicts('text'))
    .option('--json', 'print one JSON line per message')
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<ListenOptions>();
      const base = serverBase(options.server);
      const token = await memberSession(new ApiClient(base), options.user, options.token);
      await listen(options, socketUrl(base, options.user, options.store), token);
    });
}

function socketUrl(base: string, user: number, store: number): string {
  return `${base.replace(/^http/, 'ws')}${socketPath(user, store)}`;
}

async function listen(options: ListenOptions, url: string, token: string): Promise<void> {
  let shown = 0;
  const output: ListenOutput = {
    json: options.json === true,
    printed: () => ++shown >= (options.count ?? Infinity),
  };
  const state: StructuredState = { cursor: options.after === undefined ? undefined : new SeqCursor(options.after) };
  const aborter = new AbortController();
  const onSigint = () => {
    process.exitCode = 130;
    aborter.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    let attempt = 0;
    let everOpen = false;
    for (;;) {
      const session = options.text ? textSession(output) : structuredSession(state, output);
      const end = await connectOnce({ url, token, protocols: protocolsFor(options.text === true), signal: aborter.signal }, session);
      if (end.kind === 'done') return;
      everOpen ||= end.kind === 'closed';
      // Before the first open, a failure is more likely a wrong --server than an outage: say so and stop.
      const stop = everOpen ? finalReason(end) : (finalReason(end) ?? describeEnd(end));
      if (stop) throw new CliError(stop);
      if (end.kind === 'closed' && end.openMs >= STABLE_MS) attempt = 0;
      const delay = backoffDelay(attempt++);
      process.stderr.write(`scanpush: ${describeEnd(end)}; reconnecting in ${(delay / 1000).toFixed(1)} s\n`);
      try {
        await sleep(delay, undefined, { signal: aborter.signal });
      } catch {
        return;
      }
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** The reason to stop trying, or undefined when another attempt may succeed. */
function finalReason(end: Exclude<ConnectionEnd, { kind: 'done' }>): string | undefined {
  // 400, 401, 403, 404 will not change by asking again; 429 and 5xx may.
  if (end.kind === 'refused' && end.status < 500 && end.status !== 429) return describeEnd(end);
  if (end.kind === 'closed' && !shouldReconnect(end.code)) return `socket closed by the server: ${describeEnd(end)}`;
  return undefined;
}

function describeEnd(end: Exclude<ConnectionEnd, { kind: 'done' }>): string {
  switch (end.kind) {
    case 'refused':
      return `socket refused: ${end.status} ${end.reason}`;
    case 'failed':
      return `cannot connect: ${end.reason}`;
    case 'closed': {
      const name = closeName(end.code);
      const meaning = name ? CLOSE_CODES[name].reason : end.code === 1006 ? 'connection lost' : 'unknown close code';
      const said = end.reason && end.reason !== meaning ? ` (${end.reason})` : '';
      return `${end.code} ${meaning}${said}`;
    }
  }
}
