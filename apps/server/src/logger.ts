import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Credentials never reach a log: the redaction below is the last line of defence.
 *
 * Written asynchronously: a synchronous write per request cost 20-25 µs of every scan on the event loop
 * and would stall it whenever stdout is slow (a full pipe, a slow journald). Lines written while a write
 * is under way are sent together with the next; pino flushes what is left when the process exits.
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
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
