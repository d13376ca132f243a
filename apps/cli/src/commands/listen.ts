import { Command, Option } from 'commander';
import { PushClient, systemClock, type ConnectionStatus } from '@scanpush/client';
import { wsConnect } from '@scanpush/client/ws';
import type { ResultMessage } from '@scanpush/shared';
import { CliError } from '../errors.js';
import { ApiClient } from '../http.js';
import { terminalOutput, describeEnd, type ListenOutput } from '../listen-output.js';
import { countArg, epochArg, memberOptions, seqArg, serverBase, type MemberOptions } from '../options.js';
import { memberSession } from '../session.js';
import { listenText } from '../text-listen.js';

interface ListenOptions extends MemberOptions {
  server: string;
  text?: boolean;
  count?: number;
  after?: number;
  epoch?: string;
  json?: boolean;
}

/** `scanpush listen`: the member's push socket for one store, as the mini-program keeps it open. */
export function listenCommand(): Command {
  const command = new Command('listen').description("open a member's push socket and print each result");
  for (const option of memberOptions()) command.addOption(option);
  return command
    .option('--text', "speak the seed's text dialect instead of scanpush.v2")
    .addOption(new Option('--count <n>', 'exit 0 after printing n results').argParser(countArg))
    .addOption(new Option('--after <seq>', "also print retained results after this seq of the server's current history (default: only new ones)").argParser(seqArg).conflicts('text'))
    .addOption(
      new Option('--epoch <epoch>', 'resume from the position (epoch, --after) a client kept: of another history, every retained result is printed')
        .argParser(epochArg)
        .conflicts('text'),
    )
    .option('--json', 'print one JSON line per message')
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<ListenOptions>();
      if (options.epoch !== undefined && options.after === undefined) throw new CliError('--epoch needs --after: a position is an epoch and a seq');
      const server = serverBase(options.server);
      const token = await memberSession(new ApiClient(server), options.user, options.token);
      const output = terminalOutput(options.json === true);
      const aborter = new AbortController();
      const onSigint = () => {
        process.exitCode = 130;
        aborter.abort();
      };
      process.once('SIGINT', onSigint);
      try {
        const stream = { server, memberId: options.user, storeId: options.store, token, count: options.count ?? Infinity, signal: aborter.signal };
        if (options.text) await listenText(stream, output);
        else await listenStructured({ ...stream, after: options.after, epoch: options.epoch }, output);
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}

interface StructuredListen {
  server: string;
  memberId: number;
  storeId: number;
  token: string;
  count: number;
  /** Print the first replay's results above this seq; undefined: none of them. */
  after: number | undefined;
  /** With `after`: the position to resume from, as a client that kept it does (every replayed result is new to it). */
  epoch: string | undefined;
  signal: AbortSignal;
}

/**
 * `scanpush.v2` through the client library: resume, dedupe, backoff, heartbeat and close policy are
 * PushClient's. The listener starts with no position: the first replay is the history retained before it
 * started, printed only above `--after`; every later replay (after a reconnect) is what it missed.
 * Resolves after `count` results or SIGINT; rejects with the one-line reason when the server says not to
 * come back, or when the very first connection fails (more likely a wrong --server than an outage).
 */
function listenStructured(options: StructuredListen, output: ListenOutput): Promise<void> {
  return new Promise((resolve, reject) => {
    let printed = 0;
    let everSynced = false;
    let everOpen = false;
    let opened = false;
    let finished = false;
    const finish = (error?: CliError) => {
      if (finished) return;
      finished = true;
      options.signal.removeEventListener('abort', onAbort);
      client.stop();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish();
    const print = (result: ResultMessage) => {
      output.line(output.json ? JSON.stringify(result) : result.text);
      if (++printed >= options.count) finish();
    };
    const ended = (status: ConnectionStatus) => {
      const why = describeEnd(status, opened);
      if (status.state === 'stopped') {
        finish(new CliError(status.refusedStatus === undefined && opened ? `socket closed by the server: ${why}` : why));
      } else if (!everOpen) {
        finish(new CliError(why));
      } else {
        output.note(`${why}; reconnecting in ${((status.retryInMs ?? 0) / 1000).toFixed(1)} s`);
      }
    };
    const position = options.epoch === undefined ? undefined : { epoch: options.epoch, seq: options.after ?? 0 };
    const client = new PushClient({
      connect: wsConnect(options),
      ...(position ? { position } : {}),
      clock: systemClock,
      onResult: (result, { replayed }) => {
        if (finished) return;
        // From a kept position, the replay is exactly what that client missed.
        const history = replayed && !everSynced && position === undefined;
        if (!history || (options.after !== undefined && result.seq > options.after)) print(result);
      },
      onSynced: ({ position, complete, resynced }) => {
        if (finished) return;
        if (resynced) output.note("the server's history changed (a restored database?): showing every result it retains");
        else if (!complete && (everSynced || options.after !== undefined)) output.note('some results were older than retention and are gone');
        everSynced = true;
        if (output.json) output.line(JSON.stringify({ type: 'synced', epoch: position.epoch, lastSeq: position.seq, complete }));
        output.connected();
      },
      onStatus: (status) => {
        if (finished) return;
        if (status.state === 'connecting') opened = false;
        else if (status.state === 'syncing') opened = everOpen = true;
        else if (status.state === 'waiting' || status.state === 'stopped') ended(status);
        else if (status.state === 'offline') output.note('the network is unavailable; reconnecting when it is back');
      },
      onError: (error) => output.note(error instanceof Error ? error.message : String(error)),
    });
    options.signal.addEventListener('abort', onAbort, { once: true });
    client.start();
  });
}
