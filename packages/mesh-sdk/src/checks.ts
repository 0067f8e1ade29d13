import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import type { ColumnSpec } from './columns.js';
import type { Dialect } from './dialect.js';
import { type Duration, durationSeconds } from './duration.js';
import { DefinitionError } from './errors.js';
import { type Relation, relationId } from './relation.js';
import { type RelationResolver, relationsOf, renderSql, type SqlFragment, sql } from './sql.js';

export type CheckKind =
  | 'unique'
  | 'unique_combination'
  | 'not_null'
  | 'accepted_values'
  | 'range'
  | 'regex'
  | 'relationships'
  | 'row_count'
  | 'freshness'
  | 'expression'
  | 'assertion';

/** Which quality dimension a check measures; SLAs and scores are computed per dimension. */
export type QualityDimension =
  | 'uniqueness'
  | 'completeness'
  | 'validity'
  | 'integrity'
  | 'volume'
  | 'timeliness';

const DIMENSION: Record<CheckKind, QualityDimension> = {
  unique: 'uniqueness',
  unique_combination: 'uniqueness',
  not_null: 'completeness',
  accepted_values: 'validity',
  range: 'validity',
  regex: 'validity',
  expression: 'validity',
  relationships: 'integrity',
  assertion: 'integrity',
  row_count: 'volume',
  freshness: 'timeliness',
};

/** `error` checks block publishing; `warn` checks are reported and lower the health. */
export type Severity = 'error' | 'warn';

/** One data quality check of a product, as declared. */
export interface Check {
  readonly name: string;
  readonly kind: CheckKind;
  readonly dimension: QualityDimension;
  readonly severity: Severity;
  readonly column: string | undefined;
  readonly columns?: readonly string[];
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly reference?: { relation: Relation; column: string };
  readonly maxAgeSeconds?: number;
  readonly expression?: SqlFragment;
  readonly query?: (self: Relation) => SqlFragment;
  /**
   * A check the contract implies and the team did not declare (`impliedChecks`): a required
   * column's not_null, an enum column's accepted_values. Every build runs it; the contract does
   * not list it as a quality rule, since it says so already (`required`, the enum).
   */
  readonly implied?: boolean;
  /** The same check, reported instead of blocking the publish. */
  warn(): Check;
  /** The same check under another name. */
  named(name: string): Check;
}

function makeCheck(
  fields: Omit<Check, 'warn' | 'named' | 'dimension' | 'severity'> & { severity?: Severity },
): Check {
  const check: Check = {
    severity: 'error',
    ...fields,
    dimension: DIMENSION[fields.kind],
    warn: () => makeCheck({ ...fields, severity: 'warn' }),
    named: (name: string) => makeCheck({ ...fields, severity: check.severity, name }),
  };
  return Object.freeze(check);
}

/** The checks one column offers, e.g. `c.product_id.unique()`. */
export interface ColumnChecks {
  unique(): Check;
  notNull(): Check;
  /** Values must be among `values`; an enum column's own values when omitted. NULLs pass. */
  acceptedValues(values?: readonly string[]): Check;
  /** Inclusive bounds; NULLs pass. */
  range(bounds: { min?: number; max?: number }): Check;
  /** Values must match `pattern` (RE2); NULLs pass. */
  matches(pattern: string): Check;
  /** Every non-null value exists in `column` of another product or source. */
  references(relation: Relation, column: string): Check;
  /** The newest value is at most `maxAge` old. */
  freshness(maxAge: Duration): Check;
}

/** Checks that are about the whole table. */
export interface TableChecks<S extends z.ZodObject> {
  /** The row count is within inclusive bounds. */
  rowCount(bounds: { min?: number; max?: number }): Check;
  /** The combination of columns is unique (a composite key). */
  uniqueCombination(columns: ReadonlyArray<keyof z.infer<S> & string>): Check;
  /** Every row satisfies a boolean SQL expression over its columns; rows where it is not true fail. */
  expect(name: string, expression: SqlFragment): Check;
  /** A query returning the failing rows; `self` is the table being checked. */
  assert(name: string, query: (self: Relation) => SqlFragment): Check;
}

/** What a product's `checks` callback receives: one entry per column, plus table checks. */
export type ChecksBuilder<S extends z.ZodObject> = {
  readonly [K in keyof z.infer<S> & string]: ColumnChecks;
} & {
  readonly table: TableChecks<S>;
};

/**
 * The checks a product's contract implies that its declared `checks` lack: `not_null` on each
 * required column, `accepted_values` on each enum column. Without them a transform could publish
 * NULLs in a column the contract calls required, or a value its enum lacks, and consumers would
 * read them typed as the contract says (a `string` that is null). Blocking, as the contract is.
 */
