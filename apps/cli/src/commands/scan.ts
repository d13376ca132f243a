import { Command, Option } from 'commander';
import { ApiClient } from '../http.js';
import { merchantKeyOption, serverBase } from '../options.js';
import { idempotencyKey, idempotencyKeyOption, postOnce, qrText, runStaffWrite } from '../staff-request.js';

interface ScanOptions {
  server: string;
  key: string;
  image?: string;
  idempotencyKey?: string;
  json?: boolean;
}

/** `scanpush scan`: what a shop's scanner does with a member's QR. Exit 0 deducted, 2 refused, 1 otherwise. */
export function scanCommand(): Command {
  return new Command('scan')
    .description('scan a member QR as a merchant: deduct one use')
    .argument('[token]', 'the QR text (or use --image)')
    .addOption(merchantKeyOption())
    .addOption(new Option('--image <file.png>', 'read the QR text from a PNG image'))
    .addOption(idempotencyKeyOption())
    .option('--json', 'print the raw answer JSON')
    .action(async (token: string | undefined, _options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<ScanOptions>();
      const api = new ApiClient(serverBase(options.server));
      const qr = await qrText(token, options.image);
      const key = idempotencyKey(options.idempotencyKey);
      await runStaffWrite(() => postOnce(api, '/api/scans', { qr }, options.key, key), { json: options.json, what: 'deducted', ledgerLine: false });
    });
}
