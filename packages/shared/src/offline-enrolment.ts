import type { DeviceEnrolment } from './api.js';
import { makeOfflineCode, timeStep } from './offline-code.js';

/**
 * What a device keeps after enrolling (`POST /api/devices`) to make offline codes with no request: the
 * mini-program in WeChat's encrypted storage, `scanpush qr --device-file` in a 0600 file. It names the
 * server and member it was made for: worthless for another, and never used for one.
 */
export interface OfflineEnrolment {
  server: string;
  memberId: number;
  deviceId: number;
  /** 32 bytes, base64url, as the server answered it once. */
  secret: string;
  stepSeconds: number;
  skewSteps: number;
  /** Server time minus this device's time, learnt from the last answer carrying `serverTime`. */
  clockOffsetMs: number;
}

/**
 * Server time minus local time: the server stamped `serverTime` somewhere between sending and receiving,
 * so it is set against the middle of the round trip (off by at most half of it). 0 for a time that is
 * not one.
 */
export function clockOffset(serverTime: string, sentAt: number, receivedAt: number): number {
  const server = Date.parse(serverTime);
  return Number.isFinite(server) ? Math.round(server - (sentAt + receivedAt) / 2) : 0;
}

/** The enrolment an answer makes, for `server` and `memberId`, the request sent at `sentAt` and answered at `receivedAt`. */
export function enrolmentFrom(answer: DeviceEnrolment, server: string, memberId: number, sentAt: number, receivedAt: number): OfflineEnrolment {
  return {
    server,
    memberId,
    deviceId: answer.deviceId,
    secret: answer.secret,
    stepSeconds: answer.stepSeconds,
    skewSteps: answer.skewSteps,
    clockOffsetMs: clockOffset(answer.serverTime, sentAt, receivedAt),
  };
}

/** True for a value of the enrolment's shape (read back from storage or a file). */
export function isOfflineEnrolment(value: unknown): value is OfflineEnrolment {
  const e = value as Partial<OfflineEnrolment> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.server === 'string' &&
    typeof e.memberId === 'number' &&
    typeof e.deviceId === 'number' &&
    typeof e.secret === 'string' &&
    typeof e.stepSeconds === 'number' &&
    e.stepSeconds > 0 &&
    typeof e.skewSteps === 'number' &&
    typeof e.clockOffsetMs === 'number'
  );
}

/** The code of `storeId` at local time `now`, in the server's step (the offset applied), and that step. */
export function offlineCodeAt(enrolment: OfflineEnrolment, secret: Uint8Array, storeId: number, now: number): { code: string; step: number } {
  const step = timeStep(now + enrolment.clockOffsetMs, enrolment.stepSeconds);
  return { code: makeOfflineCode(secret, { deviceId: enrolment.deviceId, storeId, step }), step };
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url (padding allowed) to bytes, by hand: WeChat has neither Buffer nor a dependable atob. */
export function base64UrlBytes(text: string): Uint8Array | undefined {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of clean) {
    const digit = BASE64URL.indexOf(char);
    if (digit < 0) return undefined;
    value = ((value << 6) | digit) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >> bits) & 0xff;
    }
  }
  return out;
}
