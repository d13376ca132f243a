import { Command, InvalidArgumentError, Option } from 'commander';
import type { StaffInviteResponse } from '@scanpush/shared';
import { ApiClient } from '../http.js';
import { adminTokenOption, idArg, serverBase } from '../options.js';
import { qrToTerminal, writeQrFile } from '../qr-image.js';

interface StaffInviteOptions {
  server: string;
  adminToken: string;
  store: number;
  name?: string;
  minutes?: number;
  png?: string;
  svg?: string;
}

function minutesArg(text: string): number {
  const minutes = Number(text);
  if (!/^\d+$/.test(text) || minutes < 1 || minutes > 1440) throw new InvalidArgumentError('Expected whole minutes, 1 to 1440.');
  return minutes;
}

/**
 * `scanpush staff invite`: creates a one-time staff invite to a store through the admin API and draws
 * its QR, which a new staff member scans with WeChat (or redeems with `scanpush staff join`). The code
 * is printed this once: the server keeps only its hash.
 */
export function staffInviteCommand(): Command {
  return new Command('invite')
    .description('create a one-time staff invite to a store and draw its QR (admin token)')
    .addOption(new Option('--store <id>', 'the store the staff member joins').argParser(idArg).makeOptionMandatory())
    .addOption(adminTokenOption())
    .addOption(new Option('--name <text>', 'what to call the invite in the list (e.g. the person)'))
    .addOption(new Option('--minutes <n>', 'how long it may be redeemed (1-1440, server default 30)').argParser(minutesArg))
    .addOption(new Option('--png <file>', 'also write the QR as a PNG image'))
    .addOption(new Option('--svg <file>', 'also write the QR as an SVG image'))
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<StaffInviteOptions>();
      const api = new ApiClient(serverBase(options.server));
      const body: { name?: string; validMinutes?: number } = {};
      if (options.name !== undefined) body.name = options.name;
      if (options.minutes !== undefined) body.validMinutes = options.minutes;
      const invite = await api.post<StaffInviteResponse>(`/api/admin/stores/${options.store}/invites`, body, { bearer: options.adminToken });
      if (options.png !== undefined) await writeQrFile(options.png, invite.url, 'png');
      if (options.svg !== undefined) await writeQrFile(options.svg, invite.url, 'svg');
      process.stdout.write(await qrToTerminal(invite.url));
      process.stdout.write(
        `${invite.url}\ninvite ${invite.inviteId} for store ${options.store}, valid until ${invite.expiresAt}, one device\n` +
          `WeChat DevTools launch query (自定义编译 → 启动参数): q=${encodeURIComponent(invite.url)}\n`,
      );
    });
}
