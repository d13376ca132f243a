import { Command, Option } from 'commander';
import { STAFF_JOIN_PATH, parseStaffBinding, type StaffJoinResponse } from '@scanpush/shared';
import { CliError } from '../errors.js';
import { ApiClient } from '../http.js';
import { serverBase } from '../options.js';

interface StaffJoinOptions {
  server: string;
  device: string;
}

/**
 * `scanpush staff join`: redeems a one-time invite (its code, or the QR's URL) for a staff key of this
 * device, and prints the key: the only time it is shown. Given a URL and no `--server`, the server is
 * the one the URL names.
 */
export function staffJoinCommand(): Command {
  return new Command('join')
    .description('redeem a staff invite (code or QR URL) for a staff key of this device; prints the key once')
    .argument('<invite>', 'the invite code (spi_…) or the invite QR’s URL')
    .addOption(new Option('--device <name>', 'what to call this device in the staff list').makeOptionMandatory())
    .action(async (invite: string, _options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<StaffJoinOptions>();
      const server = serverFor(invite, options.server, cmd.getOptionValueSourceWithGlobals('server') === 'default');
      const parsed = parseStaffBinding(invite, server);
      if (!parsed.ok) throw new CliError(`not an invite for ${server}: ${parsed.reason}`);
      if (parsed.binding.kind !== 'invite') throw new CliError('that is a staff key, not an invite: use it as it is (--key)');
      const api = new ApiClient(server);
      const joined = await api.post<StaffJoinResponse>('/api/staff/join', { code: parsed.binding.code, deviceName: options.device });
      process.stdout.write(
        `${joined.key}\nstaff key of merchant ${joined.merchantId} at store ${joined.storeId} (${joined.storeName}); shown this once, keep it secret\n`,
      );
    });
}

/** The server to redeem at: `--server` when given, else the one an invite URL names, else the default. */
function serverFor(invite: string, server: string, serverIsDefault: boolean): string {
  const text = invite.trim();
  const at = text.lastIndexOf(`${STAFF_JOIN_PATH}#`);
  if (serverIsDefault && /^https?:\/\//i.test(text) && at > 0) return serverBase(text.slice(0, at));
  return serverBase(server);
}
