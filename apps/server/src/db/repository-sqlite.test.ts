import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteRepository } from './repository-sqlite.js';
import { openSqlite } from './sqlite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The repository on a fresh database file in a temp dir; background errors are collected. */
function freshRepository() {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-repo-'));
  dirs.push(dir);
  const path = join(dir, 'scanpush.db');
  const db = openSqlite(path);
  const errors: Error[] = [];
  const repo = createSqliteRepository(db, { onBackgroundError: (err) => errors.push(err) });
  return { path, client: db.$client, repo, errors };
}

describe('SQLite repository: outbox retention', () => {
  it('prunes every row older than the cutoff, in batches, and keeps the younger ones', async () => {
    const { repo } = freshRepository();
    const day = 24 * 3600_000;
    const now = Date.now();
    await repo.createStore('s', now, 1);
    await repo.createMember({ id: 1 }, now);
    // 1,234 rows eight days old, then 10 from today: more than two batches to prune.
    for (let i = 0; i < 1234; i++) await repo.appendNotice({ memberId: 1, storeId: 1, code: 2, remaining: null, at: now - 8 * day + i });
    for (let i = 0; i < 10; i++) await repo.appendNotice({ memberId: 1, storeId: 1, code: 2, remaining: null, at: now - 1000 + i });

    expect(await repo.pruneOutbox(now - 7 * day)).toBe(1234);
    expect(await repo.firstSeq(1)).toBe(1235);
    expect((await repo.outboxAfter(1, 0, 100)).map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 1235 + i));
    expect(await repo.pruneOutbox(now - 7 * day)).toBe(0);
    await repo.close();
  });
});

describe('SQLite repository: the WAL checkpoint worker', () => {
  it('copies committed pages into the database file off the writing thread, and stops with the repository', async () => {
    const { path, client, repo, errors } = freshRepository();
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
