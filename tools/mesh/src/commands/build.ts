import {
  type BuildOutcome,
  buildMesh,
  describeSubject,
  type MeshDefinition,
  type Warehouse,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, newRunId, withWarehouse } from '../context.js';
import { enforcePolicies } from '../governance.js';
import { loadMesh, selectProducts } from '../mesh.js';
import { color, formatInt, formatMs, table } from '../style.js';

/** Builds the named products (and what they need) and reports per product. */
export async function buildProducts(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  names: readonly string[],
  io?: Io,
): Promise<{ runId: string; outcomes: BuildOutcome[] }> {
  const runId = newRunId();
  let total = 0;
  let done = 0;
  const outcomes = await buildMesh(warehouse, selectProducts(mesh, names), {
    runId,
    onEvent: (event) => {
      if (event.type === 'planned') total = event.plan.order.length;
      if (event.type === 'started') io?.progress.step(`building ${event.product.id} (${done + 1}/${total})`);
      if (event.type === 'finished') {
        done++;
        const o = event.outcome;
        io?.progress.log(`${statusLabel(o.status)} ${o.product.id} ${color.dim(formatMs(o.durationMs))}`);
      }
    },
  });
  io?.progress.done();
  return { runId, outcomes };
}

export function statusLabel(status: string): string {
  if (status === 'published' || status === 'tested' || status === 'healthy') return color.green(status);
  if (status === 'skipped' || status === 'degraded' || status === 'stale') return color.yellow(status);
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
  };
}

export function buildReport(outcomes: readonly BuildOutcome[]): string {
  const rows = outcomes.map((o) => [
    o.product.id,
    statusLabel(o.status),
    o.status === 'published' ? formatInt(o.rowCount) : '-',
    o.checks ? `${o.checks.outcomes.filter((c) => c.passed).length}/${o.checks.outcomes.length}` : '-',
    formatMs(o.durationMs),
  ]);
  const lines = [table(['PRODUCT', 'STATUS', 'ROWS', 'CHECKS', 'TIME'], rows)];
  for (const o of outcomes) {
    if (o.error)
      lines.push(
        `${color.red('✗')} ${o.error.code} (${describeSubject(o.error.subject)}): ${o.error.message}`,
      );
    for (const c of o.checks?.outcomes ?? []) {
      if (!c.passed && c.severity === 'warn')
        lines.push(`${color.yellow('!')} ${o.product.id} warning ${c.name}: ${c.observed}`);
    }
  }
  return lines.join('\n');
}

export function buildSummary(outcomes: readonly BuildOutcome[]): {
  published: number;
  failed: number;
  skipped: number;
} {
  return {
    published: outcomes.filter((o) => o.status === 'published').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
  };
}

export async function run(values: GlobalOptions, names: string[], io: Io): Promise<number> {
  const mesh = loadMesh();
  enforcePolicies(mesh, io, values.json === true);
  const started = performance.now();
  const { runId, outcomes } = await withWarehouse(values, (warehouse) =>
    buildProducts(warehouse, mesh, names, io),
  );
  const summary = buildSummary(outcomes);
  if (values.json) {
    io.out(JSON.stringify({ runId, summary, products: outcomes.map(outcomeJson) }, null, 2));
  } else {
    io.out(buildReport(outcomes));
    io.out(
      `\nBuilt ${outcomes.length} products in ${formatMs(performance.now() - started)}: ${summary.published} published, ${summary.failed} failed, ${summary.skipped} skipped.`,
    );
  }
  return summary.failed + summary.skipped > 0 ? 1 : 0;
}
