import { describe, expect, it } from 'vitest';
import { formatPushText, parsePushText, type PushText } from './push-text.js';
import { RESULT_CODES, RESULT_HINTS, type ResultName } from './result-codes.js';

const NAMES = Object.keys(RESULT_CODES) as ResultName[];

function parsed(text: string): PushText {
  const result = parsePushText(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${result.reason}`);
  return result.value;
}

describe('formatPushText', () => {
  it("writes the seed's success text exactly", () => {
    expect(formatPushText('OK', 3)).toBe('0_扣费成功_剩余次数: 3');
    expect(formatPushText('OK', 0)).toBe('0_扣费成功_剩余次数: 0');
  });

  it('writes the counter results as the issue names them', () => {
    expect(formatPushText('TOPPED_UP', 20)).toBe('7_充值成功_剩余次数: 20');
    expect(formatPushText('REVERSED', 4)).toBe('8_撤销成功_剩余次数: 4');
    expect(formatPushText('CARD_EXPIRED')).toBe('9_会员卡已过期_请联系门店续卡');
  });

  it('writes the hint when no count is given', () => {
    expect(formatPushText('NO_USES_LEFT')).toBe('3_剩余次数不足_请联系门店充值');
    expect(formatPushText('QR_EXPIRED')).toBe('1_二维码已过期_请刷新二维码后重试');
    expect(formatPushText('OFFLINE_CODE_STALE')).toBe('14_离线码已失效_请联网后刷新会员码或校准手机时间');
    expect(formatPushText('OK')).toBe('0_扣费成功_');
  });
});

describe('parsePushText', () => {
  it("reads the seed's success text", () => {
    expect(parsed('0_扣费成功_剩余次数: 3')).toEqual({ code: 0, title: '扣费成功', detail: '剩余次数: 3', remaining: 3 });
  });

  it.each(NAMES)('round-trips %s with and without a count', (name) => {
    const { code, title } = RESULT_CODES[name];
    expect(parsed(formatPushText(name, 7))).toEqual({ code, title, detail: '剩余次数: 7', remaining: 7 });
    const withHint = parsed(formatPushText(name));
    expect(withHint).toEqual({ code, title, detail: RESULT_HINTS[name] });
    expect(withHint).not.toHaveProperty('remaining');
  });

  it('reads a full-width colon and loose spacing in the count', () => {
    expect(parsed('0_扣费成功_剩余次数：3').remaining).toBe(3);
    expect(parsed('0_扣费成功_剩余次数 ： 12 ').remaining).toBe(12);
    expect(parsed('0_扣费成功_剩余次数:0').remaining).toBe(0);
  });

  it('keeps underscores inside the detail', () => {
    expect(parsed('6_二维码无效_请_刷新_后重试')).toEqual({ code: 6, title: '二维码无效', detail: '请_刷新_后重试' });
  });

  it('keeps a code and title this version does not know', () => {
    const text = parsed('42_新的_x');
    expect(text).toEqual({ code: 42, title: '新的', detail: 'x' });
  });

  it('leaves remaining out when the detail is not a count', () => {
    for (const text of ['0_扣费成功_剩余次数: ', '0_扣费成功_剩余次数: 3次', '0_扣费成功_剩余次数: -1', '0_扣费成功_3']) {
      expect(parsed(text)).not.toHaveProperty('remaining');
    }
  });

  it.each(['', 'abc', '_x_y', '0_only', '0_', 'x_扣费成功_1', '-1_x_y', '1.5_x_y', '12345_x_y', '0x1_x_y'])(
    'refuses %j with a reason',
    (text) => {
      const result = parsePushText(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).not.toBe('');
    },
  );
});
