import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  let dir: string;
  let db: Database.Database;
  let reader: Database.Database;
  let statements: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scanpush-group-'));
    statements = [];
    db = new Database(join(dir, 'db.sqlite'), { verbose: (sql) => statements.push(String(sql)) });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE t (x INTEGER NOT NULL UNIQUE);
             CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`);
    // A second connection sees only what is committed.
    reader = new Database(join(dir, 'db.sqlite'));
    statements = [];
  });
  afterEach(() => {
    reader.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (x: number) => () => db.prepare('INSERT INTO t (x) VALUES (?)').run(x).changes;
  const committed = () => reader.prepare('SELECT x FROM t ORDER BY rowid').pluck().all();
  const commits = () => statements.filter((s) => s === 'COMMIT').length;

  it('commits the writes of one turn together, in call order, and settles them after the COMMIT', async () => {
    const group = new GroupCommit(db);
    const seenAtSettle: unknown[][] = [];
    const all = [1, 2, 3].map((x) => group.run(insert(x)).then(() => seenAtSettle.push(committed())));
    expect(committed()).toEqual([]);
    await Promise.all(all);
    expect(committed()).toEqual([1, 2, 3]);
    expect(commits()).toBe(1);
    // Each caller, when told, could already read its own write from another connection.
    for (const seen of seenAtSettle) expect(seen).toEqual([1, 2, 3]);

    await group.run(insert(4));
    expect(commits()).toBe(2);
  });

  it('undoes a write that throws alone, and commits the others', async () => {
    const group = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      group.run(insert(1)),
      group.run(() => {
        insert(2)();
        insert(1)(); // UNIQUE violation after a write of its own
      }),
      group.run(insert(3)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(committed()).toEqual([1, 3]);
    expect(commits()).toBe(1);
  });

  it('runs a write alone in its transaction without a savepoint, and undoes all of it when it throws', async () => {
    const group = new GroupCommit(db);
    await group.run(insert(1));
    expect(statements.some((s) => s.startsWith('SAVEPOINT'))).toBe(false);
    const failed = group.run(() => {
      insert(2)();
      insert(1)(); // UNIQUE violation after a write of its own
    });
    await expect(failed).rejects.toThrow(/UNIQUE/);
    expect(committed()).toEqual([1]);
    expect(db.inTransaction).toBe(false);
    // The next write commits as usual.
    await group.run(insert(3));
    expect(committed()).toEqual([1, 3]);
  });

  it('fails every write of the batch when the COMMIT fails, and writes none of them', async () => {
    const group = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      group.run(insert(1)),
      // Deferred foreign key: the violation is found at COMMIT, not in the write.
      group.run(() => db.prepare('INSERT INTO child (p) VALUES (42)').run()),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(committed()).toEqual([]);
    expect(db.inTransaction).toBe(false);
    // The next batch is unaffected.
    await group.run(insert(5));
    expect(committed()).toEqual([5]);
  });

  it('runs no write on its own after the group transaction was rolled back under it', async () => {
    const group = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      group.run(insert(1)),
      // What SQLite does itself on some errors (a full disk): the whole transaction is gone.
      group.run(() => db.exec('ROLLBACK')),
      group.run(insert(2)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(committed()).toEqual([]);
    expect(db.inTransaction).toBe(false);
    await group.run(insert(3));
    expect(committed()).toEqual([3]);
  });

  it('commits what is queued when flushed before the turn ends', async () => {
    const group = new GroupCommit(db);
    const pending = group.run(insert(7));
    group.flush();
    expect(committed()).toEqual([7]);
    await expect(pending).resolves.toBe(1);
  });
});
