import { createHash } from 'node:crypto';
import { compileChecks } from './checks.js';
import type { ColumnSpec } from './columns.js';
import type { DataProduct } from './data-product.js';
import type { Dialect } from './dialect.js';
import type { Relation, TableRef } from './relation.js';
import { renderSql, type SqlFragment, sql } from './sql.js';
import type { SqlRow, Warehouse } from './warehouse.js';

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
  column('marker', 'string', 'Latest _processed_at of those rows, for inputs that are products'),
  column('fingerprint', 'string', 'Fingerprint of those rows (of the build query, for the _build_query row)'),
];

/** The mark of everything besides input rows that shapes the output: the build query itself. */
const QUERY_INPUT = '_build_query';
/**
 * The size of the inputs when the product was last built whole (in `row_count`): a rebuild of
 * some days reports their share of it as bytes processed, without sizing the inputs again
 * (on DuckDB that costs as much as the rebuild of a day).
 */
const SIZE_INPUT = '_input_bytes';

/** One row of an incremental product's state: an input's rows on one day (or all of them). */
export interface StateRow {
  readonly input: string;
  /** 'YYYY-MM-DD', or null for an input without a day column (and for the build query). */
  readonly day: string | null;
  readonly rowCount: number;
  /** Cheap to compute, changes whenever the rows do: null where the input has none (sources). */
  readonly marker: string | null;
  readonly fingerprint: string;
}

type Inputs = Array<[string, Relation]>;
const inputsOf = (product: DataProduct): Inputs => Object.entries(product.inputs as Record<string, Relation>);

/**
 * Row count and marker per input and day. A product's rows are only ever written by its
 * builds, each stamping `_processed_at`: a day whose count and latest stamp are those of the
 * last build holds the same rows, and reading two columns costs little next to hashing them
 * all. Sources (current rows, no stamp) have no marker: every day of theirs is hashed.
 */
export function markerSelect(product: DataProduct, dialect: Dialect): string {
  const parts = inputsOf(product).map(([name, relation]) => {
    const dayColumn = product.incremental[name];
    const marker =
      relation.kind === 'data-product'
        ? sql.cast(sql`MAX(${sql.id('t', '_processed_at')})`, 'string')
        : sql.cast(null, 'string');
    const day = dayColumn ? sql.toDate(sql.id('t', dayColumn)) : sql.cast(null, 'date');
    return sql`SELECT ${name} AS ${sql.id('input')}, ${day} AS ${sql.id('day')}, COUNT(*) AS ${sql.id('row_count')}, ${marker} AS ${sql.id('marker')} FROM ${relation} AS t${dayColumn ? sql` GROUP BY ${day}` : sql``}`;
  });
  return renderSql(sql.join(parts, ' UNION ALL '), dialect);
}

/**
 * State rows (input, day, row count, marker, fingerprint) per input and day (per input, for
 * inputs without a day column), for the inputs and days given (every day of an input given
 * `'all'`), plus the build query's row when its hash is given. Only the inputs' contract
 * columns are fingerprinted: a republished upstream with the same rows is no change.
 */
export function stateRowsSelect(
  product: DataProduct,
  dialect: Dialect,
  days: ReadonlyMap<string, 'all' | readonly (string | null)[]>,
  buildQueryHash?: string,
): string | undefined {
  const parts = inputsOf(product).flatMap(([name, relation]) => {
    const wanted = days.get(name);
    if (!wanted || (wanted !== 'all' && !wanted.length)) return [];
    const dayColumn = product.incremental[name];
    const values = relation.columns.map((c) => sql.id('t', c.name));
    const marker =
      relation.kind === 'data-product'
        ? sql.cast(sql`MAX(${sql.id('t', '_processed_at')})`, 'string')
        : sql.cast(null, 'string');
    const measures = sql`COUNT(*) AS ${sql.id('row_count')}, ${marker} AS ${sql.id('marker')}, ${sql.rowFingerprint(values)} AS ${sql.id('fingerprint')}`;
    if (!dayColumn) {
      return [
        sql`SELECT ${name} AS ${sql.id('input')}, ${sql.cast(null, 'date')} AS ${sql.id('day')}, ${measures} FROM ${relation} AS t`,
      ];
    }
    const day = sql.toDate(sql.id('t', dayColumn));
    const where = wanted === 'all' ? sql`` : sql` WHERE ${dayFilter(day, sql.id('t', dayColumn), wanted)}`;
    return [
      sql`SELECT ${name} AS ${sql.id('input')}, ${day} AS ${sql.id('day')}, ${measures} FROM ${relation} AS t${where} GROUP BY ${day}`,
    ];
  });
  if (buildQueryHash !== undefined) parts.push(literalRows([queryRow(buildQueryHash)]));
  return parts.length ? renderSql(sql.join(parts, ' UNION ALL '), dialect) : undefined;
}

