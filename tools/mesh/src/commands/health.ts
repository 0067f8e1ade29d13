import {
  ANOMALY_DEFAULTS,
  type AnomalyOptions,
  changedInputsOf,
  type DataProduct,
  dataOf,
  describeLeftover,
  detectAnomalies,
  durationSeconds,
  formatSeconds,
  type HealthSnapshot,
  inputProductsOf,
  type MeshDefinition,
  type MeshHealth,
  meshHealth,
  productHealth,
  REFRESH_INTERVAL_SECONDS,
  type SourceState,
  sourceStates,
  sourcesOf,
  sourceTablesOf,
  stagingLeftovers,
  statsOfTables,
  UsageError,
  upgradeSources,
  upstreamProducts,
  type Warehouse,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { refusedDeliveries } from '../drop-zone.js';
import { healthFailure, withError } from '../failure.js';
import { missedExports } from '../files.js';
import { loadMesh, meshRootOf, selectProducts } from '../mesh.js';
import { color, formatInt, formatMs, formatPercent, table } from '../style.js';
import { statusLabel } from './build.js';

/** Health of every product from the warehouse's tables, run log and health history. */
export async function collectHealth(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  now = new Date(),
  options: { anomalies?: AnomalyOptions; part?: boolean } = {},
): Promise<MeshHealth> {
  const window = options.anomalies?.window ?? ANOMALY_DEFAULTS.window;
  const runs = new Map((await warehouse.latestRuns({ now })).map((r) => [`${r.domain}.${r.product}`, r]));
  // Each product's recent snapshots, in one statement: enough for the window, its current
  // publish and a failed build or two (of these products only, for a part of the mesh).
  const history = new Map<string, HealthSnapshot[]>();
  const asked = options.part ? { products: mesh.products.map((p) => p.id) } : {};
  for (const s of await warehouse.healthHistory({ ...asked, perProduct: window + 4 })) {
    const list = history.get(s.product);
    if (list) list.push(s);
    else history.set(s.product, [s]);
  }
  // A warehouse of an older release adopts its raw tables as batches before states are read
  // (nothing to do, and nothing written, where there is no older layout).
  await upgradeSources(warehouse, mesh.sources);
  // Reverted batches too: a product built from one before its revert is stale.
  const batches = await warehouse.listBatches({ includeReverted: true });
  const states = sourceStates(mesh.sources, batches, now);
  // Every table's stats at once: a source's current rows where the warehouse keeps them as a
  // table (a view has no cheap count), then every product's, then every source's log.
  const tables = await statsOfTables(warehouse, [
    ...mesh.sources.map((s) => s.table),
    ...mesh.products.map((p) => p.table),
    ...mesh.sources.map((s) => sourceTablesOf(s.id).log),
  ]);
  const logsAt = mesh.sources.length + mesh.products.length;
  // Deliveries a drop zone refused since the newest export held: in no batch, so said from its folder.
  const root = meshRootOf(mesh);
  const refused = root ? refusedDeliveries(mesh, root, states) : new Map<string, string>();
  const sources: SourceState[] = states.map((state, i) => {
    const currentRows = tables[i]?.rowCount ?? null;
    const missed = missedExports(mesh.sources[i]!, batches, currentRows);
    return {
      ...state,
      currentRows,
      loggedRows: state.content === 'empty' ? null : (tables[logsAt + i]?.rowCount ?? null),
      ...(refused.has(state.source) ? { refused: refused.get(state.source) } : {}),
      ...(missed ? { missedExports: missed } : {}),
    };
  });
  const leftovers = await stagingLeftovers(warehouse, mesh.products);
  // What each product's table holds, as a fingerprint of the run that published it (dataOf):
  // a reader whose publishing run recorded other data of its inputs was built before them.
  // Once a product: an input read by several products (dataOf renders its SQL) is asked once.
  const data = new Map<string, string | undefined>();
  const dataNow = (p: DataProduct) => {
    if (!data.has(p.id)) {
      const published = runs.get(p.id)?.lastPublished;
      data.set(p.id, published && dataOf(p, { ...published, status: 'published' }, warehouse.dialect));
    }
    return data.get(p.id);
  };
  const changedInputs = (product: DataProduct) => {
    const recorded = runs.get(product.id)?.lastPublished?.inputProducts;
    if (recorded === undefined) return undefined;
    const current = inputProductsOf(product, dataNow);
    if (current === undefined || current === recorded) return undefined;
    const builtAt = runs.get(product.id)?.lastPublishedStartedAt;
    // Those whose own data changed, where the run named each one's (a rebuild that found the
    // same data is no change); where it recorded one fingerprint of them all, every one
    // republished since.
    const changed = new Set(changedInputsOf(recorded, current) ?? upstreamProducts(product).map((p) => p.id));
    const since = upstreamProducts(product)
      .filter((input) => changed.has(input.id))
      .map((input) => ({ id: input.id, at: runs.get(input.id)?.lastPublishedAt }))
      .filter((input): input is { id: string; at: Date } => !!builtAt && !!input.at && input.at > builtAt);
    return {
      products: since.map((input) => input.id),
      since: since.length ? new Date(Math.min(...since.map((input) => input.at.getTime()))) : null,
    };
  };
  const products = [];
  for (const [i, product] of mesh.products.entries()) {
    const stats = tables[mesh.sources.length + i];
    const lastRun = runs.get(product.id);
    const reads = new Set(sourcesOf(product).map((s) => s.id));
    const built = lastRun && (lastRun.status === 'published' || lastRun.status === 'failed');
    const anomalies = stats
      ? detectAnomalies(
          history.get(product.id) ?? [],
          {
            rowCount: stats.rowCount,
            lastUpdated: stats.lastModified?.toISOString() ?? null,
            scheduledEverySeconds: REFRESH_INTERVAL_SECONDS[product.refresh],
            confirmedAt: lastRun?.lastPublishedAt?.toISOString() ?? null,
            build: built
              ? {
                  runId: lastRun.runId,
                  durationMs: lastRun.finishedAt.getTime() - lastRun.startedAt.getTime(),
                }
              : undefined,
          },
          now,
          options.anomalies,
        )
      : [];
    products.push(
      productHealth(
        product,
        {
          stats,
          lastRun,
          lastPublishedAt: lastRun?.lastPublishedAt ?? null,
          lastPublishedStartedAt: lastRun?.lastPublishedStartedAt ?? null,
          lastPublishedRowCount: lastRun?.lastPublished?.rowCount ?? null,
          lastPublishedVersion: lastRun?.lastPublished?.version ?? null,
          sources: sources.filter((s) => reads.has(s.source)),
          leftovers: leftovers.filter((l) => l.product === product).map(describeLeftover),
          anomalies,
          changedInputs: changedInputs(product),
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
          : color.yellow('empty'),
      formatInt(s.batches),
      formatInt(s.rows),
      typeof s.currentRows === 'number' ? formatInt(s.currentRows) : '-',
      s.lastBatch ? `${s.lastBatch.at.replace('T', ' ').slice(0, 19)} #${s.lastBatch.batchId}` : '-',
      s.lastBatch ? formatInt(s.lastBatch.loaded) : '-',
      s.lastBatch ? formatInt(s.lastBatch.rejected) : '-',
      [
        s.overdue && color.red(`overdue: ${s.overdue}`),
        s.clockAhead && color.yellow(s.clockAhead),
        s.lastBatch?.flag && color.yellow(s.lastBatch.flag),
        s.changedBack && color.yellow(s.changedBack),
        s.earlierRejects && color.yellow(s.earlierRejects),
      ]
        .filter(Boolean)
        .join('; '),
    ]),
  );
}

/** Unhealthy means a product cannot be relied on: in error or past its freshness SLA. */
export const healthExitCode = (health: MeshHealth) => (healthFailure(health) ? 1 : 0);

/** The snapshots of the named products (or domains), oldest first per product. */
async function history(
  values: GlobalOptions & { history: string; since?: string },
  mesh: MeshDefinition,
  io: Io,
): Promise<number> {
  let since: Date | undefined;
  if (values.since !== undefined) {
    const seconds = durationSeconds(values.since);
    if (seconds === undefined)
      throw new UsageError(
        'bad-arguments',
        `--since ${values.since}: give a duration such as 7d, 12h or 30m.`,
      );
    since = new Date(Date.now() - seconds * 1000);
  }
  const products = selectProducts(mesh, [values.history]).map((p) => p.id);
  const snapshots = await withWarehouse(values, (warehouse) =>
    warehouse.healthHistory({ products, ...(since ? { since } : {}) }),
  );
  if (values.json) {
    io.out(JSON.stringify({ products, since: since?.toISOString() ?? null, history: snapshots }, null, 2));
    return 0;
  }
  if (!snapshots.length) {
    io.out(
      `No snapshot of ${products.join(', ')}${since ? ` since ${since.toISOString()}` : ''}: builds and test runs append them.`,
    );
    return 0;
  }
  io.out(
    table(
      [
        'AT (UTC)',
        'PRODUCT',
        'RUN',
        'STATUS',
        'ROWS',
        'BYTES',
        'AGE',
        'QUALITY',
        'COMPLETE',
        'VALID',
        'TIME',
        'ANOMALIES',
      ],
      snapshots.map((s) => [
        s.at.replace('T', ' ').slice(0, 19),
        s.product,
        s.kind,
        statusLabel(s.status),
        formatInt(s.rowCount),
        formatInt(s.bytes),
        s.freshnessAgeSeconds === null ? '-' : formatSeconds(s.freshnessAgeSeconds),
        formatPercent(s.qualityScore),
        formatPercent(s.completeness),
        formatPercent(s.validity),
        s.durationMs === null ? '-' : formatMs(s.durationMs),
        s.anomalies.join(', '),
      ]),
    ),
  );
  return 0;
}

export async function run(
  values: GlobalOptions & { history?: string; since?: string },
  _names: string[],
  io: Io,
): Promise<number> {
  const mesh = await loadMesh(values);
  if (values.history !== undefined) return history({ ...values, history: values.history }, mesh, io);
  if (values.since !== undefined)
    throw new UsageError('bad-arguments', '--since goes with --history <product>.');
  const health = await withWarehouse(values, (warehouse, context) =>
    collectHealth(warehouse, mesh, new Date(), { anomalies: context.config.anomalies }),
  );
  io.out(
    values.json
      ? JSON.stringify({ ...health, ...withError(healthFailure(health)) }, null, 2)
      : healthReport(health),
  );
  return healthExitCode(health);
}
