import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devLogin, mintQr, scan } from './helpers/client.js';
import { startNodes, type TestNodes } from './helpers/nodes.js';
import { selectors, unexported, withGrafanaVariables, type Selector } from './helpers/promql.js';
import { startWechatStandIn, wechatEnv, type WechatStandIn } from './helpers/wechat-stand-in.js';

// deploy/prometheus (alert rules and their unit tests) and deploy/grafana (the dashboard), checked by the
// real promtool (Debian's `prometheus` package; scripts/ensure-system-deps.sh installs it) and against the
// /metrics of a real server: every name an alert or a panel reads must be one the server exports.

const PROMTOOL = '/usr/bin/promtool';
const path = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const RULES = path('deploy/prometheus/scanpush-alerts.yml');
const RULE_TESTS = path('deploy/prometheus/scanpush-alerts.test.yml');
const rulesText = readFileSync(RULES, 'utf8');
const dashboard = JSON.parse(readFileSync(path('deploy/grafana/scanpush-dashboard.json'), 'utf8')) as Dashboard;

interface Dashboard {
  schemaVersion: number;
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
  panels: { title: string; type: string; targets?: { expr: string }[] }[];
}

/** Runs promtool; fails with its own output when it exits non-zero, and clearly when it is not there. */
function promtool(...args: string[]): Promise<string> {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing: run scripts/ensure-system-deps.sh as root (Debian package prometheus)`);
  return new Promise((resolve, reject) =>
    execFile(PROMTOOL, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`promtool ${args.join(' ')} failed (${err.code ?? err.signal}):\n${stdout}${stderr}`)) : resolve(stdout + stderr),
    ),
  );
}

/**
 * The `expr:` of every rule: one line, or a `|` block of the lines indented deeper. Its count is checked
 * against promtool's, so an expression this misses fails the test rather than escaping the name check.
 */
function ruleExpressions(text: string): string[] {
  const lines = text.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (m[2] !== '|') return void exprs.push(m[2]!);
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > m[1]!.length); j++) block.push(lines[j]!);
    exprs.push(block.join('\n'));
  });
  return exprs;
}

/** Every PromQL expression of the dashboard: panel targets, and the metric of `label_values(metric, label)`. */
function dashboardExpressions(d: Dashboard): string[] {
  const targets = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variables = d.templating.list.flatMap((v) => {
    if (v.type !== 'query') return [];
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const m = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
    if (!m) throw new Error(`variable ${v.name}: only label_values(metric, label) is checked, not ${query}`);
    return [`${m[1]}{${m[2]}=""}`];
  });
  return [...targets, ...variables];
}

describe('deploy/prometheus/scanpush-alerts.yml', () => {
  it('passes promtool check rules, one expression per rule', async () => {
    const out = await promtool('check', 'rules', RULES);
    const count = Number(/SUCCESS: (\d+) rules found/.exec(out)?.[1]);
    expect(count).toBeGreaterThan(5);
    expect(ruleExpressions(rulesText)).toHaveLength(count);
  });

  it('passes its unit tests (promtool test rules): each alert fires on a broken series, not on healthy ones', async () => {
    expect(await promtool('test', 'rules', RULE_TESTS)).toMatch(/SUCCESS/);
  });

  it('gives every alert a severity, a summary, a description, and a runbook that docs/production.md has', () => {
    const alerts = rulesText.split(/^\s*- alert: /m).slice(1);
    const headings = readFileSync(path('docs/production.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .map((l) => l.replace(/^#+\s*/, '').toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
    expect(alerts.length).toBe(ruleExpressions(rulesText).length);
    for (const alert of alerts) {
      const name = alert.split('\n')[0]!.trim();
      expect(alert, name).toMatch(/^\s+severity: (critical|warning)$/m);
      expect(alert, name).toMatch(/^\s+summary: "/m);
      expect(alert, name).toMatch(/^\s+description: "/m);
      expect(alert, name).toMatch(/^\s+for: \d+m$/m);
      const anchor = /runbook_url: "docs\/production\.md#([\w-]+)"/.exec(alert)?.[1];
      expect(anchor, name).toBe(name.toLowerCase());
      expect(headings, `docs/production.md has no heading for #${anchor}`).toContain(anchor);
    }
  });
});

