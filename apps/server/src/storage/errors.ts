/**
 * The database cannot be reached now (refused, reset, timed out, the pool exhausted): nothing of the call
 * was written, or it was rolled back; the same call may succeed later. Engines throw it for every such
 * failure, whatever the driver said, and the HTTP edge answers it with 503 UNAVAILABLE. Anything else an
 * engine throws is a bug or a broken database.
 */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** SQLSTATE classes (PostgreSQL): two characters, then three; never a Node errno such as EPIPE. */
const SQLSTATE = /^(?:[0-5][0-9A-Z]|F0|HV|P0|XX)[0-9A-Z]{3}$/;

/**
 * What an error says about the database, for metrics: `unavailable` (StorageUnavailableError), `failed`
 * (an error the driver raised: better-sqlite3's SQLITE_* codes, a PostgreSQL SQLSTATE), or undefined (not
 * the database's). Follows `cause`, as drizzle wraps the driver's error in its own.
 */
export function databaseErrorKind(err: unknown): 'unavailable' | 'failed' | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StorageUnavailableError) return 'unavailable';
    const { code } = e as { code?: unknown };
    if (typeof code === 'string' && (code.startsWith('SQLITE_') || SQLSTATE.test(code))) return 'failed';
  }
  return undefined;
}
