import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { RESULT_CODES, type ScanResponse } from '@scanpush/shared';
import { CliError, EXIT } from '../errors.js';
import { ApiClient, ApiError, NetworkError } from '../http.js';
import { merchantKeyOption, serverBase } from '../options.js';
import { decodeQrPng } from '../qr-image.js';

interface ScanOptions {
  server: string;
  key: string;
  image?: string;
  idempotencyKey?: string;
  json?: boolean;
}

const RETRY_DELAY_MS = 500;
// Printable ASCII without spaces: what survives an HTTP header unchanged.
const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,128}$/;

/** `scanpush scan`: what a shop's scanner does with a member's QR. Exit 0 deducted, 2 refused, 1 otherwise. */
export function scanCommand(): Command {
  return new Command('scan')
    .description('scan a member QR as a merchant: deduct one use')
    .argument('[token]', 'the QR text (or use --image)')
    .addOption(merchantKeyOption())
    .addOption(new Option('--image <file.png>', 'read the QR text from a PNG image'))
    .addOption(new Option('--idempotency-key <key>', 'Idempotency-Key header (default: a fresh UUID)'))
    .option('--json', 'print the raw answer JSON')
    .action(async (token: string | undefined, _options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<ScanOptions>();
      const api = new ApiClient(serverBase(options.server));
      const qr = await qrText(token, options.image);
      const idempotencyKey = options.idempotencyKey ?? randomUUID();
      if (!IDEMPOTENCY_KEY_RE.test(idempotencyKey)) {
        throw new CliError('--idempotency-key must be 1-128 printable ASCII characters without spaces');
      }
      try {
        const answer = await postScan(api, qr, options.key, idempotencyKey);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(answer)}\n`);
          return;
        }
        process.stdout.write(`${answer.result.text}\nremaining: ${answer.result.remaining ?? '?'}\n`);
        if (answer.replayed) process.stderr.write('scanpush: replayed answer for this Idempotency-Key; nothing new deducted\n');
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (options.json) process.stdout.write(`${JSON.stringify(error.body)}\n`);
        if (!isRefusal(error)) throw error;
        if (!options.json) process.stdout.write(`refused: ${error.code} ${error.result?.text ?? error.detail}\n`);
        process.exitCode = EXIT.REFUSED;
      }
    });
}

async function qrText(token: string | undefined, image: string | undefined): Promise<string> {
  if (token !== undefined && image !== undefined) throw new CliError('give either TOKEN or --image, not both');
  if (image !== undefined) return decodeQrPng(image);
  if (token === undefined || token.trim() === '') throw new CliError('give the QR text as TOKEN, or --image FILE.png');
  return token;
}

/**
 * One scan, sent at most twice: a request that got no answer may still have deducted, so the retry
 * carries the same Idempotency-Key and the server answers it with the first outcome.
 */
async function postScan(api: ApiClient, qr: string, key: string, idempotencyKey: string): Promise<ScanResponse> {
  const send = () => api.post<ScanResponse>('/api/scans', { qr }, { bearer: key, headers: { 'idempotency-key': idempotencyKey } });
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    await sleep(RETRY_DELAY_MS);
    return send();
  }
}

/** A scan the server understood and said no to, as opposed to a bad request or bad credentials. */
function isRefusal(error: ApiError): boolean {
  return error.result !== undefined || (error.code in RESULT_CODES && error.code !== 'OK');
}
