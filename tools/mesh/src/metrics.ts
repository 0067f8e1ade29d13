import type { AnomalyMetric, HealthStatus, MeshHealth, ProductHealth } from '@retail-mesh/sdk';
import { Gauge, Registry } from 'prom-client';

/** Every state, so each product, domain and the mesh always has one series per state (1 for the current one). */
export const HEALTH_STATUSES: readonly HealthStatus[] = ['healthy', 'degraded', 'stale', 'error'];
export const ANOMALY_METRICS: readonly AnomalyMetric[] = ['row_count', 'freshness', 'duration'];

const PRODUCT_LABELS = ['domain', 'product', 'tier', 'version'] as const;
type ProductLabel = (typeof PRODUCT_LABELS)[number];

/**
 * The SDK reports 0 rows and 0 bytes for a product whose table does not exist; a scrape must not
 * turn that into a real-looking 0, so those series only exist once something was published.
 */
const published = (p: ProductHealth) => p.lastUpdated !== null || p.rowCount > 0 || p.bytes > 0;
/**
 * Checks of a product never tested are 0 of 0: no figure, not a pass or a fail. Nor are those
 * of a build that failed (null): they measured rows it did not publish.
 */
const tested = (p: ProductHealth): p is ProductHealth & { checks: NonNullable<ProductHealth['checks']> } =>
  p.checks !== null && (p.lastTestRun !== null || p.checks.total > 0);

const unixSeconds = (iso: string | null): number | null => {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
};

interface ProductGauge {
  readonly name: string;
  readonly help: string;
  /** null: no sample for this product. */
  readonly value: (p: ProductHealth) => number | null;
}

const PRODUCT_GAUGES: readonly ProductGauge[] = [
  {
    name: 'retail_mesh_product_rows',
    help: 'Rows in the published table of the data product.',
    value: (p) => (published(p) ? p.rowCount : null),
  },
  {
    name: 'retail_mesh_product_table_bytes',
    help: 'Storage size of the published table of the data product (an estimate where the warehouse gives none).',
    value: (p) => (published(p) ? p.bytes : null),
  },
  {
    name: 'retail_mesh_product_freshness_age_seconds',
    help: 'Seconds since the data product was last published, when the health snapshot was taken.',
    value: (p) => p.freshness.ageSeconds,
  },
  {
    name: 'retail_mesh_product_freshness_sla_seconds',
    help: 'Maximum age the freshness SLA of the data product allows; absent when it has no freshness SLA.',
    value: (p) => p.freshness.slaSeconds,
  },
  {
    name: 'retail_mesh_product_quality_score_ratio',
    help: 'Share of the checks of the data product that passed in its last check run, 0..1.',
    value: (p) => p.qualityScore,
  },
  {
    name: 'retail_mesh_product_completeness_ratio',
    help: 'Completeness of the data product in its last run, 0..1.',
    value: (p) => p.completeness,
  },
  {
    name: 'retail_mesh_product_validity_ratio',
    help: 'Validity of the data product in its last run, 0..1.',
    value: (p) => p.validity,
  },
  {
    name: 'retail_mesh_product_checks_passed',
    help: 'Checks of the data product that passed in its last check run.',
    value: (p) => (tested(p) ? p.checks.passed : null),
  },
  {
    name: 'retail_mesh_product_checks_failed',
    help: 'Checks of the data product that failed in its last check run.',
    value: (p) => (tested(p) ? p.checks.failed : null),
  },
  {
    // lastRun is the latest run of either kind, so a `mesh test` after a build replaces the figure.
    name: 'retail_mesh_product_last_run_duration_seconds',
    help: 'Duration of the latest build or check run of the data product.',
    value: (p) => (p.lastRun ? p.lastRun.durationMs / 1000 : null),
  },
  {
    name: 'retail_mesh_product_last_run_processed_bytes',
    help: 'Bytes the latest build or check run of the data product processed.',
    value: (p) => p.lastRun?.bytesProcessed ?? null,
  },
  {
    name: 'retail_mesh_product_last_updated_timestamp_seconds',
    help: 'Unix time the data product was last published.',
    value: (p) => unixSeconds(p.lastUpdated),
  },
];

