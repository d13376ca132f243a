import type { RangeFigures, ReportEntry } from '../storage/reports.js';
import { csvDocument, yuan, type CsvCell } from './csv.js';
import { localTime, type DayRange } from './report-days.js';

/** A report's longest run of days. */
export const MAX_REPORT_DAYS = 366;

/** One day of a store's daily report, as the JSON answer and the CSV give it. */
export interface DailyReportRow extends RangeFigures {
  /** `YYYY-MM-DD` in the report's time zone. */
  day: string;
  /** Deductions less reversals: the uses the store really gave that day. */
  netUses: number;
}

/** The days with their figures, one row per day (empty days zero). */
export function dailyRows(days: readonly DayRange[], figures: readonly RangeFigures[]): DailyReportRow[] {
  return days.map((d, i) => {
    const f = figures[i]!;
    return { day: d.day, ...f, netUses: f.deductions - f.reversals };
  });
}

export const DAILY_CSV_HEADER = ['日期', '扣次', '充值笔数', '充值次数', '充值金额(元)', '撤销', '活跃会员'] as const;

/** The daily report as CSV (see core/csv.ts for the format Excel needs). */
export function dailyCsv(rows: readonly DailyReportRow[]): string {
  return csvDocument(
    DAILY_CSV_HEADER,
    rows.map((r) => [r.day, r.deductions, r.topUps, r.topUpUses, yuan(r.topUpFen), r.reversals, r.activeMembers]),
  );
}

const KIND_TEXT: Record<ReportEntry['kind'], string> = { deduct: '扣次', topup: '充值', reversal: '撤销' };

export const LEDGER_CSV_HEADER = ['编号', '时间', '类型', '会员', '变动', '余额', '商品', '金额(元)', '员工凭证', '撤销的记录', '原因'] as const;

/** Ledger rows as CSV, their times local to `zone`; an admin top-up has no product, amount or staff. */
export function ledgerCsv(entries: readonly ReportEntry[], zone: string): string {
  return csvDocument(
    LEDGER_CSV_HEADER,
    entries.map((e): CsvCell[] => [
      e.id,
      localTime(e.createdAt, zone),
      KIND_TEXT[e.kind],
      e.memberId,
      e.delta,
      e.balanceAfter,
      e.productName,
      e.amountFen === null ? null : yuan(e.amountFen),
      e.merchantId,
      e.reversesId,
      e.reason,
    ]),
  );
}
