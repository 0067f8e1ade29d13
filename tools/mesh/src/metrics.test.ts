import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DomainHealth, HealthStatus, MeshHealth, ProductHealth } from '@retail-mesh/sdk';
import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshMetrics } from './metrics.js';

// --- The text exposition format, parsed strictly enough that prom-client's output is checked. ---

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
interface Family {
  readonly name: string;
  help: string | undefined;
  type: string | undefined;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`line ${line}: bad escape \\${c} in HELP`);
  });
}

function parseValue(text: string, line: number): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${line}: bad value ${text}`);
  return Number(text);
}

/** `{a="x",b="y\"z"}` from `at` (the brace): the labels and where the text after the brace starts. */
function parseLabels(text: string, at: number, line: number) {
  const labels: Record<string, string> = {};
  let i = at + 1;
  const fail = (why: string): never => {
    throw new Error(`line ${line}: ${why} at column ${i}`);
  };
  while (true) {
    if (text[i] === '}') return { labels, next: i + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))?.[0] ?? fail('label name expected');
    i += name.length;
    if (name in labels) fail(`label ${name} repeated`);
    if (text[i] !== '=' || text[i + 1] !== '"') fail('="value" expected');
    i += 2;
    let value = '';
    while (text[i] !== '"') {
      if (i >= text.length) fail('unterminated label value');
      if (text[i] === '\\') {
        const c = text[i + 1];
        if (c === '\\') value += '\\';
        else if (c === '"') value += '"';
        else if (c === 'n') value += '\n';
        else fail(`bad escape \\${c}`);
        i += 2;
      } else {
        value += text[i];
        i += 1;
      }
    }
    labels[name] = value;
    i += 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') fail(', or } expected');
  }
}

/** The families of a text exposition (version 0.0.4); throws on anything Prometheus would reject or misread. */
function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | undefined;
  const family = (name: string, line: number) => {
    if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
    let f = families.get(name);
    if (!f) {
      f = { name, help: undefined, type: undefined, samples: [] };
      families.set(name, f);
    } else if (f !== current) throw new Error(`line ${line}: ${name} is not grouped together`);
    current = f;
    return f;
  };
  text
    .slice(0, -1)
    .split('\n')
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') return;
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (meta) {
        const [, kind, name, rest = ''] = meta;
        const f = family(name!, line);
        if (kind === 'HELP') {
          if (f.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
          f.help = unescapeHelp(rest, line);
        } else {
          if (f.type !== undefined) throw new Error(`line ${line}: second TYPE for ${name}`);
          if (f.samples.length) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
          if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
            throw new Error(`line ${line}: bad type ${rest}`);
          f.type = rest;
        }
        return;
      }
      if (raw.startsWith('#')) return;
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw)?.[0];
      if (!name) throw new Error(`line ${line}: metric name expected: ${raw}`);
      let labels: Record<string, string> = {};
      let rest = raw.slice(name.length);
      if (rest.startsWith('{')) {
        const parsed = parseLabels(raw, name.length, line);
        labels = parsed.labels;
        rest = raw.slice(parsed.next);
      }
      const fields = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
      if (!fields) throw new Error(`line ${line}: " value [timestamp]" expected: ${raw}`);
      const f = family(name, line);
      if (f.type === undefined) throw new Error(`line ${line}: sample of ${name} before its TYPE`);
      const key = JSON.stringify([name, Object.entries(labels).sort()]);
      if (series.has(key)) throw new Error(`line ${line}: series repeated: ${raw}`);
      series.add(key);
      for (const label of Object.keys(labels))
        if (!LABEL_NAME.test(label) || label.startsWith('__'))
          throw new Error(`line ${line}: bad label ${label}`);
      f.samples.push({ name, labels, value: parseValue(fields[1]!, line) });
    });
  return families;
}

const find = (families: Map<string, Family>, name: string, labels: Record<string, string>) =>
  families
    .get(name)
    ?.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value) ?? [];

/** The one value of a series, or undefined when there is no sample (a null in the health). */
function one(families: Map<string, Family>, name: string, labels: Record<string, string>) {
  const values = find(families, name, labels);
  if (values.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${values.length} samples`);
  return values[0];
}

