import { api } from './api.js';
import { el, empty, field, input, loading } from './dom.js';
import { messageLine, onSubmit, showError } from './forms.js';
import { addDays, day, yuan } from './format.js';
import type { DailyReport, DailyRow } from './office-types.js';
import type { Page } from './router.js';
import { storePath } from './session.js';

/** The server's longest report (MAX_REPORT_DAYS). */
const MAX_DAYS = 366;

const COLUMNS: Array<[label: string, value: (r: DailyRow) => string]> = [
  ['扣次', (r) => String(r.deductions)],
  ['撤销', (r) => String(r.reversals)],
  ['实际扣次', (r) => String(r.netUses)],
  ['售卡笔数', (r) => String(r.topUps)],
  ['售出次数', (r) => String(r.topUpUses)],
  ['收款（元）', (r) => yuan(r.topUpFen)],
  ['到店会员', (r) => String(r.activeMembers)],
];

/** 报表: daily figures for a range of days (the shop's calendar days), totals, and the CSV downloads. */
export const reportsPage: Page = {
  nav: 'reports',
  needsStore: true,
  render(root, ctx) {
    const today = day();
    const from = input('from', { type: 'date', value: addDays(today, -6), max: today });
    const to = input('to', { type: 'date', value: today, max: today });
    const line = messageLine();
    const submit = el('button', 'primary', '查询');
    submit.type = 'submit';
    const form = el('form', 'form', el('div', 'grid', field('开始日期', from), field('结束日期', to)), line, el('div', 'actions', submit));
    form.noValidate = true;
    const totals = el('div', 'totals');
    const table = el('div', 'table-wrap');
    const dailyCsv = el('a', 'button-link', '下载日报 CSV');
    const ledgerCsv = el('a', 'button-link', '下载流水明细 CSV');
    dailyCsv.download = '';
    ledgerCsv.download = '';
    const downloads = el('div', 'actions downloads', dailyCsv, ledgerCsv);
    root.append(el('h2', '', '报表'), el('section', 'panel', form), el('section', 'panel', totals, table, downloads));

    const query = () => `?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`;

    async function load(): Promise<void> {
      if (!from.value || !to.value) {
        showError(line, '请选择开始和结束日期。');
        return;
      }
      if (from.value > to.value) {
        showError(line, '开始日期不能晚于结束日期。');
        return;
      }
      if (addDays(from.value, MAX_DAYS - 1) < to.value) {
        showError(line, `一次最多查询 ${MAX_DAYS} 天，请缩短日期范围。`);
        return;
      }
      dailyCsv.href = storePath(ctx.store, `/reports/daily.csv${query()}`);
      ledgerCsv.href = storePath(ctx.store, `/reports/ledger.csv${query()}`);
      downloads.hidden = true;
      table.replaceChildren(loading());
      totals.replaceChildren();
      const report = await api<DailyReport>(storePath(ctx.store, `/reports/daily${query()}`));
      drawTotals(totals, report.days);
      table.replaceChildren(report.days.length ? dailyTable(report.days) : empty('这段时间没有数据'));
      downloads.hidden = false;
    }

    onSubmit(form, line, '查询中…', load);
    return load();
  },
};

function drawTotals(box: HTMLElement, days: DailyRow[]): void {
  const sum = (f: (r: DailyRow) => number) => days.reduce((n, r) => n + f(r), 0);
  const tiles: Array<[string, string]> = [
    ['实际扣次', String(sum((r) => r.netUses))],
    ['售卡笔数', String(sum((r) => r.topUps))],
    ['收款（元）', yuan(sum((r) => r.topUpFen))],
    ['撤销', String(sum((r) => r.reversals))],
  ];
  box.replaceChildren(...tiles.map(([label, value]) => el('div', 'tile', el('span', 'tile-label', label), el('strong', 'tile-value', value))));
}

function dailyTable(days: DailyRow[]): HTMLTableElement {
  const table = el('table', 'report');
  const head = el('tr', '', el('th', '', '日期'), ...COLUMNS.map(([label]) => el('th', '', label)));
  table.append(el('thead', '', head));
  const body = el('tbody');
  // Newest day first: the owner usually looks at today.
  for (const r of [...days].reverse()) {
    const tr = el('tr', '', el('th', '', r.day), ...COLUMNS.map(([, value]) => el('td', '', value(r))));
    tr.dataset.day = r.day;
    body.append(tr);
  }
  table.append(body);
  return table;
}
