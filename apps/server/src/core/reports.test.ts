import { describe, expect, it } from 'vitest';
import type { ReportEntry } from '../storage/reports.js';
import { dayRanges, parseDay } from './report-days.js';
import { dailyCsv, dailyRows, ledgerCsv } from './reports.js';

const ZERO = { deductions: 0, topUps: 0, topUpUses: 0, topUpFen: 0, reversals: 0, activeMembers: 0 };

describe('reports', () => {
  it('gives every day a row with its net uses, and writes the CSV with the Chinese header and yuan', () => {
    const days = dayRanges(parseDay('2026-11-01')!, parseDay('2026-11-02')!, 'Asia/Shanghai');
    const rows = dailyRows(days, [{ deductions: 5, topUps: 2, topUpUses: 13, topUpFen: 30_901, reversals: 1, activeMembers: 3 }, ZERO]);
    expect(rows).toEqual([
      { day: '2026-11-01', deductions: 5, topUps: 2, topUpUses: 13, topUpFen: 30_901, reversals: 1, activeMembers: 3, netUses: 4 },
      { day: '2026-11-02', ...ZERO, netUses: 0 },
    ]);
    expect(dailyCsv(rows)).toBe(
      '\uFEFF日期,扣次,充值笔数,充值次数,充值金额(元),撤销,活跃会员\r\n2026-11-01,5,2,13,309.01,1,3\r\n2026-11-02,0,0,0,0.00,0,0\r\n',
    );
  });

  it('writes ledger rows with local times, kinds in Chinese, and a reason that cannot run as a formula', () => {
    const base: ReportEntry = { id: 1, memberId: 17, kind: 'deduct', delta: -1, balanceAfter: 4, productId: null, productName: null, amountFen: null, merchantId: 3, reversesId: null, reason: null, createdAt: Date.UTC(2026, 9, 31, 16, 0, 1) };
    const csv = ledgerCsv(
      [
        base,
        { ...base, id: 2, kind: 'topup', delta: 10, balanceAfter: 14, productId: 1, productName: '10次卡, 优惠', amountFen: 29_900 },
        { ...base, id: 3, kind: 'reversal', delta: 1, balanceAfter: 15, reversesId: 1, reason: '=1+1 "误扣"' },
      ],
      'Asia/Shanghai',
    );
    expect(csv.split('\r\n')).toEqual([
      '\uFEFF编号,时间,类型,会员,变动,余额,商品,金额(元),员工凭证,撤销的记录,原因',
      '1,2026-11-01 00:00:01,扣次,17,-1,4,,,3,,',
      '2,2026-11-01 00:00:01,充值,17,10,14,"10次卡, 优惠",299.00,3,,',
      `3,2026-11-01 00:00:01,撤销,17,1,15,,,3,1,"'=1+1 ""误扣"""`,
      '',
    ]);
  });
});
