import { createHash } from 'node:crypto';
import { compileChecks } from './checks.js';
import type { ColumnSpec } from './columns.js';
import type { DataProduct } from './data-product.js';
import type { Dialect } from './dialect.js';
import type { Relation, TableRef } from './relation.js';
import { renderSql, type SqlFragment, sql } from './sql.js';
import type { SqlRow, TableStats, Warehouse } from './warehouse.js';

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

/**
 * The share of an input's days whose markers moved from which its day digest is consulted, where
 * markers are cheap to read (see `planIncremental`): an upstream rebuilt whole moves them all.
 */
const MANY_MOVED = 0.25;

/** The mark of everything besides input rows that shapes the output: the build query itself. */
const QUERY_INPUT = '_build_query';
/**
 * The size of the inputs when the product was last built whole (in `row_count`): a rebuild of
 * some days reports their share of it as bytes processed, without sizing the inputs again
 * (on DuckDB that costs as much as the rebuild of a day).
 */
const SIZE_INPUT = '_input_bytes';
/**
 * The rows the published table held when the state was last written (in `row_count`), set
 * once the publish knows its count (`publishedRowsSql`, `withPublishedRows`). A table holding
 * another number now lost or gained rows outside a build (deleted by hand), which no input day
 * shows: the build is whole. A state without it is not trusted either.
 */
const ROWS_INPUT = '_published_rows';

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
export function markerSelect(
  product: DataProduct,
  dialect: Dialect,
  digested: ReadonlySet<string> = new Set(),
): string | undefined {
  const parts = inputsOf(product).flatMap(([name, relation]) => {
    if (digested.has(name)) return [];
    const dayColumn = product.incremental[name];
    const marker =
      relation.kind === 'data-product'
        ? sql.cast(sql`MAX(${sql.id('t', '_processed_at')})`, 'string')
        : sql.cast(null, 'string');
    const day = dayColumn ? dayExpr(relation, dayColumn, 't') : sql.cast(null, 'date');
    return [
      sql`SELECT ${name} AS ${sql.id('input')}, ${day} AS ${sql.id('day')}, COUNT(*) AS ${sql.id('row_count')}, ${marker} AS ${sql.id('marker')} FROM ${relation} AS t${dayColumn ? sql` GROUP BY ${day}` : sql``}`,
    ];
  });
  return parts.length ? renderSql(sql.join(parts, ' UNION ALL '), dialect) : undefined;
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
    const day = dayExpr(relation, dayColumn, 't');
    const where = wanted === 'all' ? sql`` : sql` WHERE ${dayFilter(day, sql.id('t', dayColumn), wanted)}`;
    return [
      sql`SELECT ${name} AS ${sql.id('input')}, ${day} AS ${sql.id('day')}, ${measures} FROM ${relation} AS t${where} GROUP BY ${day}`,
    ];
  });
  if (buildQueryHash !== undefined) parts.push(literalRows([queryRow(buildQueryHash)], dialect));
  return parts.length ? renderSql(sql.join(parts, ' UNION ALL '), dialect) : undefined;
}

/**
 * A column of a relation as a day: the column itself when it is a date, so that a filter on a
 * partition column is on the bare column (what BigQuery prunes partitions by), else its date.
 */
function dayExpr(relation: Relation, column: string, alias: string): SqlFragment {
  const id = sql.id(alias, column);
  return relation.columns.find((c) => c.name === column)?.type === 'date' ? id : sql.toDate(id);
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
  return dayFilter(dayExpr(product, product.partitionBy!.column, alias), column, plan.days);
}

/**
 * The products that incremental products read one day at a time: by a day column that is also
 * the product's partition column. Each keeps a day digest (see `dayDigestSelect`), so that its
 * readers plan from it instead of reading every day of it.
 */
export function readDaily(products: readonly DataProduct[]): Set<string> {
  const ids = new Set<string>();
  for (const product of products) {
    if (product.materialization !== 'incremental') continue;
    for (const [name, relation] of inputsOf(product))
      if (readsDaily(product, name, relation)) ids.add(relation.id);
  }
  return ids;
}

/** Whether `product` reads its input `name` one day at a time, by the input's partition column. */
function readsDaily(product: DataProduct, name: string, relation: Relation): relation is DataProduct {
  const day = product.incremental[name];
  return Boolean(day) && relation.kind === 'data-product' && relation.partitionBy?.column === day;
}

