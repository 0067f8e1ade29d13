import {
  type BuildOutcome,
  buildMesh,
  type DataProduct,
  describeSubject,
  diffContracts,
  estimateBuildBytes,
  formatBytes,
  isMeshError,
  type MeshDefinition,
  odcsContract,
  type PreviousMajorView,
  planBuild,
  previousMajorView,
  publishPreviousMajors,
  type Warehouse,
  WarehouseError,
  withPreviousMajorChecks,
} from '@retail-mesh/sdk';
import {
  type CommandContext,
  type GlobalOptions,
  type Io,
  newRunId,
  refuseDamagedWarehouse,
  withWarehouse,
} from '../context.js';
import { TB } from '../cost.js';
import { buildFailure, type ErrorJson, withError } from '../failure.js';
import { enforcePolicies } from '../governance.js';
import { alertsReport, type RunProduct, recordHealth } from '../history.js';
import { loadMesh, meshPackages, selectProducts } from '../mesh.js';
import { type ContractDoc, previousMajorContract, releasedInPackages } from '../released.js';
import { color, formatInt, formatMs, table } from '../style.js';
import { numberFlag } from './options.js';

/**
 * The released contract of the previous major each product keeps published beside it (see
 * `previousMajorView`), from its package's `contracts/`; undefined for a product that keeps none.
 */
function previousMajorsOf(mesh: MeshDefinition): (product: DataProduct) => ContractDoc | undefined {
  const packages = meshPackages(mesh);
  return (p) => {
    const pkg = packages.find((k) => k.domain === p.domain.name);
    return pkg && p.previousMajor ? previousMajorContract(pkg.folder, p) : undefined;
  };
}

/**
 * A product as a build or a test checks it: with what the view of the previous major it keeps
 * published promises its readers (see `withPreviousMajorChecks`).
 */
export function checkedWithPreviousMajors(
  mesh: MeshDefinition,
  dialect: Warehouse['dialect'],
): (product: DataProduct) => DataProduct {
  const previousOf = previousMajorsOf(mesh);
  return (p) => withPreviousMajorChecks(p, previousMajorView(p, previousOf(p), dialect));
}

/** Builds the named products (and what they need) and reports per product. */
export async function buildProducts(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  names: readonly string[],
  io?: Io,
  options: { fullRefresh?: boolean; concurrency?: number; skipUnchanged?: boolean } = {},
): Promise<{ runId: string; outcomes: BuildOutcome[]; previousMajors: PreviousMajorView[] }> {
  const runId = newRunId();
  let total = 0;
  let begun = 0;
  const selected = selectProducts(mesh, names);
  // The previous majors kept beside new ones: a view the released shape cannot be made of is
  // refused before anything is built.
  const previousOf = previousMajorsOf(mesh);
  // What each view promises its readers is checked on the staged rows, with the product's own
  // checks: a build that would break it publishes nothing. First in the list, so that the plan
  // takes them rather than the same products reached as another's input.
  const guarded = selected.map(checkedWithPreviousMajors(mesh, warehouse.dialect));
  const toBuild = [
    ...guarded.filter((p, i) => p !== selected[i]),
    ...guarded.filter((p, i) => p === selected[i]),
  ];
  // Each previous major's view is published as soon as its product is, not once the whole build
  // is done: its readers would otherwise fail (version-mismatch) for as long as the rest builds,
  // and for good if the build were stopped.
  const viewsOf = new Map<string, Promise<PreviousMajorView[]>>();
  const outcomes = await buildMesh(warehouse, toBuild, {
    runId,
    mesh: mesh.products,
    fullRefresh: options.fullRefresh,
    concurrency: options.concurrency,
    skipUnchanged: options.skipUnchanged,
    onEvent: (event) => {
      if (event.type === 'planned') total = event.plan.order.length;
      if (event.type === 'started') io?.progress.step(`building ${event.product.id} (${++begun}/${total})`);
      if (event.type === 'finished') {
        const o = event.outcome;
        io?.progress.log(`${statusLabel(o.status)} ${o.product.id} ${color.dim(formatMs(o.durationMs))}`);
        if (o.status === 'published' && o.product.previousMajor) {
          const views = publishPreviousMajors(warehouse, [o.product], previousOf);
          // Awaited below; a failure is not unhandled meanwhile.
          views.catch(() => undefined);
          viewsOf.set(o.product.id, views);
        }
      }
    },
  }).finally(() => Promise.allSettled(viewsOf.values()));
  io?.progress.done();
  const previousMajors: PreviousMajorView[] = [];
  for (const o of outcomes) previousMajors.push(...((await viewsOf.get(o.product.id)) ?? []));
  return { runId, outcomes, previousMajors };
}

