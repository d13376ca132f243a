import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { decideScan } from '../../core/scan-decision.js';
import { makeWorld, scanOf } from '../contract/harness.js';
import { sameDatabase } from './migrate.js';
import { createPostgresStorage } from './open.js';
import { startTestCluster } from './test-cluster.js';
import { TEST_POOL } from './test-database.js';

const run = promisify(execFile);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('sameDatabase', () => {
  it('needs the OIDs to match, and the system identifiers where both are known', () => {
    expect(sameDatabase('7713/16384', '7713/16384')).toBe(true);
    expect(sameDatabase('7713/16384', '7713/16390')).toBe(false);
    expect(sameDatabase('7713/16384', '9999/16384')).toBe(false);
    expect(sameDatabase('?/16384', '9999/16384')).toBe(true);
    expect(sameDatabase('7713/16384', '?/16384')).toBe(true);
    expect(sameDatabase('?/16384', '?/16390')).toBe(false);
  });
});

/** Creates database `name` on the cluster at `adminUrl`; answers its URL and OID. */
async function createDatabase(adminUrl: string, name: string): Promise<{ url: string; oid: number }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
    const { rows } = await client.query('SELECT oid::int8::text AS oid FROM pg_database WHERE datname = $1', [name]);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return { url: url.toString(), oid: Number(rows[0].oid) };
  } finally {
    await client.end();
  }
}

describe('the epoch on PostgreSQL', () => {
  it('is new for a dump restored into another cluster, even where the database got the same OID there', async () => {
    const [original, rebuilt] = await Promise.all([startTestCluster(), startTestCluster()]);
    cleanups.push(() => original.destroy(), () => rebuilt.destroy());
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-pg-epoch-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

    const source = await createDatabase(original.url, 'scanpush');
    const storage = await createPostgresStorage({ url: source.url, ...TEST_POOL });
    const w = await makeWorld(storage, 5);
    await storage.cards.recordScan(scanOf(w), decideScan);
    const epoch = storage.streams.epoch();
    await storage.close();
    const file = join(dir, 'scanpush.dump');
    await run('pg_dump', ['--format=custom', `--file=${file}`, `--dbname=${source.url}`]);

    // The usual disaster recovery: a new server, the database created again, the dump restored into it.
    // It is the first database of each fresh cluster, so both have one OID: only the cluster's system
    // identifier tells them apart.
    const target = await createDatabase(rebuilt.url, 'scanpush');
    expect(target.oid).toBe(source.oid);
    await run('pg_restore', ['--no-owner', `--dbname=${target.url}`, file]);
    const restored = await createPostgresStorage({ url: target.url, ...TEST_POOL });
    cleanups.push(() => restored.close());
    expect(restored.streams.epoch()).not.toBe(epoch);
    expect(await restored.streams.head(w.memberId, w.storeId)).toBe(1);
    expect((await restored.cards.getCard(w.memberId, w.storeId))?.remaining).toBe(4);

    // Its next start keeps the new epoch, as does the original's.
    const again = await createPostgresStorage({ url: target.url, ...TEST_POOL });
    cleanups.push(() => again.close());
    expect(again.streams.epoch()).toBe(restored.streams.epoch());
    const originalAgain = await createPostgresStorage({ url: source.url, ...TEST_POOL });
    cleanups.push(() => originalAgain.close());
    expect(originalAgain.streams.epoch()).toBe(epoch);
  }, 60_000);
});
