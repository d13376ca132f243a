import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../server/src/storage/sqlite/open.js';
import { sqliteCounter } from './durable-counter.js';
import { provision } from './provision.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the durable Socket.IO peer's counter", () => {
  it('commits each use to the bench database, once per QR nonce', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-peer-'));
    dirs.push(dir);
    const path = join(dir, 'bench.db');
    const { members, initialUses } = await provision(path, 2, 1);
    const { memberId, storeId } = members[0]!;
    const take = sqliteCounter(path, 'normal');

    expect(take(memberId, storeId, 'n1')).toBe(initialUses - 1);
    expect(take(memberId, storeId, 'n2')).toBe(initialUses - 2);
    // A QR used once: refused, and its transaction leaves the card as it was.
    expect(() => take(memberId, storeId, 'n1')).toThrow(/UNIQUE constraint failed: peer_scans\.nonce/);

    // Read from another connection: committed, not held in the peer's.
    const other = openSqlite(path);
    expect(other.prepare('SELECT remaining FROM cards WHERE member_id = ? AND store_id = ?').pluck().get(memberId, storeId)).toBe(initialUses - 2);
    expect(other.prepare('SELECT nonce FROM peer_scans ORDER BY id').pluck().all()).toEqual(['n1', 'n2']);
    other.close();
  });
});