function gauge(registry: Registry, name: string, help: string, labelNames: readonly string[]): Gauge {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** An unlabelled gauge starts at 0 in prom-client: a null must remove that sample, not keep it. */
function setOrDrop(g: Gauge, value: number | null) {
  if (value === null || !Number.isFinite(value)) g.remove({});
  else g.set(value);
}

function setStatus(g: Gauge, labels: Record<string, string>, status: HealthStatus) {
  for (const s of HEALTH_STATUSES) g.set({ ...labels, status: s }, s === status ? 1 : 0);
}

/**
 * The health snapshot as Prometheus gauges, in the text exposition format. A registry of its own
 * on every call: a snapshot replaces the last one whole, so a product removed from the mesh
 * disappears instead of keeping its last value, and nothing from the process default registry
 * leaks in.
 */
export async function meshMetrics(health: MeshHealth): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();

  const meshStatus = gauge(
    registry,
    'retail_mesh_status',
    'Health of the whole mesh, its worst domain: 1 for the current status, 0 for the others.',
    ['status'],
  );
  setStatus(meshStatus, {}, health.status);
  setOrDrop(gauge(registry, 'retail_mesh_domains', 'Domains in the mesh.', []), health.totals.domains);
  setOrDrop(
    gauge(registry, 'retail_mesh_products', 'Data products in the mesh.', []),
    health.totals.products,
  );
  setOrDrop(
    gauge(registry, 'retail_mesh_healthy_products', 'Data products of the mesh that are healthy.', []),
    health.totals.healthyProducts,
  );
  setOrDrop(
    gauge(
      registry,
      'retail_mesh_quality_score_ratio',
      'Mean quality score of the data products that have one, 0..1.',
      [],
    ),
    health.totals.qualityScore,
  );

  const domainStatus = gauge(
    registry,
    'retail_mesh_domain_status',
    'Health of the domain, its worst product: 1 for the current status, 0 for the others.',
    ['domain', 'status'],
  );
  const domainProducts = gauge(registry, 'retail_mesh_domain_products', 'Data products of the domain.', [
    'domain',
  ]);
  const domainHealthy = gauge(
    registry,
    'retail_mesh_domain_healthy_products',
    'Data products of the domain that are healthy.',
    ['domain'],
  );
  for (const d of health.domains) {
    setStatus(domainStatus, { domain: d.name }, d.status);
    domainProducts.set({ domain: d.name }, d.productCount);
    domainHealthy.set({ domain: d.name }, d.healthyCount);
  }

  const productStatus = gauge(
    registry,
    'retail_mesh_product_status',
    'Health of the data product: 1 for the current status, 0 for the others.',
    [...PRODUCT_LABELS, 'status'],
  );
  const anomalies = gauge(
    registry,
    'retail_mesh_product_anomalies',
    'Anomalies of the data product against its own history detected now, per kind (row_count, freshness, duration).',
    [...PRODUCT_LABELS, 'metric'],
  );
  const gauges = PRODUCT_GAUGES.map((g) => ({
    ...g,
    gauge: gauge(registry, g.name, g.help, PRODUCT_LABELS),
  }));
  for (const d of health.domains) {
    for (const p of d.products) {
      const labels: Record<ProductLabel, string> = {
        domain: p.domain,
        product: p.name,
        tier: p.tier,
        version: p.version,
      };
      setStatus(productStatus, labels, p.status);
      // Every kind, 0 included: "no anomaly" is a finding, and a missing series would read as no data.
      for (const metric of ANOMALY_METRICS) {
        anomalies.set({ ...labels, metric }, p.anomalies.filter((a) => a.metric === metric).length);
      }
      for (const g of gauges) {
        const value = g.value(p);
        if (value !== null && Number.isFinite(value)) g.gauge.set(labels, value);
      }
    }
  }

  return { contentType: registry.contentType, body: await registry.metrics() };
}
