import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer.js';
import { createSqliteStorage } from './open.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-checkpoint-'));
  dirs.push(dir);
  return join(dir, 'scanpush.db');
}

/** Waits until the database file (not its WAL) has grown past `size`, for at most 5 s. */
async function fileGrowsPast(path: string, size: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (statSync(path).size < size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('the WAL checkpoint worker', () => {
  it('copies committed pages into the database file off the writing thread, and stops before the connection closes', async () => {
    const path = tempPath();
    const client = new Database(path);
    client.pragma('journal_mode = WAL');
    client.exec('CREATE TABLE filler (x BLOB)');
    const errors: Error[] = [];
    const checkpointer = new Checkpointer(client, (err) => errors.push(err));
    const before = statSync(path).size;

    // About 300 pages: far below the 4,000 at which the writing connection would checkpoint inline,
    // so only the worker can move them from the WAL into the file.
    const insert = client.prepare('INSERT INTO filler (x) VALUES (?)');
    client.transaction(() => {
      for (let i = 0; i < 1000; i++) insert.run(Buffer.alloc(1000, i));
    })();
    expect(client.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    expect(statSync(path).size).toBe(before);

    await fileGrowsPast(path, before + 900_000);
    expect(statSync(path).size).toBeGreaterThan(before + 900_000);
    await checkpointer.stop();
    client.close();
    expect(errors).toEqual([]);
  });

  it('is woken by the first COMMIT after a quiet spell instead of waiting out its pause', async () => {
    const path = tempPath();
    const client = new Database(path);
    client.pragma('journal_mode = WAL');
    client.exec('CREATE TABLE filler (x BLOB)');
    const errors: Error[] = [];
    // Its first look would come after 20 s: only a wake can make it look sooner.
    const checkpointer = new Checkpointer(client, (err) => errors.push(err), { intervalMs: 20_000, idleMs: 20_000 });
    const insert = client.prepare('INSERT INTO filler (x) VALUES (?)');
    const write = () =>
      client.transaction(() => {
        for (let i = 0; i < 300; i++) insert.run(Buffer.alloc(1000, i));
      })();
    const before = statSync(path).size;

    write(); // not told: nothing is copied
    await new Promise((r) => setTimeout(r, 1000));
    expect(statSync(path).size).toBe(before);

    write();
    checkpointer.committed();
    await fileGrowsPast(path, before + 500_000);
    expect(statSync(path).size).toBeGreaterThan(before + 500_000);
    await checkpointer.stop();
    client.close();
    expect(errors).toEqual([]);
  });

  it('runs under the storage engine and stops with it', async () => {
    const path = tempPath();
    const errors: Error[] = [];
    const storage = createSqliteStorage({ path, onBackgroundError: (err) => errors.push(err) });
    const before = statSync(path).size;
    await storage.accounts.createStore('s', 1, 1);
    await storage.accounts.createMember({ id: 1 }, 1);
    // Many writes in one group commit: pages in the WAL, none checkpointed inline.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => storage.accounts.createSession(1, `hash-${i}-${'x'.repeat(200)}`, 1, 2)));
    await fileGrowsPast(path, before + 400_000);
    expect(statSync(path).size).toBeGreaterThan(before + 400_000);
    await storage.close();
    await storage.close();
    expect(errors).toEqual([]);
  });
});