export function impliedChecks(columns: readonly ColumnSpec[], declared: readonly Check[]): Check[] {
  const has = (kind: CheckKind, column: string) =>
    declared.some((c) => c.kind === kind && c.column === column);
  const names = new Set(declared.map((c) => c.name));
  const implied: Check[] = [];
  const add = (fields: Omit<Check, 'warn' | 'named' | 'dimension' | 'severity'>) => {
    if (!names.has(fields.name)) implied.push(makeCheck({ ...fields, implied: true }));
  };
  for (const column of columns) {
    const name = column.name;
    if (!column.nullable && !has('not_null', name))
      add({ name: `${name}_not_null`, kind: 'not_null', column: name });
    if (column.values?.length && !has('accepted_values', name))
      add({ name: `${name}_accepted_values`, kind: 'accepted_values', column: name, values: column.values });
  }
  return implied;
}

const NUMERIC: ReadonlySet<string> = new Set(['integer', 'number', 'decimal']);

/** Bounds a check can meet: numbers, the lowest first. Refused when the product is defined. */
function checkedBounds(
  bounds: { min?: number; max?: number },
  what: string,
  owner: string,
  column?: string,
): { min?: number; max?: number } {
  for (const [name, value] of Object.entries(bounds))
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value)))
      throw new DefinitionError('invalid-check', `${what}: ${name} must be a number, not ${String(value)}.`, {
        product: owner,
        column,
      });
  if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max)
    throw new DefinitionError(
      'invalid-check',
      `${what}: min ${bounds.min} is above max ${bounds.max}, so no value could pass.`,
      { product: owner, column },
    );
  return bounds;
}

/** Builds the `c` of `checks: (c) => [...]` for a list of columns. */
export function checksBuilder<S extends z.ZodObject>(
  columns: readonly ColumnSpec[],
  owner: string,
): ChecksBuilder<S> {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const builder: Record<string, unknown> = {};
  for (const column of columns) {
    const name = column.name;
    builder[name] = {
      unique: () => makeCheck({ name: `${name}_unique`, kind: 'unique', column: name }),
      notNull: () => makeCheck({ name: `${name}_not_null`, kind: 'not_null', column: name }),
      acceptedValues: (values?: readonly string[]) => {
        const accepted = values ?? column.values;
        if (!accepted?.length) {
          throw new DefinitionError(
            'accepted-values-missing',
            `acceptedValues() on ${name} needs values: the column is not an enum.`,
            { product: owner, column: name },
          );
        }
        return makeCheck({
          name: `${name}_accepted_values`,
          kind: 'accepted_values',
          column: name,
          values: accepted,
        });
      },
      range: (bounds: { min?: number; max?: number }) => {
        if (!NUMERIC.has(column.type))
          throw new DefinitionError(
            'invalid-check',
            `range() on ${name}: the column is ${column.type}, and range() bounds numbers.`,
            { product: owner, column: name },
          );
        return makeCheck({
          name: `${name}_range`,
          kind: 'range',
          column: name,
          ...checkedBounds(bounds, `range() on ${name}`, owner, name),
        });
      },
      matches: (pattern: string) => {
        if (column.type !== 'string')
          throw new DefinitionError(
            'invalid-check',
            `matches() on ${name}: the column is ${column.type}, and matches() tests text.`,
            { product: owner, column: name },
          );
        try {
          new RegExp(pattern);
        } catch (cause) {
          throw new DefinitionError(
            'invalid-check',
            `matches() on ${name}: ${JSON.stringify(pattern)} is not a regular expression (${(cause as Error).message}).`,
            { product: owner, column: name },
            { cause },
          );
        }
        return makeCheck({ name: `${name}_matches`, kind: 'regex', column: name, pattern });
      },
      references: (relation: Relation, refColumn: string) => {
        const target = relation.columns.find((c) => c.name === refColumn);
        if (!target) {
          throw new DefinitionError(
            'unknown-column',
            `references(): ${relation.name} has no column ${refColumn}.`,
            { product: owner, column: name },
          );
        }
        // Numbers compare across their types; anything else only with its own.
        if (target.type !== column.type && !(NUMERIC.has(target.type) && NUMERIC.has(column.type)))
          throw new DefinitionError(
            'invalid-check',
            `references() on ${name}: the column is ${column.type}, ${relation.name}.${refColumn} is ${target.type}: values of the two can never be equal.`,
            { product: owner, column: name },
          );
        return makeCheck({
          name: `${name}_references_${relation.name}`,
          kind: 'relationships',
          column: name,
          reference: { relation, column: refColumn },
        });
      },
      freshness: (maxAge: Duration) => {
        if (column.type !== 'date' && column.type !== 'timestamp')
          throw new DefinitionError(
            'invalid-check',
            `freshness() on ${name}: the column is ${column.type}; freshness() needs a date or timestamp column.`,
            { product: owner, column: name },
          );
        const seconds = durationSeconds(maxAge);
        if (seconds === undefined) {
          throw new DefinitionError(
            'invalid-duration',
            `freshness(${maxAge}): write a duration such as 1h or 2d.`,
            {
              product: owner,
              column: name,
            },
          );
        }
        return makeCheck({
          name: `${name}_freshness`,
          kind: 'freshness',
          column: name,
          maxAgeSeconds: seconds,
        });
      },
    } satisfies ColumnChecks;
  }
  builder.table = {
    rowCount: (bounds) =>
      makeCheck({
        name: 'row_count',
        kind: 'row_count',
        column: undefined,
        ...checkedBounds(bounds, 'rowCount()', owner),
      }),
    uniqueCombination: (cols) => {
      if (!cols.length) {
        throw new DefinitionError(
          'unique-combination-empty',
          'uniqueCombination() needs at least one column.',
          {
            product: owner,
          },
        );
      }
      for (const c of cols) {
        if (!byName.has(c)) {
          throw new DefinitionError('unknown-column', `uniqueCombination(): no column ${c}.`, {
            product: owner,
            column: c,
          });
        }
      }
      return makeCheck({
        name: `${cols.join('_')}_unique`,
        kind: 'unique_combination',
        column: undefined,
        columns: cols,
      });
    },
    expect: (name, expression) => makeCheck({ name, kind: 'expression', column: undefined, expression }),
    assert: (name, query) => makeCheck({ name, kind: 'assertion', column: undefined, query }),
  } satisfies TableChecks<S>;
  return builder as ChecksBuilder<S>;
}

