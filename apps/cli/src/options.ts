import { InvalidArgumentError, Option } from 'commander';
import { MERCHANT_KEY_PREFIX, isEpoch, parseDecimal, parseId, parseSeq } from '@scanpush/shared';
import { CliError } from './errors.js';

// The one place that names environment variables; commander reads them for the options declared here.
export const SERVER_ENV = 'SCANPUSH_SERVER';
export const MERCHANT_KEY_ENV = 'SCANPUSH_MERCHANT_KEY';
export const ADMIN_TOKEN_ENV = 'SCANPUSH_ADMIN_TOKEN';
export const DEFAULT_SERVER = 'http://127.0.0.1:8089';

/** Commander parser for member and store ids: a positive integer as the server's paths accept it. */
export function idArg(text: string): number {
  const id = parseId(text);
  if (id === undefined) throw new InvalidArgumentError('Expected a positive integer.');
  return id;
}

/** Commander parser for counts (`--count`): a positive integer. */
export function countArg(text: string): number {
  const count = parseDecimal(text, 1, 999_999_999);
  if (count === undefined) throw new InvalidArgumentError('Expected a positive integer.');
  return count;
}

/** Commander parser for sequence numbers (`--after`): zero or a positive integer. */
export function seqArg(text: string): number {
  const seq = parseSeq(text);
  if (seq === undefined) throw new InvalidArgumentError('Expected 0 or a positive integer.');
  return seq;
}

export function epochArg(text: string): string {
  if (!isEpoch(text)) throw new InvalidArgumentError('Expected an epoch as the server gives it (letters, digits, _ and -).');
  return text;
}

export function serverOption(): Option {
  return new Option('--server <url>', 'scanpush server').env(SERVER_ENV).default(DEFAULT_SERVER);
}

export function merchantKeyOption(): Option {
  return new Option('--key <key>', `merchant key (${MERCHANT_KEY_PREFIX}…)`).env(MERCHANT_KEY_ENV).makeOptionMandatory();
}

/** The operator's ADMIN_TOKEN, for the commands that call the admin API (`staff invite`). */
export function adminTokenOption(): Option {
  return new Option('--admin-token <token>', "the server's ADMIN_TOKEN").env(ADMIN_TOKEN_ENV).makeOptionMandatory();
}

/** Options shared by the member commands (`qr`, `listen`). */
export interface MemberOptions {
  user: number;
  store: number;
  token?: string;
}

export function memberOptions(): Option[] {
  return [
    new Option('--user <id>', 'member id').argParser(idArg).makeOptionMandatory(),
    new Option('--store <id>', 'store (car wash) id').argParser(idArg).makeOptionMandatory(),
    new Option('--token <session>', 'member session token (default: a dev login as --user)'),
  ];
}

/** The server's base URL without a trailing slash; throws a CliError for anything but http(s). */
export function serverBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--server must be an http(s) URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--server must be an http(s) URL, got "${text}"`);
  }
  if (url.search || url.hash) throw new CliError('--server must not carry a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
