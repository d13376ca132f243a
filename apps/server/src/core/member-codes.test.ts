import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base32Decode, base32Encode, makeOfflineCode, timeStep } from '@scanpush/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../storage/sqlite/open.js';
import type { Storage } from '../storage/storage.js';
import { deriveDeviceSecret, deviceKeys, newDeviceSalt, type DeviceKeys } from './device-secrets.js';
import { MemberCodes } from './member-codes.js';
import { QrSigner } from './qr-signer.js';

const T0 = Date.UTC(2026, 0, 1);
const STEP = 30;
const SKEW = 1;
const signer = new QrSigner('s'.repeat(32));
const keysOf = (current: string, previous?: string): DeviceKeys =>
  deviceKeys({ qrSecret: 's'.repeat(32), offlineCodes: { deviceSecretKey: current, previousDeviceSecretKey: previous } });
const KEYS = keysOf('k'.repeat(32));

let dir: string;
let storage: Storage;
let codes: MemberCodes;
let memberId: number;
let device: { id: number; secret: Buffer };

async function enrol(keys: DeviceKeys, member = memberId): Promise<{ id: number; secret: Buffer }> {
  const salt = newDeviceSalt();
  const { id } = await storage.devices.enrol({ memberId: member, sessionId: null, name: null, salt, keyId: keys.current.id }, T0);
  return { id, secret: deriveDeviceSecret(keys, { id, salt, keyId: keys.current.id })! };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-codes-'));
  storage = createSqliteStorage(join(dir, 'scanpush.db'));
  codes = new MemberCodes({ signer, devices: storage.devices, keys: KEYS, stepSeconds: STEP, skewSteps: SKEW });
  memberId = (await storage.accounts.createMember({}, T0)).id;
  await storage.accounts.createMember({}, T0);
  device = await enrol(KEYS);
});
afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const step0 = timeStep(T0, STEP);
const code = (d = device, step = step0, storeId = 5) => makeOfflineCode(d.secret, { deviceId: d.id, storeId, step });

describe('MemberCodes', () => {
  it('reads an online token as QrSigner.verify does', async () => {
    const { token } = signer.issue(memberId, 5, T0, 60);
    expect(await codes.read(token, T0)).toEqual(signer.verify(token, T0));
    expect(await codes.read(token, T0 + 61_000)).toEqual(signer.verify(token, T0 + 61_000));
    expect(await codes.read('junk', T0)).toEqual(signer.verify('junk', T0));
  });

  it('accepts an offline code for its device’s member, one nonce per device and step', async () => {
    expect(await codes.read(code(), T0)).toEqual({
      ok: true,
      claims: { memberId, storeId: 5, nonce: `d${device.id}s${step0}`, expiresAt: (step0 + SKEW + 1) * STEP },
    });
    // What a keyboard-mode scanner adds around it is forgiven, as for online tokens.
    expect((await codes.read(`\t${code()}\r\n`, T0)).ok).toBe(true);
  });

  it('takes the member from the device, never from the code', async () => {
    const other = await enrol(KEYS, memberId + 1);
    const verdict = await codes.read(code(other), T0);
    expect(verdict).toMatchObject({ ok: true, claims: { memberId: memberId + 1 } });
  });

  it('accepts steps within the skew and calls the others stale, with their member', async () => {
    for (const step of [step0 - 1, step0, step0 + 1]) expect((await codes.read(code(device, step), T0)).ok).toBe(true);
    for (const step of [step0 - 2, step0 + 2, 0]) {
      expect(await codes.read(code(device, step), T0)).toMatchObject({ ok: false, reason: 'stale', claims: { memberId, storeId: 5 } });
    }
    // The last instant of the last accepted step, and the first after it.
    const lastMs = (step0 + SKEW + 1) * STEP * 1000 - 1;
    expect((await codes.read(code(), lastMs)).ok).toBe(true);
    expect(await codes.read(code(), lastMs + 1)).toMatchObject({ reason: 'stale' });
  });

  it('refuses unknown and revoked devices as forgeries, telling nobody', async () => {
    const unknown = { ...device, id: device.id + 100 };
    expect(await codes.read(code(unknown), T0)).toEqual({ ok: false, reason: 'bad-signature', detail: 'unknown or revoked device' });
    expect(await storage.devices.revoke(memberId, device.id, T0)).toBe(true);
    expect(await codes.read(code(), T0)).toEqual({ ok: false, reason: 'bad-signature', detail: 'unknown or revoked device' });
  });

  it('refuses a device whose key was retired, and keeps one on the previous key', async () => {
    const rotated = new MemberCodes({ signer, devices: storage.devices, keys: keysOf('n'.repeat(32), 'k'.repeat(32)), stepSeconds: STEP, skewSteps: SKEW });
    expect((await rotated.read(code(), T0)).ok).toBe(true);
    const retired = new MemberCodes({ signer, devices: storage.devices, keys: keysOf('n'.repeat(32)), stepSeconds: STEP, skewSteps: SKEW });
    expect(await retired.read(code(), T0)).toMatchObject({ ok: false, reason: 'bad-signature', detail: 'unknown or revoked device' });
  });

  it('refuses a wrong MAC before looking at the time', async () => {
    const bytes = base32Decode(code(device, 0).slice(2))!;
    bytes[24]! ^= 0x80;
    expect(await codes.read('SO' + base32Encode(bytes), T0)).toEqual({ ok: false, reason: 'bad-signature', detail: 'signature does not match' });
    const other = await enrol(KEYS);
    const wrongSecret = makeOfflineCode(other.secret, { deviceId: device.id, storeId: 5, step: step0 });
    expect(await codes.read(wrongSecret, T0)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a malformed offline code with the parser’s reason', async () => {
    expect(await codes.read(code().slice(0, -1), T0)).toEqual({ ok: false, reason: 'malformed', detail: 'code length 41, expected 42' });
  });
});
