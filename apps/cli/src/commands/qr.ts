import { Command, Option } from 'commander';
import type { QrResponse } from '@scanpush/shared';
import { ApiClient } from '../http.js';
import { memberOptions, serverBase, type MemberOptions } from '../options.js';
import { qrToTerminal, writeQrFile } from '../qr-image.js';
import { memberSession } from '../session.js';

interface QrOptions extends MemberOptions {
  server: string;
  png?: string;
  svg?: string;
  json?: boolean;
}

/** `scanpush qr`: asks for a fresh one-time QR as the member would show it, and draws or saves it. */
export function qrCommand(): Command {
  const command = new Command('qr').description("get a member's one-time QR for a store and draw it");
  for (const option of memberOptions()) command.addOption(option);
  return command
    .addOption(new Option('--png <file>', 'also write the QR as a PNG image'))
    .addOption(new Option('--svg <file>', 'also write the QR as an SVG image'))
    .option('--json', 'print the QrResponse JSON instead of drawing')
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<QrOptions>();
      const api = new ApiClient(serverBase(options.server));
      const session = await memberSession(api, options.user, options.token);
      const qr = await api.post<QrResponse>('/api/qr', { storeId: options.store }, { bearer: session });
      if (options.png !== undefined) await writeQrFile(options.png, qr.token, 'png');
      if (options.svg !== undefined) await writeQrFile(options.svg, qr.token, 'svg');
      if (options.json) {
        process.stdout.write(`${JSON.stringify(qr)}\n`);
        return;
      }
      process.stdout.write(await qrToTerminal(qr.token));
      process.stdout.write(`${qr.token}\nexpires ${qr.expiresAt} (${qr.ttlSeconds} s)\n`);
    });
}
