import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteRepository } from './repository-sqlite.js';
import { openSqlite } from './sqlite.js';

describe('SQLite repository: outbox retention', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('prunes every row older than the cutoff, in batches, and keeps the younger ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-prune-'));
    dirs.push(dir);
    const db = openSqlite(join(dir, 'scanpush.db'));
    const repo = createSqliteRepository(db);
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
