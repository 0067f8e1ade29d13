import {
  describeLeftover,
  ensureSources,
  formatSeconds,
  type MeshDefinition,
  type MeshHealth,
  meshHealth,
  productHealth,
  type SourceState,
  sourceStates,
  sourcesOf,
  stagingLeftovers,
  statsOfTables,
  type Warehouse,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { healthFailure, withError } from '../failure.js';
import { loadMesh } from '../mesh.js';
import { color, formatInt, formatPercent, table } from '../style.js';
import { statusLabel } from './build.js';

/** Health of every product from the warehouse's tables and run log. */
export async function collectHealth(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  now = new Date(),
): Promise<MeshHealth> {
  const runs = await warehouse.latestRuns();
  // A warehouse of an older release adopts its raw tables as batches before states are read.
  await ensureSources(warehouse, mesh.sources);
  const states = sourceStates(mesh.sources, await warehouse.listBatches());
  // Every table's stats at once: a source's current rows where the warehouse keeps them as a
  // table (a view has no cheap count), then every product's.
  const tables = await statsOfTables(warehouse, [
    ...mesh.sources.map((s) => s.table),
    ...mesh.products.map((p) => p.table),
  ]);
  const sources: SourceState[] = states.map((state, i) => ({
    ...state,
    currentRows: tables[i]?.rowCount ?? null,
  }));
  const leftovers = await stagingLeftovers(warehouse, mesh.products);
  const products = [];
  for (const [i, product] of mesh.products.entries()) {
    const stats = tables[mesh.sources.length + i];
    const lastRun = runs.find((r) => r.domain === product.domain.name && r.product === product.name);
    const reads = new Set(sourcesOf(product).map((s) => s.id));
    products.push(
      productHealth(
        product,
        {
          stats,
          lastRun,
          sources: sources.filter((s) => reads.has(s.source)),
          leftovers: leftovers.filter((l) => l.product === product).map(describeLeftover),
        },
        now,
      ),
    );
  }
  return meshHealth(mesh.domains, products, now, sources);
}

export function healthReport(health: MeshHealth): string {
  const rows = health.domains.flatMap((d) =>
    d.products.map((p) => [
      d.name,
      p.name,
      statusLabel(p.status),
      formatInt(p.rowCount),
      formatPercent(p.qualityScore),
      formatPercent(p.completeness),
      p.freshness.ageSeconds === null
        ? '-'
        : `${formatSeconds(p.freshness.ageSeconds)}${p.freshness.slaSeconds ? ` / ${formatSeconds(p.freshness.slaSeconds)}` : ''}`,
      p.lastUpdated ? p.lastUpdated.replace('T', ' ').slice(0, 19) : '-',
    ]),
  );
  const lines = [
    table(
      ['DOMAIN', 'PRODUCT', 'STATUS', 'ROWS', 'QUALITY', 'COMPLETE', 'AGE / SLA', 'LAST UPDATED (UTC)'],
      rows,
    ),
  ];
  for (const d of health.domains) {
    for (const p of d.products)
      if (p.reasons.length) lines.push(`${color.yellow('!')} ${p.id}: ${p.reasons.join('; ')}`);
  }
  const fromSample = health.domains.flatMap((d) => d.products).filter((p) => p.sampleSources.length);
  if (fromSample.length) {
    const all = !health.sources.some((s) => s.content === 'ingested');
    const sources = new Set(fromSample.flatMap((p) => p.sampleSources));
    lines.push(
      all
        ? `${color.dim('i')} Every product is built from sample data (mesh seed); mesh ingest replaces it with your exports.`
        : `${color.dim('i')} Built from sample data (${[...sources].join(', ')}): ${fromSample.map((p) => p.id).join(', ')}.`,
    );
  }
  if (health.sources.length) lines.push('', 'Sources', sourcesReport(health.sources));
  const t = health.totals;
  lines.push(
    '',
    `Mesh ${statusLabel(health.status)}: ${t.domains} domain${t.domains === 1 ? '' : 's'}, ${t.healthyProducts}/${t.products} products healthy, quality score ${formatPercent(t.qualityScore)}.`,
  );
  return lines.join('\n');
}

export function sourcesReport(sources: readonly SourceState[]): string {
  return table(
    ['SOURCE', 'DATA', 'BATCHES', 'LOGGED', 'CURRENT', 'LAST BATCH (UTC)', 'LOADED', 'REJECTED', 'FLAG'],
    sources.map((s) => [
      s.source,
      s.content === 'ingested'
        ? color.green('real')
        : s.content === 'sample'
          ? color.dim('sample')
          : color.yellow('none'),
      formatInt(s.batches),
      formatInt(s.rows),
      typeof s.currentRows === 'number' ? formatInt(s.currentRows) : '-',
      s.lastBatch ? `${s.lastBatch.at.replace('T', ' ').slice(0, 19)} #${s.lastBatch.batchId}` : '-',
      s.lastBatch ? formatInt(s.lastBatch.loaded) : '-',
      s.lastBatch ? formatInt(s.lastBatch.rejected) : '-',
      s.lastBatch?.flag ? color.yellow(s.lastBatch.flag) : '',
    ]),
  );
}

/** Unhealthy means a product cannot be relied on: in error or past its freshness SLA. */
export const healthExitCode = (health: MeshHealth) => (healthFailure(health) ? 1 : 0);

export async function run(values: GlobalOptions, _names: string[], io: Io): Promise<number> {
  const mesh = await loadMesh(values);
  const health = await withWarehouse(values, (warehouse) => collectHealth(warehouse, mesh));
  io.out(
    values.json
      ? JSON.stringify({ ...health, ...withError(healthFailure(health)) }, null, 2)
      : healthReport(health),
  );
  return healthExitCode(health);
}