/** `day IN (...) OR value IS NULL`, for the days given (null: rows without a day). */
function dayFilter(day: SqlFragment, value: SqlFragment, days: readonly (string | null)[]): SqlFragment {
  const dates = days.filter((d): d is string => d !== null).map((d) => sql.cast(d, 'date'));
  const parts: SqlFragment[] = [];
  if (dates.length) parts.push(sql`${day} IN (${sql.join(dates)})`);
  if (days.includes(null)) parts.push(sql`${value} IS NULL`);
  return parts.length ? sql`(${sql.join(parts, ' OR ')})` : sql`FALSE`;
}

/** A predicate over `alias` that holds for the rows of the days a plan rebuilds. */
export function rebuiltDaysWhere(product: DataProduct, plan: IncrementalPlan, alias: string): SqlFragment {
  const column = sql.id(alias, product.partitionBy!.column);
  return dayFilter(sql.toDate(column), column, plan.days);
}

/**
 * The products that incremental products read one day at a time (by the day column that is
 * also the input's partition column), and the incremental products themselves (rebuilt a day
 * at a time). Where the warehouse has no partitions, their rows are worth writing in day order:
 * a day's rows then sit in a few row groups, which is what makes a one-day rebuild cheap
 * (measured on order_daily_sales at scale 30: 132 ms sorted against 667 ms unsorted).
 */
export function readByDay(products: readonly DataProduct[]): Set<string> {
  const ids = new Set<string>();
  for (const product of products) {
    if (product.materialization !== 'incremental') continue;
    ids.add(product.id);
    for (const [name, relation] of inputsOf(product)) {
      const day = product.incremental[name];
      if (day && relation.kind === 'data-product' && relation.partitionBy?.column === day)
        ids.add(relation.id);
    }
  }
  return ids;
}

/** The days an incremental build rebuilds; `null` stands for rows without a day. */
export interface IncrementalPlan {
  readonly days: readonly (string | null)[];
}

/**
 * How the state changes with this build: written whole (a full build: the SELECT hashes every
 * input day), or the rows of some input days replaced (`deleteWhere`, then `insert`'s rows).
 */
export type StateUpdate =
  | { readonly kind: 'whole'; readonly select: string }
  | { readonly kind: 'rows'; readonly deleteWhere: string; readonly insert: string | undefined };

/** What an incremental build found: the plan (undefined: a full build) and how its state changes. */
export interface IncrementalState {
  readonly plan: IncrementalPlan | undefined;
  /** Undefined when the state stays as it is. */
  readonly update: StateUpdate | undefined;
  /** Input days whose rows were hashed to plan: the ones whose marker changed, or all of a source's. */
  readonly hashedDays: number;
  /** Input days there are (rows per input and day, as counted to plan; 0 for a full build). */
  readonly inputDays: number;
  /** The inputs' size at the last full build, where it was kept. */
  readonly inputBytes?: number | undefined;
}

const keyOf = (input: string, day: string | null) => `${input}|${day ?? ''}`;
const dayOf = (value: unknown): string | null =>
  value === null || value === undefined
    ? null
    : value instanceof Date
      ? value.toISOString().slice(0, 10)
      : String(value);

function stateRowOf(row: SqlRow): StateRow {
  return {
    input: String(row.input),
    day: dayOf(row.day),
    rowCount: Number(row.row_count),
    marker: row.marker === null || row.marker === undefined ? null : String(row.marker),
    fingerprint: row.fingerprint === null || row.fingerprint === undefined ? '' : String(row.fingerprint),
  };
}

const queryRow = (hash: string): StateRow => ({
  input: QUERY_INPUT,
  day: null,
  rowCount: 0,
  marker: null,
  fingerprint: hash,
});

/**
 * Compares the inputs with the last build's state: counts and markers first, then fingerprints
 * of the days whose marker changed (or that have none). The plan is undefined when a full build
 * is needed: asked for, never built, no state, another published version, another build query,
 * or a change in an input that has no day column (it may touch every day).
 */
