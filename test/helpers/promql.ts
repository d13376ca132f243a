import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** A series an expression reads: its metric name and the label names its matchers use. */
export interface Selector {
  name: string;
  labels: string[];
}

/** Keywords that stand where a name could, and are none. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'group_left', 'group_right']);
/** Aggregation operators: their `by (…)` may stand between the name and its `(`. */
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);
/** Modifiers followed by a list of label names, which are no metric names either. */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/**
 * Grafana's variables replaced by what Prometheus receives: intervals by a duration, the others (they stand
 * in label values) by a regular expression.
 */
export function withGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(?:rate_interval|interval|range)\b/g, '5m').replace(/\$\{\w+(?::\w+)?\}|\$\w+/g, '.*');
}

/**
 * The selectors of a PromQL expression (Grafana's variables allowed): every identifier that is not a
 * function or aggregation (followed by `(`), a keyword, or a label name of `by (…)`, `on (…)` and the like,
 * with the label names of the `{…}` after it. Strings, ranges `[…]`, numbers and durations are skipped.
 */
export function selectors(expr: string): Selector[] {
  const text = withGrafanaVariables(expr)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#[^\n]*/g, '');
  const token = /\{[^}]*\}|\[[^\]]*\]|\d[\w.]*|[A-Za-z_:][\w:]*|\S/g;
  const found: Selector[] = [];
  let last: Selector | undefined;
  let skipList = false;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    const t = m[0];
    const rest = text.slice(token.lastIndex);
    if (t.startsWith('{')) {
      const labels = [...t.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!);
      if (last) last.labels.push(...labels);
      else throw new Error(`a selector without a metric name in ${expr}: give every selector its name`);
      last = undefined;
      continue;
    }
    last = undefined;
    if (skipList && t === '(') {
      // The label names up to the closing parenthesis.
      const close = text.indexOf(')', token.lastIndex);
      token.lastIndex = close < 0 ? text.length : close + 1;
      skipList = false;
      continue;
    }
    skipList = false;
    if (!/^[A-Za-z_:]/.test(t)) continue;
    const lower = t.toLowerCase();
    if (LABEL_LISTS.has(lower)) {
      skipList = true;
      continue;
    }
    if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower) || /^\s*\(/.test(rest)) continue;
    last = { name: t, labels: [] };
    found.push(last);
  }
  return found;
}

/** Names Prometheus makes itself for every target, not the server. */
const MADE_BY_PROMETHEUS = new Set(['up']);
/** Labels every scraped series gets from Prometheus. */
const TARGET_LABELS = ['job', 'instance', '__name__'];

/**
 * What is wrong with `wanted` against a scrape of /metrics: a name no family exports (a histogram's
 * `_bucket`, `_sum`, `_count` are its series; its bare name is none), or a label name no series of that
 * family has (checked only where the family has series). Empty when all is exported.
 */
export function unexported(scrape: string, wanted: Selector[]): string[] {
  const families = new Map(parsePrometheusTextFormat(scrape).map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const { name, labels } of wanted) {
    if (MADE_BY_PROMETHEUS.has(name)) continue;
    const suffix = /_(bucket|sum|count)$/.exec(name);
    const base = suffix ? families.get(name.slice(0, -suffix[0].length)) : undefined;
    const family =
      base && (base.type === 'HISTOGRAM' || (base.type === 'SUMMARY' && suffix?.[1] !== 'bucket'))
        ? base
        : families.get(name)?.type === 'HISTOGRAM' || families.get(name)?.type === 'SUMMARY'
          ? undefined
          : families.get(name);
    if (!family) {
      problems.push(`${name}: not exported`);
      continue;
    }
    if (family.metrics.length === 0) continue;
    const known = new Set([...TARGET_LABELS, ...family.metrics.flatMap((s) => Object.keys(s.labels ?? {}))]);
    if (suffix?.[1] === 'bucket') known.add('le');
    for (const label of labels) if (!known.has(label)) problems.push(`${name}: no series has the label ${label}`);
  }
  return problems;
}
