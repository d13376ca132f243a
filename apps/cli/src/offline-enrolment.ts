import { chmod, readFile, writeFile } from 'node:fs/promises';
import { enrolmentFrom, isOfflineEnrolment, offlineCodeAt, type DeviceEnrolment, type OfflineEnrolment } from '@scanpush/shared';
import { CliError } from './errors.js';
import type { ApiClient } from './http.js';

// `scanpush qr --offline --device-file` keeps the enrolment (OfflineEnrolment, packages/shared) in a
// file written 0600: the device's secret is a credential of the member.

/** Enrols a device of the member behind `session` (`POST /api/devices`), learning the clock offset. */
export async function enrolDevice(api: ApiClient, session: string, memberId: number, name: string): Promise<OfflineEnrolment> {
  const sentAt = Date.now();
  const answer = await api.post<DeviceEnrolment>('/api/devices', { name }, { bearer: session });
  return enrolmentFrom(answer, api.base, memberId, sentAt, Date.now());
}

/** The offline code of `storeId` now, and its time step. No request. */
export function offlineCodeNow(enrolment: OfflineEnrolment, storeId: number, now = Date.now()): { code: string; step: number } {
  return offlineCodeAt(enrolment, Buffer.from(enrolment.secret, 'base64url'), storeId, now);
}

/**
 * The enrolment kept in `path` for this server and member; undefined when there is no file. A file that
 * is not an enrolment, or one for another server or member, is an error: never overwritten (it holds a
 * secret that may still be wanted).
 */
export async function readEnrolmentFile(path: string, server: string, memberId: number): Promise<OfflineEnrolment | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not a scanpush device file (not JSON)`);
  }
  if (!isOfflineEnrolment(value)) throw new CliError(`${path} is not a scanpush device file`);
  if (value.server !== server || value.memberId !== memberId) {
    throw new CliError(`${path} holds the enrolment of member ${value.memberId} on ${value.server}, not member ${memberId} on ${server}: use another --device-file`);
  }
  return value;
}

/** Writes the enrolment to `path`, readable by its owner only (it holds the device secret). */
export async function writeEnrolmentFile(path: string, enrolment: OfflineEnrolment): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(enrolment, null, 2)}\n`, { mode: 0o600 });
    // `mode` applies only to a new file: an existing one is narrowed too.
    await chmod(path, 0o600);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}
