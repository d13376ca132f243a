import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * How often the worker copies the WAL back into the database file while commits come. Each pass syncs
 * the WAL and the file, and a page written by many scans is copied once per pass. Every 20 ms, the passes
 * cost 30-45 µs more per scan at 1,000 scans/s and 80-140 µs more at 200/s (storage alone, paced;
 * BENCHMARKS.md); the price of 100 ms is a larger last copy for the inline checkpoint (p999 of a scan's
 * commit 4.5 -> 6.5 ms there, p99 unchanged). With synchronous=NORMAL this is also how far back a power
 * loss can reach.
 */
const INTERVAL_MS = 100;
/**
 * The longest pause between looks while nothing is written: an idle server's worker wakes twice a
 * minute, not 50 times a second. The first COMMIT after a quiet spell (QUIET_MS) wakes it at once
 * (`committed`); were that message ever missed, the inline checkpoint at INLINE_PAGES bounds the WAL.
 */
const IDLE_MS = 30_000;
/** A COMMIT this long after the one before may find the worker in a long pause: it is woken. */
const QUIET_MS = 200;
/**
 * The writing connection still checkpoints inline, but only past 4,000 pages (SQLite's default is
 * 1,000): under steady writes a passive checkpoint from another connection rarely finds the WAL idle, so
 * only a checkpoint on the writing connection lets the WAL start over, and with the worker copying the
 * bulk beforehand, it finds only the frames since the worker's last pass left to copy.
 */
const INLINE_PAGES = 4000;

// The worker's whole program. It is evaluated rather than loaded from a file so that it runs the same
// from the sources (tests) and from the bundle (dist/main.js); the driver's path comes from this module's
// resolution, so the worker loads the same better-sqlite3 whatever the working directory.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const run = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
// data_version changes when another connection commits: with nothing written since the last look there
// is nothing to copy, and the pause doubles (up to idleMs), so an idle server is not woken 50 times a
// second; the first look that finds a commit brings it back to intervalMs.
// Unknown at first: commits made before this worker opened its connection leave no trace in its
// data_version, so the first look always checkpoints.
let seen;
let pause = workerData.intervalMs;
let timer;
const tick = () => {
  const version = db.pragma('data_version', { simple: true });
  if (version !== seen) {
    seen = version;
    run();
    pause = workerData.intervalMs;
  } else {
    pause = Math.min(pause * 2, workerData.idleMs);
  }
  timer = setTimeout(tick, pause);
};
timer = setTimeout(tick, pause);
parentPort.on('message', (message) => {
  if (message === 'wake') {
    clearTimeout(timer);
    pause = workerData.intervalMs;
    timer = setTimeout(tick, 0);
    return;
  }
  if (message !== 'stop') return;
  clearTimeout(timer);
  run();
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints the WAL from a worker thread with its own connection.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL pages: about every 90
 * scans here it copied the pages back and synced the file, a 6 ms stall of the event loop that made
 * the p99 of single transactions 6.2 ms against a median of 69 µs. A PASSIVE checkpoint on another
 * connection neither blocks nor waits for the writer, and its copying and syncs happen off the event
 * loop. pnpm bench --only latency (3 runs): push p99 at 1,000 scans/s 7.1 -> 4.0 ms.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopped = false;
  private lastCommit = -Infinity;

  /** `pauses` is for tests; the server runs with INTERVAL_MS and IDLE_MS. */
  constructor(client: Database.Database, onError: (err: Error) => void, pauses = { intervalMs: INTERVAL_MS, idleMs: IDLE_MS }) {
    client.pragma(`wal_autocheckpoint = ${INLINE_PAGES}`);
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { path: resolve(client.name), driver: createRequire(import.meta.url).resolve('better-sqlite3'), ...pauses },
    });
    // Checkpoints are housekeeping: they never keep the process alive on their own.
    this.worker.unref();
    this.exited = new Promise((done) => this.worker.once('exit', () => done()));
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error) onError(new Error(`WAL checkpoint failed: ${message.error}`));
    });
    this.worker.on('error', (err) => onError(err));
    this.worker.on('exit', (code) => {
      if (this.stopped) return;
      // Gone: the inline checkpoints go on alone, at their old cost.
      onError(new Error(`the WAL checkpoint worker exited (code ${code}); checkpointing inline only`));
    });
  }

  /**
   * Told after every COMMIT of the writing connection (GroupCommit). Only the first after a quiet spell
   * costs a message: under load the worker looks every INTERVAL_MS anyway.
   */
  committed(now = performance.now()): void {
    if (now - this.lastCommit > QUIET_MS && !this.stopped) this.worker.postMessage('wake');
    this.lastCommit = now;
  }

  /** Runs a last checkpoint and closes the worker's connection; before the main connection closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Unreferenced, the worker would not keep the process alive until its last checkpoint is done.
    this.worker.ref();
    this.worker.postMessage('stop');
    // A checkpoint stuck on a broken disk must not hold the shutdown for ever.
    const stuck = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(stuck);
  }
}
