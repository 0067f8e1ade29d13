import type { Source } from './source.js';
import { currentRowsSelect } from './source-log.js';
import { renderSql, sql } from './sql.js';
import { tablesIn } from './table-listing.js';
import type { Warehouse } from './warehouse.js';

/**
 * A source whose current rows are not what its log says: a key held more than once, or keys
 * missing or extra. Every ingest, revert and erasure rewrites the current rows in the
 * transaction that changes the log, so this is never the work of the platform: a crash the
 * database did not recover from cleanly (once, after an ingest killed at a random moment, every
 * current row of a source came back twice while its log and batches were whole), or a hand
 * edit. Products built from such rows would count them twice, healthy to every check that does
 * not test the source's key.
 */
export interface SourceDrift {
  readonly source: Source;
  /** Rows of the current table. */
  readonly rows: number;
  /** Distinct keys among them. */
  readonly keys: number;
  /** Keys the log holds now: what the current table should hold, one row each. */
  readonly expected: number;
}

/**
 * The sources (of those given) whose current rows disagree with their log, counted: rows
 * against their distinct keys, and those against the log's. A pass over each source's current
 * rows and log (seconds at scale 30), for `mesh doctor`, not for every build. Sources whose
 * tables are not there yet (nothing ingested), and current rows that are a view of the log (a
 * sample on DuckDB: it cannot disagree), are skipped.
 *
 * @example for (const d of await sourceDrifts(warehouse, mesh.sources)) console.log(describeDrift(d));
 */
export async function sourceDrifts(
  warehouse: Warehouse,
  sources: readonly Source[],
  /** Called as each source is checked (`index` of `of` sources present), for progress. */
  onSource?: (source: Source, index: number, of: number) => void,
): Promise<SourceDrift[]> {
  const dialect = warehouse.dialect;
  const schemas = await tablesIn(warehouse, [...new Set(sources.map((s) => s.table.schema))]);
  const present = (s: Source) =>
    schemas.get(s.table.schema)?.has(s.table.name) && schemas.get(s.log.schema)?.has(s.log.name);
  const drifts: SourceDrift[] = [];
  const checked = sources.filter(present);
  for (const [i, source] of checked.entries()) {
    onSource?.(source, i, checked.length);
    const keys = sql.join(source.key.map((k) => sql.id(k)));
    const log = sql.raw(dialect.tableName(source.log));
    const current = sql.raw(dialect.tableName(source.table));
    // A snapshot's current rows are its newest batch; the other modes keep a row per key of the log.
    const latest =
      source.mode === 'snapshot'
        ? sql` WHERE ${sql.id('_batch_id')} = (SELECT MAX(${sql.id('_batch_id')}) FROM ${log})`
        : sql``;
    const [row] = await warehouse.query(
      renderSql(
        sql`SELECT (SELECT COUNT(*) FROM ${current}) AS ${sql.id('row_count')}, (SELECT COUNT(*) FROM (SELECT DISTINCT ${keys} FROM ${current}) AS k) AS ${sql.id('key_count')}, (SELECT COUNT(*) FROM (SELECT DISTINCT ${keys} FROM ${log}${latest}) AS k) AS ${sql.id('expected')}`,
        dialect,
      ),
    );
    const counts = {
      rows: Number(row?.row_count ?? 0),
      keys: Number(row?.key_count ?? 0),
      expected: Number(row?.expected ?? 0),
    };
    if (counts.rows !== counts.keys || counts.keys !== counts.expected) drifts.push({ source, ...counts });
  }
  return drifts;
}

/** `order.order_lines: its current rows hold 300,000 rows for 150,000 keys, its log 150,000 keys` */
export function describeDrift(drift: SourceDrift): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${drift.source.id}: its current rows hold ${n(drift.rows)} row${drift.rows === 1 ? '' : 's'} for ${n(drift.keys)} key${drift.keys === 1 ? '' : 's'}, its log ${n(drift.expected)} key${drift.expected === 1 ? '' : 's'}`;
}

/**
 * Rebuilds a source's current rows whole from its log, in one statement that replaces the
 * table (readers see the old rows or the new ones): what every ingest would have left.
 */
export async function rebuildCurrentRows(warehouse: Warehouse, source: Source): Promise<void> {
  await warehouse.replaceTable(source.table, currentRowsSelect(source, warehouse.dialect), {
    columns: source.columns,
    description: source.description,
  });
}
