import { timingSafeEqual } from 'node:crypto';
import { OFFLINE_CODE_PREFIX, offlineCodeMac, offlineNonce, parseOfflineCode, timeStep, type QrClaims } from '@scanpush/shared';
import type { DeviceStore } from '../storage/devices.js';
import { deriveDeviceSecret, type DeviceKeys } from './device-secrets.js';
import type { QrSigner, QrVerdict } from './qr-signer.js';

export interface MemberCodesDeps {
  signer: Pick<QrSigner, 'verify'>;
  devices: Pick<DeviceStore, 'get'>;
  keys: DeviceKeys;
  /** The offline code's time step and how many steps either side of the server's are accepted. */
  stepSeconds: number;
  skewSteps: number;
}

const UNKNOWN_DEVICE = { ok: false, reason: 'bad-signature', detail: 'unknown or revoked device' } as const;
// The prefix after the scanner's whitespace, as the parsers read it: `SO…` is an offline code, all else a token.
const OFFLINE = new RegExp(`^[ \\t\\r\\n]*${OFFLINE_CODE_PREFIX}`);

/**
 * Reads what a member shows: an online token (`SP…`, QrSigner.verify, unchanged) or an offline code
 * (`SO…`, packages/shared offline-code.ts), into the one verdict scans and sales act on.
 *
 * An offline code is checked in this order, each refusal ending the check: its form; its device (unknown
 * or revoked: refused as a forgery, nobody told); the device's secret (its server key retired: the
 * same); the MAC, compared in constant time; then its time step against the server's, within
 * `skewSteps` either way ('stale': the member is known, so the refusal is recorded and pushed as
 * OFFLINE_CODE_STALE). The member is the device's, never read from the code: a code can deduct only
 * its own device's member, whatever store it names, so no cross-member code can exist. The claims'
 * nonce is `offlineNonce(device, step)`, so the ledger accepts each device's code of a step once, and
 * `expiresAt` is the end of the last step the code is accepted in.
 */
export class MemberCodes {
  constructor(private readonly deps: MemberCodesDeps) {}

  async read(text: string, nowMs: number): Promise<QrVerdict> {
    if (!OFFLINE.test(text)) return this.deps.signer.verify(text, nowMs);
    const parsed = parseOfflineCode(text);
    if (!parsed.ok) return { ok: false, reason: 'malformed', detail: parsed.reason };
    const { claims: code, signed, mac } = parsed.value;
    const device = await this.deps.devices.get(code.deviceId);
    if (!device || device.revokedAt !== null) return UNKNOWN_DEVICE;
    const secret = deriveDeviceSecret(this.deps.keys, device);
    if (!secret) return UNKNOWN_DEVICE;
    if (!timingSafeEqual(offlineCodeMac(secret, signed), mac)) return { ok: false, reason: 'bad-signature', detail: 'signature does not match' };
    const { stepSeconds, skewSteps } = this.deps;
    const claims: QrClaims = {
      memberId: device.memberId,
      storeId: code.storeId,
      nonce: offlineNonce(code.deviceId, code.step),
      expiresAt: (code.step + skewSteps + 1) * stepSeconds,
    };
    if (Math.abs(code.step - timeStep(nowMs, stepSeconds)) > skewSteps) return { ok: false, reason: 'stale', claims };
    return { ok: true, claims };
  }
}
