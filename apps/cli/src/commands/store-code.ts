import { Command, Option } from 'commander';
import { parseId, storeEntryUrl } from '@scanpush/shared';
import { CliError } from '../errors.js';
import { serverBase } from '../options.js';
import { qrToTerminal, writeQrFile } from '../qr-image.js';

interface StoreCodeOptions {
  server: string;
  png?: string;
  svg?: string;
}

/**
 * `scanpush store-code <storeId>`: draws a store's 办卡 QR, the code at the counter that a member
 * without a card scans with WeChat to show the store and their QR on the member page. `--server` must be
 * the origin the mini-program talks to (its server-origins.ts), or the page refuses the code. Nothing is
 * sent to the server.
 */
export function storeCodeCommand(): Command {
  return new Command('store-code')
    .description("draw a store's 办卡 QR: a member scans it with WeChat to show their QR there before holding a card")
    .argument('<storeId>', 'the store id')
    .addOption(new Option('--png <file>', 'also write the QR as a PNG image'))
    .addOption(new Option('--svg <file>', 'also write the QR as an SVG image'))
    .action(async (storeText: string, _options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<StoreCodeOptions>();
      const storeId = parseId(storeText);
      if (storeId === undefined) throw new CliError(`<storeId> must be a store id (a positive whole number), got "${storeText}"`);
      const url = storeEntryUrl(serverBase(options.server), storeId);
      if (options.png !== undefined) await writeQrFile(options.png, url, 'png');
      if (options.svg !== undefined) await writeQrFile(options.svg, url, 'svg');
      process.stdout.write(await qrToTerminal(url));
      process.stdout.write(`${url}\nWeChat DevTools launch query (自定义编译 → 启动页面 pages/member/index, 启动参数): q=${encodeURIComponent(url)}\n`);
    });
}
