import { describe, expect, it } from 'vitest';
import { decodeErrorBody } from './api.js';

describe('decodeErrorBody', () => {
  it('reads the one error shape, with its optional fields', () => {
    const json = JSON.parse(
      '{"error":{"code":"QR_USED","message":"QR already used","result":{"code":2,"name":"QR_USED"},"replayed":true,"requestId":"r-1"}}',
    );
    expect(decodeErrorBody(json)).toEqual({
      ok: true,
      value: { error: { code: 'QR_USED', message: 'QR already used', result: { code: 2, name: 'QR_USED' }, replayed: true, requestId: 'r-1' } },
    });
    expect(decodeErrorBody(JSON.parse('{"error":{"code":"VALIDATION_FAILED","message":"bad","field":"qr"}}'))).toEqual({
      ok: true,
      value: { error: { code: 'VALIDATION_FAILED', message: 'bad', field: 'qr' } },
    });
  });

  it('keeps a code this version does not know, and leaves out optional fields of the wrong type', () => {
    expect(decodeErrorBody({ error: { code: 'NEW_CODE', message: 'm', field: 3, result: 'x', replayed: 'yes', requestId: null } })).toEqual({
      ok: true,
      value: { error: { code: 'NEW_CODE', message: 'm' } },
    });
  });

  it.each([undefined, null, 42, 'error', [], {}, { error: null }, { error: [] }, { error: 'UNAUTHORIZED' }, { error: { code: 'X' } }, { error: { message: 'm' } }, { error: { code: 1, message: 'm' } }])(
    'refuses %j with a reason',
    (json) => {
      const decoded = decodeErrorBody(json);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(decoded.reason).not.toBe('');
    },
  );
});
