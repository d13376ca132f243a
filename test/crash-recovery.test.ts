import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultMessage } from '@scanpush/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { TestSocket, api, devLogin, mintQr, scan } from './helpers/client.js';
import { spawnServer, type ChildServer } from './helpers/child-server.js';
import { createSqliteStorage } from '../apps/server/src/storage/sqlite/open.js';

// The server as a real child process, killed with SIGKILL in the middle of a stream of scans and
// restarted on the same database: nothing committed may be lost or doubled.
const dir = mkdtempSync(join(tmpdir(), 'scanpush-crash-'));
const env = {
  DATABASE_PATH: join(dir, 'scanpush.db'),
  QR_SECRET: randomBytes(32).toString('base64url'),
  ADMIN_TOKEN: randomBytes(24).toString('base64url'),
  DEMO_MERCHANT_KEY: `spk_1_${randomBytes(24).toString('base64url')}`,
};
const servers: ChildServer[] = [];
afterAll(() => {
  for (const s of servers) s.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL during a stream of scans', () => {
  it('keeps ledger, balances and outbox consistent, and every member gets each result exactly once', async () => {
    const first = await spawnServer(env);
    servers.push(first);
    const admin = (path: string, body: unknown) => api(first.url, path, { token: env.ADMIN_TOKEN, body });

    // Four members with cards at the demo store, each listening with the structured dialect.
    const members: Array<{ id: number; token: string; seen: number[]; qrs: string[]; epoch?: string }> = [];
    for (let i = 0; i < 4; i++) {
      const m = await admin('/api/admin/members', { name: `m${i}` });
      await admin('/api/admin/cards', { memberId: m.body.id, storeId: 2, uses: 1000 });
      const token = await devLogin(first.url, m.body.id);
      const qrs = await Promise.all(Array.from({ length: 60 }, () => mintQr(first.url, token, 2)));
      members.push({ id: m.body.id, token, seen: [], qrs });
    }
    const sockets = await Promise.all(
      members.map(async (m) => {
        const s = await TestSocket.open(first.wsUrl, { memberId: m.id, token: m.token, structured: true, query: '?after=0' });
        // A new member's stream is empty: the first frame is `synced`, naming the epoch.
        m.epoch = ((await s.nextJson()) as { type: 'synced'; epoch: string }).epoch;
        s.ws.on('message', (data) => {
          const frame = JSON.parse(String(data)) as ResultMessage | { type: 'synced' };
          if (frame.type === 'result') m.seen.push(frame.seq);
        });
        return s;
      }),
    );

    // Scans stream in from 8 concurrent merchants' requests; the process is killed partway.
    let answered = 0;
    const answeredOk: Array<{ key: string; qr: string; result: ResultMessage }> = [];
    const stream = Promise.allSettled(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; i < 240; i += 8) {
          const m = members[i % 4]!;
          const qr = m.qrs[Math.floor(i / 4)]!;
          const answer = await scan(first.url, env.DEMO_MERCHANT_KEY, qr, `idem-${i}`);
          answered++;
          if (answer.status === 200) answeredOk.push({ key: `idem-${i}`, qr, result: answer.body.result });
        }
      }),
    );
    while (answered < 60) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await stream;
    await Promise.all(sockets.map((s) => s.closed));
    expect(answered).toBeLessThan(240);

    // The database as the kill left it, through the storage engine the server uses: every deduction has
    // exactly one stream entry, balances equal the ledger, every stream's seqs run 1..head without gaps.
    const storage = createSqliteStorage({ path: env.DATABASE_PATH });
    const committed = new Map<number, number[]>();
    try {
      expect((await storage.audit()).problems).toEqual([]);
      for (const m of members) committed.set(m.id, (await storage.streams.read(m.id, 2, 0, 1000)).map((e) => e.seq));
    } finally {
      await storage.close();
    }

    // Restarted on the same database, each member resumes from the last position it saw.
    const second = await spawnServer(env);
    servers.push(second);
    for (const m of members) {
      const lastSeen = m.seen.at(-1) ?? 0;
      const s = await TestSocket.open(second.wsUrl, { memberId: m.id, token: m.token, structured: true, query: `?epoch=${m.epoch}&after=${lastSeen}` });
      for (;;) {
        const frame = await s.nextJson();
        if (frame.type === 'synced') {
          expect(frame).toMatchObject({ epoch: m.epoch, complete: true });
          break;
        }
        m.seen.push(frame.seq);
      }
      s.close();
      expect(committed.get(m.id)!.length).toBeGreaterThan(0);
      // All of its results, in order, none twice.
      expect(m.seen).toEqual(committed.get(m.id));
    }

    // Every scan the merchant was told succeeded was durable before the answer (group commit): its retry
    // is answered from the record with the first answer, never deducted twice.
    expect(answeredOk.length).toBeGreaterThanOrEqual(60);
    for (const ok of answeredOk) {
      const retried = await scan(second.url, env.DEMO_MERCHANT_KEY, ok.qr, ok.key);
      expect(retried.status).toBe(200);
      expect(retried.body).toEqual({ replayed: true, result: ok.result });
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