describe('deploy/grafana/scanpush-dashboard.json', () => {
  it('has a datasource and an instance variable that every panel uses', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual([
      ['datasource', 'datasource'],
      ['instance', 'query'],
    ]);
    const targets = dashboard.panels.flatMap((p) => p.targets ?? []);
    expect(targets.length).toBeGreaterThan(10);
    for (const t of targets) expect(t.expr).toContain('instance=~"$instance"');
    expect(JSON.stringify(dashboard.panels)).not.toMatch(/"uid":\s*"(?!\$\{datasource\})[^"]*"/);
  });

  it('has only expressions promtool parses (as recording rules, Grafana variables filled in)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scanpush-dashboard-'));
    try {
      const rules = dashboardExpressions(dashboard).map((e, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(withGrafanaVariables(e))}`);
      writeFileSync(join(dir, 'dashboard.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      expect(await promtool('check', 'rules', join(dir, 'dashboard.yml'))).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the names the alerts and the dashboard read, against a real /metrics', () => {
  // Every family registered: PostgreSQL (the pool gauge), Redis (the broker) and subscription messages on.
  let wechat: WechatStandIn;
  let cluster: TestNodes;
  let scrape: string;

  beforeAll(async () => {
    wechat = await startWechatStandIn();
    cluster = await startNodes(1, {
      env: { ...wechatEnv(wechat), WECHAT_NOTIFY_TEMPLATE_ID: 'tmplAlerts0001', WECHAT_NOTIFY_FIELDS: 'thing1:store,number2:remaining' },
    });
    const srv = cluster.nodes[0]!;
    // Two scans, so the labelled series exist: one deducts, the same QR again is refused.
    const qr = await mintQr(srv.url, await devLogin(srv.url, 17));
    expect((await scan(srv.url, srv.demoMerchantKey, qr)).status).toBe(200);
    expect((await scan(srv.url, srv.demoMerchantKey, qr)).status).toBeGreaterThanOrEqual(400);
    const res = await fetch(`${srv.url}/metrics`);
    expect(res.status).toBe(200);
    scrape = await res.text();
  });
  afterAll(async () => {
    await cluster?.stop();
    await wechat?.stop();
  });

  it('times the scans it answered, refusals included', () => {
    expect(scrape).toMatch(/^scanpush_scan_duration_seconds_count 2$/m);
    expect(scrape).toMatch(/^scanpush_db_errors_total\{kind="unavailable"\} 0$/m);
  });

  it('exports every name (and label) the alert rules read', () => {
    const wanted = ruleExpressions(rulesText).flatMap(selectors);
    expect(unexported(scrape, wanted)).toEqual([]);
    // The parse found the rules' series, not nothing.
    expect(new Set(wanted.map((s) => s.name))).toEqual(
      new Set([
        'up',
        'scanpush_http_requests_total',
        'scanpush_scan_results_total',
        'scanpush_outbox_undelivered',
        'scanpush_sockets_open',
        'scanpush_process_nodejs_eventloop_lag_p99_seconds',
        'scanpush_db_errors_total',
        'scanpush_db_pool_connections',
        'scanpush_broker_connected',
        'scanpush_notify_sends_total',
        'scanpush_notify_token_age_seconds',
      ]),
    );
  });

  it('exports every name (and label) the dashboard reads', () => {
    const wanted = dashboardExpressions(dashboard).flatMap(selectors);
    expect(wanted.length).toBeGreaterThan(15);
    expect(wanted.map((s) => s.name)).toContain('scanpush_scan_duration_seconds_bucket');
    expect(unexported(scrape, wanted)).toEqual([]);
  });

  it('catches a misspelt name, a bare histogram name and a misspelt label', () => {
    const expr =
      'sum by (job) (rate(scanpush_scan_resuls_total[5m])) > 0 unless on (job) ' +
      'histogram_quantile(0.99, sum by (le) (rate(scanpush_scan_duration_seconds[5m]))) ' +
      'or scanpush_http_requests_total{staus="500"} offset 5m';
    const wanted: Selector[] = selectors(expr);
    expect(wanted).toEqual([
      { name: 'scanpush_scan_resuls_total', labels: [] },
      { name: 'scanpush_scan_duration_seconds', labels: [] },
      { name: 'scanpush_http_requests_total', labels: ['staus'] },
    ]);
    expect(unexported(scrape, wanted)).toEqual([
      'scanpush_scan_resuls_total: not exported',
      'scanpush_scan_duration_seconds: not exported',
      'scanpush_http_requests_total: no series has the label staus',
    ]);
  });
});