/** Where a product read one day at a time keeps its day digest. */
export function digestTable(ref: TableRef): TableRef {
  return { schema: ref.schema, name: `_days_${ref.name}` };
}

/** The digest row that says which version of the table the digest describes. */
const TABLE_INPUT = '_table';
/** The digest rows of the days. */
const DAY_INPUT = '_day';

/**
 * A product's day digest, as a SELECT: per day of its partition column, the rows and their
 * fingerprint, exactly as an incremental reader's state holds them (see `stateRowsSelect`),
 * and a row naming the version of the table it was computed from (`stats`, read after the
 * publish: its row count, and its last change as the marker). A reader trusts the digest only
 * while the table's stats are still those: a digest left behind by a write that failed, or a
 * table changed since by anything else, is read as no digest.
 *
 * Kept at publish, it spares each incremental reader a pass over every day of the product: on
 * BigQuery, a one-day change upstream then bills the reader that day, not the whole history.
 */
export function dayDigestSelect(product: DataProduct, dialect: Dialect, stats: TableStats): string {
  const day = dayExpr(product, product.partitionBy!.column, 't');
  const values = product.columns.map((c) => sql.id('t', c.name));
  // Each day's marker too, as `markerSelect` reads it: a reader's state made from the digest
  // then still spares it the days that did not move, on a build where the digest is not current.
  const marker = sql.cast(sql`MAX(${sql.id('t', '_processed_at')})`, 'string');
  const header: StateRow = {
    input: TABLE_INPUT,
    day: null,
    rowCount: stats.rowCount,
    marker: stats.lastModified!.toISOString(),
    fingerprint: '',
  };
  return renderSql(
    sql`SELECT ${DAY_INPUT} AS ${sql.id('input')}, ${day} AS ${sql.id('day')}, COUNT(*) AS ${sql.id('row_count')}, ${marker} AS ${sql.id('marker')}, ${sql.rowFingerprint(values)} AS ${sql.id('fingerprint')} FROM ${product} AS t GROUP BY ${day} UNION ALL ${literalRows([header], dialect)}`,
    dialect,
  );
}

/**
 * The day digests of the inputs `product` reads one day at a time, by input name, for those
 * whose digest describes the table as it is now (its header matches the table's stats).
 * Missing, unreadable or out of date: no digest, and the input is read as before.
 */
async function inputDigests(
  warehouse: Warehouse,
  product: DataProduct,
  only?: ReadonlySet<string>,
): Promise<Map<string, StateRow[]>> {
  const digests = new Map<string, StateRow[]>();
  await Promise.all(
    inputsOf(product).map(async ([name, relation]) => {
      if (!readsDaily(product, name, relation) || (only && !only.has(name))) return;
      const days = await currentDigest(warehouse, relation.table);
      if (days)
        digests.set(
          name,
          days.map((r) => ({ ...r, input: name })),
        );
    }),
  );
  return digests;
}

/**
 * The day rows of the digest of `table`, when the digest describes the table as it is now (its
 * header matches the table's stats, read here unless `known`); undefined when missing,
 * unreadable or out of date.
 */
