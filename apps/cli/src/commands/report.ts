import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { decodeErrorBody } from '@scanpush/shared';
import { CliError } from '../errors.js';
import { ApiClient, ApiError, NetworkError } from '../http.js';
import { adminTokenOption, idArg, serverBase } from '../options.js';

interface ReportOptions {
  server: string;
  adminToken: string;
  store: number;
  from?: string;
  to?: string;
  csv?: string;
  ledger?: string;
  json?: boolean;
}

/** One day of `GET /api/admin/stores/:id/reports/daily` (docs/api.md, Reports). */
interface ReportDay {
  day: string;
  deductions: number;
  reversals: number;
  netUses: number;
  topUps: number;
  topUpUses: number;
  topUpFen: number;
  activeMembers: number;
}

interface DailyReport {
  storeId: number;
  timeZone: string;
  from: string;
  to: string;
  days: ReportDay[];
}

function dayArg(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new InvalidArgumentError('Expected a date YYYY-MM-DD.');
  return text;
}

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/** The report as a tab-separated table: a header, then one line per day. */
export function reportTable(report: DailyReport): string {
  const header = ['日期', '扣次', '撤销', '净扣次', '充值笔数', '充值次数', '充值金额(元)', '活跃会员'];
  const lines = report.days.map((d) => [d.day, d.deductions, d.reversals, d.netUses, d.topUps, d.topUpUses, yuan(d.topUpFen), d.activeMembers]);
  return [header, ...lines].map((cells) => `${cells.join('\t')}\n`).join('');
}

/** GETs a file of the admin API as bytes, errors as the JSON client reports them. */
async function download(api: ApiClient, path: string, token: string): Promise<Buffer> {
  const url = api.url(path);
  let response: Response;
  let bytes: Buffer;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new NetworkError(url, error);
  }
  if (response.ok) return bytes;
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    body = undefined;
  }
  const decoded = decodeErrorBody(body);
  if (!decoded.ok) throw new CliError(`${url} answered ${response.status} ${response.statusText}`.trimEnd());
  throw new ApiError(response.status, decoded.value.error.code, decoded.value.error.message, decoded.value);
}

/**
 * `scanpush report`: a store's daily figures (deductions, reversals, top-ups with their uses and amount,
 * active members) for a run of days in the server's REPORT_TIME_ZONE, through the admin API; `--csv` and
 * `--ledger` also save the days and the ledger rows as CSV files that Excel opens (UTF-8 with BOM).
 */
export function reportCommand(): Command {
  return new Command('report')
    .description("a store's daily report (admin token); optionally saved as CSV files")
    .addOption(new Option('--store <id>', 'the store').argParser(idArg).makeOptionMandatory())
    .addOption(adminTokenOption())
    .addOption(new Option('--from <date>', 'first day, YYYY-MM-DD (default: --to)').argParser(dayArg))
    .addOption(new Option('--to <date>', "last day, YYYY-MM-DD (default: today in the server's time zone)").argParser(dayArg))
    .addOption(new Option('--csv <file>', 'also save the days as CSV'))
    .addOption(new Option('--ledger <file>', 'also save the ledger rows of these days as CSV'))
    .option('--json', 'print the raw answer JSON')
    .action(async (_options: unknown, cmd: Command) => {
      const options = cmd.optsWithGlobals<ReportOptions>();
      const api = new ApiClient(serverBase(options.server));
      const query = new URLSearchParams();
      if (options.from !== undefined) query.set('from', options.from);
      if (options.to !== undefined) query.set('to', options.to);
      const base = `/api/admin/stores/${options.store}/reports`;
      const suffix = query.size ? `?${query}` : '';
      const report = await api.get<DailyReport>(`${base}/daily${suffix}`, { bearer: options.adminToken });
      // The files name the days the server answered, so a default range is saved as what it was.
      const range = `?from=${report.from}&to=${report.to}`;
      if (options.csv !== undefined) await writeFile(options.csv, await download(api, `${base}/daily.csv${range}`, options.adminToken));
      if (options.ledger !== undefined) await writeFile(options.ledger, await download(api, `${base}/ledger.csv${range}`, options.adminToken));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      process.stdout.write(reportTable(report));
      process.stderr.write(`store ${report.storeId}, ${report.from} to ${report.to} (${report.timeZone})\n`);
    });
}
