import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Owners' passwords, hashed with scrypt (memory-hard, in Node's crypto: no native dependency) at OWASP's
 * recommended cost, N = 2^17, r = 8, p = 1: 128 MiB and about 0.27 s a hash on this project's 2-core
 * machines (docs/development.md). The parameters travel in the stored string,
 * `scrypt$17$8$1$<salt>$<hash>` (base64url), so a later raise of the cost still verifies old hashes.
 *
 * One hash runs at a time: each holds 128 MiB, and four sign-ins at once on libuv's four threads would
 * hold half a gigabyte of a small server. Sign-ins wait their turn instead (they are rate limited too).
 */
export const PASSWORD_COST = { log2N: 17, r: 8, p: 1 } as const;

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const STORED = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{32,128})$/;

export const PASSWORD_LENGTH = { min: 10, max: 200 } as const;

let queue: Promise<unknown> = Promise.resolve();

/** Runs `work` after every hash asked before it has finished. */
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

function derive(password: string, salt: Buffer, cost: { log2N: number; r: number; p: number }, length: number): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  // 128·N·r bytes, with room for scrypt's own bookkeeping.
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 129 * N * cost.r + 1024 * 1024 };
  return oneAtATime(
    () => new Promise<Buffer>((resolve, reject) => scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PASSWORD_COST, KEY_BYTES);
  const { log2N, r, p } = PASSWORD_COST;
  return `scrypt$${log2N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** True when `password` is the one `stored` was made from; false for any other, and for a stored string of no known form. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = STORED.exec(stored);
  if (!match) return false;
  const [log2N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Bounds, so a tampered row cannot ask for a gigabyte.
  if (log2N < 10 || log2N > 20 || r < 1 || r > 16 || p < 1 || p > 4) return false;
  const expected = Buffer.from(match[5]!, 'base64url');
  const key = await derive(password, Buffer.from(match[4]!, 'base64url'), { log2N, r, p }, expected.length);
  return timingSafeEqual(key, expected);
}

/**
 * A hash of no one's password, checked against when the login is unknown, so an unknown login costs the
 * same time as a wrong password and the answer's timing does not tell which logins exist.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('base64url'));
  return decoy;
}
