import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { describe, expect, it } from 'vitest';
import { testMetrics, silentLogger } from '../push/testing.js';
import { StorageUnavailableError } from '../storage/errors.js';
import { answerErrorsInOneShape } from './app.js';
import type { AppEnv } from './context.js';

/** better-sqlite3's own error (SqliteError, code SQLITE_ERROR), as a broken statement raises it. */
function sqliteError(): Error {
  const db = new Database(':memory:');
  try {
    db.prepare('SELECT * FROM no_such_table').all();
  } catch (err) {
    return err as Error;
  } finally {
    db.close();
  }
  throw new Error('the statement did not fail');
}

function appThrowing(errors: Record<string, () => unknown>) {
  const metrics = testMetrics();
  const app = new Hono<AppEnv>().use(requestId());
  for (const [path, make] of Object.entries(errors))
    app.get(path, () => {
      throw make();
    });
  return { app: answerErrorsInOneShape(app, silentLogger, metrics), metrics };
}

const counts = async (metrics: ReturnType<typeof testMetrics>) =>
  Object.fromEntries((await metrics.dbErrors.get()).values.map((v) => [v.labels.kind, v.value]));

describe('scanpush_db_errors_total', () => {
  it('starts at 0 for both kinds, so the first error is an increase a rate() sees', async () => {
    expect(await counts(testMetrics())).toEqual({ unavailable: 0, failed: 0 });
  });

  it('counts the database away (503) as unavailable and a driver error (500), wrapped or not, as failed', async () => {
    const pgShaped = () => Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    const { app, metrics } = appThrowing({
      '/away': () => new StorageUnavailableError('PostgreSQL: connect ECONNREFUSED'),
      '/sqlite': sqliteError,
      // drizzle wraps the driver's error in its own, the driver's as `cause`.
      '/wrapped': () => new Error('Failed query: select …', { cause: sqliteError() }),
      '/pg': pgShaped,
    });
    expect((await app.request('/away')).status).toBe(503);
    for (const path of ['/sqlite', '/wrapped', '/pg']) expect((await app.request(path)).status).toBe(500);
    expect(await counts(metrics)).toEqual({ unavailable: 1, failed: 3 });
  });

  it('leaves out errors that are not the database’s: a bug, a socket errno that looks like a SQLSTATE', async () => {
    const { app, metrics } = appThrowing({
      '/bug': () => new TypeError('x is undefined'),
      '/epipe': () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }),
      '/enoent': () => Object.assign(new Error('no such file'), { code: 'ENOENT' }),
    });
    for (const path of ['/bug', '/epipe', '/enoent']) expect((await app.request(path)).status).toBe(500);
    expect((await app.request('/nowhere')).status).toBe(404);
    expect(await counts(metrics)).toEqual({ unavailable: 0, failed: 0 });
  });
});