/** The outcome of one check in one run. */
export interface CheckOutcome {
  readonly name: string;
  readonly kind: CheckKind;
  readonly dimension: QualityDimension;
  readonly severity: Severity;
  readonly column: string | undefined;
  readonly passed: boolean;
  /** Rows that broke the check (for row_count and freshness: 1 when it failed). */
  readonly failingRows: number;
  /** What was measured, for messages: e.g. the row count or the newest timestamp. */
  readonly observed: string | undefined;
  /**
   * What the check asked when it ran (`checkSpec`), so that its result is never shown for a
   * check since changed under the same name. Absent in runs recorded before it was kept.
   */
  readonly spec?: string;
}

const specs = new WeakMap<Check, string>();

/**
 * What a check asks, as a short digest: its kind, severity, columns, values, bounds, pattern,
 * reference, maximum age, expression or query (in plain ANSI, whatever the warehouse). Two
 * checks with equal specs count the same rows; a check that changed under its name (a bound
 * tightened, a value accepted, a warning made an error) has another. Recorded with each
 * outcome: health and the catalog tell a result of the check as defined from one of the check
 * as it was (`checksNotRun`).
 */
export function checkSpec(check: Check, self: Relation): string {
  let spec = specs.get(check);
  if (spec === undefined) {
    const what = {
      kind: check.kind,
      severity: check.severity,
      column: check.column ?? null,
      columns: check.columns ?? null,
      values: check.values ?? null,
      min: check.min ?? null,
      max: check.max ?? null,
      pattern: check.pattern ?? null,
      reference: check.reference ? [relationId(check.reference.relation), check.reference.column] : null,
      maxAgeSeconds: check.maxAgeSeconds ?? null,
      expression: check.expression ? renderSql(check.expression, ansi) : null,
      query: check.query ? renderSql(check.query(self), ansi) : null,
    };
    spec = createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16);
    specs.set(check, spec);
  }
  return spec;
}

/** A check of the definition that the outcomes of a run do not answer for. */
export interface CheckNotRun {
  readonly name: string;
  /** `added`: the run held no check of its name; `changed`: it held one that asked otherwise. */
  readonly why: 'added' | 'changed';
}

/**
 * The checks of `self` whose results `outcomes` (a run's) do not give: added since the run, or
 * changed since (another `checkSpec`). Outcomes recorded without a spec (an earlier release of
 * the platform) answer for the check of their name.
 */
export function checksNotRun(
  self: Relation & { readonly checks: readonly Check[] },
  outcomes: readonly CheckOutcome[],
): CheckNotRun[] {
  const ran = new Map(outcomes.map((o) => [o.name, o]));
  const missing: CheckNotRun[] = [];
  for (const check of self.checks) {
    const outcome = ran.get(check.name);
    if (!outcome) missing.push({ name: check.name, why: 'added' });
    else if (outcome.spec !== undefined && outcome.spec !== checkSpec(check, self)) {
      missing.push({ name: check.name, why: 'changed' });
    }
  }
  return missing;
}

