import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ID } from './decimal.js';
import { SOCKET_PATH_PREFIX, parseSocketPath, socketPath } from './socket-path.js';


const idArb = fc.oneof(fc.integer({ min: 1, max: MAX_ID }), fc.integer({ min: 1, max: 100 }));
const queryArb = fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }).map((q) => `?${q}`));
// Paths near the socket path: its prefix, then segments of digits and what a URL may carry instead.
const segment = fc.oneof(
  fc.stringMatching(/^\d{1,11}$/),
  fc.string({ unit: fc.constantFrom(...'0123456789+-e.x %/', '０'), maxLength: 6 }),
  fc.string({ maxLength: 4 }),
);
const nearPath = fc
  .tuple(fc.constantFrom(SOCKET_PATH_PREFIX, '/websocket/', '/webSocket', '//webSocket/', ''), fc.array(segment, { maxLength: 4 }), queryArb)
  .map(([prefix, parts, query]) => prefix + parts.join('/') + query);
const anyPath = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.webPath(), nearPath);

describe('socketPath and parseSocketPath', () => {
  it('round-trip every member and store id from 1 to 2^32-1, with any query string', () => {
    fc.assert(
      fc.property(idArb, idArb, queryArb, (memberId, storeId, query) => {
        expect(parseSocketPath(socketPath(memberId, storeId) + query)).toEqual({ ok: true, value: { memberId, storeId } });
      }),
      { numRuns: 3000 },
    );
  });

  it('never throw, and read a path only in its one spelling', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        const parsed = parseSocketPath(path);
        if (!parsed.ok) {
          expect(parsed.reason).not.toBe('');
          return;
        }
        expect(socketPath(parsed.value.memberId, parsed.value.storeId)).toBe(path.split('?', 1)[0]);
      }),
      { numRuns: 3000 },
    );
  });
});
