import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeOfflineCode, timeStep } from './offline-code.js';
import { base64UrlBytes, clockOffset, enrolmentFrom, isOfflineEnrolment, offlineCodeAt } from './offline-enrolment.js';

const answer = { deviceId: 7, secret: randomBytes(32).toString('base64url'), serverTime: '2026-11-29T08:00:00.000Z', stepSeconds: 30, skewSteps: 1 };

describe('offline enrolment', () => {
  it('sets the server time against the middle of the round trip', () => {
    const server = Date.parse(answer.serverTime);
    expect(clockOffset(answer.serverTime, server - 5 * 60_000 - 100, server - 5 * 60_000 + 100)).toBe(5 * 60_000);
    expect(clockOffset('not a time', 0, 10)).toBe(0);
  });

  it('makes the enrolment a device keeps, which reads back as one; other shapes do not', () => {
    const server = Date.parse(answer.serverTime);
    const e = enrolmentFrom(answer, 'https://wash.example.cn', 17, server - 1000, server - 1000);
    expect(e).toEqual({ server: 'https://wash.example.cn', memberId: 17, deviceId: 7, secret: answer.secret, stepSeconds: 30, skewSteps: 1, clockOffsetMs: 1000 });
    expect(isOfflineEnrolment(JSON.parse(JSON.stringify(e)))).toBe(true);
    for (const bad of [null, 'x', {}, { ...e, secret: 1 }, { ...e, stepSeconds: 0 }, { ...e, memberId: '17' }]) expect(isOfflineEnrolment(bad)).toBe(false);
  });

  it('makes the code of the server’s step, whatever the local clock says', () => {
    const server = Date.parse(answer.serverTime);
    const e = enrolmentFrom(answer, 's', 17, server - 120_000, server - 120_000);
    const secret = base64UrlBytes(e.secret)!;
    const { code, step } = offlineCodeAt(e, secret, 2, server - 120_000);
    expect(step).toBe(timeStep(server, 30));
    expect(code).toBe(makeOfflineCode(secret, { deviceId: 7, storeId: 2, step }));
  });

  it('reads base64url as Node does, and refuses what is not', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = randomBytes(n);
      expect(Buffer.from(base64UrlBytes(bytes.toString('base64url'))!)).toEqual(bytes);
    }
    expect(base64UrlBytes('ab+c')).toBeUndefined();
    expect(base64UrlBytes('abcde')).toBeUndefined();
  });
});
