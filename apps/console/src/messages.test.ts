import { API_ERROR_CODES, RESULT_CODES, RESULT_HINTS, formatPushText, isSuccess, type ResultName, type ScanResult } from '@scanpush/shared';
import { describe, expect, it } from 'vitest';
import { explainError, explainResult } from './messages.js';

function result(name: ResultName, remaining: number | null): ScanResult {
  const { code, title } = RESULT_CODES[name];
  return { code, name, ok: isSuccess(name), title, text: formatPushText(name, remaining ?? undefined), remaining, memberId: 17, storeId: 2, at: '' };
}

const FAILURES = (Object.keys(RESULT_CODES) as ResultName[]).filter((name) => !isSuccess(name));

describe('explainResult', () => {
  it('says a deduction succeeded, with the uses left', () => {
    expect(explainResult(result('OK', 9))).toEqual({ ok: true, title: '扣费成功', sentence: '已扣除一次。剩余次数：9。', hint: '', code: 'OK' });
  });

  it('says a sale and a reversal succeeded, with the uses left', () => {
    expect(explainResult(result('TOPPED_UP', 20))).toEqual({ ok: true, title: '充值成功', sentence: '已充值到会员卡。剩余次数：20。', hint: '', code: 'TOPPED_UP' });
    expect(explainResult(result('REVERSED', 8))).toMatchObject({ ok: true, title: '撤销成功', sentence: '已撤销一次误扣，次数已退回。剩余次数：8。' });
  });

  it.each(FAILURES)('explains %s with the shared title and hint, its own sentence and the English code', (name) => {
    const explained = explainResult(result(name, name === 'NO_USES_LEFT' ? 0 : null));
    expect(explained).toMatchObject({ ok: false, title: RESULT_CODES[name].title, hint: RESULT_HINTS[name], code: name });
    expect(explained.sentence).toMatch(/[\u4e00-\u9fff].*。$/);
  });

  it('gives each failure a sentence of its own', () => {
    const sentences = FAILURES.map((name) => explainResult(result(name, null)).sentence);
    expect(new Set(sentences).size).toBe(FAILURES.length);
  });

  it("shows a code this version does not know with the server's own title and text", () => {
    const unknown = { ...result('QR_USED', null), code: 42, name: 'NEW_THING' as ResultName, title: '新的结果', text: '42_新的结果_请稍候' };
    expect(explainResult(unknown)).toEqual({ ok: false, title: '新的结果', sentence: '42_新的结果_请稍候', hint: '', code: 'NEW_THING' });
  });
});

describe('explainError', () => {
  it.each(API_ERROR_CODES.filter((code) => code !== 'UNAUTHORIZED'))('has a Chinese sentence for %s', (code) => {
    const explained = explainError(code, 'merchant');
    expect(explained).toMatchObject({ ok: false, code });
    expect(explained.sentence).toMatch(/^[\u4e00-\u9fff]/);
    expect(explained.sentence).not.toBe('服务器返回了未知错误。');
  });

  it('tells a merchant to check the key and a member to log in again on 401', () => {
    expect(explainError('UNAUTHORIZED', 'merchant')).toMatchObject({ title: '商户密钥无效', code: 'UNAUTHORIZED' });
    expect(explainError('UNAUTHORIZED', 'member')).toMatchObject({ title: '登录已失效', hint: '请重新登录' });
  });

  it('names the field that failed validation', () => {
    expect(explainError('VALIDATION_FAILED', 'merchant', 'qr').sentence).toContain('字段：qr');
  });

  it('explains failures found in the browser, and admits to codes it does not know', () => {
    expect(explainError('NETWORK', 'merchant').sentence).toContain('无法连接服务器');
    expect(explainError('NO_QR_FOUND', 'merchant').sentence).toContain('没有找到二维码');
    expect(explainError('HTTP_502', 'merchant')).toMatchObject({ sentence: '服务器返回了未知错误。', code: 'HTTP_502' });
  });
});
