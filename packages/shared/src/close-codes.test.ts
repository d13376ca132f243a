import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, closeName, shouldReconnect, type CloseName } from './close-codes.js';

const NAMES = Object.keys(CLOSE_CODES) as CloseName[];

describe('close codes', () => {
  // Pinned: clients already in the field decide from these numbers.
  it.each([
    // Not final: WeChat reports 1000 for sockets it killed itself (the server never sends it).
    ['NORMAL', 1000, true],
    ['GOING_AWAY', 1001, true],
    ['PROTOCOL_ERROR', 1002, true],
    ['INVALID_PAYLOAD', 1007, true],
    ['MESSAGE_TOO_BIG', 1009, true],
    ['BAD_FRAME', 4000, true],
    ['SESSION_REVOKED', 4001, false],
    ['REPLACED', 4002, false],
    ['RATE_LIMITED', 4003, true],
    ['PROTOCOL_RETIRED', 4004, false],
  ] as const)('%s is %i, reconnect %s', (name, code, reconnect) => {
    expect(CLOSE_CODES[name].code).toBe(code);
    expect(closeName(code)).toBe(name);
    expect(shouldReconnect(code)).toBe(reconnect);
  });

  it('lists no code the table above leaves out', () => {
    expect(NAMES).toHaveLength(10);
  });

  it('has one name per code', () => {
    expect(new Set(NAMES.map((name) => CLOSE_CODES[name].code)).size).toBe(NAMES.length);
  });

  it('uses codes a server may send, with reasons that fit a close frame', () => {
    for (const name of NAMES) {
      const { code, reason } = CLOSE_CODES[name];
      // RFC 6455 7.4: 1005, 1006 and 1015 are never sent; 4000-4999 are for applications.
      expect([1005, 1006, 1015]).not.toContain(code);
      expect((code >= 1000 && code <= 1014) || (code >= 4000 && code <= 4999)).toBe(true);
      // A close frame's reason is at most 123 bytes; these are ASCII, so characters are bytes.
      expect(reason).toMatch(/^[\x20-\x7e]{1,123}$/);
    }
  });

  it('reconnects after 1006, the code a client sees when a dead socket is terminated', () => {
    expect(closeName(1006)).toBeUndefined();
    expect(shouldReconnect(1006)).toBe(true);
  });

  it('says not to come back for exactly the codes that end a session, a device or an app version', () => {
    expect(NAMES.filter((name) => !CLOSE_CODES[name].reconnect).sort()).toEqual(['PROTOCOL_RETIRED', 'REPLACED', 'SESSION_REVOKED']);
  });

  // 1005: how WeChat is reported to hand over a code the server chose; the bye before it decides instead.
  it.each([1005, 1011, 1012, 3000, 4005, 4999, 0])('reconnects after unknown code %i', (code) => {
    expect(closeName(code)).toBeUndefined();
    expect(shouldReconnect(code)).toBe(true);
  });
});
