import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { base32Decode, base32Encode, formatPushText, makeOfflineCode, timeStep, type DeviceEnrolment } from '@scanpush/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../apps/server/src/logger.js';
import { TestSocket, api, devLogin, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

// Offline member codes against the real server: a phone enrols a device (POST /api/devices), makes codes
// from its secret with no network (packages/shared offline-code.ts), and a merchant scans them or sells
// with them (core/member-codes.ts). What the merchant is answered, what the member's socket is pushed,
// whose card moves, and that the device's secret is kept nowhere (database, logs).

// Half-way through a 30 s step, so "one step off" is unambiguous whichever way the test moves the clock.
const T0 = Date.UTC(2026, 0, 1, 12, 0, 15);
let srv: TestServer;
let clock = T0;

async function start(env: Record<string, string> = {}, logger?: Logger) {
  clock = T0;
  srv = await startServer({ env, parts: { now: () => clock, ...(logger ? { logger } : {}) } });
  return srv;
}

afterEach(async () => {
  if (!srv) return;
  expect((await srv.storage.audit()).problems).toEqual([]);
  await srv.stop();
});

interface Device {
  id: number;
  secret: Uint8Array;
  /** The enrolment's answer as sent, secret included (base64url). */
  raw: DeviceEnrolment;
}

async function enrol(token: string): Promise<Device> {
  const { status, body } = await api<DeviceEnrolment>(srv.url, '/api/devices', { token, body: { name: '测试手机' } });
  expect(status, JSON.stringify(body)).toBe(201);
  expect(body.stepSeconds).toBe(30);
  return { id: body.deviceId, secret: Buffer.from(body.secret, 'base64url'), raw: body };
}

/** The code the phone shows `offset` steps from the server's clock (a phone clock that is off by that much). */
function code(device: Device, offset = 0, storeId = 2): string {
  return makeOfflineCode(device.secret, { deviceId: device.id, storeId, step: timeStep(clock, 30) + offset });
}

async function remaining(token: string, storeId = 2): Promise<number | undefined> {
  const cards = (await api(srv.url, '/api/cards', { token })).body.cards as Array<{ storeId: number; remaining: number }>;
  return cards.find((c) => c.storeId === storeId)?.remaining;
}

describe('offline member codes', () => {
  it('deducts with a code made offline, and refuses the same code shown again (a screenshot)', async () => {
    await start();
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const device = await enrol(token);
    const offline = code(device);
    expect(offline).toMatch(/^SO[A-Z2-7]{40}$/);

    const first = await scan(srv.url, srv.demoMerchantKey, offline);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.result).toMatchObject({ name: 'OK', memberId: 17, storeId: 2, remaining: 9 });
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');

    const again = await scan(srv.url, srv.demoMerchantKey, offline);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'QR_USED', result: { name: 'QR_USED', memberId: 17 } });
    expect(await socket.next()).toBe(formatPushText('QR_USED'));
    expect(await remaining(token)).toBe(9);
    socket.close();
  });

  it('accepts a phone clock one step off either way; two steps off is OFFLINE_CODE_STALE, pushed to the member', async () => {
    await start();
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const device = await enrol(token);

    for (const offset of [-1, 1]) {
      const answer = await scan(srv.url, srv.demoMerchantKey, code(device, offset));
      expect(answer.status, `offset ${offset}: ${JSON.stringify(answer.body)}`).toBe(200);
    }
    expect([await socket.next(), await socket.next()]).toEqual(['0_扣费成功_剩余次数: 9', '0_扣费成功_剩余次数: 8']);

    for (const offset of [-2, 2]) {
      const answer = await scan(srv.url, srv.demoMerchantKey, code(device, offset));
      expect(answer.status, `offset ${offset}`).toBe(410);
      expect(answer.body.error).toMatchObject({
        code: 'OFFLINE_CODE_STALE',
        result: { name: 'OFFLINE_CODE_STALE', code: 14, ok: false, memberId: 17, storeId: 2, text: formatPushText('OFFLINE_CODE_STALE') },
      });
      expect(await socket.next()).toBe('14_离线码已失效_请联网后刷新会员码或校准手机时间');
    }

    // A code made now and shown two steps later (the phone kept showing an old one) is stale too.
    const kept = code(device);
    clock += 2 * 30_000;
    expect((await scan(srv.url, srv.demoMerchantKey, kept)).body.error).toMatchObject({ code: 'OFFLINE_CODE_STALE' });
    expect(await socket.next()).toBe(formatPushText('OFFLINE_CODE_STALE'));
    expect(await remaining(token)).toBe(8);
    socket.close();
  });

  it('refuses a revoked device’s code as QR_INVALID, telling nobody', async () => {
    await start();
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const device = await enrol(token);
    expect((await api(srv.url, `/api/devices/${device.id}`, { token, method: 'DELETE' })).status).toBe(200);

    const answer = await scan(srv.url, srv.demoMerchantKey, code(device));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'QR_INVALID', result: { name: 'QR_INVALID', memberId: null } });
    await socket.expectSilence();
    expect(await remaining(token)).toBe(10);
    socket.close();
  });

  it('refuses a forged MAC as QR_INVALID, and limits a merchant key that keeps guessing', async () => {
    // A 96-bit MAC: one guess in 2^96 passes. At MERCHANT_REFUSALS_PER_MINUTE's default of 20 a key gets
    // about 1.05e7 guesses a year, so an even chance takes 2^95 / 1.05e7 ≈ 3.8e21 years per key; the
    // limit below is what keeps a stolen merchant key from even trying fast.
    await start({ MERCHANT_REFUSAL_BURST: '3', MERCHANT_REFUSALS_PER_MINUTE: '6' });
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const device = await enrol(token);
    const bytes = base32Decode(code(device).slice(2))!;
    const forged = (i: number) => {
      const copy = bytes.slice();
      copy[13 + i]! ^= 0x01;
      return 'SO' + base32Encode(copy);
    };
    for (let i = 0; i < 3; i++) {
      const answer = await scan(srv.url, srv.demoMerchantKey, forged(i));
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({ code: 'QR_INVALID', result: { memberId: null } });
    }
    const limited = await scan(srv.url, srv.demoMerchantKey, forged(3));
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    // Even the genuine code waits: the key, not the code, is limited.
    expect((await scan(srv.url, srv.demoMerchantKey, code(device))).status).toBe(429);
    await socket.expectSilence();
    expect(await remaining(token)).toBe(10);
    socket.close();
  });

  it('sells at the counter with an offline code; a stale one is refused to the staff only', async () => {
    await start();
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token });
    const device = await enrol(token);
    const product = await api(srv.url, '/api/admin/stores/2/products', { token: srv.adminToken, body: { name: '10次洗车卡', uses: 10, priceFen: 29_900, validDays: 365 } });
    expect(product.status).toBe(201);
    const sell = (qr: string) => api(srv.url, '/api/sales', { token: srv.demoMerchantKey, body: { qr, productId: product.body.id } });

    const sold = await sell(code(device));
    expect(sold.status, JSON.stringify(sold.body)).toBe(200);
    expect(sold.body.result).toMatchObject({ name: 'TOPPED_UP', memberId: 17, remaining: 20 });
    expect(await socket.next()).toBe('7_充值成功_剩余次数: 20');

    const stale = await sell(code(device, 3));
    expect(stale.status).toBe(410);
    expect(stale.body.error).toMatchObject({ code: 'OFFLINE_CODE_STALE', result: { name: 'OFFLINE_CODE_STALE', memberId: 17 } });
    await socket.expectSilence();
    expect(await remaining(token)).toBe(20);
    socket.close();
  });

  it('keeps the device secret out of the database and the logs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // pino is the server's dependency, not the workspace root's: resolved from the server's package.
    const { pino } = createRequire(new URL('../apps/server/package.json', import.meta.url))('pino') as { pino: (opts: object, dest: Writable) => Logger };
    await start({}, pino({ level: 'trace' }, sink));
    const token = await devLogin(srv.url);
    const device = await enrol(token);
    expect((await scan(srv.url, srv.demoMerchantKey, code(device))).status).toBe(200);
    expect((await scan(srv.url, srv.demoMerchantKey, code(device))).status).toBe(409);
    expect((await api(srv.url, '/api/devices', { token })).status).toBe(200);
    expect(lines.length).toBeGreaterThan(0);

    const spellings = [device.raw.secret, Buffer.from(device.secret).toString('hex'), Buffer.from(device.secret).toString('base64')];
    const dump = await srv.dump();
    const logs = lines.join('');
    for (const spelling of spellings) {
      expect(dump.includes(spelling), `database holds ${spelling}`).toBe(false);
      expect(logs.includes(spelling), `logs hold ${spelling}`).toBe(false);
    }
    // What is kept: the device, by id, whose salt is all the database needs.
    expect((await srv.storage.devices.get(device.id))?.memberId).toBe(17);
  });

  it('deducts the device’s member, never another, whatever store the code names', async () => {
    await start();
    const seventeen = await devLogin(srv.url, 17);
    const other = await api(srv.url, '/api/admin/members', { token: srv.adminToken, body: { name: '第二位' } });
    expect(other.body.id).toBe(18);
    expect((await api(srv.url, '/api/admin/cards', { token: srv.adminToken, body: { memberId: 18, storeId: 2, uses: 5 } })).status).toBe(200);
    const eighteen = await devLogin(srv.url, 18);
    const socket17 = await TestSocket.open(srv.wsUrl, { token: seventeen });
    const socket18 = await TestSocket.open(srv.wsUrl, { memberId: 18, token: eighteen });
    const device17 = await enrol(seventeen);
    const device18 = await enrol(eighteen);

    const answer = await scan(srv.url, srv.demoMerchantKey, code(device18));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.result).toMatchObject({ name: 'OK', memberId: 18, remaining: 4 });
    expect(await socket18.next()).toBe('0_扣费成功_剩余次数: 4');

    // Another store named: refused as another store's, on member 18's stream there, never 17's.
    const elsewhere = await scan(srv.url, srv.demoMerchantKey, code(device18, 0, 1));
    expect(elsewhere.body.error).toMatchObject({ code: 'QR_WRONG_STORE', result: { memberId: 18, storeId: 1 } });

    // 17 holds no secret of 18's device: a code naming it with 17's secret is a forgery.
    const borrowed = makeOfflineCode(device17.secret, { deviceId: device18.id, storeId: 2, step: timeStep(clock, 30) + 1 });
    expect((await scan(srv.url, srv.demoMerchantKey, borrowed)).body.error).toMatchObject({ code: 'QR_INVALID' });

    await socket17.expectSilence();
    expect([await remaining(seventeen), await remaining(eighteen)]).toEqual([10, 4]);
    socket17.close();
    socket18.close();
  });
});
