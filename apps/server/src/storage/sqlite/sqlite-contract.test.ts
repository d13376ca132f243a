import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStorageContract, type StorageUnderTest } from '../contract/storage-contract.js';
import type { Storage } from '../storage.js';
import { backupSqlite } from './backup.js';
import { createSqliteStorage } from './open.js';

/** A fresh SQLite file in its own temp dir; backups and restores go beside it. */
async function openSqliteUnderTest(): Promise<StorageUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-contract-'));
  const path = join(dir, 'scanpush.db');
  const open: Storage[] = [];
  const errors: Error[] = [];
  const start = (file: string) => {
    const storage = createSqliteStorage({ path: file, onBackgroundError: (err) => errors.push(err) });
    open.push(storage);
    return storage;
  };
  const reopenAt = async (file: string, current: Storage) => {
    await current.close();
    return start(file);
  };
  let storage = start(path);
  let backups = 0;
  return {
    storage,
    async reopen() {
      storage = await reopenAt(path, storage);
      return storage;
    },
    async backup() {
      const name = `backup-${++backups}`;
      const copy = join(dir, `${name}.db`);
      await backupSqlite(path, copy, Date.now());
      let restores = 0;
      // A restore as operators do it: the backup file copied to where the server's database goes.
      return async () => {
        const restoredPath = join(dir, `${name}-restore-${++restores}.db`);
        copyFileSync(copy, restoredPath);
        let restored = start(restoredPath);
        return {
          storage: restored,
          reopen: async () => (restored = await reopenAt(restoredPath, restored)),
        };
      };
    },
    async cleanup() {
      for (const s of open) await s.close();
      rmSync(dir, { recursive: true, force: true });
      if (errors.length > 0) throw new AggregateError(errors, 'background errors');
    },
  };
}

describeStorageContract('sqlite', openSqliteUnderTest);
