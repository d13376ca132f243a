import { Command, Option } from 'commander';
import type { QrResponse } from '@scanpush/shared';
import { ApiClient } from '../http.js';
import { enrolDevice, offlineCodeNow, readEnrolmentFile, writeEnrolmentFile } from '../offline-enrolment.js';
import { memberOptions, serverBase, type MemberOptions } from '../options.js';
import { qrToTerminal, writeQrFile } from '../qr-image.js';
import { memberSession } from '../session.js';

interface QrOptions extends MemberOptions {
  server: string;
  png?: string;
  svg?: string;
  json?: boolean;
  offline?: boolean;
  deviceFile?: string;
}

/** What the member's device list calls an enrolment made here. */
const CLI_DEVICE_NAME = 'scanpush CLI';

/** `scanpush qr`: asks for a fresh one-time QR as the member would show it, and draws or saves it. */
export function qrCommand(): Command {
  const command = new Command('qr').description("get a member's one-time QR for a store and draw it");
  for (const option of memberOptions()) command.addOption(option);
  return command
    .addOption(new Option('--png <file>', 'also write the QR as a PNG image'))
    .addOption(new Option('--svg <file>', 'also write the QR as an SVG image'))
    .option('--json', 'print the QrResponse JSON instead of drawing')
    .option('--offline', 'the offline member code instead: enrols a device (POST /api/devices) and makes the code on this machine')
    .addOption(
      new Option('--device-file <path>', 'with --offline: keep the enrolment (its secret) in this JSON file, mode 0600, and reuse it with no request').implies({
        offline: true,
      }),
    )
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<QrOptions>();
      const api = new ApiClient(serverBase(options.server));
      if (options.offline) return offlineQr(api, options);
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

/**
 * `scanpush qr --offline`: a device of the member, enrolled now or read from `--device-file`, makes the
 * code as the phone does with no signal. A kept enrolment needs no request at all; delete the file to
 * enrol again (after a revocation, or when the code is refused as 离线码已失效 on a clock that moved).
 */
async function offlineQr(api: ApiClient, options: QrOptions): Promise<void> {
  const file = options.deviceFile;
  let enrolment = file === undefined ? undefined : await readEnrolmentFile(file, api.base, options.user);
  const reused = enrolment !== undefined;
  if (!enrolment) {
    const session = await memberSession(api, options.user, options.token);
    enrolment = await enrolDevice(api, session, options.user, CLI_DEVICE_NAME);
    if (file !== undefined) await writeEnrolmentFile(file, enrolment);
  }
  const { code, step } = offlineCodeNow(enrolment, options.store);
  if (options.png !== undefined) await writeQrFile(options.png, code, 'png');
  if (options.svg !== undefined) await writeQrFile(options.svg, code, 'svg');
  const { deviceId, stepSeconds, skewSteps } = enrolment;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ code, deviceId, storeId: options.store, step, stepSeconds, skewSteps })}\n`);
    return;
  }
  process.stdout.write(await qrToTerminal(code));
  process.stdout.write(`${code}\noffline code, device ${deviceId}${reused ? ` (from ${file})` : ''}, changes every ${stepSeconds} s\n`);
}
