import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ResultMessage } from '@scanpush/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { TestSocket, api, devLogin, mintQr, scan } from './helpers/client.js';
import { spawnServer, type ChildServer } from './helpers/child-server.js';

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
    const members: Array<{ id: number; token: string; seen: number[]; qrs: string[] }> = [];
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
        s.ws.on('message', (data) => {
          const frame = JSON.parse(String(data)) as ResultMessage | { type: 'synced' };
          if (frame.type === 'result') m.seen.push(frame.seq);
        });
        return s;
      }),
    );

    // Scans stream in from 8 concurrent merchants' requests; the process is killed partway.
    let answered = 0;
    const answeredOk: string[] = [];
    const stream = Promise.allSettled(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; i < 240; i += 8) {
          const m = members[i % 4]!;
          const qr = m.qrs[Math.floor(i / 4)]!;
          const answer = await scan(first.url, env.DEMO_MERCHANT_KEY, qr, `idem-${i}`);
          answered++;
          if (answer.status === 200) answeredOk.push(`idem-${i}`);
        }
      }),
    );
    while (answered < 60) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await stream;
    await Promise.all(sockets.map((s) => s.closed));
    expect(answered).toBeLessThan(240);

    // The database as the kill left it: every deduction has exactly one outbox row, balances match.
    const db = new Database(env.DATABASE_PATH, { readonly: true });
    try {
      const orphans = db
        .prepare(`SELECT COUNT(*) AS n FROM ledger l WHERE l.kind = 'deduct' AND (SELECT COUNT(*) FROM outbox o WHERE o.ledger_id = l.id) <> 1`)
        .get() as { n: number };
      expect(orphans.n).toBe(0);
      const mismatched = db
        .prepare(`SELECT COUNT(*) AS n FROM cards c WHERE c.remaining <> (SELECT COALESCE(SUM(delta), 0) FROM ledger l WHERE l.member_id = c.member_id AND l.store_id = c.store_id)`)
        .get() as { n: number };
      expect(mismatched.n).toBe(0);
      // Every scan the merchant was told succeeded was durable before the answer (group commit).
      const inLedger = new Set(db.prepare(`SELECT idempotency_key FROM ledger WHERE kind = 'deduct'`).pluck().all() as string[]);
      expect(answeredOk.length).toBeGreaterThanOrEqual(60);
      expect(answeredOk.filter((key) => !inLedger.has(key))).toEqual([]);
      const seqGaps = db
        .prepare(`SELECT m.id, m.last_seq AS last, COUNT(o.id) AS n, MAX(o.seq) AS top FROM members m LEFT JOIN outbox o ON o.member_id = m.id GROUP BY m.id`)
        .all() as Array<{ last: number; n: number; top: number | null }>;
      for (const row of seqGaps) expect([row.n, row.top ?? 0]).toEqual([row.last, row.last]);
    } finally {
      db.close();
    }

    // Restarted on the same database, each member resumes from the last seq it saw.
    const second = await spawnServer(env);
    servers.push(second);
    const check = new Database(env.DATABASE_PATH, { readonly: true });
    for (const m of members) {
      const lastSeen = m.seen.at(-1) ?? 0;
      const s = await TestSocket.open(second.wsUrl, { memberId: m.id, token: m.token, structured: true, query: `?after=${lastSeen}` });
      for (;;) {
        const frame = await s.nextJson();
        if (frame.type === 'synced') {
          expect(frame.complete).toBe(true);
          break;
        }
        m.seen.push(frame.seq);
      }
      s.close();
      const committed = (check.prepare('SELECT seq FROM outbox WHERE member_id = ? ORDER BY seq').all(m.id) as Array<{ seq: number }>).map((r) => r.seq);
      expect(committed.length).toBeGreaterThan(0);
      // All of its results, in order, none twice.
      expect(m.seen).toEqual(committed);
    }
    check.close();

    // Retried scans after the restart are answered from the ledger, never deducted twice.
    const retried = await scan(second.url, env.DEMO_MERCHANT_KEY, members[0]!.qrs[0]!, 'idem-0');
    expect(retried.status).toBe(200);
    expect(retried.body.replayed).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