export async function planIncremental(
  warehouse: Warehouse,
  product: DataProduct,
  buildQuery: string,
  options: { fullRefresh?: boolean } = {},
): Promise<IncrementalState> {
  const dialect = warehouse.dialect;
  // The checks are part of what was built: some of them run on rebuilt days only, which holds
  // only while they are the checks every published day passed (see `checksWithinDays`).
  const checks = compileChecks(product, product.checks, dialect, (r) => r.table).sql;
  const severities = product.checks.map((c) => c.severity).join(',');
  const hash = createHash('sha256').update(`${buildQuery}\n${checks}\n${severities}`).digest('hex');
  const all = new Map(inputsOf(product).map(([name]) => [name, 'all' as const]));
  const full = (hashedDays: number): IncrementalState => ({
    plan: undefined,
    update: { kind: 'whole', select: stateRowsSelect(product, dialect, all, hash)! },
    hashedDays,
    inputDays: 0,
  });
  const found = options.fullRefresh ? undefined : await storedState(warehouse, product);
  const stored = found?.state;
  const previous = new Map((stored ?? []).map((r) => [keyOf(r.input, r.day), r]));
  if (!stored || previous.get(keyOf(QUERY_INPUT, null))?.fingerprint !== hash) return full(0);

  const markers = found.markers;
  // Days to hash: those whose count or marker moved, or that have no marker.
  const toHash = new Map<string, 'all' | Array<string | null>>();
  for (const m of markers) {
    const before = previous.get(keyOf(m.input, m.day));
    if (m.marker !== null && before?.marker === m.marker && before.rowCount === m.rowCount) continue;
    if (m.marker === null || !product.incremental[m.input]) toHash.set(m.input, 'all');
    else {
      const days = toHash.get(m.input) ?? [];
      if (days !== 'all') toHash.set(m.input, [...days, m.day]);
    }
  }
  const hashSql = stateRowsSelect(product, dialect, toHash);
  const hashed = (hashSql ? await warehouse.query(hashSql) : []).map(stateRowOf);
  const present = new Set(markers.map((m) => keyOf(m.input, m.day)));
  const removed = [...previous.values()].filter(
    (r) => r.input !== QUERY_INPUT && r.input !== SIZE_INPUT && !present.has(keyOf(r.input, r.day)),
  );

  const days = new Set<string | null>();
  for (const r of hashed) {
    const before = previous.get(keyOf(r.input, r.day));
    if (before && before.rowCount === r.rowCount && before.fingerprint === r.fingerprint) continue;
    if (!product.incremental[r.input]) return full(hashed.length);
    days.add(r.day);
  }
  for (const r of removed) {
    if (!product.incremental[r.input]) return full(hashed.length);
    days.add(r.day);
  }
  // The state rows of every hashed or removed day are replaced; the others stand.
  const replaced = new Map<string, Array<string | null>>();
  for (const r of [...hashed, ...removed]) replaced.set(r.input, [...(replaced.get(r.input) ?? []), r.day]);
  const update: StateUpdate | undefined = replaced.size
    ? {
        kind: 'rows',
        deleteWhere: renderSql(
          sql.join(
            [...replaced].map(
              ([input, ds]) =>
                sql`(${sql.id('input')} = ${input} AND ${dayFilter(sql.id('day'), sql.id('day'), ds)})`,
            ),
            ' OR ',
          ),
          dialect,
        ),
        insert: hashed.length ? renderSql(literalRows(hashed), dialect) : undefined,
      }
    : undefined;
  return {
    plan: { days: [...days].sort((a, b) => String(a).localeCompare(String(b))) },
    update,
    hashedDays: hashed.length,
    inputDays: markers.length,
    inputBytes: previous.get(keyOf(SIZE_INPUT, null))?.rowCount,
  };
}

/**
 * The state of the published build, when it can be compared with (same version, state kept),
 * and the inputs' markers today: one query, so one round trip and one plan. The version stamped
 * on the published rows rides beside each state row. A table missing (never built, or its state
 * lost) fails it, and means a full build, as any other failure does: a full build is always
 * correct, and reports what is wrong with an input.
 */
