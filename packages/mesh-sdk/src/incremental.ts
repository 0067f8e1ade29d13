import { createHash } from 'node:crypto';
import type { ColumnSpec } from './columns.js';
import type { DataProduct } from './data-product.js';
import type { Dialect } from './dialect.js';
import type { Relation, TableRef } from './relation.js';
import { renderSql, type SqlFragment, sql } from './sql.js';
import type { Warehouse } from './warehouse.js';

/** Where an incremental product keeps the fingerprint of every input day it was built from. */
export function stateTable(product: DataProduct): TableRef {
  return { schema: product.table.schema, name: `_state_${product.name}` };
}

const column = (name: string, type: ColumnSpec['type'], description: string): ColumnSpec => ({
  name,
  type,
  description,
  nullable: true,
  pii: false,
  key: false,
  values: undefined,
  asString: false,
});

export const STATE_COLUMNS: readonly ColumnSpec[] = [
  column('input', 'string', 'Input of the product'),
  column('day', 'date', 'Day of the input rows'),
  column('row_count', 'integer', 'Rows of the input on that day'),
  column('fingerprint', 'string', 'Fingerprint of those rows (of the build query, for the _build_query row)'),
];

/** The mark of everything besides input rows that shapes the output: the build query itself. */
const QUERY_INPUT = '_build_query';

/**
 * Rows and a fingerprint per input and day (per input, for inputs without a day column),
 * plus the build query: what an incremental build compares with the last one. Only the
 * inputs' contract columns count: a republished upstream with the same rows is no change.
 */
export function fingerprintSelect(product: DataProduct, dialect: Dialect, buildQuery: string): string {
  const parts = Object.entries(product.inputs as Record<string, Relation>).map(([name, relation]) => {
    const dayColumn = product.incremental[name];
    const values = relation.columns.map((c) => sql.id('t', c.name));
    const fingerprint = sql`${sql.rowFingerprint(values)} AS ${sql.id('fingerprint')}`;
    if (!dayColumn) {
      return sql`SELECT ${name} AS ${sql.id('input')}, ${sql.cast(null, 'date')} AS ${sql.id('day')}, COUNT(*) AS ${sql.id('row_count')}, ${fingerprint} FROM ${relation} AS t`;
    }
    const day = sql.toDate(sql.id('t', dayColumn));
    return sql`SELECT ${name} AS ${sql.id('input')}, ${day} AS ${sql.id('day')}, COUNT(*) AS ${sql.id('row_count')}, ${fingerprint} FROM ${relation} AS t GROUP BY ${day}`;
  });
  parts.push(
    sql`SELECT ${QUERY_INPUT} AS ${sql.id('input')}, ${sql.cast(null, 'date')} AS ${sql.id('day')}, ${sql.cast(0, 'integer')} AS ${sql.id('row_count')}, ${createHash('sha256').update(buildQuery).digest('hex')} AS ${sql.id('fingerprint')}`,
  );
  return renderSql(sql.join(parts, ' UNION ALL '), dialect);
}

/** The days an incremental build rebuilds; `null` stands for rows without a day. */
export interface IncrementalPlan {
  readonly days: readonly (string | null)[];
}

const key = (r: Record<string, unknown>) => `${String(r.input)}|${r.day === null ? 'null' : String(r.day)}`;

/**
 * Compares the inputs' fingerprints with those of the last build. Undefined means a full
 * build is needed: never built, no state, another published version, another build query,
 * or a change in an input that has no day column (it may touch every day).
 */
export async function planIncremental(
  warehouse: Warehouse,
  product: DataProduct,
  /** Where this build wrote its inputs' fingerprints (`fingerprintSelect`). */
  current: TableRef,
): Promise<IncrementalPlan | undefined> {
  if (!(await warehouse.tableStats(product.table)) || !(await warehouse.tableStats(stateTable(product))))
    return undefined;
  const dialect = warehouse.dialect;
  const [published] = await warehouse.query(
    renderSql(sql`SELECT ${sql.id('_version')} AS v FROM ${product} LIMIT 1`, dialect),
  );
  if (published && published.v !== product.version) return undefined;
  const read = (table: TableRef) =>
    warehouse.query(renderSql(sql`SELECT * FROM ${sql.raw(dialect.tableName(table))}`, dialect));
  const now = await read(current);
  const stored = await read(stateTable(product));
  const dayless = (input: string) => !product.incremental[input];
  const before = new Map(stored.map((r) => [key(r), `${Number(r.row_count)}:${String(r.fingerprint)}`]));
  const after = new Map(now.map((r) => [key(r), `${Number(r.row_count)}:${String(r.fingerprint)}`]));
  const days = new Set<string | null>();
  const changed = (k: string) => {
    const [input = '', day = 'null'] = k.split('|');
    if (dayless(input)) return true;
    days.add(day === 'null' ? null : day);
    return false;
  };
  for (const [k, v] of after) if (before.get(k) !== v && changed(k)) return undefined;
  for (const k of before.keys()) if (!after.has(k) && changed(k)) return undefined;
  return { days: [...days].sort((a, b) => String(a).localeCompare(String(b))) };
}

/**
 * The new table of an incremental build: the published rows of untouched days, and the
 * transform's rows of the days to rebuild. A filter on the transform's output is exactly a
 * full refresh restricted to those days; warehouses push it down to the inputs' scans.
 */
export function incrementalSelect(
  product: DataProduct,
  select: string,
  plan: IncrementalPlan,
  dialect: Dialect,
): string {
  const partition = product.partitionBy!.column;
  const days = plan.days.filter((d): d is string => d !== null).map((d) => sql.cast(d, 'date'));
  const rebuilt = (alias: string): SqlFragment => {
    const day = sql.toDate(sql.id(alias, partition));
    const parts: SqlFragment[] = [];
    if (days.length) parts.push(sql`${day} IN (${sql.join(days)})`);
    if (plan.days.includes(null)) parts.push(sql`${sql.id(alias, partition)} IS NULL`);
    return parts.length ? sql`(${sql.join(parts, ' OR ')})` : sql`FALSE`;
  };
  return renderSql(
    sql`SELECT * FROM ${product} AS p WHERE NOT COALESCE(${rebuilt('p')}, FALSE) UNION ALL SELECT * FROM (${sql.raw(select)}) AS b WHERE ${rebuilt('b')}`,
    dialect,
  );
}
