import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OFFLINE_CODE_LENGTH, parseOfflineCode } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQrPng } from '../apps/cli/src/qr-image.js';
import { api, devLogin } from './helpers/client.js';
import { buildCli, runCli } from './helpers/cli-process.js';
import { startServer, type TestServer } from './helpers/server.js';

// `scanpush qr --offline`, the bundled CLI in child processes against the real server in this process: the
// code it prints is the one a phone without signal shows, and the real scan endpoint takes it.
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  buildCli();
  srv = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'scanpush-cli-offline-'));
});
afterAll(async () => {
  await srv?.stop();
});

async function liveDevices(): Promise<Array<{ id: number; name: string | null; usable: boolean }>> {
  const list = await api(srv.url, '/api/devices', { token: await devLogin(srv.url, 17) });
  expect(list.status).toBe(200);
  return list.body.devices.filter((d: { revokedAt: string | null }) => d.revokedAt === null);
}

describe('scanpush qr --offline', () => {
  it('enrols a device and prints its offline code as a terminal QR and text; the PNG scans and deducts', async () => {
    const png = join(dir, 'offline.png');
    const out = await runCli(['--server', srv.url, 'qr', '--offline', '--user', '17', '--store', '2', '--png', png]);
    expect(out.code, out.stderr).toBe(0);
    const code = out.stdout.match(/^SO[A-Z2-7]+$/m)?.[0];
    expect(code).toHaveLength(OFFLINE_CODE_LENGTH);
    // The drawing comes first (block characters), as for the online code.
    expect(out.stdout.indexOf('▀')).toBeGreaterThanOrEqual(0);
    expect(out.stdout.indexOf('▀')).toBeLessThan(out.stdout.indexOf(code!));
    const deviceId = Number(out.stdout.match(/^offline code, device (\d+), changes every 30 s$/m)?.[1]);
    const parsed = parseOfflineCode(code!);
    expect(parsed.ok && parsed.value.claims).toMatchObject({ deviceId, storeId: 2 });
    expect((await liveDevices()).find((d) => d.id === deviceId)).toMatchObject({ name: 'scanpush CLI', usable: true });

    expect(await decodeQrPng(png)).toBe(code);
    const scanned = await runCli(['--server', srv.url, 'scan', '--image', png, '--key', srv.demoMerchantKey]);
    expect(scanned).toMatchObject({ code: 0, stderr: '' });
    expect(scanned.stdout).toBe('0_扣费成功_剩余次数: 9\nremaining: 9\n');
    const again = await runCli(['--server', srv.url, 'scan', code!, '--key', srv.demoMerchantKey]);
    expect(again.code).toBe(2);
    expect(again.stdout).toMatch(/^refused: QR_USED /);
  });

  it('keeps the enrolment in --device-file (0600) and reuses it without enrolling again', async () => {
    const file = join(dir, 'device.json');
    const first = await runCli(['--server', srv.url, 'qr', '--user', '17', '--store', '2', '--device-file', file, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const made = JSON.parse(first.stdout) as { code: string; deviceId: number; step: number; stepSeconds: number };
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(kept).toMatchObject({ server: srv.url, memberId: 17, deviceId: made.deviceId, stepSeconds: 30 });
    expect(Buffer.from(kept.secret as string, 'base64url')).toHaveLength(32);
    const devices = (await liveDevices()).length;

    const second = await runCli(['--server', srv.url, 'qr', '--offline', '--user', '17', '--store', '2', '--device-file', file]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`offline code, device ${made.deviceId} (from ${file}), changes every 30 s`);
    expect((await liveDevices()).length, 'no new enrolment').toBe(devices);
    const code = second.stdout.match(/^SO[A-Z2-7]+$/m)![0];
    const scanned = await api(srv.url, '/api/scans', { token: srv.demoMerchantKey, body: { qr: code } });
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);

    // Made for another server (the same one, named otherwise): refused, and the file left as it was.
    const elsewhere = srv.url.replace('127.0.0.1', 'localhost');
    expect(elsewhere).not.toBe(srv.url);
    const before = readFileSync(file, 'utf8');
    const other = await runCli(['--server', elsewhere, 'qr', '--offline', '--user', '17', '--store', '2', '--device-file', file]);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(`scanpush: ${file} holds the enrolment of member 17 on ${srv.url}, not member 17 on ${elsewhere}: use another --device-file\n`);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect((await liveDevices()).length, 'no new enrolment').toBe(devices);
  });
});