async function storedState(
  warehouse: Warehouse,
  product: DataProduct,
): Promise<{ state: StateRow[]; markers: StateRow[] } | undefined> {
  const dialect = warehouse.dialect;
  const version = sql`(SELECT ${sql.id('p', '_version')} FROM ${product} AS p LIMIT 1)`;
  const kind = sql.id('_kind');
  const columns = ['input', 'day', 'row_count', 'marker'].map((c) => sql.id('r', c));
  const rows = await warehouse
    .query(
      renderSql(
        sql`SELECT ${'state'} AS ${kind}, ${sql.join(columns)}, ${sql.id('r', 'fingerprint')}, ${version} AS ${sql.id('_published_version')}
          FROM ${sql.raw(dialect.tableName(stateTable(product)))} AS r
          UNION ALL
          SELECT ${'marker'} AS ${kind}, ${sql.join(columns)}, ${sql.cast(null, 'string')}, ${sql.cast(null, 'string')}
          FROM (${sql.raw(markerSelect(product, dialect))}) AS r`,
        dialect,
      ),
    )
    .catch(() => undefined);
  const state = rows?.filter((r) => r._kind === 'state') ?? [];
  // No row: no state to compare with; a published table of another version: its state is not ours.
  if (!state.length || state.some((r) => r._published_version !== product.version)) return undefined;
  return {
    state: state.map(stateRowOf),
    markers: rows!.filter((r) => r._kind === 'marker').map(stateRowOf),
  };
}

/** A whole new state with the size of the inputs it was built from (see `SIZE_INPUT`). */
export function withInputBytes(update: StateUpdate, bytes: number, dialect: Dialect): StateUpdate {
  if (update.kind !== 'whole') return update;
  const size = literalRows([
    { input: SIZE_INPUT, day: null, rowCount: bytes, marker: null, fingerprint: '' },
  ]);
  return { kind: 'whole', select: renderSql(sql`${sql.raw(update.select)} UNION ALL ${size}`, dialect) };
}

/** State rows as a SELECT of literals. */
function literalRows(rows: readonly StateRow[]): SqlFragment {
  return sql.join(
    rows.map(
      (r) =>
        sql`SELECT ${sql.cast(r.input, 'string')} AS ${sql.id('input')}, ${sql.cast(r.day, 'date')} AS ${sql.id('day')}, ${sql.cast(r.rowCount, 'integer')} AS ${sql.id('row_count')}, ${sql.cast(r.marker, 'string')} AS ${sql.id('marker')}, ${sql.cast(r.fingerprint, 'string')} AS ${sql.id('fingerprint')}`,
    ),
    ' UNION ALL ',
  );
}

/** The whole new state as a SELECT: for warehouses that publish it through staging. */
export function newStateSelect(product: DataProduct, update: StateUpdate, dialect: Dialect): string {
  if (update.kind === 'whole') return update.select;
  const kept = sql`SELECT * FROM ${sql.raw(dialect.tableName(stateTable(product)))} WHERE NOT COALESCE((${sql.raw(update.deleteWhere)}), FALSE)`;
  return renderSql(update.insert ? sql`${kept} UNION ALL ${sql.raw(update.insert)}` : kept, dialect);
}

/** The transform's rows of the days to rebuild: exactly a full refresh restricted to them. */
export function rebuiltRowsSelect(
  product: DataProduct,
  select: string,
  plan: IncrementalPlan,
  dialect: Dialect,
): string {
  const partition = product.partitionBy!.column;
  return renderSql(
    sql`SELECT * FROM (${sql.raw(select)}) AS b WHERE ${dayFilter(sql.toDate(sql.id('b', partition)), sql.id('b', partition), plan.days)}`,
    dialect,
  );
}

/**
 * The new table of an incremental build, for warehouses that publish through staging: the
 * published rows of untouched days, and the transform's rows of the days to rebuild.
 * Warehouses push the filter down to the inputs' scans.
 */
export function incrementalSelect(
  product: DataProduct,
  select: string,
  plan: IncrementalPlan,
  dialect: Dialect,
): string {
  const partition = product.partitionBy!.column;
  const kept = dayFilter(sql.toDate(sql.id('p', partition)), sql.id('p', partition), plan.days);
  return renderSql(
    sql`SELECT * FROM ${product} AS p WHERE NOT COALESCE(${kept}, FALSE) UNION ALL ${sql.raw(rebuiltRowsSelect(product, select, plan, dialect))}`,
    dialect,
  );
}
