import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { openSqlite } from './sqlite.js';

describe('openSqlite', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const open = (synchronous?: 'normal' | 'full') => {
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-sqlite-'));
    dirs.push(dir);
    return openSqlite(join(dir, 'nested', 'scanpush.db'), synchronous).$client;
  };

  it('opens in WAL mode with the durability asked for, migrations applied', () => {
    const normal = open();
    expect(normal.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(normal.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(normal.prepare("SELECT name FROM sqlite_master WHERE name = 'outbox'").pluck().get()).toBe('outbox');
    normal.close();
    const full = open('full');
    expect(full.pragma('synchronous', { simple: true })).toBe(2); // FULL
    full.close();
  });

  it('takes the setting from SQLITE_SYNCHRONOUS and refuses anything else', () => {
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'full' }, () => 'x').sqliteSynchronous).toBe('full');
    expect(loadConfig({}, () => 'x').sqliteSynchronous).toBe('normal');
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' }, () => 'x')).toThrow(ConfigError);
  });
});
