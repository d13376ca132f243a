import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout. Credentials never reach a log: the redaction below is the last line of defence. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'scanpush' },
    redact: { paths: ['token', 'key', 'authorization', '*.token', '*.key', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
