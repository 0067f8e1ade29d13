import type { z } from 'zod';
import type { ColumnSpec } from './columns.js';
import type { Dialect } from './dialect.js';
import { type Duration, durationSeconds } from './duration.js';
import { DefinitionError } from './errors.js';
import type { Relation } from './relation.js';
import { type RelationResolver, renderSql, type SqlFragment, sql } from './sql.js';

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
      range: (bounds: { min?: number; max?: number }) =>
        makeCheck({ name: `${name}_range`, kind: 'range', column: name, ...bounds }),
      matches: (pattern: string) =>
        makeCheck({ name: `${name}_matches`, kind: 'regex', column: name, pattern }),
      references: (relation: Relation, refColumn: string) => {
        if (!relation.columns.some((c) => c.name === refColumn)) {
          throw new DefinitionError(
            'unknown-column',
            `references(): ${relation.name} has no column ${refColumn}.`,
            { product: owner, column: name },
          );
        }
        return makeCheck({
          name: `${name}_references_${relation.name}`,
          kind: 'relationships',
          column: name,
          reference: { relation, column: refColumn },
        });
      },
      freshness: (maxAge: Duration) => {
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
    rowCount: (bounds) => makeCheck({ name: 'row_count', kind: 'row_count', column: undefined, ...bounds }),
    uniqueCombination: (cols) => {
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

/** A whole check suite as one SQL statement and the reader of its single result row. */
export interface CompiledChecks {
  readonly sql: string;
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

/**
 * Compiles every check of a product into one SELECT over the table, so the whole suite
 * costs one scan (plus one per relationship or assertion, which need a second table).
 * `self` is the relation under test; `resolve` maps it (and references) to real tables,
 * typically the staging table of a build.
 */
export function compileChecks(
  self: Relation,
  checks: readonly Check[],
  dialect: Dialect,
  resolve: RelationResolver,
  options: { profile?: boolean } = {},
): CompiledChecks {
  // The completeness profile (a COUNT per column) rides along in the same scan unless declined.
  // Only columns the contract says are always filled count: a nullable column's NULL is data.
  const columns = options.profile === false ? [] : self.columns.filter((c) => !c.nullable);
  const t = (column: string) => sql.id('t', column);
  const count = (predicate: SqlFragment) => sql`SUM(CASE WHEN ${predicate} THEN 1 ELSE 0 END)`;
  const selects: SqlFragment[] = [sql`COUNT(*) AS ${sql.id('row_count')}`];
  columns.forEach((c, i) => {
    selects.push(sql`COUNT(${t(c.name)}) AS ${sql.id(`nn_${i}`)}`);
  });
  const byName = new Map(self.columns.map((c) => [c.name, c]));
  checks.forEach((check, i) => {
    const alias = sql.id(`check_${i}`);
    const col = check.column ? t(check.column) : undefined;
    if (check.column && !byName.has(check.column)) {
      throw new DefinitionError('unknown-column', `Check ${check.name} names no column of ${self.name}.`, {
        product: self.name,
        column: check.column,
        check: check.name,
      });
    }
    let expr: SqlFragment;
    switch (check.kind) {
      case 'unique':
        expr = sql`COUNT(${col!}) - COUNT(DISTINCT ${col!})`;
        break;
      case 'not_null':
        expr = sql`COUNT(*) - COUNT(${col!})`;
        break;
      case 'accepted_values':
        expr = count(sql`${col!} IS NOT NULL AND ${col!} NOT IN (${check.values ?? []})`);
        break;
      case 'range': {
        const parts: SqlFragment[] = [];
        if (check.min !== undefined) parts.push(sql`${col!} < ${check.min}`);
        if (check.max !== undefined) parts.push(sql`${col!} > ${check.max}`);
        expr = parts.length ? count(sql.join(parts, ' OR ')) : sql`0`;
        break;
      }
      case 'regex':
        expr = count(sql`${col!} IS NOT NULL AND NOT ${sql.regexpMatches(col!, check.pattern!)}`);
        break;
      case 'expression':
        expr = count(sql`NOT COALESCE((${check.expression!}), FALSE)`);
        break;
      case 'relationships': {
        const ref = check.reference!;
        expr = sql`(SELECT COUNT(*) FROM ${self} AS x WHERE ${sql.id('x', check.column!)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ref.relation} AS r WHERE ${sql.id('r', ref.column)} = ${sql.id('x', check.column!)}))`;
        break;
      }
      case 'unique_combination': {
        const keys = sql.join((check.columns ?? []).map((c) => sql.id(c)));
        expr = sql`(SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM ${self} GROUP BY ${keys} HAVING COUNT(*) > 1) AS d)`;
        break;
      }
      case 'assertion':
        expr = sql`(SELECT COUNT(*) FROM (${check.query!(self)}) AS a)`;
        break;
      case 'row_count':
        expr = sql`COUNT(*)`;
        break;
      case 'freshness':
        expr = sql`MAX(${col!})`;
        break;
    }
    selects.push(sql`${expr} AS ${alias}`);
  });
  const text = renderSql(sql`SELECT ${sql.join(selects)} FROM ${self} AS t`, dialect, { resolve });

  return {
    sql: text,
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
          observed = `${failingRows} failing of ${rowCount}`;
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
