import {
  billedBytesByDomain,
  digestTable,
  type MeshDefinition,
  stateTable,
  storageOfTables,
  type Warehouse,
} from '@retail-mesh/sdk';
import type { MeshConfig } from './config.js';

/** Decimal units, as cloud price lists quote them. */
export const GB = 1e9;
export const TB = 1e12;

export interface DomainBill {
  readonly domain: string;
  readonly storageBytes: number;
  readonly storageCost: number;
  readonly processedBytes: number;
  readonly computeCost: number;
  readonly platformCost: number;
  readonly total: number;
}

export interface Chargeback {
  readonly currency: string;
  readonly period: { readonly days: number; readonly since: string };
  readonly rates: MeshConfig['cost'];
  /**
   * Where compute comes from: the bytes billed by the jobs labelled with each domain (BigQuery's
   * INFORMATION_SCHEMA, every job the mesh ran), else the run log (what each build processed).
   */
  readonly computeFrom: 'job labels' | 'run log';
  readonly domains: readonly DomainBill[];
  readonly totals: Omit<DomainBill, 'domain'>;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Whole units for `parts` that add up to `total` exactly: each floored, the rest to the largest remainders. */
function largestRemainder(parts: readonly number[], total: number): number[] {
  const floors = parts.map((p) => Math.floor(p));
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = parts.map((p, i) => [p - Math.floor(p), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  return floors;
}

/**
 * The monthly bill of each domain: storage (GB-months of its tables), compute (TB its builds
 * processed over the period) and a share of the fixed platform cost in proportion to its
 * data volume. Figures come from the warehouse: table sizes and the run log.
 */
export async function chargeback(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  rates: MeshConfig['cost'],
  options: { days: number; now?: Date },
): Promise<Chargeback> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - options.days * 86_400_000);
  const billed = await billedBytesByDomain(warehouse, since);
  const runs = billed ? [] : await warehouse.listRuns({ since });
  // A source is stored as its log, its rejects and its current rows (a table on DuckDB, a view
  // of no size on BigQuery). Every table is sized in one call (one statement on DuckDB).
  // A product is stored as its table, and where kept, its incremental state and its day digest
  // (a table missing is sized 0).
  const tables = [
    ...mesh.sources.flatMap((s) => [s.log, s.rejects, s.table].map((t) => ({ domain: s.domain.name, t }))),
    ...mesh.products.flatMap((p) =>
      [p.table, ...(p.materialization === 'incremental' ? [stateTable(p)] : []), digestTable(p.table)].map(
        (t) => ({ domain: p.domain.name, t }),
      ),
    ),
  ];
  const sizes = await storageOfTables(
    warehouse,
    tables.map(({ t }) => t),
  );
  const usage = [];
  for (const domain of mesh.domains) {
    const storageBytes = tables.reduce(
      (sum, { domain: d }, i) => (d === domain.name ? sum + sizes[i]! : sum),
      0,
    );
    const processedBytes = billed
      ? (billed.get(domain.name) ?? 0)
      : runs.filter((r) => r.domain === domain.name).reduce((a, r) => a + (r.bytesProcessed ?? 0), 0);
    usage.push({ domain: domain.name, storageBytes, processedBytes });
  }
  const totalStorage = usage.reduce((a, u) => a + u.storageBytes, 0);
  // Storage rates are per month; compute is what the period processed, scaled to a month.
  const monthly = 30 / options.days;
  const raw = usage.map((u) => {
    const share = totalStorage > 0 ? u.storageBytes / totalStorage : 1 / usage.length;
    const storageCost = (u.storageBytes / GB) * rates.storagePerGbMonth;
    const computeCost = (u.processedBytes / TB) * rates.computePerTb * monthly;
    const platformCost = rates.platformPerMonth * share;
    return { ...u, storageCost, computeCost, platformCost, total: storageCost + computeCost + platformCost };
  });
  // In cents, the platform's shares by largest remainder, so that they add up to its rate; each
  // domain's total the sum of its rounded parts, and the totals the sums of the domains': every
  // row and column of the bill adds up as printed.
  const platformCents = largestRemainder(
    raw.map((d) => d.platformCost * 100),
    Math.round(rates.platformPerMonth * 100),
  );
  const domains = raw.map((d, i): DomainBill => {
    const storageCost = round(d.storageCost);
    const computeCost = round(d.computeCost);
    const platformCost = platformCents[i]! / 100;
    return {
      domain: d.domain,
      storageBytes: d.storageBytes,
      storageCost,
      processedBytes: d.processedBytes,
      computeCost,
      platformCost,
      total: round(storageCost + computeCost + platformCost),
    };
  });
  const sum = (key: keyof Omit<DomainBill, 'domain'>) => round(domains.reduce((a, d) => a + d[key], 0));
  return {
    currency: rates.currency,
    period: { days: options.days, since: since.toISOString() },
    rates,
    computeFrom: billed ? 'job labels' : 'run log',
    domains,
    totals: {
      storageBytes: sum('storageBytes'),
      storageCost: sum('storageCost'),
      processedBytes: sum('processedBytes'),
      computeCost: sum('computeCost'),
      platformCost: sum('platformCost'),
      total: sum('total'),
    },
  };
}
