import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteRepository } from './repository-sqlite.js';
import { openSqlite } from './sqlite.js';

describe('the WAL checkpoint worker', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file off the writing thread, and stops with the repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-ckpt-'));
    dirs.push(dir);
    const path = join(dir, 'scanpush.db');
    const db = openSqlite(path);
    const errors: Error[] = [];
    const repo = createSqliteRepository(db, { onBackgroundError: (err) => errors.push(err) });
    const client = db.$client;
    const before = statSync(path).size;

    // About 300 pages: far below the 4,000 at which the writing connection would checkpoint inline,
    // so only the worker can move them from the WAL into the file.
    client.exec('CREATE TABLE filler (x BLOB)');
    const insert = client.prepare('INSERT INTO filler (x) VALUES (?)');
    client.transaction(() => {
      for (let i = 0; i < 1000; i++) insert.run(Buffer.alloc(1000, i));
    })();
    expect(statSync(path).size).toBe(before);

    const deadline = Date.now() + 5000;
    while (statSync(path).size < before + 900_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(path).size).toBeGreaterThan(before + 900_000);

    await repo.close();
    expect(client.open).toBe(false);
    expect(errors).toEqual([]);
  });
});