export async function currentDigest(
  warehouse: Warehouse,
  table: TableRef,
  known?: TableStats,
): Promise<StateRow[] | undefined> {
  const [rows, stats] = await Promise.all([
    warehouse
      .query(`SELECT * FROM ${warehouse.dialect.tableName(digestTable(table))}`)
      .catch(() => undefined),
    known ?? warehouse.tableStats(table).catch(() => undefined),
  ]);
  const digest = (rows ?? []).map(stateRowOf);
  const header = digest.find((r) => r.input === TABLE_INPUT);
  if (!header || !stats?.lastModified) return undefined;
  if (header.rowCount !== stats.rowCount || header.marker !== stats.lastModified.toISOString())
    return undefined;
  return digest.filter((r) => r.input === DAY_INPUT);
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
  // Inputs with a current day digest are planned from it: none of their days is read. Where
  // tables are partitioned (BigQuery), reading every day's markers is billed for every day, so
  // digests come first. Elsewhere markers cost little, and a digest (a read and the input's
  // stats, tens of ms on DuckDB) is consulted only where it saves hashing many days: for a
  // whole state, and for an input many of whose days moved (an upstream rebuilt whole).
  const partitioned = warehouse.capabilities.partitioning;
  const digests = partitioned ? await inputDigests(warehouse, product) : new Map<string, StateRow[]>();
  const digested = () => [...digests.values()].flat();
  const full = async (hashedDays: number): Promise<IncrementalState> => {
    if (!partitioned)
      for (const [name, rows] of await inputDigests(warehouse, product)) digests.set(name, rows);
    const all = new Map(
      inputsOf(product)
        .filter(([name]) => !digests.has(name))
        .map(([name]) => [name, 'all' as const]),
    );
    const rows = stateRowsSelect(product, dialect, all, hash)!;
    return {
      plan: undefined,
      update: {
        kind: 'whole',
        select: digests.size
          ? renderSql(sql`${sql.raw(rows)} UNION ALL ${literalRows(digested(), dialect)}`, dialect)
          : rows,
      },
      hashedDays,
      inputDays: 0,
    };
  };
  const found = options.fullRefresh
    ? undefined
    : await storedState(warehouse, product, new Set(digests.keys()), !partitioned);
  const stored = found?.state;
  const previous = new Map((stored ?? []).map((r) => [keyOf(r.input, r.day), r]));
  if (!stored || previous.get(keyOf(QUERY_INPUT, null))?.fingerprint !== hash) return full(0);

  for (const [name, rows] of found.digests) digests.set(name, rows);
  let markers = found.markers;
  // Days to hash: those whose count or marker moved, or that have no marker.
  const toHash = new Map<string, 'all' | Array<string | null>>();
  const daysOf = new Map<string, number>();
  for (const m of markers) {
    daysOf.set(m.input, (daysOf.get(m.input) ?? 0) + 1);
    const before = previous.get(keyOf(m.input, m.day));
    if (m.marker !== null && before?.marker === m.marker && before.rowCount === m.rowCount) continue;
    if (m.marker === null || !product.incremental[m.input]) toHash.set(m.input, 'all');
    else {
      const days = toHash.get(m.input) ?? [];
      if (days !== 'all') toHash.set(m.input, [...days, m.day]);
    }
  }
  const many = [...toHash].filter(
    ([name, days]) =>
      days !== 'all' && days.length > MANY_MOVED * (daysOf.get(name) ?? 0) && !found.stale.has(name),
  );
  if (many.length) {
    for (const [name, rows] of await inputDigests(warehouse, product, new Set(many.map(([n]) => n)))) {
      digests.set(name, rows);
      toHash.delete(name);
    }
    markers = markers.filter((m) => !digests.has(m.input));
  }
  // Days the planning query already hashed (those holding newer rows) are not hashed again.
  const prehashed = found.hashed.filter((r) => !digests.has(r.input));
  for (const r of prehashed) {
    const days = toHash.get(r.input);
    if (days && days !== 'all') {
      const rest = days.filter((d) => d !== r.day);
      if (rest.length) toHash.set(r.input, rest);
      else toHash.delete(r.input);
    }
  }
  const hashSql = stateRowsSelect(product, dialect, toHash);
  const hashed = [...prehashed, ...(hashSql ? await warehouse.query(hashSql) : []).map(stateRowOf)];
  // A digest's days carry their fingerprints: those that moved count as hashed, unread. Those
  // whose marker alone moved are kept with it, so that a build without a current digest later
  // does not hash them again.
  const moved = digested().filter((r) => {
    const before = previous.get(keyOf(r.input, r.day));
    return (
      !before ||
      before.rowCount !== r.rowCount ||
      before.fingerprint !== r.fingerprint ||
      before.marker !== r.marker
    );
  });
  const hashedDays = hashed.length;
  hashed.push(...moved);
  const present = new Set([...markers, ...digested()].map((m) => keyOf(m.input, m.day)));
  const removed = [...previous.values()].filter(
    (r) =>
      r.input !== QUERY_INPUT &&
      r.input !== SIZE_INPUT &&
      r.input !== ROWS_INPUT &&
      !present.has(keyOf(r.input, r.day)),
  );

  const days = new Set<string | null>();
  for (const r of hashed) {
    const before = previous.get(keyOf(r.input, r.day));
    if (before && before.rowCount === r.rowCount && before.fingerprint === r.fingerprint) continue;
    if (!product.incremental[r.input]) return full(hashedDays);
    days.add(r.day);
  }
  for (const r of removed) {
    if (!product.incremental[r.input]) return full(hashedDays);
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
        insert: hashed.length ? renderSql(literalRows(hashed, dialect), dialect) : undefined,
      }
    : undefined;
  return {
    plan: { days: [...days].sort((a, b) => String(a).localeCompare(String(b))) },
    update,
    hashedDays,
    inputDays: markers.length + digested().length,
    inputBytes: previous.get(keyOf(SIZE_INPUT, null))?.rowCount,
  };
}