const productLabels = (p: ProductHealth) => ({
  domain: p.domain,
  product: p.name,
  tier: p.tier,
  version: p.version,
});

// --- Which metrics and labels a Grafana dashboard's PromQL uses, and whether the exposition has them. ---

interface Query {
  readonly where: string;
  readonly expr: string;
  readonly legend?: string;
}

/** Every PromQL expression of a dashboard: panel targets (rows' nested panels too) and template-variable queries. */
function dashboardQueries(dashboard: unknown): Query[] {
  const queries: Query[] = [];
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walk(n, `${where}[${i}]`);
    } else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const here = typeof o.title === 'string' ? `${where} "${o.title}"` : where;
      if (Array.isArray(o.targets)) {
        for (const t of o.targets as Record<string, unknown>[]) {
          if (typeof t.expr !== 'string') throw new Error(`${here}: a target without expr`);
          queries.push({
            where: `${here} ${String(t.refId)}`,
            expr: t.expr,
            ...(typeof t.legendFormat === 'string' ? { legend: t.legendFormat } : {}),
          });
        }
      }
      for (const [k, v] of Object.entries(o)) if (k !== 'targets') walk(v, `${here}.${k}`);
    }
  };
  walk((dashboard as { panels?: unknown }).panels, 'panels');
  for (const v of (dashboard as { templating?: { list?: Record<string, unknown>[] } }).templating?.list ??
    []) {
    if (v.type !== 'query') continue;
    const q = v.query;
    const text = typeof q === 'string' ? q : (q as { query?: string } | undefined)?.query;
    for (const expr of new Set([text, v.definition]))
      if (typeof expr === 'string' && expr) queries.push({ where: `variable ${String(v.name)}`, expr });
  }
  return queries;
}

