import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { dayRanges, dayOf, dayText, parseDay } from '../../core/report-days.js';
import { MAX_REPORT_DAYS, dailyCsv, dailyRows, ledgerCsv } from '../../core/reports.js';
import { AppError } from '../../errors.js';
import { requireAdmin } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, idParam } from '../validation.js';

/** The most ledger rows one ledger CSV holds; a busier range is refused, to be asked in parts. */
export const MAX_LEDGER_ROWS = 100_000;

const day = z.string().transform((text, ctx) => {
  const n = parseDay(text);
  if (n === undefined) ctx.addIssue({ code: 'custom', message: 'must be a calendar date YYYY-MM-DD' });
  return n ?? z.NEVER;
});
const storePath = z.object({ storeId: idParam });
const period = z.object({ from: day.optional(), to: day.optional() });

/**
 * A store's reports on the operator's admin API (until owners sign in to the back office, which will call
 * the same core): the daily figures as JSON or CSV, and the ledger rows of the same days as CSV. Days are
 * calendar days in REPORT_TIME_ZONE; `from` and `to` are both included, default today.
 */
export function adminReportRoutes(deps: AppDeps) {
  const admin = requireAdmin(deps);
  const { accounts, reports } = deps.storage;
  const zone = deps.config.reportTimeZone;

  /** The store and days asked, checked: the store exists, from ≤ to, at most MAX_REPORT_DAYS days. */
  const asked = async (c: Context<AppEnv>) => {
    const { storeId } = check(storePath, c.req.param());
    const query = check(period, { from: c.req.query('from'), to: c.req.query('to') });
    const to = query.to ?? query.from ?? dayOf(deps.now(), zone);
    const from = query.from ?? to;
    if (from > to) throw new AppError('VALIDATION_FAILED', `from: ${dayText(from)} is after to (${dayText(to)})`, { field: 'from' });
    if (to - from + 1 > MAX_REPORT_DAYS) throw new AppError('VALIDATION_FAILED', `to: at most ${MAX_REPORT_DAYS} days in one report`, { field: 'to' });
    if (!(await accounts.getStore(storeId))) throw new AppError('NOT_FOUND', `No store ${storeId}`, { field: 'storeId' });
    const days = dayRanges(from, to, zone);
    return { storeId, days, name: `store-${storeId}-${dayText(from)}-${dayText(to)}` };
  };
  const daily = async (storeId: number, days: ReturnType<typeof dayRanges>) => dailyRows(days, await reports.daily(storeId, days));
  const csv = (c: Context<AppEnv>, text: string, filename: string) =>
    c.body(text, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` });

  return new Hono<AppEnv>()
    .get('/api/admin/stores/:storeId/reports/daily', admin, async (c) => {
      const { storeId, days } = await asked(c);
      return c.json({ storeId, timeZone: zone, from: days[0]!.day, to: days.at(-1)!.day, days: await daily(storeId, days) });
    })
    .get('/api/admin/stores/:storeId/reports/daily.csv', admin, async (c) => {
      const { storeId, days, name } = await asked(c);
      return csv(c, dailyCsv(await daily(storeId, days)), `${name}.csv`);
    })
    .get('/api/admin/stores/:storeId/reports/ledger.csv', admin, async (c) => {
      const { storeId, days, name } = await asked(c);
      const entries = await reports.entries(storeId, { start: days[0]!.start, end: days.at(-1)!.end }, MAX_LEDGER_ROWS + 1);
      if (entries.length > MAX_LEDGER_ROWS) {
        throw new AppError('VALIDATION_FAILED', `to: more than ${MAX_LEDGER_ROWS} ledger rows in these days: ask for fewer`, { field: 'to' });
      }
      return csv(c, ledgerCsv(entries, zone), `${name}-ledger.csv`);
    });
}