/**
 * What the build is about to publish that breaks the contract its package released, within the
 * same major version: readers who installed that version break when it lands (`mesh contract
 * diff` refuses to release it; a build does not wait for a release). One line per product.
 */
export function unreleasedBreaks(mesh: MeshDefinition, products: readonly DataProduct[]): string[] {
  const released = releasedInPackages(meshPackages(mesh)).docs;
  if (!released.length) return [];
  return diffContracts(
    released,
    products.map((p) => odcsContract(p)),
  )
    .filter((d) => (d.needsMajor || d.needsVersion) && d.before !== undefined && d.after !== undefined)
    .map((d) =>
      d.needsMajor
        ? `${d.product} ${d.after} breaks its released contract ${d.before} (${d.changes
            .filter((c) => c.breaking)
            .map((c) => c.detail)
            .join(
              '; ',
            )}): readers of version ${d.before!.split('.')[0]} break once it is published; give it a new major version and keep the previous one published (mesh contract diff says what is missing)`
        : `${d.product} ${d.after} computes with another transform than the one released as ${d.before}: readers of ${d.before} read other figures under the same version once it is published; give it a new version (mesh contract diff says what is missing)`,
    );
}

/** What a build did to each product, for its health snapshot. */
export const runProductOf = (o: BuildOutcome): RunProduct => ({
  id: o.product.id,
  durationMs: o.durationMs,
  bytesProcessed: o.bytesProcessed,
});

/** One line per previous major kept beside a new one (or dropped after its date). */
export function previousMajorsReport(views: readonly PreviousMajorView[]): string[] {
  return views.map((v) =>
    v.expired
      ? `Dropped ${v.table.schema}.${v.table.name}: version ${v.major} of ${v.product.id} was deprecated on ${v.until}.`
      : `Kept ${v.table.schema}.${v.table.name} (version ${v.major}'s shape) beside ${v.product.id} ${v.product.version} until ${v.until}.`,
  );
}

export function previousMajorJson(v: PreviousMajorView) {
  return {
    product: v.product.id,
    major: v.major,
    table: `${v.table.schema}.${v.table.name}`,
    until: v.until,
    expired: v.expired,
  };
}

export function statusLabel(status: string): string {
  if (status === 'published' || status === 'tested' || status === 'healthy') return color.green(status);
  if (status === 'skipped' || status === 'waiting' || status === 'degraded' || status === 'stale')
    return color.yellow(status);
  return color.red(status);
}

export function outcomeJson(o: BuildOutcome) {
  return {
    id: o.product.id,
    domain: o.product.domain.name,
    name: o.product.name,
    version: o.product.version,
    status: o.status,
    rowCount: o.rowCount,
    durationMs: Math.round(o.durationMs),
    checks: o.checks
      ? {
          passed: o.checks.outcomes.filter((c) => c.passed).length,
          failed: o.checks.outcomes.filter((c) => !c.passed).length,
          total: o.checks.outcomes.length,
          completeness: o.checks.completeness,
          validity: o.checks.validity,
          results: o.checks.outcomes,
        }
      : null,
    error: o.error ? { code: o.error.code, message: o.error.message, subject: o.error.subject } : null,
    incremental: o.incremental ?? null,
    // Not built: nothing it reads changed since its build that started then.
    unchanged: o.unchanged ? { since: o.unchanged.since.toISOString() } : null,
    // Published, but what followed the publish failed (a grant, metadata).
    warnings: o.warnings ?? [],
  };
}

