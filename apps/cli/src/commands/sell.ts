import { Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { ApiClient } from '../http.js';
import { idArg, merchantKeyOption, serverBase } from '../options.js';
import { idempotencyKey, idempotencyKeyOption, postOnce, qrText, runStaffWrite } from '../staff-request.js';

interface SellOptions {
  server: string;
  key: string;
  product: number;
  qr?: string;
  image?: string;
  idempotencyKey?: string;
  json?: boolean;
}

/**
 * `scanpush sell`: sell a product (`scanpush products` lists them) to the member whose QR is shown: the
 * card is created or topped up and the member is pushed 充值成功. Exit 0 sold, 2 refused, 1 otherwise.
 */
export function sellCommand(): Command {
  return new Command('sell')
    .description("sell a card product to the member whose QR is shown: create or top up the member's card")
    .argument('[token]', 'the QR text (or use --qr or --image)')
    .addOption(merchantKeyOption())
    .addOption(new Option('--product <id>', 'the product to sell (see `scanpush products`)').argParser(idArg).makeOptionMandatory())
    .addOption(new Option('--qr <text>', 'the QR text'))
    .addOption(new Option('--image <file.png>', 'read the QR text from a PNG image'))
    .addOption(idempotencyKeyOption())
    .option('--json', 'print the raw answer JSON')
    .action(async (token: string | undefined, _options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<SellOptions>();
      const api = new ApiClient(serverBase(options.server));
      if (token !== undefined && options.qr !== undefined) throw new CliError('give the QR text once: TOKEN or --qr');
      const qr = await qrText(token ?? options.qr, options.image);
      const key = idempotencyKey(options.idempotencyKey);
      await runStaffWrite(() => postOnce(api, '/api/sales', { qr, productId: options.product }, options.key, key), { json: options.json, what: 'sold', ledgerLine: true });
    });
}
