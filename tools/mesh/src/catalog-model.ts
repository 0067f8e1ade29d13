import {
  type AnomalyOptions,
  checkSpec,
  type DataProduct,
  type HealthSnapshot,
  type MeshDefinition,
  type MeshHealth,
  odcsContract,
  type ProductHealth,
  type Warehouse,
} from '@retail-mesh/sdk';
import { collectHealth } from './commands/health.js';
import { type Lineage, lineageOf } from './lineage.js';
import { type ScheduleConfig, Scheduler } from './scheduler.js';

/**
 * Everything the catalog portal shows, as one JSON document: what `mesh catalog --out` writes
 * beside the portal's files and what `mesh serve` answers at /catalog.json. The portal is a
 * pure function of it.
 */
export interface CatalogModel {
  readonly generatedAt: string;
  readonly health: MeshHealth;
  readonly domains: ReadonlyArray<{
    readonly name: string;
    readonly description: string;
    readonly owner: { readonly team: string; readonly email: string; readonly supportChannel?: string };
    readonly products: readonly string[];
  }>;
  readonly products: readonly CatalogProduct[];
  readonly lineage: Lineage;
}

export interface CatalogProduct {
  /** `domain.product`. */
  readonly id: string;
  readonly domain: string;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly documentation: string | null;
  readonly owner: { readonly team: string; readonly email: string; readonly supportChannel?: string };
  readonly tier: string;
  readonly refresh: string;
  readonly access: string;
  readonly consumers: readonly string[];
  readonly sla: {
    readonly freshness?: string;
    readonly completeness?: number;
    readonly validity?: number;
  };
  readonly materialization: string;
  readonly partitionBy: { readonly column: string; readonly granularity: string } | null;
  readonly table: string;
  readonly tags: readonly string[];
  readonly columns: ReadonlyArray<{
    readonly name: string;
    readonly type: string;
    readonly description: string | null;
    readonly nullable: boolean;
    readonly key: boolean;
    readonly pii: boolean;
    readonly values: readonly string[] | null;
  }>;
  /** Each check with the result of its last run (undefined when never run). */
  readonly checks: ReadonlyArray<{
    readonly name: string;
    readonly kind: string;
    readonly column: string | null;
    readonly severity: string;
    readonly dimension: string;
    readonly passed: boolean | null;
    readonly detail: string | null;
  }>;
  /** Inputs, as `domain.name` of a source or product. */
  readonly inputs: readonly string[];
  /** Products that read this one. */
  readonly readers: readonly string[];
  readonly health: ProductHealth | null;
  /** Its health history, oldest first. */
  readonly history: readonly HealthSnapshot[];
  /** The ODCS v3.1.0 contract. */
  readonly contract: Record<string, unknown>;
  /** When the scheduler of `mesh serve` builds it: its cron, next slot and last build. */
  readonly schedule?: {
    readonly cron: string;
    readonly timezone: string;
    readonly nextRun: string | null;
    readonly lastBuild: string | null;
  };
  /** A few rows, PII columns left out. Null when not published. */
  readonly sample: {
    readonly columns: readonly string[];
    readonly rows: ReadonlyArray<readonly unknown[]>;
  } | null;
}

/** How many sample rows a product page shows. */
export const SAMPLE_ROWS = 5;

/** A JSON-safe cell: bigints as numbers where exact, else strings; dates as ISO strings. */
function cell(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') return String(value);
  return value;
}

/**
 * A few rows of each published product, PII columns left out whatever the product's access
 * model (a catalog is read by everyone who may find the product, not only its consumers).
 */
async function samples(
  warehouse: Warehouse,
  products: readonly DataProduct[],
  published: ReadonlySet<string>,
): Promise<Map<string, CatalogProduct['sample']>> {
  const found = new Map<string, CatalogProduct['sample']>();
  const q = (name: string) => warehouse.dialect.quoteIdent(name);
  for (const product of products) {
    if (!published.has(product.id)) continue;
    const columns = product.columns.filter((c) => !c.pii).map((c) => c.name);
    if (!columns.length) continue;
    const rows = await warehouse
      .query(
        `SELECT ${columns.map(q).join(', ')} FROM ${warehouse.dialect.tableName(product.table)} LIMIT ${SAMPLE_ROWS}`,
      )
      .catch(() => undefined);
    if (rows) found.set(product.id, { columns, rows: rows.map((r) => columns.map((c) => cell(r[c]))) });
  }
  return found;
}