export function buildReport(outcomes: readonly BuildOutcome[]): string {
  const rows = outcomes.map((o) => [
    o.product.id,
    statusLabel(o.status),
    o.status === 'published' ? formatInt(o.rowCount) : '-',
    o.checks ? `${o.checks.outcomes.filter((c) => c.passed).length}/${o.checks.outcomes.length}` : '-',
    formatMs(o.durationMs),
    o.unchanged
      ? `unchanged since ${o.unchanged.since.toISOString().replace('T', ' ').slice(0, 19)}`
      : !o.incremental
        ? ''
        : o.incremental.mode === 'partitions'
          ? `${o.incremental.partitions.length} day${o.incremental.partitions.length === 1 ? '' : 's'} rebuilt`
          : o.incremental.mode,
  ]);
  const lines = [table(['PRODUCT', 'STATUS', 'ROWS', 'CHECKS', 'TIME', 'NOTE'], rows)];
  for (const o of outcomes) {
    if (o.status === 'waiting') lines.push(`${color.yellow('…')} ${o.error?.message}`);
    else if (o.error)
      lines.push(
        `${color.red('✗')} ${o.error.code} (${describeSubject(o.error.subject)}): ${o.error.message}`,
      );
    for (const c of o.checks?.outcomes ?? []) {
      if (!c.passed && c.severity === 'warn')
        lines.push(`${color.yellow('!')} ${o.product.id} warning ${c.name}: ${c.observed}`);
    }
    for (const w of o.warnings ?? []) lines.push(`${color.red('!')} ${o.product.id} published, but ${w}`);
  }
  return lines.join('\n');
}

export function buildSummary(outcomes: readonly BuildOutcome[]): {
  published: number;
  failed: number;
  skipped: number;
  waiting: number;
} {
  return {
    published: outcomes.filter((o) => o.status === 'published').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    waiting: outcomes.filter((o) => o.status === 'waiting').length,
  };
}

/** What each planned build would process and cost, without building anything. */
export async function estimateBuilds(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  names: readonly string[],
  computePerTb: number,
) {
  const estimates = [];
  for (const product of planBuild(selectProducts(mesh, names)).order) {
    try {
      const { bytes, method } = await estimateBuildBytes(warehouse, product);
      estimates.push({ id: product.id, bytes, cost: (bytes / TB) * computePerTb, method, error: null });
    } catch (error) {
      // The warehouse cannot be reached at all: every other product would wait to fail alike.
      if (isMeshError(error) && error.code === 'warehouse-unreachable') throw error;
      // Typically an upstream table that does not exist on the target yet.
      const message = (error as Error)?.message ?? String(error);
      estimates.push({ id: product.id, bytes: null, cost: null, method: null, error: message });
    }
  }
  return estimates;
}

/**
 * A BigQuery target's `maximumBytesPerBuild`: the dry runs of every product the build would
 * build, summed, must fit, or nothing is built. A product whose estimate is unavailable (an
 * input not published yet) counts for nothing here; its jobs still meet the per-job budget.
 */
async function refuseOverBudget(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  names: readonly string[],
  context: CommandContext,
): Promise<void> {
  const budget = context.target.type === 'bigquery' ? context.target.maximumBytesPerBuild : undefined;
  if (budget === undefined) return;
  const estimates = await estimateBuilds(warehouse, mesh, names, context.config.cost.computePerTb);
  const total = estimates.reduce((a, e) => a + (e.bytes ?? 0), 0);
  if (total <= budget) return;
  const largest = [...estimates].sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0));
  const [domain, product] = largest[0]!.id.split('.');
  throw new WarehouseError(
    'over-budget',
    `The build would process ${formatBytes(total)} (dry runs), over the per-build budget of ${formatBytes(budget)} (maximumBytesPerBuild of target ${context.targetName}): ${largest
      .filter((e) => e.bytes)
      .slice(0, 5)
      .map((e) => `${e.id} ${formatBytes(e.bytes!)}`)
      .join(', ')}. Nothing was built.`,
    { domain, product },
  );
}

