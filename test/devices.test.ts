import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceEnrolment, DeviceView } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveDeviceSecret, deviceKeys } from '../apps/server/src/core/device-secrets.js';
import { api, devLogin } from './helpers/client.js';
import { TEST_ENGINE, startServer, type TestServer } from './helpers/server.js';

// Members' devices for offline member codes, against the real server and database: enrolment answers a
// secret once and the database never holds it; the member lists and revokes their devices; logout and
// the operator revoke them too; a rotated server key keeps devices usable only while it is PREVIOUS.
let srv: TestServer;
const clock = Date.UTC(2026, 5, 1, 9);

beforeAll(async () => {
  srv = await startServer({ parts: { now: () => clock } });
});
afterAll(async () => {
  if (!srv) return;
  expect((await srv.storage.audit()).problems).toEqual([]);
  await srv.stop();
});

/** A new member of its own (so the device cap is this test's alone), signed in. */
async function newMember(base = srv.url, adminToken = srv.adminToken): Promise<{ memberId: number; token: string }> {
  const made = await api(base, '/api/admin/members', { token: adminToken, body: { name: '会员' } });
  expect(made.status).toBe(201);
  return { memberId: made.body.id, token: await devLogin(base, made.body.id) };
}

async function enrol(token: string, body: object = {}, base = srv.url): Promise<DeviceEnrolment> {
  const res = await api<DeviceEnrolment>(base, '/api/devices', { token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function listDevices(token: string, base = srv.url): Promise<DeviceView[]> {
  const res = await api<{ devices: DeviceView[]; serverTime: string }>(base, '/api/devices', { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.devices;
}

describe('device enrolment', () => {
  it('answers the secret once, derived from the server key, with the server’s time and code timing; the database never holds it', async () => {
    const { memberId, token } = await newMember();
    const enrolment = await enrol(token, { name: 'iPhone 15' });
    expect(enrolment).toEqual({
      deviceId: expect.any(Number),
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      serverTime: new Date(clock).toISOString(),
      stepSeconds: 30,
      skewSteps: 1,
    });
    // What the verifier derives again: DEVICE_SECRET_KEY unset, so the key comes from QR_SECRET.
    const device = await srv.storage.devices.get(enrolment.deviceId);
    expect(device).toMatchObject({ memberId, name: 'iPhone 15', salt: expect.stringMatching(/^[0-9a-f]{32}$/), revokedAt: null });
    const keys = deviceKeys({ qrSecret: srv.qrSecret, offlineCodes: { deviceSecretKey: undefined, previousDeviceSecretKey: undefined } });
    const secret = Buffer.from(enrolment.secret, 'base64url');
    expect(deriveDeviceSecret(keys, device!)).toEqual(secret);

    const dump = await srv.dump();
    expect(dump).not.toContain(enrolment.secret);
    expect(dump).not.toContain(secret.toString('hex'));
    expect(dump).not.toContain(secret.toString('base64'));
    const listed = await api(srv.url, '/api/devices', { token });
    expect(JSON.stringify(listed.body)).not.toContain(enrolment.secret);
    // Two enrolments of one phone are two devices with two secrets.
    expect((await enrol(token)).secret).not.toBe(enrolment.secret);
  });

  it('refuses a name that is empty or over 60 characters, and a member without a session', async () => {
    const { token } = await newMember();
    for (const name of ['', '   ', 'x'.repeat(61)]) {
      const res = await api(srv.url, '/api/devices', { token, body: { name } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await enrol(token, { name: '车'.repeat(60) })).deviceId).toBeGreaterThan(0);
    expect(await listDevices(token)).toHaveLength(1);
    for (const [method, path] of [['POST', '/api/devices'], ['GET', '/api/devices'], ['DELETE', '/api/devices/1']]) {
      const res = await api(srv.url, path!, { method, body: method === 'POST' ? {} : undefined });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
    expect((await api(srv.url, '/api/devices', { token: 'not-a-session' })).status).toBe(401);
  });

  it('lists the member’s devices newest first: which this session enrolled, which are usable', async () => {
    const { memberId, token } = await newMember();
    const other = await devLogin(srv.url, memberId);
    const first = await enrol(token, { name: '旧手机' });
    const second = await enrol(other);
    const stranger = await newMember();
    await enrol(stranger.token);
    expect(await api(srv.url, `/api/devices/${first.deviceId}`, { token, method: 'DELETE' })).toEqual({ status: 200, body: { revoked: true } });
    const at = new Date(clock).toISOString();
    expect(await listDevices(token)).toEqual([
      { id: second.deviceId, name: null, createdAt: at, revokedAt: null, current: false, usable: true, keyCurrent: true },
      { id: first.deviceId, name: '旧手机', createdAt: at, revokedAt: at, current: true, usable: false, keyCurrent: true },
    ]);
    expect((await listDevices(other)).map((d) => [d.id, d.current])).toEqual([
      [second.deviceId, true],
      [first.deviceId, false],
    ]);
    const res = await api(srv.url, '/api/devices', { token });
    expect(res.body.serverTime).toBe(at);
  });

  it('revokes only the member’s own live device: another’s, a revoked one and no device are 404', async () => {
    const a = await newMember();
    const b = await newMember();
    const mine = await enrol(a.token);
    const theirs = await enrol(b.token);
    const del = (token: string, id: number | string) => api(srv.url, `/api/devices/${id}`, { token, method: 'DELETE' });
    const notFound = await del(a.token, theirs.deviceId);
    expect(notFound.status).toBe(404);
    expect(notFound.body.error.code).toBe('NOT_FOUND');
    expect((await srv.storage.devices.get(theirs.deviceId))?.revokedAt).toBeNull();
    expect((await del(a.token, mine.deviceId)).status).toBe(200);
    expect((await del(a.token, mine.deviceId)).status).toBe(404);
    expect((await del(a.token, 999_999)).status).toBe(404);
    expect((await del(a.token, 'abc')).status).toBe(400);
  });

  it('at the eleventh live device, revokes the oldest live one', async () => {
    const { memberId, token } = await newMember();
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push((await enrol(token, { name: `手机 ${i}` })).deviceId);
    const live = async () => (await srv.storage.devices.list(memberId)).filter((d) => d.revokedAt === null).map((d) => d.id);
    expect(await live()).toEqual([...ids].reverse());
    ids.push((await enrol(token)).deviceId);
    expect(await live()).toEqual(ids.slice(1).reverse());
    expect((await srv.storage.devices.get(ids[0]!))?.revokedAt).toBe(clock);
    // A revoked device frees its place: the next enrolment revokes nothing.
    await api(srv.url, `/api/devices/${ids[5]}`, { token, method: 'DELETE' });
    ids.push((await enrol(token)).deviceId);
    expect(await live()).toHaveLength(10);
    expect((await srv.storage.devices.get(ids[1]!))?.revokedAt).toBeNull();
  });
});

describe('device revocation with sessions', () => {
  it('logout revokes the devices that session enrolled, not the member’s others', async () => {
    const { memberId, token } = await newMember();
    const stays = await devLogin(srv.url, memberId);
    const a = await enrol(token);
    const b = await enrol(token);
    const kept = await enrol(stays);
    expect((await api(srv.url, '/api/auth/logout', { token, method: 'POST' })).status).toBe(204);
    expect((await listDevices(stays)).map((d) => [d.id, d.revokedAt !== null, d.usable])).toEqual([
      [kept.deviceId, false, true],
      [b.deviceId, true, false],
      [a.deviceId, true, false],
    ]);
  });

  it('the operator revokes every device of a member, and revoking the member’s sessions revokes them too', async () => {
    const a = await newMember();
    const b = await newMember();
    await enrol(a.token);
    await enrol(a.token);
    const other = await enrol(b.token);
    const admin = (path: string) => api(srv.url, path, { token: srv.adminToken, method: 'POST', body: {} });
    expect(await admin(`/api/admin/members/${a.memberId}/revoke-devices`)).toEqual({ status: 200, body: { revoked: 2 } });
    expect(await admin(`/api/admin/members/${a.memberId}/revoke-devices`)).toEqual({ status: 200, body: { revoked: 0 } });
    expect((await listDevices(a.token)).every((d) => !d.usable && d.revokedAt !== null)).toBe(true);
    expect((await admin('/api/admin/members/999999/revoke-devices')).status).toBe(404);
    expect((await api(srv.url, `/api/admin/members/${a.memberId}/revoke-devices`, { method: 'POST', body: {} })).status).toBe(401);

    const sessions = await admin(`/api/admin/members/${b.memberId}/revoke-sessions`);
    expect(sessions.body).toEqual({ revoked: 1, socketsClosed: 0, devicesRevoked: 1 });
    expect((await srv.storage.devices.get(other.deviceId))?.revokedAt).toBe(clock);
  });
});

describe.runIf(TEST_ENGINE === 'sqlite')('device key rotation', () => {
  const OLD_KEY = 'old-device-secret-key-0123456789abcdef';
  const NEW_KEY = 'new-device-secret-key-0123456789abcdef';

  it('keeps a device usable while its key is DEVICE_SECRET_KEY_PREVIOUS, and not after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-devices-'));
    let server: TestServer | undefined;
    try {
      server = await startServer({ dir, env: { DEVICE_SECRET_KEY: OLD_KEY } });
      const { memberId, token } = await newMember(server.url, server.adminToken);
      const enrolment = await enrol(token, {}, server.url);
      await server.stop();
      server = undefined;

      server = await startServer({ dir, env: { DEVICE_SECRET_KEY: NEW_KEY, DEVICE_SECRET_KEY_PREVIOUS: OLD_KEY } });
      const fresh = await enrol(token, {}, server.url);
      // Usable, but told to enrol again while the old key is still there.
      expect((await listDevices(token, server.url)).map((d) => [d.id, d.usable, d.keyCurrent])).toEqual([
        [fresh.deviceId, true, true],
        [enrolment.deviceId, true, false],
      ]);
      // Still the secret it was given: derived under the previous key.
      const keys = deviceKeys({ qrSecret: server.qrSecret, offlineCodes: { deviceSecretKey: NEW_KEY, previousDeviceSecretKey: OLD_KEY } });
      expect(deriveDeviceSecret(keys, (await server.storage.devices.get(enrolment.deviceId))!)?.toString('base64url')).toBe(enrolment.secret);
      await server.stop();
      server = undefined;

      server = await startServer({ dir, env: { DEVICE_SECRET_KEY: NEW_KEY } });
      expect((await listDevices(token, server.url)).map((d) => [d.id, d.usable, d.revokedAt])).toEqual([
        [fresh.deviceId, true, null],
        [enrolment.deviceId, false, null],
      ]);
      expect((await server.storage.devices.list(memberId)).map((d) => d.id)).toEqual([fresh.deviceId, enrolment.deviceId]);
    } finally {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
