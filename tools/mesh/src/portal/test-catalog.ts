import type { HealthSnapshot, HealthStatus, ProductHealth } from '@retail-mesh/sdk';
import type { CatalogModel, CatalogProduct } from '../catalog-model.js';
import type { LineageEdge, LineageNode } from '../lineage.js';

export interface TestCatalogOptions {
  readonly products?: number;
  readonly domains?: number;
  readonly columns?: number;
  /** Snapshots of history per product. */
  readonly history?: number;
  /** Put into the first product's description, documentation, a column description and an enum value. */
  readonly hostile?: string;
}

/**
 * A synthetic catalog for the portal's tests: a layered mesh of any size, with sources, products
 * reading products of their own and other domains, every health status, history and samples.
 * Deterministic: the same options give the same model.
 */
export function testCatalog(options: TestCatalogOptions = {}): CatalogModel {
  const productCount = options.products ?? 12;
  const domainCount = options.domains ?? 4;
  const columnCount = options.columns ?? 6;
  const historyCount = options.history ?? 8;
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const statuses: HealthStatus[] = ['healthy', 'healthy', 'healthy', 'degraded', 'stale', 'error'];
  const generatedAt = '2026-03-01T12:00:00.000Z';
  const domains = Array.from({ length: domainCount }, (_, i) => `domain${i}`);

  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  for (const domain of domains)
    for (let s = 0; s < 3; s++)
      nodes.push({ id: `${domain}.source${s}`, kind: 'source', domain, name: `source${s}` });
  const built: LineageNode[] = [];
  for (let i = 0; i < productCount; i++) {
    const domain = domains[i % domainCount]!;
    const node: LineageNode = {
      id: `${domain}.product_${i}`,
      kind: 'data-product',
      domain,
      name: `product_${i}`,
      version: '1.0.0',
      tier: i % 3 ? 'silver' : 'gold',
      access: 'public',
    };
    const inputs = new Set<string>();
    const wanted = 1 + Math.floor(random() * 3);
    for (let k = 0; k < wanted; k++) {
      // Mostly the latest products, as real meshes are: a few long chains, not one flat layer.
      const recent = built.slice(-Math.max(4, Math.floor(built.length / 4)));
      const from =
        !built.length || random() < 0.3
          ? `${random() < 0.8 ? domain : pick(domains)}.source${Math.floor(random() * 3)}`
          : pick(recent).id;
      inputs.add(from);
    }
    for (const from of inputs) edges.push({ from, to: node.id, crossDomain: from.split('.')[0] !== domain });
    nodes.push(node);
    built.push(node);
  }

  const products = built.map((node, i): CatalogProduct => {
    const status = statuses[i % statuses.length]!;
    const hostile = i === 0 ? options.hostile : undefined;
    const columns = Array.from({ length: columnCount }, (_, c) => ({
      name: c === 0 ? `${node.name}_id` : `field_${c}`,
      type: c === 0 ? 'string' : pick(['integer', 'decimal', 'string', 'date', 'timestamp']),
      description: c === 1 && hostile ? hostile : c === 2 ? null : `Column ${c} of ${node.name}`,
      nullable: c > 1,
      key: c === 0,
      pii: c === 3,
      values: c === 4 ? ['open', hostile ?? 'closed'] : null,
    }));
    const published = status !== 'error';
    const rows = 1000 + i * 37;
    const health: ProductHealth = {
      name: node.name,
      id: node.id,
      domain: node.domain,
      version: '1.0.0',
      tier: node.tier!,
      status,
      reasons: status === 'healthy' ? [] : [`${status} for a test`],
      rowCount: published ? rows : 0,
      bytes: published ? rows * 64 : 0,
      lastUpdated: published ? '2026-03-01T11:00:00.000Z' : null,
      lastTestRun: published ? '2026-03-01T11:01:00.000Z' : null,
      freshness: { ageSeconds: published ? 3600 : null, slaSeconds: 7200 },
      qualityScore: published ? (status === 'healthy' ? 1 : 0.8) : null,
      completeness: published ? 0.995 : null,
      validity: published ? 1 : null,
      checks: published
        ? { passed: 4, failed: status === 'healthy' ? 0 : 1, total: 5 }
        : { passed: 0, failed: 0, total: 0 },
      failedChecks: published && status !== 'healthy' ? [`${columns[1]!.name}_range`] : [],
      sampleSources: [],
      lastRun: {
        runId: 'run-latest',
        status: published ? 'published' : 'failed',
        finishedAt: '2026-03-01T11:00:30.000Z',
        durationMs: 250 + i,
        bytesProcessed: rows * 128,
      },
      anomalies:
        status === 'degraded'
          ? [
              {
                metric: 'row_count',
                value: rows,
                mean: rows * 2,
                stddev: 10,
                sigma: -5.2,
                window: 14,
                direction: 'below',
                reason: `row count ${rows} is 5.2 sigma below its 14-run mean ${rows * 2}`,
              },
            ]
          : [],
    };
    const history: HealthSnapshot[] = Array.from({ length: published ? historyCount : 0 }, (_, k) => ({
      at: new Date(Date.parse(generatedAt) - (historyCount - k) * 3_600_000).toISOString(),
      runId: `run${k}`,
      kind: k % 2 ? 'test' : 'build',
      product: node.id,
      domain: node.domain,
      version: '1.0.0',
      status,
      rowCount: rows - (historyCount - k) * 10,
      bytes: rows * 64,
      freshnessAgeSeconds: 600 + k * 60,
      qualityScore: k % 3 ? 1 : 0.9,
      completeness: 0.99 + k * 0.001,
      validity: 1,
      durationMs: 200 + ((k * 37) % 90),
      bytesProcessed: rows * 128,
      lastUpdated: '2026-03-01T11:00:00.000Z',
      anomalies: status === 'degraded' && k === historyCount - 1 ? ['row_count'] : [],
    }));
    return {
      id: node.id,
      domain: node.domain,
      name: node.name,
      version: '1.0.0',
      description: hostile ?? `What ${node.name} holds, for tests: one row per thing.`,
      documentation: hostile ?? (i % 2 ? `Read ${node.name} daily.\nJoin on ${columns[0]!.name}.` : null),
      owner: { team: `${node.domain}-team`, email: `${node.domain}@example.test` },
      tier: node.tier!,
      refresh: 'daily',
      access: 'public',
      consumers: ['analytics', 'finance'],
      sla: { freshness: '2h', completeness: 0.99, validity: 0.99 },
      materialization: 'table',
      partitionBy: null,
      table: `${node.domain}.${node.name}`,
      tags: ['test'],
      columns,
      checks: [
        {
          name: `${columns[0]!.name}_unique`,
          kind: 'unique',
          column: columns[0]!.name,
          severity: 'error',
          dimension: 'uniqueness',
          passed: published ? true : null,
          detail: null,
        },
        {
          name: `${columns[1]!.name}_range`,
          kind: 'range',
          column: columns[1]!.name,
          severity: 'warn',
          dimension: 'validity',
          passed: published ? status === 'healthy' : null,
          detail: null,
        },
      ],
      inputs: edges.filter((e) => e.to === node.id).map((e) => e.from),
      readers: edges.filter((e) => e.from === node.id).map((e) => e.to),
      health,
      history,
      contract: {
        apiVersion: 'v3.1.0',
        kind: 'DataContract',
        name: node.name,
        description: { purpose: hostile },
      },
      sample: published
        ? {
            columns: columns.filter((c) => !c.pii).map((c) => c.name),
            rows: [0, 1].map((r) =>
              columns.filter((c) => !c.pii).map((c, k) => (k === 1 && hostile ? hostile : `${c.name}-${r}`)),
            ),
          }
        : null,
    };
  });

  const healths = products.map((p) => p.health!);
  const worst = (list: readonly HealthStatus[]): HealthStatus =>
    (['error', 'stale', 'degraded', 'healthy'] as const).find((s) => list.includes(s)) ?? 'healthy';
  const domainHealth = domains.map((name) => {
    const own = healths.filter((h) => h.domain === name);
    return {
      name,
      owner: `${name}-team`,
      status: worst(own.map((h) => h.status)),
      productCount: own.length,
      healthyCount: own.filter((h) => h.status === 'healthy').length,
      products: own,
    };
  });
  const scores = healths.map((h) => h.qualityScore).filter((s): s is number => s !== null);
  return {
    generatedAt,
    health: {
      generatedAt,
      status: worst(domainHealth.map((d) => d.status)),
      totals: {
        domains: domains.length,
        products: products.length,
        healthyProducts: healths.filter((h) => h.status === 'healthy').length,
        qualityScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
      },
      domains: domainHealth,
      sources: [],
    },
    domains: domains.map((name, i) => ({
      name,
      description: i === 0 && options.hostile ? options.hostile : `The ${name} domain, for tests.`,
      owner: { team: `${name}-team`, email: `${name}@example.test` },
      products: products.filter((p) => p.domain === name).map((p) => p.id),
    })),
    products,
    lineage: { nodes, edges },
  };
}
