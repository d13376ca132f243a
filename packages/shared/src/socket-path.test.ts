import { describe, expect, it } from 'vitest';
import { parseSocketPath, socketPath, SOCKET_PATH_PREFIX } from './socket-path.js';

describe('parseSocketPath', () => {
  it.each([
    ['/webSocket/17/2', 17, 2],
    ['/webSocket/17/2?token=abc&x=1', 17, 2],
    ['/webSocket/17/2?', 17, 2],
    ['/webSocket/1/4294967295', 1, 4294967295],
    ['/webSocket/4294967295/1', 4294967295, 1],
  ])('reads %s', (path, memberId, storeId) => {
    expect(parseSocketPath(path)).toEqual({ ok: true, value: { memberId, storeId } });
  });

  it.each([
    '/webSocket/017/2',
    '/webSocket/17/02',
    '/webSocket/a/2',
    '/webSocket/17/b',
    '/webSocket/0/2',
    '/webSocket/17/0',
    '/webSocket/-1/2',
    '/webSocket/+17/2',
    '/webSocket/1.5/2',
    '/webSocket/1e3/2',
    '/webSocket/%3117/2',
    '/webSocket/17',
    '/webSocket/17/',
    '/webSocket/',
    '/webSocket/17/2/',
    '/webSocket/17/2/x',
    '/webSocket//17/2',
    '/webSocket/4294967296/2',
    '/webSocket/17/4294967296',
    '/webSocket/99999999999/2',
    '/other/17/2',
    '/websocket/17/2',
    'webSocket/17/2',
    '/api/webSocket/17/2',
    '?/webSocket/17/2',
    '',
  ])('refuses %j with a reason', (path) => {
    const result = parseSocketPath(path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toBe('');
  });

  it('round-trips socketPath', () => {
    expect(socketPath(17, 2)).toBe('/webSocket/17/2');
    expect(socketPath(17, 2).startsWith(SOCKET_PATH_PREFIX)).toBe(true);
    expect(parseSocketPath(socketPath(4294967295, 1))).toEqual({ ok: true, value: { memberId: 4294967295, storeId: 1 } });
  });
});