/** The outcome of a whole suite, with the scores the health model uses. */
export interface CheckSuiteResult {
  readonly rowCount: number;
  readonly outcomes: readonly CheckOutcome[];
  /**
   * Non-null cells over all cells of the contract's required (non-nullable) columns, 0..1
   * (1 for an empty table or one without required columns); undefined when not profiled.
   */
  readonly completeness: number | undefined;
  /** Rows passing validity checks over rows checked, 0..1. */
  readonly validity: number;
  /** Checks passed over checks run, 0..1. */
  readonly passRate: number;
}

/**
 * The checks that a rebuild of some days of an incremental product may run on those days' rows
 * alone: blocking row checks (`accepted_values`, `range`, `regex`, `expect`) and composite keys
 * that hold the partition column (a duplicate then lies within one day); an `expect` only when
 * it reads no other table (a subquery on one reads rows that change apart from this product's;
 * a table is seen when the fragment holds its relation, not when raw SQL text names it).
 * Every version of the
 * product that was published passed them on every row (a failure refuses the publish), and the
 * other days' rows are as they were, so they pass still. The build state changes with the
 * checks' definitions, so a changed check means a full build. Warnings keep their counts over
 * the whole table; checks that read other tables, the whole table or across days run on all of
 * it.
 */
export function checksWithinDays(checks: readonly Check[], partitionColumn: string): Set<Check> {
  return new Set(
    checks.filter(
      (c) =>
        c.severity === 'error' &&
        (c.kind === 'accepted_values' ||
          c.kind === 'range' ||
          c.kind === 'regex' ||
          (c.kind === 'expression' && !relationsOf(c.expression!).length) ||
          (c.kind === 'unique_combination' && (c.columns ?? []).includes(partitionColumn))),
    ),
  );
}

/** A whole check suite as one SQL statement and the reader of its single result row. */
export interface CompiledChecks {
  readonly sql: string;
  /**
   * Given `within`, the same suite for a table whose rows outside `within` were counted before
   * the rows within were written (a rebuild of some days in place): `sql`, run on the table once
   * the days' rows are deleted and before the new ones are inserted, counts the rows kept and
   * their NULLs; `suite`, given its row, is the suite that adds those counts to the new rows'
   * instead of counting the whole table again. The kept rows' NULLs are counted where column
   * statistics still answer for them: once a transaction has inserted rows into the table,
   * DuckDB reads every column counted, on every row (order_daily_sales at scale 30, one day
   * rebuilt in place: 7 ms of its 10 ms suite; 1 ms before the insert).
   */
  readonly kept?: { readonly sql: string; suite(kept: Record<string, unknown>): string };
  evaluate(row: Record<string, unknown>, now?: Date): CheckSuiteResult;
}

function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'bigint' ? Number(value) : Number(value);
}

