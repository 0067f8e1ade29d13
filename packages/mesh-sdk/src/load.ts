import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnSpec } from './columns.js';
import type { Dialect } from './dialect.js';
import { UsageError } from './errors.js';
import type { Relation } from './relation.js';
import type { SampleContext, Source } from './source.js';
import { renderSql, type SqlFragment, sql } from './sql.js';
import { canIngestFiles, type IngestOptions, type IngestResult, type Warehouse } from './warehouse.js';

/**
 * A portable SELECT of literal rows, each value cast to its column's type; handy for
 * fixtures. An empty list gives an empty result of the right columns.
 *
 * @example
 * selectOfRows(stockLevels.columns, [{ product_id: 'P1', stock: 3 }])
 */
export function selectOfRows(
  columns: readonly ColumnSpec[],
  rows: readonly Record<string, unknown>[],
): SqlFragment {
  const one = (row: Record<string, unknown> | undefined) =>
    sql`SELECT ${sql.join(
      columns.map((c) => {
        const value = row?.[c.name] ?? null;
        const literal = c.type === 'timestamp' && typeof value === 'string' ? new Date(value) : value;
        return sql`${sql.cast(literal as never, c.type)} AS ${sql.id(c.name)}`;
      }),
    )}`;
  if (rows.length === 0) return sql`${one(undefined)} LIMIT 0`;
  return sql.join(rows.map(one), ' UNION ALL ');
}

/** Wraps a SELECT so that its columns are exactly `columns`, in order, cast to their types. */
export function castToColumns(select: string, columns: readonly ColumnSpec[], dialect: Dialect): string {
  return renderSql(
    sql`SELECT ${sql.join(columns.map((c) => sql`${sql.cast(sql.id('s', c.name), c.type)} AS ${sql.id(c.name)}`))} FROM (${sql.raw(select)}) AS s`,
    dialect,
  );
}

/**
 * Replaces a relation's rows with literal rows (fixtures, small reference data). A source gets
 * them as its one sample batch (refused when it holds ingested rows), so its mode applies.
 */
export async function loadRows(
  warehouse: Warehouse,
  relation: Relation,
  rows: readonly Record<string, unknown>[],
): Promise<{ rowCount: number }> {
  const columns = relation.columns;
  await warehouse.ensureDomain(relation.domain);
  const select = renderSql(selectOfRows(columns, rows), warehouse.dialect);
  if (relation.kind === 'source') return warehouse.writeSampleBatch(relation, select, 'fixture rows');
  return warehouse.replaceTable(relation.table, select, { columns });
}

/**
 * Replaces a source's sample with a new one, generated inside the warehouse, as one sample
 * batch. Refused for a source that holds ingested rows.
 */
export async function loadSample(
  warehouse: Warehouse,
  source: Source,
  context: SampleContext,
): Promise<{ rowCount: number }> {
  if (!source.sample) {
    throw new UsageError(
      'no-sample',
      `Source ${source.domain.name}.${source.name} has no sample generator.`,
      {
        domain: source.domain.name,
        source: source.name,
      },
    );
  }
  if (!warehouse.capabilities.sampleData) {
    throw new UsageError(
      'sample-unsupported',
      `The ${warehouse.name} warehouse cannot run sample generators; seed the local DuckDB target instead.`,
      { domain: source.domain.name, source: source.name },
    );
  }
  await warehouse.ensureDomain(source.domain);
  const select = castToColumns(source.sample(context), source.columns, warehouse.dialect);
  return warehouse.writeSampleBatch(source, select, `sample scale=${context.scale} seed=${context.seed}`);
}

/** One CSV cell: empty for NULL, ISO for times, quoted otherwise. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `"${text.replaceAll('"', '""')}"`;
}

/**
 * Ingests literal rows into a source as one batch, exactly as a CSV export of them would
 * arrive (lines in the order given), so the source's mode, cursor and validation apply. For
 * fixtures that need batches: a redelivery, a correction, a status update.
 *
 * @example await ingestRows(warehouse, orders, [{ order_id: 'O1', status: 'cancelled', ... }]);
 */
export async function ingestRows(
  warehouse: Warehouse,
  source: Source,
  rows: readonly Record<string, unknown>[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  if (!canIngestFiles(warehouse)) {
    throw new UsageError('ingest-unsupported', `The ${warehouse.name} warehouse cannot ingest files.`, {
      domain: source.domain.name,
      source: source.name,
    });
  }
  const names = source.columns.map((c) => c.name);
  const text = [names.join(','), ...rows.map((r) => names.map((n) => csvCell(r[n])).join(','))].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'mesh-rows-'));
  const file = join(dir, `${source.name}.csv`);
  try {
    writeFileSync(file, `${text}\n`);
    return await warehouse.ingestFile(source, file, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Takes the sample rows out of sources (reverts their live sample batches), so that they never
 * stand beside real data: a product then waits for the real export (or reads an optional source
 * as empty) instead of publishing real rows joined with synthetic ones. Returns the sources
 * whose sample was withdrawn.
 */
export async function withdrawSamples(warehouse: Warehouse, sources: readonly Source[]): Promise<Source[]> {
  const withdrawn: Source[] = [];
  for (const source of sources) {
    await warehouse.ensureSource(source);
    const live = await warehouse.listBatches({ source: source.id });
    if (!live.length || live.some((b) => b.kind === 'ingest')) continue;
    for (const batch of live) await warehouse.revertBatch(source, batch.batchId);
    withdrawn.push(source);
  }
  return withdrawn;
}
