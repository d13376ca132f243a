import { describe, expect, it } from 'vitest';
import { isUnavailable } from './pool.js';

/** An error as node-postgres reports it: a server error carries its SQLSTATE, a socket error its errno. */
const withCode = (code: string, message = `error ${code}`) => Object.assign(new Error(message), { code });

describe('isUnavailable', () => {
  it('is true for what means "the database cannot be reached now"', () => {
    for (const err of [
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P02', 'terminating connection because of crash of another server process'),
      withCode('57P03', 'the database system is starting up'),
      withCode('08006', 'connection failure'),
      withCode('08001'),
      withCode('53300', 'sorry, too many clients already'),
      withCode('57014', 'canceling statement due to statement timeout'),
      withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      withCode('ECONNRESET', 'read ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], ''),
    ]) {
      expect(isUnavailable(err), err.message).toBe(true);
    }
  });

  it('is false for bugs and bad data, which must not be answered as "try again later"', () => {
    for (const err of [
      withCode('23505', 'duplicate key value violates unique constraint "ledger_qr_nonce_uq"'),
      withCode('23514', 'new row for relation "cards" violates check constraint'),
      withCode('42P01', 'relation "cards" does not exist'),
      withCode('22P02', 'invalid input syntax for type integer'),
      withCode('28P01', 'password authentication failed for user "scanpush"'),
      withCode('3D000', 'database "scanpush" does not exist'),
      new Error('something else'),
    ]) {
      expect(isUnavailable(err), err.message).toBe(false);
    }
    expect(isUnavailable('a string')).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
  });
});
