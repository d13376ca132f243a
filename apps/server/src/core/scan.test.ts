import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultName } from '@scanpush/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker, PushEvent } from '../push/broker.js';
import { createSqliteStorage } from '../storage/sqlite/open.js';
import type { Storage } from '../storage/storage.js';
import { deviceKeys } from './device-secrets.js';
import { MemberCodes } from './member-codes.js';
import { QrSigner } from './qr-signer.js';
import { processScan, type ScanDeps } from './scan.js';

const T0 = Date.UTC(2026, 0, 1);
const TTL = 60;

let dir: string;
let storage: Storage;
let published: PushEvent[];
let outcomes: ResultName[];
let clock: number;
let deps: ScanDeps;
let merchant: { id: number; storeId: number };
let memberId: number;
const signer = new QrSigner('s'.repeat(32));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-scan-'));
  storage = createSqliteStorage(join(dir, 'scanpush.db'));
  published = [];
  outcomes = [];
  clock = T0;
  const broker: Pick<Broker, 'publish'> = { publish: (e) => void published.push(e) };
  const keys = deviceKeys({ qrSecret: 's'.repeat(32), offlineCodes: { deviceSecretKey: undefined, previousDeviceSecretKey: undefined } });
  const codes = new MemberCodes({ signer, devices: storage.devices, keys, stepSeconds: 30, skewSteps: 1 });
  deps = { cards: storage.cards, codes, broker, now: () => clock, preciseNow: () => clock + 0.25, onOutcome: (n) => void outcomes.push(n) };
  const store = await storage.accounts.createStore('A', T0);
  memberId = (await storage.accounts.createMember({}, T0)).id;
  merchant = { id: (await storage.accounts.createMerchant(store.id, 'c', 'h', T0)).id, storeId: store.id };
  await storage.cards.topUp(memberId, store.id, 3, T0);
});
afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const qr = () => signer.issue(memberId, merchant.storeId, clock, TTL).token;

describe('processScan', () => {
  it('deducts, answers the result built from the stream entry, and publishes the entry once committed', async () => {
    const outcome = await processScan(deps, { qr: qr(), merchant, idempotencyKey: null });
    expect(outcome).toMatchObject({ kind: 'result', replayed: false, result: { name: 'OK', ok: true, text: '0_扣费成功_剩余次数: 2', remaining: 2, seq: 1 } });
    if (outcome.kind !== 'result') throw new Error('unreachable');
    expect(outcome.result).not.toHaveProperty('type');
    expect(outcome.result.epoch).toBe(storage.streams.epoch());
    expect(published).toEqual([{ entry: (await storage.streams.read(memberId, merchant.storeId, 0, 1))[0], committedAt: T0 + 0.25 }]);
    expect(outcomes).toEqual(['OK']);
  });

  it('answers an unreadable QR as a value, recording and publishing nothing', async () => {
    const token = qr();
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    for (const text of ['not a qr', forged]) {
      const outcome = await processScan(deps, { qr: text, merchant, idempotencyKey: null });
      expect(outcome).toMatchObject({ kind: 'qr-invalid', result: { name: 'QR_INVALID', memberId: null, storeId: merchant.storeId } });
    }
    expect(published).toEqual([]);
    expect(await storage.streams.head(memberId, merchant.storeId)).toBe(0);
    expect(outcomes).toEqual(['QR_INVALID', 'QR_INVALID']);
  });

  it('judges expiry with the injected clock, and records the refusal for the member', async () => {
    const token = qr();
    clock += TTL * 1000;
    const outcome = await processScan(deps, { qr: token, merchant, idempotencyKey: null });
    expect(outcome).toMatchObject({ kind: 'result', replayed: false, result: { name: 'QR_EXPIRED', seq: 1 } });
    expect(published.map((e) => e.entry.code)).toEqual([1]);
    expect((await storage.cards.getCard(memberId, merchant.storeId))?.remaining).toBe(3);
  });

  it('answers a retry after the QR expired with the first result, publishing nothing new', async () => {
    const token = qr();
    const first = await processScan(deps, { qr: token, merchant, idempotencyKey: 'k1' });
    clock += 3600_000;
    const retry = await processScan(deps, { qr: token, merchant, idempotencyKey: 'k1' });
    expect(first).toMatchObject({ kind: 'result', replayed: false, result: { name: 'OK' } });
    expect(retry).toEqual({ ...first, replayed: true });
    expect(published).toHaveLength(1);
    expect(outcomes).toEqual(['OK']);
    expect((await storage.cards.getCard(memberId, merchant.storeId))?.remaining).toBe(2);
  });

  it('answers a key reused with another QR as a mismatch, publishing nothing', async () => {
    await processScan(deps, { qr: qr(), merchant, idempotencyKey: 'k1' });
    expect(await processScan(deps, { qr: qr(), merchant, idempotencyKey: 'k1' })).toEqual({ kind: 'idempotency-mismatch' });
    expect(published).toHaveLength(1);
  });

  it('answers a refusal told before with that notice, publishing nothing and counting it as repeated', async () => {
    const repeated: ResultName[] = [];
    deps = { ...deps, onRepeated: (n) => void repeated.push(n) };
    const token = qr();
    await processScan(deps, { qr: token, merchant, idempotencyKey: null });
    const told = await processScan(deps, { qr: token, merchant, idempotencyKey: null });
    clock += 1000;
    const again = await processScan(deps, { qr: token, merchant, idempotencyKey: 'k1' });
    expect(told).toMatchObject({ kind: 'result', replayed: false, result: { name: 'QR_USED', seq: 2, at: new Date(T0).toISOString() } });
    expect(again).toEqual(told);
    expect(published.map((e) => e.entry.seq)).toEqual([1, 2]);
    expect(outcomes).toEqual(['OK', 'QR_USED', 'QR_USED']);
    expect(repeated).toEqual(['QR_USED']);
    expect(await processScan(deps, { qr: token, merchant, idempotencyKey: 'k1' })).toEqual({ ...told, replayed: true });
  });
});
