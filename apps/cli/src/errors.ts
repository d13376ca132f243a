/** Exit statuses of every command; scripts branch on them. */
export const EXIT = {
  OK: 0,
  /** Bad flags, unreachable server, an error answer, a refused socket. */
  FAILURE: 1,
  /** The server answered the scan and refused it (QR used, expired, no uses left…). */
  REFUSED: 2,
} as const;

/**
 * A failure the user can act on. `main` prints its message as one line (`scanpush: <message>`) and exits
 * with `exitCode`; nothing else prints stack traces.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
