import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultMessage, SyncedMessage } from '@scanpush/shared';
import { PushClient, systemClock, type SyncInfo } from '@scanpush/client';
import { wsConnect } from '@scanpush/client/ws';
import { afterEach, describe, expect, it } from 'vitest';
import { runBackup } from './helpers/backup.js';
import { TestSocket, api, devLogin, mintQr, scan } from './helpers/client.js';
import { TEST_ENGINE, startServer, type TestServer } from './helpers/server.js';

// The member's streams: one per (member, store), positions {epoch, seq}. These run the protocol by hand
// on real sockets; the client library's own handling of the same cases is tested in packages/client and
// through the mini-program and console tests.

const servers: TestServer[] = [];
afterEach(async () => {
  for (const srv of servers.splice(0)) await srv.stop();
});

async function start(...args: Parameters<typeof startServer>) {
  const srv = await startServer(...args);
  servers.push(srv);
  return srv;
}

/** A second store with member 17's card of `uses` and a merchant key of its own. */
async function secondStore(srv: TestServer, uses = 5) {
  const admin = srv.adminToken;
  const store = await api(srv.url, '/api/admin/stores', { token: admin, body: { name: 'North wash' } });
  const merchant = await api(srv.url, '/api/admin/merchants', { token: admin, body: { storeId: store.body.id, name: 'North counter' } });
  await api(srv.url, '/api/admin/cards', { token: admin, body: { memberId: 17, storeId: store.body.id, uses } });
  return { storeId: store.body.id as number, key: merchant.body.key as string };
}

async function scanAt(srv: TestServer, token: string, storeId: number, key: string) {
  const answer = await scan(srv.url, key, await mintQr(srv.url, token, storeId));
  expect(answer.status).toBe(200);
  return answer.body.result as ResultMessage;
}

/** Reads result frames until `synced`. */
async function untilSynced(socket: TestSocket) {
  const results: ResultMessage[] = [];
  for (;;) {
    const frame = await socket.nextJson();
    if (frame.type === 'synced') return { results, synced: frame as SyncedMessage };
    results.push(frame);
  }
}

describe('streams per store', () => {
  it('numbers each store’s results on their own, and replays a store’s stream whole while another is watched', async () => {
    const srv = await start();
    const token = await devLogin(srv.url);
    const north = await secondStore(srv);
    const epoch = srv.storage.streams.epoch();

    // The phone watches store 2; results at North (its seqs 1, 2) are not for this socket.
    const atDemo = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    expect(await atDemo.nextJson()).toEqual({ type: 'synced', epoch, lastSeq: 0, complete: true });
    expect(await scanAt(srv, token, north.storeId, north.key)).toMatchObject({ storeId: north.storeId, epoch, seq: 1 });
    expect(await scanAt(srv, token, north.storeId, north.key)).toMatchObject({ seq: 2, remaining: 3 });
    expect(await scanAt(srv, token, 2, srv.demoMerchantKey)).toMatchObject({ storeId: 2, epoch, seq: 1, remaining: 9 });
    expect(await atDemo.nextJson()).toMatchObject({ type: 'result', storeId: 2, epoch, seq: 1 });
    await atDemo.expectSilence();
    atDemo.close();

    // Switching to North with a fresh position: both North results, complete, and nothing of store 2.
    const atNorth = await TestSocket.open(srv.wsUrl, { token, structured: true, storeId: north.storeId, query: '?after=0' });
    const north1 = await untilSynced(atNorth);
    expect(north1.results.map((r) => [r.storeId, r.seq, r.remaining])).toEqual([
      [north.storeId, 1, 4],
      [north.storeId, 2, 3],
    ]);
    expect(north1.synced).toEqual({ type: 'synced', epoch, lastSeq: 2, complete: true });

    // While North is watched, store 2 gets two more; back at store 2 from its own position (1), both.
    await scanAt(srv, token, 2, srv.demoMerchantKey);
    await scanAt(srv, token, 2, srv.demoMerchantKey);
    await atNorth.expectSilence();
    atNorth.close();
    const back = await TestSocket.open(srv.wsUrl, { token, structured: true, query: `?epoch=${epoch}&after=1` });
    const demo2 = await untilSynced(back);
    expect(demo2.results.map((r) => [r.storeId, r.seq, r.remaining])).toEqual([
      [2, 2, 8],
      [2, 3, 7],
    ]);
    expect(demo2.synced).toEqual({ type: 'synced', epoch, lastSeq: 3, complete: true });
    back.close();
  });

  it('long-polls one store’s stream with the same positions', async () => {
    const srv = await start();
    const token = await devLogin(srv.url);
    const north = await secondStore(srv);
    const epoch = srv.storage.streams.epoch();
    await scanAt(srv, token, north.storeId, north.key);
    await scanAt(srv, token, 2, srv.demoMerchantKey);

    const poll = await api(srv.url, `/api/notifications?storeId=2&epoch=${epoch}&after=0&wait=0`, { token });
    expect(poll.status).toBe(200);
    expect(poll.body).toMatchObject({ epoch, lastSeq: 1, complete: true });
    expect(poll.body.results.map((r: ResultMessage) => [r.storeId, r.seq])).toEqual([[2, 1]]);

    // A waiting poll of North is answered by North's next result, not by store 2's.
    const waiting = api(srv.url, `/api/notifications?storeId=${north.storeId}&epoch=${epoch}&after=1&wait=10`, { token });
    await scanAt(srv, token, 2, srv.demoMerchantKey);
    await scanAt(srv, token, north.storeId, north.key);
    const woken = await waiting;
    expect(woken.body.results.map((r: ResultMessage) => [r.storeId, r.seq])).toEqual([[north.storeId, 2]]);

    const missing = await api(srv.url, '/api/notifications?after=0&wait=0', { token });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'storeId' });
  });

  it('says a replay is incomplete when retention pruned part of the gap', async () => {
    const srv = await start();
    const token = await devLogin(srv.url);
    const first = await scanAt(srv, token, 2, srv.demoMerchantKey);
    await new Promise((r) => setTimeout(r, 5));
    const second = await scanAt(srv, token, 2, srv.demoMerchantKey);
    // What the hourly retention does to an entry older than REPLAY_RETENTION_HOURS.
    expect(await srv.storage.streams.prune(Date.parse(second.at))).toBe(1);
    const epoch = srv.storage.streams.epoch();
    const socket = await TestSocket.open(srv.wsUrl, { token, structured: true, query: `?epoch=${epoch}&after=0` });
    const { results, synced } = await untilSynced(socket);
    expect(results.map((r) => r.seq)).toEqual([second.seq]);
    expect(synced).toEqual({ type: 'synced', epoch, lastSeq: 2, complete: false });
    expect(first.seq).toBe(1);
    socket.close();
  });
});

