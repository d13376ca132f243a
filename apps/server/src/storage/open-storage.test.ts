import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { describeDatabase, openStorage } from './open-storage.js';
import { createTestDatabase } from './postgres/test-database.js';
import type { Storage } from './storage.js';

const load = (env: Record<string, string>) => loadConfig(env, () => 'generated-secret');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('openStorage', () => {
  it('opens SQLite at DATABASE_PATH when DATABASE_URL is unset, and PostgreSQL when it is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-open-storage-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const logger = createLogger('silent');
    const opened = async (env: Record<string, string>): Promise<Storage> => {
      const storage = await openStorage(load(env), logger);
      cleanups.push(() => storage.close());
      return storage;
    };
    // Only the PostgreSQL engine has a pool to report.
    expect((await opened({ DATABASE_PATH: join(dir, 'scanpush.db') })).pool).toBeUndefined();
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const onPostgres = await opened({ DATABASE_URL: db.url, PG_POOL_SIZE: '3' });
    await onPostgres.ping();
    expect(onPostgres.pool?.()).toMatchObject({ waiting: 0 });
  });
});

describe('describeDatabase', () => {
  it('names the SQLite file, or the PostgreSQL URL with its password masked', () => {
    expect(describeDatabase(load({ DATABASE_PATH: '/var/lib/scanpush/scanpush.db' }))).toBe('sqlite:/var/lib/scanpush/scanpush.db');
    expect(describeDatabase(load({ DATABASE_URL: 'postgres://scanpush:s3cret@db.example:5432/scanpush' }))).toBe(
      'postgres://scanpush:***@db.example:5432/scanpush',
    );
    const inQuery = describeDatabase(load({ DATABASE_URL: 'postgresql://scanpush@db.example/scanpush?password=s3cret&sslmode=require' }));
    expect(inQuery).not.toContain('s3cret');
    expect(inQuery).toContain('sslmode=require');
  });
});