/**
 * A marker (a stamp written as text: '2026-12-01 10:00:00.000001' on DuckDB, with `+00` after it
 * on BigQuery) in microseconds since 1970; undefined for text of another shape, which costs the
 * day a count of its rows instead.
 */
export function markerMicros(marker: string): bigint | undefined {
  const parts = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:Z|[+]00(?::?00)?)?$/.exec(
    marker,
  );
  if (!parts) return undefined;
  const ms = Date.parse(`${parts[1]}T${parts[2]}Z`);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1000n + BigInt((parts[3] ?? '').padEnd(6, '0'));
}

/** The latest of the rows' markers (stamps as text, which sort as the stamps do). */
function latestMarker(rows: readonly StateRow[]): string | null {
  return rows.reduce<string | null>(
    (max, r) => (r.marker !== null && (max === null || r.marker > max) ? r.marker : max),
    null,
  );
}

/**
 * Whether the state's days that did not move (`kept`) and the moved days as they are now
 * (`moved`, with the sum of their stamps) make up the table as its totals show it: the same
 * rows, the same latest stamp and the same sum of stamps (`sum`). A state's day counts as its
 * rows each stamped with the day's marker, as a build writes a day in one transaction; a day
 * rewritten with a stamp no later than the state's (a clock set back) changes the sum.
 */
function addsUp(
  kept: readonly StateRow[],
  moved: ReadonlyArray<{ row: StateRow; stamps: string }>,
  total: StateRow,
  sum: string,
): boolean {
  const now = [...kept, ...moved.map((m) => m.row)];
  if (now.reduce((n, r) => n + r.rowCount, 0) !== total.rowCount) return false;
  if (total.rowCount === 0) return true;
  if (latestMarker(now) !== total.marker) return false;
  let expected = 0n;
  // Days written by one build share its marker: each is parsed once.
  const parsed = new Map<string, bigint | undefined>();
  for (const r of kept) {
    if (r.marker === null) return false;
    let us = parsed.get(r.marker);
    if (us === undefined && !parsed.has(r.marker)) {
      us = markerMicros(r.marker);
      parsed.set(r.marker, us);
    }
    if (us === undefined) return false;
    expected += us * BigInt(r.rowCount);
  }
  for (const m of moved) {
    if (!/^\d+$/.test(m.stamps)) return false;
    expected += BigInt(m.stamps);
  }
  return String(expected) === sum;
}

/**
 * The state of the published build, when it can be compared with (same version, state kept),
 * and the inputs' markers today. The version stamped on the published rows rides beside each
 * state row. A table missing (never built, or its state lost) fails the read, and means a full
 * build, as any other failure does: a full build is always correct, and reports what is wrong
 * with an input.
 *
 * Inputs are counted day by day (`markerSelect`) in the same query as the state, but for an
 * upstream product read by its partition column, given `cheap` (a query costs milliseconds, not
 * a billed scan of every day's partition): its row count, earliest, latest and summed stamps
 * come instead. Every build of a product stamps the rows it writes, a day at a time or whole, so:
 * - no row stamped after the state's latest marker: the state's days are today's, if the totals
 *   say so;
 * - some rows newer: only the days holding them are counted and hashed (in the same query, the
 *   state's latest marker read there, when at most a quarter of the days moved, else in a second;
 *   on DuckDB the filter on the stamp skips the row groups holding none), and the state's other
 *   days with those must add up to the totals (see `addsUp`);
 * - every row newer (an upstream rebuilt whole): its day digest, if it describes the table as
 *   the totals show it, gives the days without reading any.
 * Where that does not hold (rows removed by hand, a day rewritten under a clock set back, no
 * current digest), every day of that input is counted after all. Like the markers, this trusts
 * that nothing but builds writes a product: rows moved between days by hand, keeping the count
 * and the stamps, would go unseen (the markers saw that; the price was a pass over every row).
 * One-day change on order_daily_sales at scale 30: about 11 ms to plan (the state, then one
 * query), against about 17 ms (state with every day counted, then the day hashed); an upstream
 * rebuilt whole: the digest alone, where every day was counted first.
 */
