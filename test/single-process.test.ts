import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from './helpers/child-server.js';

// SQLite serves one process: a second server on the same file is refused with a reason, and a server
// killed without a goodbye leaves no lock behind (the kernel drops it with the process).

const children: ChildServer[] = [];
let dir: string;
afterEach(() => {
  for (const child of children.splice(0)) child.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a SQLite database', () => {
  it('is refused to a second server while one holds it, and free again once that one was killed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scanpush-single-'));
    const env = { QR_SECRET: 'q'.repeat(32), DATABASE_PATH: join(dir, 'scanpush.db'), DEMO: '0' };
    const first = await spawnServer(env);
    children.push(first);
    const refused = await spawnServer(env).then(
      (child) => {
        children.push(child);
        return 'started';
      },
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/server exited \(1\) before listening/);
    expect(refused).toMatch(/scanpush\.db is in use by another scanpush process: SQLite serves one process; run several nodes on PostgreSQL \(DATABASE_URL\)/);

    first.child.kill('SIGKILL');
    await first.exited;
    const next = await spawnServer(env);
    children.push(next);
    expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
  });
});
