import type { DestinationStream } from 'pino';

/** Characters gathered before a write whatever the time: sonic-boom's largest single write (16 KiB). */
export const BATCH_CHARS = 16 * 1024;
/** The longest a line waits to be written. */
export const FLUSH_MS = 100;
/** pino's level number of `warn`. */
const WARN = 40;
/** Asks pino to set `lastLevel` on the stream before each write. */
const WANTS_METADATA: unique symbol = Symbol.for('pino.metadata') as never;

/** Where the lines go: pino's asynchronous stdout (sonic-boom), or anything with the same two methods. */
export interface LineSink {
  write(text: string): unknown;
  /** Writes what the sink holds before returning: the process is exiting. */
  flushSync(): void;
}

/**
 * Log lines in batches while they come fast, one by one while they come slowly: the access log of a busy
 * server cost a write(2) per request (on the thread pool, and its completion on the event loop). Like
 * nginx's `access_log … buffer= flush=`, with two differences an operator reading the log expects:
 * - a line that comes `FLUSH_MS` or more after the last write goes out at once, so a quiet server's log is
 *   as immediate as before; lines closer together gather for up to `FLUSH_MS` or `BATCH_CHARS`;
 * - a warning or an error goes out at once, with the lines gathered before it (their order is kept).
 *
 * What is gathered is written synchronously when the process exits (`process.exit`, a crash: the 'exit'
 * event, listened to only while lines wait). Only a SIGKILL loses lines, at most `FLUSH_MS` of them.
 */
export class BatchedLines implements DestinationStream {
  readonly [WANTS_METADATA] = true;
  /** The level of the line being written, set by pino. */
  lastLevel = 0;
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sink: LineSink,
    private readonly now: () => number = () => performance.now(),
  ) {}

  write(line: string): void {
    this.pending += line;
    if (this.lastLevel >= WARN || this.pending.length >= BATCH_CHARS || this.now() - this.lastWrite >= FLUSH_MS) {
      this.flush();
      return;
    }
    if (this.timer) return;
    // Unref'd: a waiting line does not keep the process alive; the 'exit' listener writes it.
    this.timer = setTimeout(this.flush, FLUSH_MS).unref();
    process.once('exit', this.atExit);
  }

  /** Hands what is gathered to the sink (pino's `logger.flush()` calls this too). */
  readonly flush = (done?: (err?: Error) => void): void => {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      process.off('exit', this.atExit);
    }
    if (this.pending !== '') {
      this.sink.write(this.pending);
      this.pending = '';
      this.lastWrite = this.now();
    }
    done?.();
  };

  private readonly atExit = (): void => {
    this.flush();
    this.sink.flushSync();
  };
}