function estimateFailure(
  estimates: ReadonlyArray<{ id: string; error: string | null }>,
): ErrorJson | undefined {
  const failed = estimates.find((e) => e.error);
  if (!failed) return undefined;
  const [domain, product] = failed.id.split('.');
  return { code: 'estimate-failed', message: `${failed.id}: ${failed.error}`, subject: { domain, product } };
}

async function dryRun(values: GlobalOptions, names: string[], io: Io): Promise<number> {
  const mesh = await loadMesh(values);
  const { estimates, currency, target } = await withWarehouse(values, async (warehouse, context) => ({
    estimates: await estimateBuilds(warehouse, mesh, names, context.config.cost.computePerTb),
    currency: context.config.cost.currency,
    target: context.targetName,
  }));
  const bytes = estimates.reduce((a, e) => a + (e.bytes ?? 0), 0);
  const cost = estimates.reduce((a, e) => a + (e.cost ?? 0), 0);
  const failed = estimates.filter((e) => e.error).length;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          target,
          currency,
          products: estimates,
          totals: { bytes, cost, unavailable: failed },
          ...withError(estimateFailure(estimates)),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      table(
        ['PRODUCT', 'BYTES', 'EST. COST', 'FROM'],
        [
          ...estimates.map((e) => [
            e.id,
            e.bytes === null ? '-' : formatInt(e.bytes),
            e.cost === null ? '-' : `${e.cost.toFixed(6)} ${currency}`,
            e.method ?? color.red('unavailable'),
          ]),
          ['total', formatInt(bytes), `${cost.toFixed(6)} ${currency}`, ''],
        ],
      ),
    );
    for (const e of estimates) if (e.error) io.out(`${color.red('✗')} ${e.id}: ${e.error}`);
    io.out(`
Dry run on ${target}: nothing was built.`);
  }
  return failed ? 1 : 0;
}

export async function run(
  values: GlobalOptions & { 'dry-run'?: boolean; 'full-refresh'?: boolean; concurrency?: string },
  names: string[],
  io: Io,
): Promise<number> {
  const concurrency =
    values.concurrency === undefined
      ? undefined
      : numberFlag(values.concurrency, 'concurrency', 1, { integer: true });
  const mesh = await loadMesh(values);
  enforcePolicies(mesh, io, values.json === true);
  if (values['dry-run']) return dryRun(values, names, io);
  const breaks = unreleasedBreaks(mesh, planBuild(selectProducts(mesh, names)).order);
  if (!values.json) for (const line of breaks) io.err(`${color.yellow('!')} ${line}`);
  const started = performance.now();
  const { runId, outcomes, previousMajors, alerts } = await withWarehouse(
    values,
    async (warehouse, context) => {
      await refuseOverBudget(warehouse, mesh, names, context);
      const built = await buildProducts(warehouse, mesh, names, io, {
        fullRefresh: values['full-refresh'],
        concurrency,
      });
      refuseDamagedWarehouse(built.outcomes);
      const recorded = await recordHealth(warehouse, mesh, context.config, {
        runId: built.runId,
        kind: 'build',
        products: built.outcomes.map(runProductOf),
      });
      return { ...built, alerts: recorded.alerts };
    },
    { create: true },
  );
  const summary = buildSummary(outcomes);
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          runId,
          summary,
          products: outcomes.map(outcomeJson),
          previousMajors: previousMajors.map(previousMajorJson),
          alerts,
          contractWarnings: breaks,
          ...withError(buildFailure(outcomes)),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(buildReport(outcomes));
    for (const line of previousMajorsReport(previousMajors)) io.out(line);
    for (const line of alertsReport(alerts)) io.err(line);
    io.out(
      `\nBuilt ${outcomes.length} products in ${formatMs(performance.now() - started)}: ${summary.published} published, ${summary.failed} failed, ${summary.skipped} skipped${summary.waiting ? `, ${summary.waiting} waiting for sources` : ''}.`,
    );
  }
  const incomplete = outcomes.some((o) => o.warnings?.length);
  return summary.failed + summary.skipped + summary.waiting > 0 || incomplete ? 1 : 0;
}