async function storedState(
  warehouse: Warehouse,
  product: DataProduct,
  digested: ReadonlySet<string>,
  cheap: boolean,
): Promise<
  | {
      state: StateRow[];
      markers: StateRow[];
      /** Day digests read for inputs rebuilt whole, and the inputs whose digest was not current. */
      digests: Map<string, StateRow[]>;
      stale: Set<string>;
      /** Days already hashed: those holding newer rows. */
      hashed: StateRow[];
    }
  | undefined
> {
  const dialect = warehouse.dialect;
  const version = sql`(SELECT ${sql.id('p', '_version')} FROM ${product} AS p LIMIT 1)`;
  const publishedRows = sql.cast(sql`(SELECT COUNT(*) FROM ${product} AS p)`, 'integer');
  const kind = sql.id('_kind');
  const columns = ['input', 'day', 'row_count', 'marker'].map((c) => sql.id('r', c));
  const stamp = (alias: string) => sql.id(alias, '_processed_at');
  const latest = sql`${sql.cast(sql`MAX(${stamp('t')})`, 'string')} AS ${sql.id('marker')}`;
  const stamps = sql`${sql.stampSum(stamp('t'))} AS ${sql.id('stamps')}`;
  const none = sql.cast(null, 'string');
  // Rows shaped as the state's, tagged with their kind, with the earliest stamp and the sum of
  // the stamps where they are read.
  const tagged = (
    k: string,
    select: SqlFragment,
    extra: { earliest?: boolean; stamps?: boolean; fingerprint?: boolean } = {},
  ) =>
    sql`SELECT ${k} AS ${kind}, ${sql.join(columns)}, ${extra.fingerprint ? sql.id('r', 'fingerprint') : none} AS ${sql.id('fingerprint')}, ${none} AS ${sql.id('_published_version')}, ${sql.cast(null, 'integer')} AS ${sql.id('_published_rows')}, ${extra.earliest ? sql.id('r', 'earliest') : none} AS ${sql.id('earliest')}, ${extra.stamps ? sql.id('r', 'stamps') : none} AS ${sql.id('stamps')} FROM (${select}) AS r`;
  const inputs = new Map(inputsOf(product));
  const fast = new Set(
    cheap
      ? [...inputs]
          .filter(([name, r]) => readsDaily(product, name, r) && !digested.has(name))
          .map(([name]) => name)
      : [],
  );
  const markersOf = (names: ReadonlySet<string>) =>
    markerSelect(product, dialect, new Set([...inputs.keys()].filter((n) => !names.has(n))));
  const stateRef = sql.raw(dialect.tableName(stateTable(product)));
  // The days of an input holding rows stamped after `since`, counted and hashed as
  // `stateRowsSelect` hashes a day (these are the days that moved), each with `since` as text;
  // none at all when more than `most` days hold such rows.
  const newerDays = (name: string, since: SqlFragment, most?: SqlFragment) => {
    const relation = inputs.get(name)!;
    const column = product.incremental[name]!;
    const day = dayExpr(relation, column, 't');
    // GROUP BY, not DISTINCT: on DuckDB a date key then gets its perfect hash table (the whole
    // planning query of a one-day change at scale 30: 6.5 ms against 8).
    const newerDay = dayExpr(relation, column, 'n');
    const moved = sql`SELECT ${newerDay} AS ${sql.id('d')} FROM ${relation} AS n WHERE ${stamp('n')} > ${since} GROUP BY ${newerDay}`;
    const days = most
      ? sql`SELECT ${sql.id('m', 'd')} FROM (SELECT ${sql.id('d')}, COUNT(*) OVER () AS ${sql.id('k')} FROM (${moved}) AS c) AS m WHERE ${sql.id('m', 'k')} <= ${most}`
      : moved;
    return tagged(
      'newer',
      sql`SELECT ${name} AS ${sql.id('input')}, ${day} AS ${sql.id('day')}, COUNT(*) AS ${sql.id('row_count')}, ${latest}, ${sql.rowFingerprint(relation.columns.map((c) => sql.id('t', c.name)))} AS ${sql.id('fingerprint')}, ${sql.cast(since, 'string')} AS ${sql.id('earliest')}, ${stamps} FROM ${relation} AS t WHERE ${day} IN (${days}) GROUP BY ${day}`,
      { stamps: true, fingerprint: true, earliest: true },
    );
  };
  const slow = new Set([...inputs.keys()].filter((n) => !digested.has(n) && !fast.has(n)));
  const markers = slow.size ? markersOf(slow) : undefined;
  const statePart = sql`SELECT ${'state'} AS ${kind}, ${sql.join(columns)}, ${sql.id('r', 'fingerprint')}, ${version} AS ${sql.id('_published_version')}, ${publishedRows} AS ${sql.id('_published_rows')}, ${none} AS ${sql.id('earliest')}, ${none} AS ${sql.id('stamps')} FROM ${stateRef} AS r`;
  // Where a query costs milliseconds, not a job, a year of state rows comes as one JSON text:
  // their 3,000 values one by one cost 2.5 ms to convert on DuckDB, the text a tenth of that.
  const read = (parts: readonly SqlFragment[]): Promise<SqlRow[] | undefined> => {
    const union = sql.join(parts, ' UNION ALL ');
    return (
      cheap
        ? warehouse
            .query(
              renderSql(sql`SELECT ${sql.rowsJson('u')} AS ${sql.id('rows')} FROM (${union}) AS u`, dialect),
            )
            .then(([packed]) => (JSON.parse(String(packed?.rows ?? 'null')) ?? []) as SqlRow[])
        : warehouse.query(renderSql(union, dialect))
    ).catch(() => undefined);
  };
  // Inputs read by stamp: the state first, in a query of its own, so that the days that moved
  // since its latest marker are found with that marker as a literal, which DuckDB prunes row
  // groups by when it plans (as a subquery, it read every stamp): 2 ms less on a one-day change
  // of order_daily_sales at scale 30. Otherwise the state comes with the rest.
  // No row: no state to compare with; a published table of another version: its state is not ours.
  // Nor is it ours when the table holds other rows than it did when the state was written, or,
  // where the warehouse versions its tables, was written since its last build (see
  // `recordTableVersions`): a day's revenue multiplied by hand keeps every count.
  const versionNow = await warehouse.tableVersion?.(product.table);
  const ours = (state: readonly SqlRow[]) => {
    if (!state.length || !state.every((r) => r._published_version === product.version)) return false;
    const rows = state.find((r) => r.input === ROWS_INPUT);
    if (rows === undefined || Number(rows.row_count) !== Number(rows._published_rows)) return false;
    const recorded =
      rows.fingerprint === null || rows.fingerprint === undefined ? '' : String(rows.fingerprint);
    return recorded === '' || versionNow === undefined || recorded === versionNow;
  };
  // Read alone, the state comes as its five columns and the published version once: the tagged
  // shape's constant columns made its JSON twice the text (1.8 ms against 2.5 at scale 30).
  const readState = async (): Promise<SqlRow[] | undefined> => {
    const columns = sql.join(
      ['input', 'day', 'row_count', 'marker', 'fingerprint'].map((c) => sql.id('r', c)),
    );
    const [row] = await warehouse
      .query(
        renderSql(
          sql`SELECT ${version} AS ${sql.id('v')}, ${publishedRows} AS ${sql.id('n')}, ${sql.rowsJson('u')} AS ${sql.id('rows')} FROM (SELECT ${columns} FROM ${stateRef} AS r) AS u`,
          dialect,
        ),
      )
      .catch(() => [undefined]);
    if (!row) return undefined;
    const rows = (JSON.parse(String(row.rows ?? 'null')) ?? []) as SqlRow[];
    return rows.map((r) => ({ ...r, _kind: 'state', _published_version: row.v, _published_rows: row.n }));
  };
  const first = fast.size ? await readState() : [];
  // Checked before the inputs are read, where the state comes first: a full build reads none.
  if (!first || (fast.size && !ours(first))) return undefined;
  const parts: SqlFragment[] = fast.size ? [] : [statePart];
  if (markers) parts.push(tagged('marker', sql.raw(markers)));
  for (const name of fast) {
    parts.push(
      tagged(
        'total',
        sql`SELECT ${name} AS ${sql.id('input')}, ${sql.cast(null, 'date')} AS ${sql.id('day')}, COUNT(*) AS ${sql.id('row_count')}, ${latest}, ${sql.cast(sql`MIN(${stamp('t')})`, 'string')} AS ${sql.id('earliest')}, ${stamps} FROM ${inputs.get(name)!} AS t`,
        { earliest: true, stamps: true },
      ),
    );
    // The days that moved since the state's latest marker, in the same query as the totals: a
    // few days changed is the common case (one query, not two: 4 ms less on a one-day change at
    // scale 30). Many days moved (an upstream rebuilt whole) give none here: its digest comes first.
    const before = first.filter((r) => r.input === name).map(stateRowOf);
    const since = latestMarker(before);
    if (since !== null)
      parts.push(newerDays(name, sql.cast(since, 'timestamp'), sql`${before.length * MANY_MOVED}`));
  }
  const rest = await read(parts);
  const rows = rest && [...first, ...rest];
  const state = rows?.filter((r) => r._kind === 'state') ?? [];
  if (!ours(state)) return undefined;
  const stored = state.map(stateRowOf);
  const found = rows!.filter((r) => r._kind === 'marker').map(stateRowOf);

  // Per input read by stamp: what the state says, the whole now, and the latest stamp before.
  const counted = new Set<string>();
  const rewritten = new Map<string, StateRow>();
  const newer = new Map<string, { before: StateRow[]; total: StateRow; since: string; stamps: string }>();
  for (const name of fast) {
    const before = stored.filter((r) => r.input === name);
    const totalRow = rows!.find((r) => r._kind === 'total' && r.input === name)!;
    const total = stateRowOf(totalRow);
    const since = latestMarker(before);
    const earliest = totalRow.earliest === null ? null : String(totalRow.earliest);
    if (since === null || before.some((r) => r.marker === null || r.day === null)) counted.add(name);
    else if (earliest !== null && earliest > since) rewritten.set(name, total);
    else newer.set(name, { before, total, since, stamps: String(totalRow.stamps ?? '') });
  }
  // Every row newer: the upstream was rebuilt whole, every day moved. Its day digest, if it
  // describes the table as the totals show it, says which days changed without reading any.
  const digests = new Map<string, StateRow[]>();
  const stale = new Set<string>();
  await Promise.all(
    [...rewritten].map(async ([name, total]) => {
      const us = total.marker === null ? undefined : markerMicros(total.marker);
      const relation = inputs.get(name) as DataProduct;
      const known =
        us === undefined
          ? undefined
          : { rowCount: total.rowCount, bytes: 0, lastModified: new Date(Number(us / 1000n)) };
      const days = known && (await currentDigest(warehouse, relation.table, known));
      if (days)
        digests.set(
          name,
          days.map((r) => ({ ...r, input: name })),
        );
      else {
        counted.add(name);
        stale.add(name);
      }
    }),
  );
  // The days holding newer rows, counted whole, where some rows are newer: found by the first
  // query if it saw the same latest marker and few days moved, else by a second.
  const early = rows!.filter((r) => r._kind === 'newer');
  const moving = [...newer].filter(([, n]) => n.total.marker !== null && n.total.marker > n.since);
  const newerRows: SqlRow[] = [];
  const more: SqlFragment[] = [];
  for (const [name, { since }] of moving) {
    const mine = early.filter((r) => r.input === name);
    if (mine.length && mine.every((r) => r.earliest === since)) newerRows.push(...mine);
    else more.push(newerDays(name, sql.cast(since, 'timestamp')));
  }
  if (counted.size) more.push(tagged('marker', sql.raw(markersOf(counted)!)));
  const extra = more.length
    ? await warehouse.query(renderSql(sql.join(more, ' UNION ALL '), dialect)).catch(() => undefined)
    : [];
  if (!extra) return undefined;
  found.push(...extra.filter((r) => r._kind === 'marker').map(stateRowOf));
  newerRows.push(...extra.filter((r) => r._kind === 'newer'));
  const recount = new Set<string>();
  const hashed: StateRow[] = [];
  for (const [name, { before, total, stamps: sum }] of newer) {
    const moved = newerRows
      .filter((r) => r.input === name)
      .map((r) => ({
        row: stateRowOf(r),
        stamps: r.stamps === null || r.stamps === undefined ? '' : String(r.stamps),
      }));
    const movedDays = new Set(moved.map((m) => m.row.day));
    const kept = before.filter((r) => !movedDays.has(r.day));
    if (addsUp(kept, moved, total, sum)) {
      found.push(...[...kept, ...moved.map((m) => m.row)].map((r) => ({ ...r, fingerprint: '' })));
      hashed.push(...moved.map((m) => m.row));
    } else recount.add(name);
  }
  if (recount.size) {
    // Rows removed from days that kept their stamps: every day counted.
    const counts = await warehouse.query(markersOf(recount)!).catch(() => undefined);
    if (!counts) return undefined;
    found.push(...counts.map(stateRowOf));
  }
  return { state: stored, markers: found, digests, hashed, stale };
}

