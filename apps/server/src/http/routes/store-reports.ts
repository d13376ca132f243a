import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { dayRanges, dayOf, dayText, parseDay } from '../../core/report-days.js';
import { MAX_REPORT_DAYS, dailyCsv, dailyRows, ledgerCsv } from '../../core/reports.js';
import { AppError } from '../../errors.js';
import type { AppDeps, AppEnv } from '../context.js';
import type { StoreScope } from '../store-access.js';
import { check } from '../validation.js';

/** The most ledger rows one ledger CSV holds; a busier range is refused, to be asked in parts. */
export const MAX_LEDGER_ROWS = 100_000;

const day = z.string().transform((text, ctx) => {
  const n = parseDay(text);
  if (n === undefined) ctx.addIssue({ code: 'custom', message: 'must be a calendar date YYYY-MM-DD' });
  return n ?? z.NEVER;
}).meta({ format: 'date', description: 'A calendar date YYYY-MM-DD in REPORT_TIME_ZONE' });
export const period = z.object({ from: day.optional(), to: day.optional() });

/**
 * A store's reports, for whoever manages the store (see StoreScope): the daily figures as JSON or CSV, and the ledger rows of the same days as CSV. Days are
 * calendar days in REPORT_TIME_ZONE; `from` and `to` are both included, default today.
 */
export function storeReportRoutes(deps: Pick<AppDeps, 'storage' | 'now' | 'config'>, scope: StoreScope) {
  const { prefix, guard } = scope;
  const { reports } = deps.storage;
  const zone = deps.config.reportTimeZone;

  /** The store and days asked, checked: from ≤ to, at most MAX_REPORT_DAYS days (the guard checked the store). */
  const asked = (c: Context<AppEnv>) => {
    const storeId = c.get('store').id;
    const query = check(period, { from: c.req.query('from'), to: c.req.query('to') });
    const to = query.to ?? query.from ?? dayOf(deps.now(), zone);
    const from = query.from ?? to;
    if (from > to) throw new AppError('VALIDATION_FAILED', `from: ${dayText(from)} is after to (${dayText(to)})`, { field: 'from' });
    if (to - from + 1 > MAX_REPORT_DAYS) throw new AppError('VALIDATION_FAILED', `to: at most ${MAX_REPORT_DAYS} days in one report`, { field: 'to' });
    const days = dayRanges(from, to, zone);
    return { storeId, days, name: `store-${storeId}-${dayText(from)}-${dayText(to)}` };
  };
  const daily = async (storeId: number, days: ReturnType<typeof dayRanges>) => dailyRows(days, await reports.daily(storeId, days));
  const csv = (c: Context<AppEnv>, text: string, filename: string) =>
    c.body(text, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` });

  return new Hono<AppEnv>()
    .get(`${prefix}/reports/daily`, guard, async (c) => {
      const { storeId, days } = asked(c);
      return c.json({ storeId, timeZone: zone, from: days[0]!.day, to: days.at(-1)!.day, days: await daily(storeId, days) });
    })
    .get(`${prefix}/reports/daily.csv`, guard, async (c) => {
      const { storeId, days, name } = asked(c);
      return csv(c, dailyCsv(await daily(storeId, days)), `${name}.csv`);
    })
    .get(`${prefix}/reports/ledger.csv`, guard, async (c) => {
      const { storeId, days, name } = asked(c);
      const entries = await reports.entries(storeId, { start: days[0]!.start, end: days.at(-1)!.end }, MAX_LEDGER_ROWS + 1);
      if (entries.length > MAX_LEDGER_ROWS) {
        throw new AppError('VALIDATION_FAILED', `to: more than ${MAX_LEDGER_ROWS} ledger rows in these days: ask for fewer`, { field: 'to' });
      }
      return csv(c, ledgerCsv(entries, zone), `${name}-ledger.csv`);
    });
}
