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
