import { Command, Option } from 'commander';
import { isMerchantKey, staffBindingUrl } from '@scanpush/shared';
import { CliError } from '../errors.js';
import { merchantKeyOption, serverBase } from '../options.js';
import { qrToTerminal, writeQrFile } from '../qr-image.js';

interface StaffQrOptions {
  server: string;
  key: string;
  png?: string;
  svg?: string;
}

/**
 * `scanpush staff qr` (also `staff-qr`, its first name): draws the QR that binds a phone to an existing
 * staff key, the fallback for keys made by the admin API; `staff invite` is the usual way. `--server`
 * must be the origin the mini-program talks to (its server-origins.ts), or the phone refuses the code.
 * Nothing is sent to the server.
 */
export function staffQrCommand(name: 'qr' | 'staff-qr' = 'staff-qr'): Command {
  return new Command(name)
    .description("draw the QR that binds a staff member's phone to a staff key (scan it with WeChat)")
    .addOption(merchantKeyOption())
    .addOption(new Option('--png <file>', 'also write the QR as a PNG image'))
    .addOption(new Option('--svg <file>', 'also write the QR as an SVG image'))
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<StaffQrOptions>();
      if (!isMerchantKey(options.key)) throw new CliError('--key must be a staff key: spk_<merchant id>_<16-128 characters of A-Za-z0-9_->');
      const url = staffBindingUrl(serverBase(options.server), options.key);
      if (options.png !== undefined) await writeQrFile(options.png, url, 'png');
      if (options.svg !== undefined) await writeQrFile(options.svg, url, 'svg');
      process.stdout.write(await qrToTerminal(url));
      process.stdout.write(`${url}\nWeChat DevTools launch query (自定义编译 → 启动参数): q=${encodeURIComponent(url)}\n`);
    });
}
