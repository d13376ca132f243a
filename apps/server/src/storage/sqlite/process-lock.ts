import Database from 'better-sqlite3';

/** The file beside the database whose lock says a server has it open. */
export const lockPathOf = (databasePath: string) => `${databasePath}.lock`;

export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

/**
 * Holds the database for this process: a second server on the same SQLite file (a second node started by
 * mistake, a unit started twice) is refused at start rather than let two processes each believe they are
 * the only writer, which every promise of the engine rests on.
 *
 * The lock is SQLite's own: an exclusive transaction kept open on an empty side database (`<db>.lock`, in
 * a rollback journal mode, never WAL, whose locks live in shared memory), whose POSIX lock the kernel
 * releases when the process ends however it ends (SIGKILL included), so a crashed server never leaves a
 * stale lock behind. Readers of the database itself (`scanpush backup`, the checkpointer thread) never
 * touch the side file. Within one process the lock is SQLite's too: a second open without a close is
 * refused, a reopen after close() is not.
 */
export function lockDatabase(databasePath: string): { release(): void } {
  const path = lockPathOf(databasePath);
  // No busy wait: a held lock is an answer, not a moment to wait out.
  const lock = new Database(path, { timeout: 0 });
  try {
    // The journal in memory: the transaction writes nothing, and a journal file would be a second side file
    // left beside the database. The pragma itself is refused (SQLITE_BUSY) while another process holds it.
    lock.pragma('journal_mode = MEMORY');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new DatabaseInUseError(
        `${databasePath} is in use by another scanpush process: SQLite serves one process; run several nodes on PostgreSQL (DATABASE_URL)`,
      );
    }
    throw err;
  }
  return {
    release() {
      if (!lock.open) return;
      lock.exec('ROLLBACK');
      lock.close();
    },
  };
}