/** A whole new state with the size of the inputs it was built from (see `SIZE_INPUT`). */
export function withInputBytes(update: StateUpdate, bytes: number, dialect: Dialect): StateUpdate {
  if (update.kind !== 'whole') return update;
  const size = literalRows(
    [{ input: SIZE_INPUT, day: null, rowCount: bytes, marker: null, fingerprint: '' }],
    dialect,
  );
  return { kind: 'whole', select: renderSql(sql`${sql.raw(update.select)} UNION ALL ${size}`, dialect) };
}

/**
 * The state with the rows the published table holds (see `ROWS_INPUT`): given, or -1 where the
 * publish sets it later, in its transaction (`publishedRowsSql`).
 */
export function withPublishedRows(update: StateUpdate, rowCount: number, dialect: Dialect): StateUpdate {
  const row = literalRows(
    [{ input: ROWS_INPUT, day: null, rowCount, marker: null, fingerprint: '' }],
    dialect,
  );
  if (update.kind === 'whole')
    return { kind: 'whole', select: renderSql(sql`${sql.raw(update.select)} UNION ALL ${row}`, dialect) };
  return {
    kind: 'rows',
    deleteWhere: renderSql(
      sql`(${sql.raw(update.deleteWhere)}) OR ${sql.id('input')} = ${ROWS_INPUT}`,
      dialect,
    ),
    insert: renderSql(update.insert ? sql`${sql.raw(update.insert)} UNION ALL ${row}` : row, dialect),
  };
}