// SQLite's restore (a `scanpush backup` file copied back): PostgreSQL's (pg_dump, pg_restore into another
// database) is in the storage contract, which runs on both engines.
describe.runIf(TEST_ENGINE === 'sqlite')('a database restored from a backup', () => {
  it('starts clients of the old history over, with every post-restore result, on the socket and on long-poll', async () => {
    const env = { DEMO_MERCHANT_KEY: `spk_1_${'r'.repeat(24)}` };
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-restore-'));
    let srv = await start({ env, dir });
    let token = await devLogin(srv.url);
    await scanAt(srv, token, 2, srv.demoMerchantKey); // seq 1
    await scanAt(srv, token, 2, srv.demoMerchantKey); // seq 2
    const copy = join(dir, 'after-2.db');
    expect((await runBackup([copy, '--db', srv.dbPath])).code).toBe(0);
    for (let i = 0; i < 3; i++) await scanAt(srv, token, 2, srv.demoMerchantKey); // seqs 3-5, lost by the restore
    const before = { epoch: srv.storage.streams.epoch(), seq: 5 };

    // The operator restores the copy: stop, put the file in place, start.
    await srv.stop();
    servers.splice(servers.indexOf(srv), 1);
    for (const suffix of ['', '-wal', '-shm']) rmSync(srv.dbPath + suffix, { force: true });
    copyFileSync(copy, srv.dbPath);
    srv = await start({ env, dir });
    token = await devLogin(srv.url);
    const after = srv.storage.streams.epoch();
    expect(after).not.toBe(before.epoch);
    const fresh: number[] = [];
    for (let i = 0; i < 4; i++) fresh.push((await scanAt(srv, token, 2, srv.demoMerchantKey)).seq);
    expect(fresh).toEqual([3, 4, 5, 6]); // the same seqs as before the restore, of other results

    // A phone that had seen up to 5 of the old history gets everything retained, told it is not complete.
    const socket = await TestSocket.open(srv.wsUrl, { token, structured: true, query: `?epoch=${before.epoch}&after=${before.seq}` });
    const { results, synced } = await untilSynced(socket);
    expect(results.map((r) => [r.epoch, r.seq, r.remaining])).toEqual([
      [after, 1, 9],
      [after, 2, 8],
      [after, 3, 7],
      [after, 4, 6],
      [after, 5, 5],
      [after, 6, 4],
    ]);
    expect(synced).toEqual({ type: 'synced', epoch: after, lastSeq: 6, complete: false });
    await scanAt(srv, token, 2, srv.demoMerchantKey);
    expect(await socket.nextJson()).toMatchObject({ type: 'result', epoch: after, seq: 7, remaining: 3 });
    socket.close();

    // The client library, as the CLI, console and mini-program run it: it shows every post-restore
    // result and says it was resynchronised.
    const shown: Array<[string, number]> = [];
    const resync = new Promise<SyncInfo>((resolve) => {
      const client = new PushClient({
        connect: wsConnect({ server: srv.url, memberId: 17, storeId: 2, token }),
        clock: systemClock,
        position: before,
        onResult: (result) => shown.push([result.epoch, result.seq]),
        onSynced: (info) => {
          client.stop();
          resolve(info);
        },
      });
      client.start();
    });
    expect(await resync).toEqual({ position: { epoch: after, seq: 7 }, complete: false, resynced: true });
    expect(shown).toEqual([1, 2, 3, 4, 5, 6, 7].map((seq) => [after, seq]));

    // Long-poll: the same rule, answered at once rather than after the wait.
    const poll = await api(srv.url, `/api/notifications?storeId=2&epoch=${before.epoch}&after=${before.seq}&wait=25`, { token });
    expect(poll.body).toMatchObject({ epoch: after, lastSeq: 7, complete: false });
    expect(poll.body.results.map((r: ResultMessage) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // Restoring the same copy again is another history again.
    await srv.stop();
    servers.splice(servers.indexOf(srv), 1);
    for (const suffix of ['', '-wal', '-shm']) rmSync(srv.dbPath + suffix, { force: true });
    copyFileSync(copy, srv.dbPath);
    srv = await start({ env, dir });
    expect(srv.storage.streams.epoch()).not.toBe(after);
    expect(srv.storage.streams.epoch()).not.toBe(before.epoch);
    await srv.stop();
    servers.splice(servers.indexOf(srv), 1);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('idempotent retries', () => {
  it('answers a retry after the QR’s lifetime with the first answer, and pushes nothing new', async () => {
    let clock = Date.now();
    const srv = await start({ parts: { now: () => clock } });
    const token = await devLogin(srv.url);
    const socket = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    await socket.nextJson(); // synced
    const qr = await mintQr(srv.url, token);

    const first = await scan(srv.url, srv.demoMerchantKey, qr, 'till-1-receipt-9');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ replayed: false, result: { name: 'OK', remaining: 9, seq: 1 } });
    expect(await socket.nextJson()).toMatchObject({ type: 'result', seq: 1, remaining: 9 });

    clock += 61_000; // the QR's 60 s are over; the staff's till retries the request it lost
    const retry = await scan(srv.url, srv.demoMerchantKey, qr, 'till-1-receipt-9');
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ replayed: true, result: first.body.result });
    await socket.expectSilence(400);

    // Without the key the same QR is what it is now: expired; that refusal is pushed once.
    const plain = await scan(srv.url, srv.demoMerchantKey, qr);
    expect(plain.status).toBe(410);
    expect(plain.body.error).toMatchObject({ code: 'QR_EXPIRED', result: { name: 'QR_EXPIRED', seq: 2 } });
    expect(await socket.nextJson()).toMatchObject({ type: 'result', seq: 2, name: 'QR_EXPIRED' });
    expect((await api(srv.url, '/api/cards', { token })).body.cards).toMatchObject([{ storeId: 2, remaining: 9 }]);
    socket.close();
  });

  it('repeats a refusal for its key, once, with the same status', async () => {
    const srv = await start();
    const token = await devLogin(srv.url);
    const qr = await mintQr(srv.url, token);
    expect((await scan(srv.url, srv.demoMerchantKey, qr)).status).toBe(200);
    const refused = await scan(srv.url, srv.demoMerchantKey, qr, 'k-used');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'QR_USED', result: { seq: 2 } });
    const again = await scan(srv.url, srv.demoMerchantKey, qr, 'k-used');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'QR_USED', replayed: true, result: refused.body.error.result });
    expect(await srv.storage.streams.head(17, 2)).toBe(2);

    const other = await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token), 'k-used');
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
