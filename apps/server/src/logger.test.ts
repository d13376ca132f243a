import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { accessLogger, createLogger } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('the logger', () => {
  it('redacts credentials by field name, top level and one down', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    logger.info({ token: 't0ken', headers: { authorization: 'Bearer x', cookie: 'sp_office=y' }, body: { password: 'p' } }, 'something');
    expect(lines[0]).toMatchObject({ token: '[redacted]', headers: { authorization: '[redacted]', cookie: '[redacted]' }, body: { password: '[redacted]' } });
  });

  it('writes access lines whole, and keeps redacting on the logger it came from', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    const access = accessLogger(logger);
    access.info({ requestId: 'r1', client: '127.0.0.1', method: 'POST', path: '/api/scans', status: 200, ms: 1.2 }, 'request');
    logger.info({ key: 'spk_1_secret' }, 'other');
    expect(lines[0]).toMatchObject({ level: 30, service: 'scanpush', requestId: 'r1', client: '127.0.0.1', method: 'POST', path: '/api/scans', status: 200, ms: 1.2, msg: 'request' });
    expect(lines[1]).toMatchObject({ key: '[redacted]', msg: 'other' });
  });

  it('keeps the level: an access line under the logger level is not written', () => {
    const { lines, stream } = capture();
    accessLogger(createLogger('warn', stream)).info({ path: '/' }, 'request');
    expect(lines).toEqual([]);
  });
});
