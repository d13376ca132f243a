import { API_ERROR_CODES, CLOSE_CODES, RESULT_CODES, formatPushText, isSuccess, showsRemaining, type ResultName, type ScanResult } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { newIdempotencyKey } from '../miniprogram/lib/idempotency';
import { ERROR_TEXT, RESYNCED_TEXT, connectionText, errorText, expiryText, historyRow, resultView } from '../miniprogram/lib/messages';

const CJK = /[\u4e00-\u9fff]/;

function result(name: ResultName, remaining: number | null): ScanResult {
  const { code, title } = RESULT_CODES[name];
  return { code, name, ok: isSuccess(name), title, text: formatPushText(name, remaining ?? undefined), remaining, memberId: 17, storeId: 2, at: '' };
}

describe('what members and staff read', () => {
  it('has a Chinese message for every error code the API can answer, and for no answer', () => {
    for (const code of [...API_ERROR_CODES, 'NETWORK'] as const) {
      expect(ERROR_TEXT[code], code).toMatch(CJK);
      expect(errorText({ code })).toBe(ERROR_TEXT[code]);
    }
    expect(errorText(new Error('boom'))).toMatch(CJK);
  });

  it('names every scan outcome in Chinese, with the count where it is the card’s and advice otherwise', () => {
    for (const name of Object.keys(RESULT_CODES) as ResultName[]) {
      const view = resultView(result(name, showsRemaining(name) ? (name === 'NO_USES_LEFT' ? 0 : 4) : null));
      expect(view.title, name).toBe(RESULT_CODES[name].title);
      expect(view.detail, name).toMatch(CJK);
      expect(errorText({ code: name })).toContain(RESULT_CODES[name].title);
    }
    expect(resultView(result('OK', 4)).detail).toBe('剩余次数: 4');
    expect(resultView(result('NO_USES_LEFT', 0)).detail).toBe('剩余次数: 0');
    expect(resultView(result('QR_USED', 7)).detail).toBe('请刷新二维码后重试');
    expect(resultView(result('TOPPED_UP', 20))).toMatchObject({ ok: true, title: '充值成功', detail: '剩余次数: 20' });
    expect(resultView(result('REVERSED', 5))).toMatchObject({ ok: true, title: '撤销成功', detail: '剩余次数: 5' });
    expect(resultView(result('CARD_EXPIRED', null))).toMatchObject({ ok: false, title: '会员卡已过期', detail: '请联系门店续卡' });
    expect(resultView(result('OFFLINE_CODE_STALE', null))).toMatchObject({ ok: false, title: '离线码已失效', detail: '请联网后刷新会员码或校准手机时间' });
  });

  it('keeps an outcome a newer server added readable', () => {
    const view = resultView({ ...result('QR_USED', null), code: 42, title: '' });
    expect(view).toMatchObject({ ok: false, title: '未知结果 42' });
  });

  it('says in Chinese whether results will arrive live', () => {
    expect(connectionText({ state: 'live' })).toContain('已连接');
    expect(connectionText({ state: 'waiting', retryInMs: 2400 })).toContain('3 秒后重连');
    expect(connectionText({ state: 'stopped', closeCode: 4002 })).toContain('其他设备');
    for (const state of ['idle', 'connecting', 'syncing', 'paused', 'stopped'] as const) expect(connectionText({ state })).toMatch(CJK);
  });

  it('says why for every close code after which the page does not reconnect by itself', () => {
    const generic = connectionText({ state: 'stopped' });
    for (const [name, { code, reconnect }] of Object.entries(CLOSE_CODES)) {
      // A normal closure has nothing more to say than the generic line.
      if (reconnect || name === 'NORMAL') continue;
      expect(connectionText({ state: 'stopped', closeCode: code }), name).not.toBe(generic);
      expect(connectionText({ state: 'stopped', closeCode: code }), name).toMatch(CJK);
    }
    expect(connectionText({ state: 'stopped', closeCode: CLOSE_CODES.PROTOCOL_RETIRED.code })).toContain('更新');
    expect(RESYNCED_TEXT).toMatch(CJK);
  });

  it('lists history rows with sign, balance and local time', () => {
    const at = new Date(2025, 0, 2, 3, 4).toISOString();
    expect(historyRow({ id: 1, storeId: 2, kind: 'deduct', delta: -1, balanceAfter: 9, at })).toEqual({
      id: 1,
      label: '扣次',
      delta: '-1',
      balance: '余 9 次',
      time: '2025-01-02 03:04',
    });
    expect(historyRow({ id: 2, storeId: 2, kind: 'topup', delta: 10, balanceAfter: 10, at })).toMatchObject({ label: '充值', delta: '+10' });
    expect(historyRow({ id: 3, storeId: 2, kind: 'reversal', delta: 1, balanceAfter: 11, at, reversesId: 1, reason: '误扣' })).toMatchObject({
      label: '撤销',
      delta: '+1',
    });
  });

  it('shows a card’s expiry as a local date, says when it is past, and nothing for a card that never expires', () => {
    const now = new Date(2026, 0, 10, 12).getTime();
    expect(expiryText(null, now)).toBe('');
    expect(expiryText(new Date(2026, 1, 3, 9).toISOString(), now)).toBe('有效期至 2026-02-03');
    expect(expiryText(new Date(2026, 0, 10, 11).toISOString(), now)).toBe('会员卡已过期，请联系门店续卡');
  });

  it('makes idempotency keys the server accepts, different each time', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(1000);
    for (const key of keys) expect(key).toMatch(/^[\x21-\x7e]{1,128}$/);
  });
});
