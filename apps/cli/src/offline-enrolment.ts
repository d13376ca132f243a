import { chmod, readFile, writeFile } from 'node:fs/promises';
import { makeOfflineCode, timeStep, type DeviceEnrolment } from '@scanpush/shared';
import { CliError } from './errors.js';
import type { ApiClient } from './http.js';

/**
 * An enrolment for offline member codes as `scanpush qr --offline --device-file` keeps it: the device's
 * secret (a credential of the member: the file is written 0600) and the clock offset learnt at enrolment,
 * for the server and member it was made for.
 */
export interface OfflineEnrolmentFile {
  server: string;
  memberId: number;
  deviceId: number;
  /** 32 bytes, base64url, as the server answered it. */
  secret: string;
  stepSeconds: number;
  skewSteps: number;
  /** Server time minus this machine's, at enrolment. */
  clockOffsetMs: number;
}

/** Enrols a device of the member behind `session` (`POST /api/devices`), learning the clock offset. */
export async function enrolDevice(api: ApiClient, session: string, memberId: number, name: string): Promise<OfflineEnrolmentFile> {
  const sentAt = Date.now();
  const answer = await api.post<DeviceEnrolment>('/api/devices', { name }, { bearer: session });
  const receivedAt = Date.now();
  return {
    server: api.base,
    memberId,
    deviceId: answer.deviceId,
    secret: answer.secret,
    stepSeconds: answer.stepSeconds,
    skewSteps: answer.skewSteps,
    // The server stamped its time somewhere in the round trip: set against its middle.
    clockOffsetMs: Math.round(Date.parse(answer.serverTime) - (sentAt + receivedAt) / 2),
  };
}

/** The offline code of `storeId` now, and its time step. No request. */
export function offlineCodeNow(enrolment: OfflineEnrolmentFile, storeId: number, now = Date.now()): { code: string; step: number } {
  const step = timeStep(now + enrolment.clockOffsetMs, enrolment.stepSeconds);
  const secret = Buffer.from(enrolment.secret, 'base64url');
  return { code: makeOfflineCode(secret, { deviceId: enrolment.deviceId, storeId, step }), step };
}

/**
 * The enrolment kept in `path` for this server and member; undefined when there is no file. A file that
 * is not an enrolment, or one for another server or member, is an error: never overwritten (it holds a
 * secret that may still be wanted).
 */
export async function readEnrolmentFile(path: string, server: string, memberId: number): Promise<OfflineEnrolmentFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let value: Partial<OfflineEnrolmentFile>;
  try {
    value = JSON.parse(text) as Partial<OfflineEnrolmentFile>;
  } catch {
    throw new CliError(`${path} is not a scanpush device file (not JSON)`);
  }
  const fields = ['deviceId', 'stepSeconds', 'skewSteps', 'clockOffsetMs', 'memberId'] as const;
  if (typeof value.server !== 'string' || typeof value.secret !== 'string' || fields.some((f) => typeof value[f] !== 'number')) {
    throw new CliError(`${path} is not a scanpush device file`);
  }
  if (value.server !== server || value.memberId !== memberId) {
    throw new CliError(`${path} holds the enrolment of member ${value.memberId} on ${value.server}, not member ${memberId} on ${server}: use another --device-file`);
  }
  return value as OfflineEnrolmentFile;
}

/** Writes the enrolment to `path`, readable by its owner only (it holds the device secret). */
export async function writeEnrolmentFile(path: string, enrolment: OfflineEnrolmentFile): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(enrolment, null, 2)}\n`, { mode: 0o600 });
    // `mode` applies only to a new file: an existing one is narrowed too.
    await chmod(path, 0o600);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}
