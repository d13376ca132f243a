import { pino, type DestinationStream, type Logger } from 'pino';
import { BatchedLines } from './log-lines.js';

export type { Logger };

/**
 * JSON logs on stdout. Credentials never reach a log: the redaction below is the last line of defence.
 *
 * Written asynchronously: a synchronous write per request cost 20-25 µs of every scan on the event loop
 * and would stall it whenever stdout is slow (a full pipe, a slow journald). Lines that come close
 * together are written together (BatchedLines: at most 100 ms late, warnings at once); what is left is
 * written when the process exits.
 */
export function createLogger(level: string, destination: DestinationStream = new BatchedLines(pino.destination({ dest: 1, sync: false }))): Logger {
  return pino(
    {
      level,
      base: { service: 'scanpush' },
      redact: { paths: ['token', 'key', 'authorization', 'password', 'cookie', '*.token', '*.key', '*.authorization', '*.password', '*.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * The access log: one line per HTTP request, fields fixed by app.ts, none of them a credential (the path
 * has no query string). Its lines skip the redaction walk every other line takes, 3-8 µs of each request
 * with pino's wildcard paths; everything else the logger writes is still redacted.
 */
export function accessLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
