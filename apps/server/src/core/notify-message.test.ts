import { RESULT_CODES } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { parseNotifyFields } from '../config.js';
import { keyKind, notifyData, wechatTime } from './notify-message.js';

const fields = (text: string) => {
  const parsed = parseNotifyFields(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};
// 2026-11-29 07:01:09 UTC: 15:01 in Shanghai.
const AT = Date.UTC(2026, 10, 29, 7, 1, 9);
const ok = { code: RESULT_CODES.OK.code, remaining: 9, createdAt: AT, storeName: '星光洗车 旗舰店' };

describe('notifyData', () => {
  it('fills each configured key from the result, in the store time zone', () => {
    expect(notifyData(fields('thing1:store,number2:remaining,time3:time,phrase4:title,thing5:detail'), ok, 'Asia/Shanghai')).toEqual({
      thing1: { value: '星光洗车 旗舰店' },
      number2: { value: '9' },
      time3: { value: '2026年11月29日 15:01' },
      phrase4: { value: '扣费成功' },
      thing5: { value: '剩余次数: 9' },
    });
    expect(wechatTime(AT, 'UTC')).toBe('2026年11月29日 07:01');
  });

  it('cuts a thing to 20 characters with a visible mark, counting a Chinese character as one', () => {
    const long = { ...ok, storeName: '一二三四五六七八九十一二三四五六七八九十一二' };
    const value = notifyData(fields('thing1:store'), long, 'UTC').thing1!.value;
    expect(Array.from(value)).toHaveLength(20);
    expect(value).toBe('一二三四五六七八九十一二三四五六七八九…');
    // Exactly 20 is kept whole.
    const twenty = { ...ok, storeName: '一二三四五六七八九十一二三四五六七八九十' };
    expect(notifyData(fields('thing1:store'), twenty, 'UTC').thing1!.value).toBe(twenty.storeName);
  });

  it('keeps a phrase to 5 Chinese characters and a number to digits', () => {
    const expired = { ...ok, code: RESULT_CODES.QR_EXPIRED.code, remaining: null };
    const data = notifyData(fields('phrase1:title,number2:remaining,number3:store,character_string4:store'), expired, 'UTC');
    // 二维码已过期 is 6: cut plainly ('…' is not a Chinese character and would be refused).
    expect(data.phrase1!.value).toBe('二维码已过');
    expect(data.number2!.value).toBe('0');
    expect(data.number3!.value).toMatch(/^[0-9]{1,32}$/);
    expect(data.character_string4!.value).toMatch(/^[\x21-\x7e]{1,32}$/);
  });

  it('gives the hint as detail where the result carries no count', () => {
    const notFound = { ...ok, code: RESULT_CODES.CARD_NOT_FOUND.code, remaining: null };
    expect(notifyData(fields('thing1:detail,thing2:title'), notFound, 'UTC')).toEqual({ thing1: { value: '请联系门店办卡' }, thing2: { value: '未找到会员卡' } });
  });

  it('reads the kind of a key', () => {
    expect(keyKind('thing12')).toBe('thing');
    expect(keyKind('character_string3')).toBe('character_string');
  });
});
