import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Credentials never reach a log: the redaction below is the last line of defence.
 *
 * Written asynchronously: a synchronous write per request cost 20-25 µs of every scan on the event loop
 * and would stall it whenever stdout is slow (a full pipe, a slow journald). Lines written while a write
 * is under way are sent together with the next; pino flushes what is left when the process exits.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'scanpush' },
      redact: { paths: ['token', 'key', 'authorization', 'password', 'cookie', '*.token', '*.key', '*.authorization', '*.password', '*.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: 1, sync: false }),
  );
}