function toTime(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.getTime();
  // Zone-less text is UTC, as every timestamp of the platform is; never the machine's zone.
  const text = String(value).replace(' ', 'T');
  const t = Date.parse(/(Z|[+-]\d\d(:?\d\d)?)$/.test(text) || !text.includes('T') ? text : `${text}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/** The distinct keys of the table on some columns, shared by every check on those keys. */
interface KeyGroup {
  /** The derived table's alias (`k0`, `k1`...). */
  readonly alias: string;
  readonly columns: readonly string[];
  /** Aggregates over the distinct keys, read as `<alias>.a<n>`. */
  readonly aggregates: SqlFragment[];
  /** The count of distinct keys, with (`*`) or without (`nonNull`) those holding a NULL, once made. */
  readonly distinct: { '*'?: SqlFragment; nonNull?: SqlFragment };
}

/**
 * How a suite counts each required column's values: `scan`, a COUNT per column in one scan;
 * `filtered`, the column's NULLs counted by a branch of their own (see `countsSelect`).
 */
export type NullCounting = 'scan' | 'filtered';

/** Below this many rows a suite counts by `scan`: a few branches more cost more than the scan. */
export const FILTERED_COUNTS_FROM_ROWS = 50_000;

/**
 * The row count and each counted column's non-NULL values (`alias` per column), as one row.
 *
 * `filtered`: a COUNT(*), which needs no column, less each column's NULLs, counted by a branch
 * of their own filtered on them (`WHERE c IS NULL`), the branches joined by UNION ALL. A filter
 * on one column's NULLs is answered from column statistics wherever they show none: DuckDB
 * skips every row group holding none, and most hold none (a required column). A COUNT of the
 * column is answered from statistics only on a table read back from disk: on one just written
 * (a build's staging, a table some of whose rows a rebuild of some days deleted) DuckDB 1.5
 * reads every column the COUNTs name, though it knows none is NULL (scale 30, just written:
 * order_items 183 ms against 3, order_product_daily_sales 97 against 3, order_transactions 90
 * against 16). A filter on every column's NULLs ORed in one scan is skipped only where no
 * column holds one (order_transactions: 95 ms).
 *
 * `scan`: the COUNTs in one scan, cheaper on a small table, whatever its statistics, where a
 * dozen branches cost more to plan than the scan to run (store_locations, 137 rows: 0.8 ms
 * against 3.6), and on a warehouse that reads a column for its NULLs either way (BigQuery:
 * a branch per column would be a scan per column, for the same bytes).
 */
function countsSelect(self: Relation, counted: ReadonlyMap<string, string>, form: NullCounting): SqlFragment {
  const t = (column: string) => sql.id('t', column);
  if (form === 'scan' || !counted.size) {
    const counts = [...counted].map(([column, alias]) => sql`COUNT(${t(column)}) AS ${sql.id(alias)}`);
    return sql`SELECT ${sql.join([sql`COUNT(*) AS ${sql.id('row_count')}`, ...counts])} FROM ${self} AS t`;
  }
  const entries = [...counted];
  const nulls = entries.map(
    ([column], i) =>
      sql`(SELECT ${i} AS ${sql.id('k')}, COUNT(*) AS ${sql.id('n')} FROM ${self} AS t WHERE ${t(column)} IS NULL)`,
  );
  const pivot = entries.map(
    (_, i) =>
      sql`MAX(CASE WHEN ${sql.id('f', 'k')} = ${i} THEN ${sql.id('f', 'n')} END) AS ${sql.id(`z${i}`)}`,
  );
  const total = sql.id('c', 'row_count');
  const outputs = entries.map(([, alias], i) => sql`${total} - ${sql.id('z', `z${i}`)} AS ${sql.id(alias)}`);
  return sql`SELECT ${sql.join([sql`${total} AS ${sql.id('row_count')}`, ...outputs])} FROM (SELECT COUNT(*) AS ${sql.id('row_count')} FROM ${self} AS t) AS c CROSS JOIN (SELECT ${sql.join(pivot)} FROM (${sql.join(nulls, ' UNION ALL ')}) AS f) AS z`;
}

/**
 * Compiles every check of a product into one SELECT returning one row, shaped so that checks
 * share work instead of each paying for its own pass over the table:
 *
 * - one aggregate over the table holds the row count, the completeness profile (a COUNT per
 *   required column) and `not_null` (from the same COUNTs), answered from column statistics
 *   where they show no NULL (see `countsSelect`); `freshness` is a MAX of its own;
 * - one hash aggregate (the distinct keys) per key serves every `unique` and
 *   `unique_combination` check on it: duplicates are rows minus distinct keys;
 * - a `relationships` check is an anti-join of the rows against the referenced keys (`NOT IN`,
 *   planned as one hash probe). Probing the distinct keys of a uniqueness aggregate instead
 *   measured slower: on a unique key they are as many as the rows, and keeping a row count per
 *   key made the aggregate dearer (marketing_attribution at scale 30: 372 ms against 332 ms);
 * - each row predicate (`accepted_values`, `range`, `regex`, `expect`) is a filtered COUNT of
 *   its own, reading only the columns it names. A warehouse that keeps column statistics
 *   (DuckDB's row-group min/max) answers a filter that no row can match without reading the
 *   column at all; as CASE expressions of one shared scan, the same predicates made it read
 *   every column they name on every row (on order_items at scale 30: 658 ms against 36 ms).
 *   These counts, with anti-joins and assertions, are branches of one UNION ALL pivoted into
 *   one row. Checks run on some days alone (`within`) are the exception: they are CASEs of one
 *   scan of those days' rows, which are few and must be found first.
 *
 * Apart from scans and keys that checks have in common, the parts read different columns or
 * build different hash tables, so a suite costs about what its checks cost one by one, summed
 * (on DuckDB, one thread, scale 30: within 10% for each product of at least 500k rows). Other
 * shapes measured no cheaper there (one thread, CPU ms):
 * - a relationship over the distinct child keys, with a row count for each: cheaper when many
 *   rows share a key (order_transactions.customer_id, 8 rows a key: 82 against 97), dearer
 *   when few do (customer_sessions.customer_id, 4.6: 51 against 43) and much dearer on a
 *   unique key (marketing_attribution.order_id: 330 against 177). How many rows share a key is
 *   not known here, so the rows are probed;
 * - one aggregate over the child's and the parent's keys (UNION ALL, grouped by key, a count
 *   for each side) serving both `unique` and `relationships` on the same key: 402 against
 *   124 + 171 as two checks, the aggregate of twice the rows costing more than twice;
 * - predicates fused into one scan: five `accepted_values` of marketing_attribution filtered
 *   by their OR, 48 against 44 as five scans (109 without the filter);
 * - the parts as CROSS JOINed subqueries or scalar subqueries instead of the UNION ALL: the
 *   same (customer_sessions: 116 and 116 against 114).
 *
 * The parts, one row each, are CROSS JOINed. `self` is the relation under test; `resolve`
 * maps it (and references) to real tables, typically the staging table of a build.
 *
 * @example
 * const suite = compileChecks(product, product.checks, warehouse.dialect, (r) => r.table);
 * const [row] = await warehouse.query(suite.sql);
 * const { outcomes, completeness } = suite.evaluate(row ?? {});
 */
export function compileChecks(
  self: Relation,
  checks: readonly Check[],
  dialect: Dialect,
  resolve: RelationResolver,
  options: {
    profile?: boolean;
    /**
     * Checks run only on the rows `where` holds (a predicate over `t`, the relation's alias):
     * where the caller knows the other rows pass them (see `checksWithinDays`).
     */
    within?: { where: SqlFragment; checks: ReadonlySet<Check> };
    /**
     * How the required columns' values are counted over the whole table and the rows kept by
     * a rebuild of some days (`scan` unless given; builds ask for the warehouse's form where
     * they do not know the table small).
     */
    nullCounting?: NullCounting;
  } = {},
): CompiledChecks {
  // The completeness profile (a COUNT per column) rides along in the same scan unless declined.
  // Only columns the contract says are always filled count: a nullable column's NULL is data.
  const columns = options.profile === false ? [] : self.columns.filter((c) => !c.nullable);
  const t = (column: string) => sql.id('t', column);
  const byName = new Map(self.columns.map((c) => [c.name, c]));
  for (const check of checks) {
    if (check.column && !byName.has(check.column)) {
      throw new DefinitionError('unknown-column', `Check ${check.name} names no column of ${self.name}.`, {
        product: self.name,
        column: check.column,
        check: check.name,
      });
    }
  }

  // The aggregate over the whole table, as `s`: the row count and, per column counted, its
  // non-NULL values. A column's count serves the profile, not_null and unique alike.
  const counted = new Map<string, string>();
  columns.forEach((c, i) => {
    counted.set(c.name, `nn_${i}`);
  });
  const countOf = (column: string): SqlFragment => {
    let alias = counted.get(column);
    if (!alias) {
      alias = `n_${counted.size - columns.length}`;
      counted.set(column, alias);
    }
    return sql.id('s', alias);
  };
  const total = sql.id('s', 'row_count');
  const within = options.within;
  const restricted = (check: Check) => within?.checks.has(check) === true;

  // One hash aggregate per key that a uniqueness check names, whatever the order of its columns.
  const groups = new Map<string, KeyGroup & { within: boolean }>();
  const keyOf = (cols: readonly string[], check: Check) =>
    JSON.stringify([[...cols].sort(), restricted(check)]);
  for (const check of checks) {
    const cols =
      check.kind === 'unique' ? [check.column!] : check.kind === 'unique_combination' ? check.columns : [];
    if (!cols?.length || groups.has(keyOf(cols, check))) continue;
    groups.set(keyOf(cols, check), {
      alias: `k${groups.size}`,
      columns: cols,
      aggregates: [],
      distinct: {},
      within: restricted(check),
    });
  }
  const aggregate = (group: KeyGroup, expr: SqlFragment): SqlFragment => {
    const name = `a${group.aggregates.length}`;
    group.aggregates.push(sql`${expr} AS ${sql.id(name)}`);
    return sql.id(group.alias, name);
  };
  const key = (group: KeyGroup, column: string) => sql.id('g', `k${group.columns.indexOf(column)}`);

  // Counts of failing rows that need a pass of their own, one UNION ALL branch each (`k`, the
  // branch's number, and `failing`), pivoted into one row `u`. A UNION keeps the statement cheap
  // to plan: as a dozen CROSS JOINed tables, DuckDB took 30 ms to plan what a small table checks
  // in 5.
  const branches: SqlFragment[] = [];
  const branch = (from: SqlFragment): SqlFragment => {
    const k = branches.length;
    branches.push(sql`(SELECT ${k} AS ${sql.id('k')}, COUNT(*) AS ${sql.id('failing')} FROM ${from})`);
    return sql.id('u', `p${k}`);
  };
  // The rows within the days, and the predicates checked on them alone, counted in one scan of
  // their own (`w`): as CASEs in the shared scan they made it read every row where column
  // statistics alone answered it (below); as a branch each, every branch found the days' rows
  // again (order_daily_sales, one day rebuilt at scale 30: 3.7 ms against 15 ms).
  const withinCounts: SqlFragment[] = [];
  const countWithin = (predicate: SqlFragment | undefined): SqlFragment => {
    const name = `w${withinCounts.length}`;
    withinCounts.push(
      predicate
        ? sql`COUNT(CASE WHEN ${predicate} THEN 1 END) AS ${sql.id(name)}`
        : sql`COUNT(*) AS ${sql.id(name)}`,
    );
    return sql.id('w', name);
  };
  let totalWithin: SqlFragment | undefined;
  const rowsWithin = () => {
    totalWithin ??= countWithin(undefined);
    return totalWithin;
  };
  const failing = (predicate: SqlFragment, check: Check) =>
    restricted(check) ? countWithin(sql`(${predicate})`) : branch(sql`${self} AS t WHERE ${predicate}`);

  // Parts that scan a column of their own (freshness), CROSS JOINed after the shared scan.
  const own: SqlFragment[] = [];
  const results: SqlFragment[] = checks.map((check, i) => {
    const col = check.column ? t(check.column) : undefined;
    let expr: SqlFragment;
    switch (check.kind) {
      case 'unique': {
        // Duplicates are the non-null values beyond the first of each: NULL is no value.
        const group = groups.get(keyOf([check.column!], check))!;
        group.distinct.nonNull ??= aggregate(group, sql`COUNT(${key(group, check.column!)})`);
        expr = sql`${countOf(check.column!)} - ${group.distinct.nonNull}`;
        break;
      }
      case 'unique_combination': {
        // Every row beyond the first of its key, rows with NULLs in the key included.
        const group = groups.get(keyOf(check.columns ?? [], check))!;
        group.distinct['*'] ??= aggregate(group, sql`COUNT(*)`);
        expr = sql`${group.within ? rowsWithin() : total} - ${group.distinct['*']}`;
        break;
      }
      case 'relationships': {
        // The referenced keys carry no NULL, so NOT IN them is exactly NOT EXISTS.
        const ref = check.reference!;
        const keys = sql`SELECT ${sql.id('r', ref.column)} FROM ${ref.relation} AS r WHERE ${sql.id('r', ref.column)} IS NOT NULL`;
        expr = failing(sql`${col!} IS NOT NULL AND ${col!} NOT IN (${keys})`, check);
        break;
      }
      case 'not_null':
        expr = sql`${total} - ${countOf(check.column!)}`;
        break;
      case 'accepted_values': {
        // `<>` each value rather than NOT IN: a conjunction of comparisons on one column is what
        // engines push into the scan (DuckDB then tests a dictionary-compressed column once per
        // dictionary entry). NULL is never `<>` anything, so it passes, as with NOT IN.
        const values = check.values ?? [];
        expr = failing(
          values.length
            ? sql.join(
                values.map((v) => sql`${col!} <> ${v}`),
                ' AND ',
              )
            : sql`${col!} IS NOT NULL`,
          check,
        );
        break;
      }
      case 'range': {
        const bounds: SqlFragment[] = [];
        if (check.min !== undefined) bounds.push(sql`${col!} < ${check.min}`);
        if (check.max !== undefined) bounds.push(sql`${col!} > ${check.max}`);
        expr = bounds.length ? failing(sql.join(bounds, ' OR '), check) : sql`0`;
        break;
      }
      case 'regex':
        expr = failing(sql`${col!} IS NOT NULL AND NOT ${sql.regexpMatches(col!, check.pattern!)}`, check);
        break;
      case 'expression':
        expr = failing(sql`NOT COALESCE((${check.expression!}), FALSE)`, check);
        break;
      case 'assertion':
        expr = branch(sql`(${check.query!(self)}) AS a`);
        break;
      case 'row_count':
        expr = total;
        break;
      case 'freshness':
        // A scan of its own, one column: see the shared scan below.
        own.push(sql`(SELECT MAX(${col!}) AS ${sql.id('latest')} FROM ${self} AS t) AS ${sql.id(`f${i}`)}`);
        expr = sql.id(`f${i}`, 'latest');
        break;
    }
    return sql`${expr} AS ${sql.id(`check_${i}`)}`;
  });

  const from: SqlFragment[] = [...own];
  if (withinCounts.length) {
    from.push(sql`(SELECT ${sql.join(withinCounts)} FROM ${self} AS t WHERE ${within!.where}) AS w`);
  }
  for (const group of groups.values()) {
    // DISTINCT rather than GROUP BY with a COUNT: a hash table without a count per key is cheaper.
    const keys = sql.join(group.columns.map((c, j) => sql`${t(c)} AS ${sql.id(`k${j}`)}`));
    const distinct = group.within
      ? sql`SELECT DISTINCT ${keys} FROM ${self} AS t WHERE ${within!.where}`
      : sql`SELECT DISTINCT ${keys} FROM ${self} AS t`;
    from.push(sql`(SELECT ${sql.join(group.aggregates)} FROM (${distinct}) AS g) AS ${sql.id(group.alias)}`);
  }
  if (branches.length) {
    const pivot = branches.map(
      (_, k) =>
        sql`MAX(CASE WHEN ${sql.id('f', 'k')} = ${k} THEN ${sql.id('f', 'failing')} END) AS ${sql.id(`p${k}`)}`,
    );
    from.push(sql`(SELECT ${sql.join(pivot)} FROM (${sql.join(branches, ' UNION ALL ')}) AS f) AS u`);
  }
  const outputs = [
    sql`${total} AS ${sql.id('row_count')}`,
    ...columns.map((_, i) => sql`${sql.id('s', `nn_${i}`)} AS ${sql.id(`nn_${i}`)}`),
    ...results,
  ];
  const render = (counts: SqlFragment) =>
    renderSql(
      sql`SELECT ${sql.join(outputs)} FROM ${sql.join([sql`(${counts}) AS s`, ...from], ' CROSS JOIN ')}`,
      dialect,
      {
        resolve,
      },
    );

  return {
    sql: render(countsSelect(self, counted, options.nullCounting ?? 'scan')),
    kept: within && {
      sql: renderSql(countsSelect(self, counted, options.nullCounting ?? 'scan'), dialect, { resolve }),
      suite: (kept) => {
        // The kept rows' counts, plus those of the rows within, counted in a scan of their own.
        const counts = [...counted].map(
          ([column, alias]) => sql`${toNumber(kept[alias])} + COUNT(${t(column)}) AS ${sql.id(alias)}`,
        );
        return render(
          sql`SELECT ${sql.join([sql`${toNumber(kept.row_count)} + COUNT(*) AS ${sql.id('row_count')}`, ...counts])} FROM ${self} AS t WHERE ${within.where}`,
        );
      },
    },
    evaluate(row, now = new Date()) {
      const rowCount = toNumber(row.row_count);
      let nonNull = 0;
      columns.forEach((_, i) => {
        nonNull += toNumber(row[`nn_${i}`]);
      });
      let validityFailures = 0;
      let validityChecks = 0;
      const outcomes = checks.map((check, i): CheckOutcome => {
        const raw = row[`check_${i}`];
        let failingRows: number;
        let observed: string | undefined;
        if (check.kind === 'row_count') {
          const n = toNumber(raw);
          failingRows =
            (check.min !== undefined && n < check.min) || (check.max !== undefined && n > check.max) ? 1 : 0;
          observed = String(n);
        } else if (check.kind === 'freshness') {
          const newest = toTime(raw);
          observed = newest === undefined ? 'no rows' : new Date(newest).toISOString();
          failingRows =
            newest === undefined || now.getTime() - newest > (check.maxAgeSeconds ?? 0) * 1000 ? 1 : 0;
        } else {
          failingRows = toNumber(raw);
          // An assertion counts what its own query finds (orders of a customer, say), not rows
          // of the table: "of" the table's rows would read as an impossible ratio.
          observed =
            check.kind === 'assertion' ? `${failingRows} failing` : `${failingRows} failing of ${rowCount}`;
        }
        if (check.dimension === 'validity') {
          validityChecks++;
          validityFailures += failingRows;
        }
        return {
          name: check.name,
          kind: check.kind,
          dimension: check.dimension,
          severity: check.severity,
          column: check.column,
          passed: failingRows === 0,
          failingRows,
          observed,
          spec: checkSpec(check, self),
        };
      });
      const cells = rowCount * columns.length;
      return {
        rowCount,
        outcomes,
        completeness: options.profile === false ? undefined : cells === 0 ? 1 : nonNull / cells,
        validity:
          validityChecks === 0 || rowCount === 0 ? 1 : 1 - validityFailures / (rowCount * validityChecks),
        passRate: outcomes.length === 0 ? 1 : outcomes.filter((o) => o.passed).length / outcomes.length,
      };
    },
  };
}