/** The catalog of the mesh: definitions, contracts, health and its history, lineage, samples. */
export async function catalogModel(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  health: MeshHealth,
  history: readonly HealthSnapshot[],
): Promise<CatalogModel> {
  const healthOf = new Map(health.domains.flatMap((d) => d.products.map((p) => [p.id, p] as const)));
  const historyOf = new Map<string, HealthSnapshot[]>();
  for (const s of history) {
    const list = historyOf.get(s.product) ?? [];
    list.push(s);
    historyOf.set(s.product, list);
  }
  const lineage = lineageOf(mesh);
  const readersOf = new Map<string, string[]>();
  for (const e of lineage.edges) readersOf.set(e.from, [...(readersOf.get(e.from) ?? []), e.to]);
  const published = new Set([...healthOf.values()].filter((p) => p.lastUpdated !== null).map((p) => p.id));
  const sampled = await samples(warehouse, mesh.products, published);
  // What each check found at the latest run: a check that run did not hold (added since,
  // changed since, or a run that checked nothing) has no result, not a pass.
  const outcomesOf = new Map(
    (await warehouse.latestRuns().catch(() => [])).map((r) => [
      `${r.domain}.${r.product}`,
      new Map(r.checks.map((c) => [c.name, c])),
    ]),
  );
  const products = mesh.products.map((p): CatalogProduct => {
    const h = healthOf.get(p.id) ?? null;
    const outcomes = h ? outcomesOf.get(p.id) : undefined;
    return {
      id: p.id,
      domain: p.domain.name,
      name: p.name,
      version: p.version,
      description: p.description,
      documentation: p.documentation ?? null,
      owner: { ...p.owner },
      tier: p.tier,
      refresh: p.refresh,
      access: p.access,
      consumers: [...p.consumers],
      sla: { ...p.sla },
      materialization: p.materialization,
      partitionBy: p.partitionBy ? { ...p.partitionBy } : null,
      table: `${p.table.schema}.${p.table.name}`,
      tags: [...p.tags],
      columns: p.columns.map((c) => ({
        name: c.name,
        type: c.type,
        description: c.description ?? null,
        nullable: c.nullable,
        key: c.key,
        pii: c.pii,
        values: c.values ? [...c.values] : null,
      })),
      checks: p.checks.map((c) => {
        // A result of the check under its name as it was then (a bound since tightened) is none.
        const ran = outcomes?.get(c.name);
        const outcome = ran && (ran.spec === undefined || ran.spec === checkSpec(c, p)) ? ran : undefined;
        return {
          name: c.name,
          kind: c.kind,
          column: c.column ?? null,
          severity: c.severity,
          dimension: c.dimension,
          passed: outcome ? outcome.passed : null,
          detail: outcome?.observed ?? null,
        };
      }),
      inputs: lineage.edges.filter((e) => e.to === p.id).map((e) => e.from),
      readers: readersOf.get(p.id) ?? [],
      health: h,
      history: (historyOf.get(p.id) ?? []).sort((a, b) => a.at.localeCompare(b.at)),
      contract: odcsContract(p),
      sample: sampled.get(p.id) ?? null,
    };
  });
  return {
    generatedAt: health.generatedAt,
    health,
    domains: mesh.domains.map((d) => ({
      name: d.name,
      description: d.description,
      owner: { ...d.owner },
      products: mesh.products.filter((p) => p.domain === d).map((p) => p.id),
    })),
    products,
    lineage,
  };
}

/** How many of each product's latest snapshots the catalog's trend charts show. */
export const CATALOG_HISTORY = 60;

/** The catalog as the warehouse holds it now: health, its history, samples. */
export async function loadCatalog(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  options: { anomalies?: AnomalyOptions; schedule?: ScheduleConfig } = {},
): Promise<CatalogModel> {
  const health = await collectHealth(warehouse, mesh, new Date(), options);
  const history = await warehouse.healthHistory({ perProduct: CATALOG_HISTORY });
  const model = await catalogModel(warehouse, mesh, health, history);
  if (!options.schedule) return model;
  const schedule = options.schedule;
  const plan = await new Scheduler({
    mesh,
    config: schedule,
    clock: () => new Date(),
    runs: (since) => warehouse.listRuns({ since }),
    build: async () => [],
    latest: () => warehouse.latestRuns(),
  }).plan();
  const byId = new Map(plan.map((p) => [p.product.id, p]));
  return {
    ...model,
    products: model.products.map((p) => {
      const s = byId.get(p.id);
      return s
        ? {
            ...p,
            schedule: {
              cron: s.cron,
              timezone: s.timezone,
              nextRun: s.next?.toISOString() ?? null,
              lastBuild: s.lastBuilt?.toISOString() ?? null,
            },
          }
        : p;
    }),
  };
}