/**
 * Records in the state of each product the version of its published table
 * (`Warehouse.tableVersion`, in the fingerprint of the `ROWS_INPUT` row), once the build that
 * published them has checkpointed (a checkpoint moves the segments of rows written since).
 * The next build compares it with the table's version then: another means the table was
 * written outside a build, and the build is whole. A publish writes that row anew without a
 * version, so a build that stops before this leaves nothing to compare.
 */
export async function recordTableVersions(
  warehouse: Warehouse,
  products: readonly DataProduct[],
): Promise<void> {
  if (!warehouse.tableVersion) return;
  const dialect = warehouse.dialect;
  for (const product of products) {
    const version = await warehouse.tableVersion(product.table);
    if (version === undefined) continue;
    await warehouse.query(
      renderSql(
        sql`UPDATE ${sql.raw(dialect.tableName(stateTable(product)))} SET ${sql.id('fingerprint')} = ${version} WHERE ${sql.id('input')} = ${ROWS_INPUT}`,
        dialect,
      ),
    );
  }
}

/** Sets the rows the published table holds in its state, in the publish's transaction. */
export function publishedRowsSql(product: DataProduct, rowCount: number, dialect: Dialect): string {
  return renderSql(
    sql`UPDATE ${sql.raw(dialect.tableName(stateTable(product)))} SET ${sql.id('row_count')} = ${sql.cast(rowCount, 'integer')} WHERE ${sql.id('input')} = ${ROWS_INPUT}`,
    dialect,
  );
}

/** State rows as a SELECT of literals: the dialect's table of values, for more than one row. */
function literalRows(rows: readonly StateRow[], dialect: Dialect): SqlFragment {
  if (rows.length > 1 && dialect.valuesTable) {
    const values = rows.map((r) => [r.input, r.day, r.rowCount, r.marker, r.fingerprint]);
    return sql.raw(`(${dialect.valuesTable(STATE_COLUMNS, values)})`);
  }
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
    sql`SELECT * FROM (${sql.raw(select)}) AS b WHERE ${dayFilter(dayExpr(product, partition, 'b'), sql.id('b', partition), plan.days)}`,
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
  const kept = dayFilter(dayExpr(product, partition, 'p'), sql.id('p', partition), plan.days);
  return renderSql(
    sql`SELECT * FROM ${product} AS p WHERE NOT COALESCE(${kept}, FALSE) UNION ALL ${sql.raw(rebuiltRowsSelect(product, select, plan, dialect))}`,
    dialect,
  );
}
