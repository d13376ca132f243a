import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeStorageContract, type StorageUnderTest } from '../contract/storage-contract.js';
import type { Storage } from '../storage.js';
import { createPostgresStorage } from './open.js';
import { TEST_POOL, createTestDatabase, type TestDatabase } from './test-database.js';

const run = promisify(execFile);

/**
 * A fresh database per test on the machine's PostgreSQL. A backup is what operators are told to take
 * (pg_dump, custom format); a restore is pg_restore into a new database, which the engine must tell
 * apart from the original (a new epoch) without being told.
 */
async function openPostgresUnderTest(): Promise<StorageUnderTest> {
  const databases: TestDatabase[] = [await createTestDatabase()];
  const open: Storage[] = [];
  const errors: Error[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-pg-contract-'));
  const start = async (url: string) => {
    const storage = await createPostgresStorage({ url, ...TEST_POOL, onBackgroundError: (err) => errors.push(err) });
    open.push(storage);
    return storage;
  };
  const reopenAt = async (url: string, current: Storage) => {
    await current.close();
    return start(url);
  };
  const original = databases[0]!;
  let storage = await start(original.url);
  let backups = 0;
  return {
    storage,
    async reopen() {
      storage = await reopenAt(original.url, storage);
      return storage;
    },
    async backup() {
      const file = join(dir, `backup-${++backups}.dump`);
      await run('pg_dump', ['--format=custom', `--file=${file}`, `--dbname=${original.url}`]);
      return async () => {
        const restored = await createTestDatabase();
        databases.push(restored);
        await run('pg_restore', ['--no-owner', `--dbname=${restored.url}`, file]);
        let handle = await start(restored.url);
        return { storage: handle, reopen: async () => (handle = await reopenAt(restored.url, handle)) };
      };
    },
    async cleanup() {
      for (const s of open) await s.close();
      for (const db of databases) await db.drop();
      rmSync(dir, { recursive: true, force: true });
      if (errors.length > 0) throw new AggregateError(errors, `background errors: ${errors.map((e) => e.message).join('; ')}`);
    },
  };
}

describeStorageContract('postgres', openPostgresUnderTest);
