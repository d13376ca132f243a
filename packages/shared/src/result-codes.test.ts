import { describe, expect, it } from 'vitest';
import { RESULT_CODES, RESULT_HINTS, isSuccess, resultName, showsRemaining, type ResultName } from './result-codes.js';

const NAMES = Object.keys(RESULT_CODES) as ResultName[];

describe('result codes', () => {
  // Frozen: seed clients read the number and show the title as sent.
  it.each([
    ['OK', 0, '扣费成功'],
    ['QR_EXPIRED', 1, '二维码已过期'],
    ['QR_USED', 2, '二维码已使用'],
    ['NO_USES_LEFT', 3, '剩余次数不足'],
    ['CARD_NOT_FOUND', 4, '未找到会员卡'],
    ['QR_WRONG_STORE', 5, '非本店二维码'],
    ['QR_INVALID', 6, '二维码无效'],
    ['TOPPED_UP', 7, '充值成功'],
    ['REVERSED', 8, '撤销成功'],
    ['CARD_EXPIRED', 9, '会员卡已过期'],
    ['ALREADY_REVERSED', 10, '已撤销'],
    ['REVERSAL_WINDOW_PASSED', 11, '已超过撤销时限'],
    ['NOT_REVERSIBLE', 12, '该记录不可撤销'],
    ['REVERSAL_NOT_ALLOWED', 13, '无权撤销'],
    ['OFFLINE_CODE_STALE', 14, '离线码已失效'],
  ] as const)('%s is %i %s', (name, code, title) => {
    expect(RESULT_CODES[name].code).toBe(code);
    expect(RESULT_CODES[name].title).toBe(title);
    expect(resultName(code)).toBe(name);
  });

  it('lists no code the table above leaves out', () => {
    expect(NAMES).toHaveLength(15);
  });

  it('has one name per code', () => {
    expect(new Set(NAMES.map((name) => RESULT_CODES[name].code)).size).toBe(NAMES.length);
  });

  it('has no name for a code this version does not know', () => {
    for (const code of [-1, 15, 42, 1.5, Number.NaN]) expect(resultName(code)).toBeUndefined();
  });

  it('keeps titles and hints free of the push text separator', () => {
    // The push text is `<code>_<title>_<detail>`: an underscore in a title would move the detail.
    for (const name of NAMES) {
      expect(RESULT_CODES[name].title).toMatch(/^[^_\s]+$/);
      expect(RESULT_CODES[name].message).not.toBe('');
      expect(RESULT_HINTS[name]).not.toMatch(/_/);
    }
  });

  it('gives every failure a hint and success none', () => {
    for (const name of NAMES) {
      if (isSuccess(name)) expect(RESULT_HINTS[name]).toBe('');
      else expect(RESULT_HINTS[name]).not.toBe('');
    }
  });

  it('counts deductions, sales and reversals as successes, and shows their count', () => {
    expect(NAMES.filter((name) => isSuccess(name))).toEqual(['OK', 'TOPPED_UP', 'REVERSED']);
    expect(NAMES.filter((name) => showsRemaining(name))).toEqual(['OK', 'NO_USES_LEFT', 'TOPPED_UP', 'REVERSED']);
    expect(isSuccess(undefined)).toBe(false);
    expect(isSuccess('SOMETHING_NEW')).toBe(false);
  });
});
