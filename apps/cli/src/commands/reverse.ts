import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDecimal } from '@scanpush/shared';
import { ApiClient } from '../http.js';
import { merchantKeyOption, serverBase } from '../options.js';
import { idempotencyKey, idempotencyKeyOption, postOnce, runStaffWrite } from '../staff-request.js';

interface ReverseOptions {
  server: string;
  key: string;
  reason: string;
  idempotencyKey?: string;
  json?: boolean;
}

function ledgerIdArg(text: string): number {
  const id = parseDecimal(text, 1, Number.MAX_SAFE_INTEGER);
  if (id === undefined) throw new InvalidArgumentError('Expected a ledger id (a positive integer), as `scanpush scan` prints it.');
  return id;
}

/**
 * `scanpush reverse`: give back the use a mistaken deduction of this store took, within the server's
 * REVERSAL_WINDOW_SECONDS; the member is pushed 撤销成功. Exit 0 reversed, 2 refused, 1 otherwise.
 */
export function reverseCommand(): Command {
  return new Command('reverse')
    .description("reverse a mistaken deduction of this store: give the member's use back")
    .argument('<ledgerId>', 'the deduction, as `scanpush scan` prints it (ledger: N)', ledgerIdArg)
    .addOption(merchantKeyOption())
    .addOption(new Option('--reason <text>', 'why (kept in the ledger)').makeOptionMandatory())
    .addOption(idempotencyKeyOption())
    .option('--json', 'print the raw answer JSON')
    .action(async (ledgerId: number, _options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<ReverseOptions>();
      const api = new ApiClient(serverBase(options.server));
      const key = idempotencyKey(options.idempotencyKey);
      await runStaffWrite(() => postOnce(api, '/api/reversals', { ledgerId, reason: options.reason }, options.key, key), { json: options.json, what: 'reversed', ledgerLine: true });
    });
}