interface Matcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);
const STRING = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`;

/** The metric names, their matchers and the grouping labels of a PromQL expression. */
function promqlRefs(expr: string) {
  // Grafana variables outside strings ($__rate_interval, ${x}) stand for a number or a duration.
  let rest = expr.replace(new RegExp(`(${STRING})|\\$\\{[^}]*\\}|\\$\\w+`, 'g'), (_m, s) => s ?? '1');
  const selectors: { metric: string | undefined; matchers: Matcher[] }[] = [];
  rest = rest.replace(
    new RegExp(`([a-zA-Z_:][\\w:]*)?\\s*\\{((?:[^{}"']|${STRING})*)\\}`, 'g'),
    (_, metric: string | undefined, body: string) => {
      const matchers = [...body.matchAll(new RegExp(`(\\w+)\\s*(=~|!~|!=|=)\\s*(${STRING})`, 'g'))].map(
        ([, label, op, value]) => ({ label: label!, op: op!, value: JSON.parse(`"${value!.slice(1, -1)}"`) }),
      );
      selectors.push({ metric, matchers });
      return ' ';
    },
  );
  rest = rest.replace(new RegExp(STRING, 'g'), ' ').replace(/\[[^\]]*\]/g, ' ');
  const grouping: string[] = [];
  rest = rest.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, _k, labels) => {
    grouping.push(
      ...(labels as string)
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  const bare = [...rest.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)]
    .map((m) => m[1]!)
    .filter((w) => !KEYWORDS.has(w.toLowerCase()));
  return { selectors, bare, grouping };
}

/** What the exposition knows of each metric: its labels and the values each label takes. */
function catalogue(expositions: Map<string, Family>[]) {
  const known = new Map<string, Map<string, Set<string>>>();
  for (const families of expositions)
    for (const f of families.values()) {
      const labels = known.get(f.name) ?? new Map<string, Set<string>>();
      known.set(f.name, labels);
      for (const s of f.samples)
        for (const [k, v] of Object.entries(s.labels)) labels.set(k, (labels.get(k) ?? new Set()).add(v));
    }
  return known;
}

/** Why the dashboard's queries are wrong for these expositions; empty when every name and label exists. */
function checkDashboard(dashboard: unknown, expositions: Map<string, Family>[]): string[] {
  const known = catalogue(expositions);
  const problems: string[] = [];
  const queries = dashboardQueries(dashboard);
  if (!queries.length) problems.push('no queries found');
  for (const { where, expr, legend } of queries) {
    const labelValues = /^\s*label_values\((.*),\s*(\w+)\s*\)\s*$/.exec(expr);
    if (/^\s*label_values\(/.test(expr) && !labelValues)
      problems.push(`${where}: label_values without a metric: ${expr}`);
    const refs = promqlRefs(labelValues ? labelValues[1]! : expr);
    const metrics = [...refs.selectors.map((s) => s.metric), ...refs.bare];
    if (!metrics.length) problems.push(`${where}: no metric in ${expr}`);
    const used = new Set<string>();
    for (const metric of metrics) {
      if (metric === undefined) {
        problems.push(`${where}: a selector without a metric name in ${expr}`);
        continue;
      }
      const labels = known.get(metric);
      if (!labels) {
        problems.push(`${where}: ${metric} is not exposed`);
        continue;
      }
      for (const l of labels.keys()) used.add(l);
    }
    for (const { metric, matchers } of refs.selectors) {
      const labels = metric === undefined ? undefined : known.get(metric);
      if (!labels) continue;
      for (const m of matchers) {
        const values = labels.get(m.label);
        if (!values) problems.push(`${where}: ${metric} has no label ${m.label}`);
        // A literal equality must name a value some sample has (status="helthy" matches nothing).
        else if (m.op === '=' && !m.value.includes('$') && !values.has(m.value))
          problems.push(`${where}: ${metric} never has ${m.label}="${m.value}"`);
      }
    }
    const wanted = [
      ...refs.grouping,
      ...(labelValues ? [labelValues[2]!] : []),
      ...[...(legend ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!),
    ];
    for (const label of wanted)
      if (!used.has(label)) problems.push(`${where}: no metric of ${expr} has the label ${label}`);
  }
  return problems;
}

// --- Health snapshots: a real one from `mesh up`, and hand-made products for the edge cases. ---

const REPO = new URL('../../../', import.meta.url).pathname;
const BIN = new URL('../bin/mesh.js', import.meta.url).pathname;
const DASHBOARD = JSON.parse(
  readFileSync(new URL('../../../deploy/grafana/retail-mesh-dashboard.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

// Grafana's own placeholder, not a template literal: the data source is picked on import.
const DATASOURCE = { type: 'prometheus', uid: `\${datasource}` };

const dir = mkdtempSync(join(tmpdir(), 'mesh-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let real: MeshHealth;
let realFamilies: Map<string, Family>;

beforeAll(async () => {
  // The CLI as a user runs it, so the health is the JSON `mesh up` prints, not an in-process object.
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(
      process.execPath,
      [BIN, 'up', '--db', join(dir, 'mesh.duckdb'), '--json'],
      { cwd: REPO, maxBuffer: 256 * 1024 * 1024 },
    ));
  } catch (error) {
    // An unhealthy mesh exits 1 and still prints its health; anything else is a real failure.
    const e = error as { stdout?: string; stderr?: string; code?: number };
    if (e.code !== 1 || !e.stdout) throw new Error(`mesh up failed (${e.code}): ${e.stderr}`);
    stdout = e.stdout;
  }
  real = (JSON.parse(stdout) as { health: MeshHealth }).health;
  realFamilies = parseExposition((await meshMetrics(real)).body);
}, 300_000);

const base: ProductHealth = {
  name: 'orders',
  id: 'shop.orders',
  domain: 'shop',
  version: '1.2.0',
  tier: 'gold',
  status: 'healthy',
  reasons: [],
  rowCount: 1234,
  bytes: 65_536,
  lastUpdated: '2026-01-02T03:04:05.000Z',
  lastTestRun: '2026-01-02T03:04:06.000Z',
  freshness: { ageSeconds: 600, slaSeconds: 3600 },
  qualityScore: 0.75,
  completeness: 0.99,
  validity: 0.5,
  checks: { passed: 3, failed: 1, total: 4 },
  failedChecks: ['orders_positive'],
  sampleSources: [],
  anomalies: [],
  lastRun: {
    runId: 'r1',
    status: 'published',
    finishedAt: '2026-01-02T03:04:06.000Z',
    durationMs: 2500,
    bytesProcessed: 1_048_576,
  },
};
const product = (over: Partial<ProductHealth>): ProductHealth => ({ ...base, ...over });

const neverPublished = product({
  name: 'returns',
  id: 'shop.returns',
  status: 'error',
  reasons: ['not published'],
  rowCount: 0,
  bytes: 0,
  lastUpdated: null,
  lastTestRun: null,
  freshness: { ageSeconds: null, slaSeconds: 7200 },
  qualityScore: null,
  completeness: null,
  validity: null,
  checks: null,
  failedChecks: [],
  lastRun: null,
});
const failedBuild = product({
  name: 'refunds',
  id: 'shop.refunds',
  status: 'error',
  rowCount: 0,
  bytes: 0,
  lastUpdated: null,
  lastTestRun: null,
  freshness: { ageSeconds: null, slaSeconds: null },
  qualityScore: null,
  completeness: null,
  validity: null,
  checks: null,
  lastRun: {
    runId: 'r2',
    status: 'failed',
    finishedAt: base.lastUpdated!,
    durationMs: 1500,
    bytesProcessed: null,
  },
});
const anomalous = product({
  name: 'baskets',
  id: 'shop.baskets',
  status: 'degraded',
  anomalies: [
    {
      metric: 'row_count',
      value: 400,
      mean: 1000,
      stddev: 10,
      sigma: -60,
      window: 14,
      direction: 'below',
      reason: 'row count 400 is 60.0 sigma below its 14-run mean 1,000',
    },
  ],
});
const stale = product({
  name: 'stock',
  id: 'ops.stock',
  domain: 'ops',
  tier: 'silver',
  status: 'stale',
  freshness: { ageSeconds: 90_000, slaSeconds: 86_400 },
});
// Label values Prometheus must receive escaped: a quote, a backslash, a newline.
const oddName = product({
  name: 'odd "name" \\ with\nnewline',
  id: 'ops.odd',
  domain: 'ops',
  tier: 'b\\ronze',
});

function meshOf(products: ProductHealth[], over: Partial<MeshHealth['totals']> = {}): MeshHealth {
  const RANK: HealthStatus[] = ['healthy', 'degraded', 'stale', 'error'];
  const worst = (s: HealthStatus[]) => RANK[Math.max(0, ...s.map((x) => RANK.indexOf(x)))]!;
  const domains: DomainHealth[] = [...new Set(products.map((p) => p.domain))].map((name) => {
    const own = products.filter((p) => p.domain === name);
    return {
      name,
      owner: `${name}-team`,
      status: worst(own.map((p) => p.status)),
      productCount: own.length,
      healthyCount: own.filter((p) => p.status === 'healthy').length,
      products: own,
    };
  });
  return {
    generatedAt: '2026-01-02T03:14:05.000Z',
    status: worst(domains.map((d) => d.status)),
    totals: {
      domains: domains.length,
      products: products.length,
      healthyProducts: products.filter((p) => p.status === 'healthy').length,
      qualityScore: 0.9,
      ...over,
    },
    domains,
    sources: [],
  };
}

const handMade = meshOf([base, neverPublished, failedBuild, anomalous, stale, oddName]);

// --- The tests. ---

describe('the exposition parser', () => {
  it('rejects what Prometheus would reject', () => {
    const ok = '# HELP a_b A.\n# TYPE a_b gauge\na_b{x="1"} 2\n';
    expect(parseExposition(ok).get('a_b')?.samples).toEqual([{ name: 'a_b', labels: { x: '1' }, value: 2 }]);
    expect(() => parseExposition('a_b 1\n')).toThrow(/before its TYPE/);
    expect(() => parseExposition('# TYPE a_b gauge\na_b{x="a"b"} 1\n')).toThrow();
    expect(() => parseExposition('# TYPE a_b gauge\na_b{x="a\\tb"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('# TYPE a_b gauge\na_b{x="1"} 1\na_b{x="1"} 2\n')).toThrow(/repeated/);
    expect(() => parseExposition('# TYPE a_b gauge\na_b 1\n# TYPE c gauge\nc 1\na_b 2\n')).toThrow(/grouped/);
    expect(() => parseExposition('# TYPE a_b gauge\na_b Nan\n')).toThrow(/bad value/);
    expect(() => parseExposition(ok.slice(0, -1))).toThrow(/newline/);
  });
});

describe('meshMetrics', () => {
  it('serves the Prometheus text format, names every family by the conventions and leaves the default registry alone', async () => {
    const before = globalRegistry.getMetricsAsArray().length;
    const { contentType, body } = await meshMetrics(handMade);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(globalRegistry.getMetricsAsArray().length).toBe(before);
    const families = parseExposition(body);
    expect(families.size).toBe(22);
    for (const f of families.values()) {
      expect(f.name).toMatch(/^retail_mesh_[a-z0-9_]+$/);
      expect(f.type).toBe('gauge');
      // A gauge named _total reads as a counter to rate() and to every Prometheus linter.
      expect(f.name).not.toMatch(/_total$/);
      expect(f.help?.length).toBeGreaterThan(10);
      for (const s of f.samples) expect(Number.isFinite(s.value)).toBe(true);
    }
    expect(body).not.toMatch(/^process_|^nodejs_/m);
  });

  it('reports the real mesh: every product has exactly one status, and figures equal the health', () => {
    const products = real.domains.flatMap((d) => d.products);
    expect(products.length).toBeGreaterThan(5);
    for (const p of products) {
      const labels = productLabels(p);
      const statuses = realFamilies
        .get('retail_mesh_product_status')!
        .samples.filter((s) => s.labels.domain === p.domain && s.labels.product === p.name);
      expect(statuses.map((s) => s.labels.status).sort()).toEqual(['degraded', 'error', 'healthy', 'stale']);
      expect(statuses.reduce((a, s) => a + s.value, 0)).toBe(1);
      expect(one(realFamilies, 'retail_mesh_product_status', { ...labels, status: p.status })).toBe(1);
      expect(one(realFamilies, 'retail_mesh_product_rows', labels)).toBe(p.rowCount);
    }
    // Two products in detail, the largest and the smallest table.
    const byRows = [...products].sort((a, b) => b.rowCount - a.rowCount);
    for (const p of [byRows[0]!, byRows.at(-1)!]) {
      const labels = productLabels(p);
      expect(p.lastRun).not.toBeNull();
      expect(one(realFamilies, 'retail_mesh_product_table_bytes', labels)).toBe(p.bytes);
      expect(one(realFamilies, 'retail_mesh_product_freshness_age_seconds', labels)).toBe(
        p.freshness.ageSeconds,
      );
      expect(one(realFamilies, 'retail_mesh_product_freshness_sla_seconds', labels)).toBe(
        p.freshness.slaSeconds ?? undefined,
      );
      expect(one(realFamilies, 'retail_mesh_product_quality_score_ratio', labels)).toBe(p.qualityScore);
      expect(one(realFamilies, 'retail_mesh_product_completeness_ratio', labels)).toBe(p.completeness);
      expect(one(realFamilies, 'retail_mesh_product_validity_ratio', labels)).toBe(p.validity);
      expect(one(realFamilies, 'retail_mesh_product_checks_passed', labels)).toBe(p.checks?.passed);
      expect(one(realFamilies, 'retail_mesh_product_checks_failed', labels)).toBe(p.checks?.failed);
      expect(one(realFamilies, 'retail_mesh_product_last_run_duration_seconds', labels)).toBe(
        p.lastRun!.durationMs / 1000,
      );
      expect(one(realFamilies, 'retail_mesh_product_last_run_processed_bytes', labels)).toBe(
        p.lastRun!.bytesProcessed ?? undefined,
      );
      expect(one(realFamilies, 'retail_mesh_product_last_updated_timestamp_seconds', labels)).toBe(
        Date.parse(p.lastUpdated!) / 1000,
      );
      for (const metric of ['row_count', 'freshness', 'duration'])
        expect(one(realFamilies, 'retail_mesh_product_anomalies', { ...labels, metric })).toBe(
          p.anomalies.filter((a) => a.metric === metric).length,
        );
    }
    for (const d of real.domains) {
      expect(one(realFamilies, 'retail_mesh_domain_products', { domain: d.name })).toBe(d.productCount);
      expect(one(realFamilies, 'retail_mesh_domain_healthy_products', { domain: d.name })).toBe(
        d.healthyCount,
      );
      expect(one(realFamilies, 'retail_mesh_domain_status', { domain: d.name, status: d.status })).toBe(1);
      expect(
        find(realFamilies, 'retail_mesh_domain_status', { domain: d.name }).reduce((a, b) => a + b),
      ).toBe(1);
    }
    expect(one(realFamilies, 'retail_mesh_domains', {})).toBe(real.totals.domains);
    expect(one(realFamilies, 'retail_mesh_products', {})).toBe(products.length);
    expect(one(realFamilies, 'retail_mesh_healthy_products', {})).toBe(real.totals.healthyProducts);
    expect(one(realFamilies, 'retail_mesh_quality_score_ratio', {})).toBe(real.totals.qualityScore);
    expect(one(realFamilies, 'retail_mesh_status', { status: real.status })).toBe(1);
    expect(find(realFamilies, 'retail_mesh_status', {}).reduce((a, b) => a + b)).toBe(1);
  });

  it('gives no sample for what was never published or tested, instead of a 0', async () => {
    const families = parseExposition((await meshMetrics(handMade)).body);
    const never = productLabels(neverPublished);
    for (const name of [
      'retail_mesh_product_rows',
      'retail_mesh_product_table_bytes',
      'retail_mesh_product_freshness_age_seconds',
      'retail_mesh_product_quality_score_ratio',
      'retail_mesh_product_completeness_ratio',
      'retail_mesh_product_validity_ratio',
      'retail_mesh_product_checks_passed',
      'retail_mesh_product_checks_failed',
      'retail_mesh_product_last_run_duration_seconds',
      'retail_mesh_product_last_run_processed_bytes',
      'retail_mesh_product_last_updated_timestamp_seconds',
    ]) {
      expect(families.get(name)?.type, name).toBe('gauge');
      expect(one(families, name, never), name).toBeUndefined();
      // The same series exists for a published product, so the absence is the null and not a typo.
      expect(one(families, name, productLabels(base)), name).toBeDefined();
    }
    // Its SLA is known before it is ever published.
    expect(one(families, 'retail_mesh_product_freshness_sla_seconds', never)).toBe(7200);
    expect(one(families, 'retail_mesh_product_status', { ...never, status: 'error' })).toBe(1);
    expect(one(families, 'retail_mesh_product_anomalies', { ...never, metric: 'row_count' })).toBe(0);

    // A failed build: its duration is known, the bytes it processed are not; it has no SLA.
    const failed = productLabels(failedBuild);
    expect(one(families, 'retail_mesh_product_last_run_duration_seconds', failed)).toBe(1.5);
    expect(one(families, 'retail_mesh_product_last_run_processed_bytes', failed)).toBeUndefined();
    expect(one(families, 'retail_mesh_product_freshness_sla_seconds', failed)).toBeUndefined();

    // The mesh quality score with no product tested: the family is declared, with no sample.
    const untested = parseExposition(
      (await meshMetrics(meshOf([neverPublished], { qualityScore: null }))).body,
    );
    expect(untested.get('retail_mesh_quality_score_ratio')?.samples).toEqual([]);
    expect(one(untested, 'retail_mesh_products', {})).toBe(1);
    expect(one(untested, 'retail_mesh_healthy_products', {})).toBe(0);
  });

  it('reports the figures of hand-made products: an anomaly, a stale product, ratios and times', async () => {
    const families = parseExposition((await meshMetrics(handMade)).body);
    const a = productLabels(anomalous);
    expect(one(families, 'retail_mesh_product_anomalies', { ...a, metric: 'row_count' })).toBe(1);
    expect(one(families, 'retail_mesh_product_anomalies', { ...a, metric: 'freshness' })).toBe(0);
    expect(one(families, 'retail_mesh_product_anomalies', { ...a, metric: 'duration' })).toBe(0);
    expect(one(families, 'retail_mesh_product_status', { ...a, status: 'degraded' })).toBe(1);
    expect(one(families, 'retail_mesh_product_status', { ...a, status: 'healthy' })).toBe(0);

    const s = productLabels(stale);
    expect(one(families, 'retail_mesh_product_status', { ...s, status: 'stale' })).toBe(1);
    expect(find(families, 'retail_mesh_product_status', s).reduce((x, y) => x + y)).toBe(1);
    expect(one(families, 'retail_mesh_product_freshness_age_seconds', s)).toBe(90_000);
    expect(one(families, 'retail_mesh_product_freshness_sla_seconds', s)).toBe(86_400);

    const b = productLabels(base);
    expect(one(families, 'retail_mesh_product_rows', b)).toBe(1234);
    expect(one(families, 'retail_mesh_product_quality_score_ratio', b)).toBe(0.75);
    expect(one(families, 'retail_mesh_product_validity_ratio', b)).toBe(0.5);
    expect(one(families, 'retail_mesh_product_checks_failed', b)).toBe(1);
    expect(one(families, 'retail_mesh_product_last_run_duration_seconds', b)).toBe(2.5);
    expect(one(families, 'retail_mesh_product_last_run_processed_bytes', b)).toBe(1_048_576);
    expect(one(families, 'retail_mesh_product_last_updated_timestamp_seconds', b)).toBe(1_767_323_045);

    expect(one(families, 'retail_mesh_domain_status', { domain: 'shop', status: 'error' })).toBe(1);
    expect(one(families, 'retail_mesh_domain_status', { domain: 'ops', status: 'stale' })).toBe(1);
    expect(one(families, 'retail_mesh_domain_healthy_products', { domain: 'shop' })).toBe(1);
    expect(one(families, 'retail_mesh_domain_products', { domain: 'shop' })).toBe(4);
    expect(one(families, 'retail_mesh_status', { status: 'error' })).toBe(1);
    expect(one(families, 'retail_mesh_quality_score_ratio', {})).toBe(0.9);
  });

  it('escapes quotes, backslashes and newlines in label values', async () => {
    const { body } = await meshMetrics(handMade);
    expect(body).toContain('product="odd \\"name\\" \\\\ with\\nnewline"');
    const families = parseExposition(body);
    expect(one(families, 'retail_mesh_product_rows', productLabels(oddName))).toBe(1234);
    expect(families.get('retail_mesh_product_rows')!.samples.map((s) => s.labels.tier)).toContain('b\\ronze');
  });

  it('builds every scrape afresh: a product gone from the health is gone from the metrics', async () => {
    const first = parseExposition((await meshMetrics(handMade)).body);
    const second = parseExposition((await meshMetrics(meshOf([base]))).body);
    expect(one(first, 'retail_mesh_product_rows', productLabels(stale))).toBe(1234);
    expect(one(second, 'retail_mesh_product_rows', productLabels(stale))).toBeUndefined();
    expect(second.get('retail_mesh_product_rows')!.samples).toHaveLength(1);
  });
});

describe('the Grafana dashboard', () => {
  const expositions = async () => [realFamilies, parseExposition((await meshMetrics(handMade)).body)];

  it('queries only metrics and labels meshMetrics exposes', async () => {
    const queries = dashboardQueries(DASHBOARD);
    expect(queries.length).toBeGreaterThan(20);
    expect(queries.filter((q) => q.where.startsWith('variable'))).not.toHaveLength(0);
    expect(checkDashboard(DASHBOARD, await expositions())).toEqual([]);
    // It uses every family: a metric nobody charts is one the dashboard forgot.
    const charted = new Set(
      queries.flatMap((q) => {
        const refs = promqlRefs(q.expr.replace(/^\s*label_values\((.*),\s*\w+\s*\)\s*$/, '$1'));
        return [...refs.selectors.map((s) => s.metric), ...refs.bare];
      }),
    );
    expect([...realFamilies.keys()].filter((name) => !charted.has(name))).toEqual([]);
  });

  it('is caught naming a metric, a label or a label value that does not exist', async () => {
    const exp = await expositions();
    const broken = (from: string, to: string) =>
      checkDashboard(JSON.parse(JSON.stringify(DASHBOARD).replace(from, to)), exp);
    expect(broken('retail_mesh_product_rows{', 'retail_mesh_product_row_count{')).toEqual([
      expect.stringContaining('retail_mesh_product_row_count is not exposed'),
    ]);
    expect(broken('"expr":"retail_mesh_domains"', '"expr":"up"').join()).toMatch(/up is not exposed/);
    expect(broken('retail_mesh_domains', 'retail_mesh_domains_total').join()).toMatch(
      /retail_mesh_domains_total is not exposed/,
    );
    expect(broken('retail_mesh_product_status{domain', 'retail_mesh_product_status{domian').join()).toMatch(
      /has no label domian/,
    );
    expect(broken('status=\\"stale\\"', 'status=\\"stal\\"').join()).toMatch(/never has status="stal"/);
    expect(broken('sum by (metric)', 'sum by (kind)').join()).toMatch(/label kind/);
    expect(
      broken(
        'label_values(retail_mesh_domain_products, domain)',
        'label_values(retail_mesh_domain_products, owner)',
      ).join(),
    ).toMatch(/label owner/);
    expect(
      broken('label_values(retail_mesh_domain_products, domain)', 'label_values(domain)').join(),
    ).toMatch(/without a metric/);
  });

  it('is a Grafana 10+ dashboard on a Prometheus data source variable, with domain and product filters', () => {
    expect(DASHBOARD.schemaVersion).toBeGreaterThanOrEqual(39);
    const vars = (DASHBOARD.templating as { list: Record<string, unknown>[] }).list;
    expect(vars.find((v) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
    for (const name of ['domain', 'product'])
      expect(vars.find((v) => v.name === name)).toMatchObject({
        type: 'query',
        includeAll: true,
        multi: true,
      });
    const panels = DASHBOARD.panels as Record<string, unknown>[];
    expect(panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'Mesh overview',
      'Domains',
      'Data products',
    ]);
    const charts = panels.filter((p) => p.type !== 'row');
    expect(new Set(charts.map((p) => p.type))).toEqual(
      new Set(['stat', 'timeseries', 'table', 'bargauge', 'state-timeline']),
    );
    expect(new Set(charts.map((p) => p.id)).size).toBe(charts.length);
    for (const p of charts) {
      expect(p.datasource, String(p.title)).toEqual(DATASOURCE);
      for (const t of p.targets as Record<string, unknown>[])
        expect(t.datasource, String(p.title)).toEqual(DATASOURCE);
    }
    // Product panels follow the filters.
    for (const q of dashboardQueries(DASHBOARD))
      if (q.expr.includes('retail_mesh_product_') && q.expr !== 'sum(retail_mesh_product_anomalies)')
        expect(q.expr, q.where).toMatch(/domain=~"\$domain"/);
  });
});
