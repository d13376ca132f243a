import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Device secrets for offline member codes, DERIVED rather than stored: secret = HMAC-SHA256(server key,
 * "scanpush device secret v1" ‖ device id ‖ salt), where the salt (16 random bytes) is the only per-device
 * value the database keeps. A copy of the database alone therefore cannot make a single code; a leaked
 * server key can, for every device, until the key is rotated.
 *
 * The server key is DEVICE_SECRET_KEY, or (unset) one derived from QR_SECRET with HKDF, so a server with
 * one secret still has two independent keys. Rotation: set the new key as DEVICE_SECRET_KEY and the old as
 * DEVICE_SECRET_KEY_PREVIOUS; devices enrolled under the old key keep working until they re-enrol (the
 * mini-program re-enrols when `GET /api/devices` says its device is not `keyCurrent`), then drop the
 * previous key: devices still on it are refused and must re-enrol. Each device row names its key by
 * `keyId`, a fingerprint (the first 8 bytes of SHA-256 of the key, hex), never the key.
 */
export interface DeviceKey {
  id: string;
  key: Buffer;
}

export interface DeviceKeys {
  current: DeviceKey;
  previous: DeviceKey | undefined;
}

export const DEVICE_SECRET_BYTES = 32;
const SALT_BYTES = 16;

function deviceKey(key: Buffer): DeviceKey {
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

export function deviceKeys(config: { qrSecret: string; offlineCodes: { deviceSecretKey: string | undefined; previousDeviceSecretKey: string | undefined } }): DeviceKeys {
  const { deviceSecretKey, previousDeviceSecretKey } = config.offlineCodes;
  const current = deviceSecretKey
    ? Buffer.from(deviceSecretKey, 'utf8')
    : Buffer.from(hkdfSync('sha256', config.qrSecret, Buffer.alloc(0), 'scanpush device secret key v1', 32));
  return {
    current: deviceKey(current),
    previous: previousDeviceSecretKey ? deviceKey(Buffer.from(previousDeviceSecretKey, 'utf8')) : undefined,
  };
}

/** A fresh salt for a new device, hex. */
export function newDeviceSalt(): string {
  return randomBytes(SALT_BYTES).toString('hex');
}

/**
 * The device's secret (32 bytes), or undefined when its key is neither the current nor the previous one
 * (a retired device: it must enrol again).
 */
export function deriveDeviceSecret(keys: DeviceKeys, device: { id: number; salt: string; keyId: string }): Buffer | undefined {
  const key = [keys.current, keys.previous].find((k) => k?.id === device.keyId);
  if (!key) return undefined;
  return createHmac('sha256', key.key).update(`scanpush device secret v1|${device.id}|${device.salt}`).digest();
}
