import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Option } from 'commander';
import { RESULT_CODES, type ScanResponse } from '@scanpush/shared';
import { CliError, EXIT } from './errors.js';
import { ApiError, NetworkError, type ApiClient } from './http.js';
import { decodeQrPng } from './qr-image.js';

// What the staff's writes (scan, sell, reverse) share: the QR's text, the Idempotency-Key and its one
// retry, and how an answer is printed.

const RETRY_DELAY_MS = 500;
// Printable ASCII without spaces: what survives an HTTP header unchanged.
const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,128}$/;

export function idempotencyKeyOption(): Option {
  return new Option('--idempotency-key <key>', 'Idempotency-Key header (default: a fresh UUID)');
}

/** The given key, checked, or a fresh one. */
export function idempotencyKey(given: string | undefined): string {
  const key = given ?? randomUUID();
  if (!IDEMPOTENCY_KEY_RE.test(key)) throw new CliError('--idempotency-key must be 1-128 printable ASCII characters without spaces');
  return key;
}

/** The QR's text: given as text (an argument or --qr) or read from a PNG (--image), exactly one of them. */
export async function qrText(token: string | undefined, image: string | undefined): Promise<string> {
  if (token !== undefined && image !== undefined) throw new CliError('give either the QR text or --image, not both');
  if (image !== undefined) return decodeQrPng(image);
  if (token === undefined || token.trim() === '') throw new CliError('give the QR text (TOKEN or --qr), or --image FILE.png');
  return token;
}

/**
 * One staff write, sent at most twice: a request that got no answer may still have been done, so the
 * retry carries the same Idempotency-Key and the server answers it with the first outcome.
 */
export async function postOnce(api: ApiClient, path: string, body: unknown, key: string, idempotencyKey: string): Promise<ScanResponse> {
  const send = () => api.post<ScanResponse>(path, body, { bearer: key, headers: { 'idempotency-key': idempotencyKey } });
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    await sleep(RETRY_DELAY_MS);
    return send();
  }
}

/**
 * Sends and prints: the result's push text and the uses left (and with `ledgerLine`, `ledger: N`, the
 * row a reversal names) (exit 0), or `refused: CODE …` for an outcome the server decided (exit 2);
 * anything else fails (exit 1). `--json` prints the answer as is. `scan` keeps its two lines, which
 * scripts read; its ledger id is in `--json` (`result.ledgerId`).
 */
export async function runStaffWrite(
  send: () => Promise<ScanResponse>,
  options: { json: boolean | undefined; what: string; ledgerLine: boolean },
): Promise<void> {
  const { json, what } = options;
  try {
    const answer = await send();
    if (json) {
      process.stdout.write(`${JSON.stringify(answer)}\n`);
      return;
    }
    const ledger = options.ledgerLine && answer.result.ledgerId !== undefined ? `\nledger: ${answer.result.ledgerId}` : '';
    process.stdout.write(`${answer.result.text}\nremaining: ${answer.result.remaining ?? '?'}${ledger}\n`);
    if (answer.replayed) process.stderr.write(`scanpush: replayed answer for this Idempotency-Key; nothing new ${what}\n`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (json) process.stdout.write(`${JSON.stringify(error.body)}\n`);
    if (!isRefusal(error)) throw error;
    if (!json) process.stdout.write(`refused: ${error.code} ${error.result?.text ?? error.detail}\n`);
    process.exitCode = EXIT.REFUSED;
  }
}

/** An outcome the server understood and said no to, as opposed to a bad request or bad credentials. */
function isRefusal(error: ApiError): boolean {
  return error.result !== undefined || (error.code in RESULT_CODES && error.code !== 'OK') || error.code.startsWith('PRODUCT_');
}
