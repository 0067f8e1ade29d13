import type { ColumnSpec, LogicalType } from './columns.js';
import type { Dialect } from './dialect.js';
import { DefinitionError } from './errors.js';
import type { Relation, TableRef } from './relation.js';

const FRAGMENT = Symbol.for('retail-mesh.sql');

/** A piece of SQL with its interpolations kept apart until a dialect renders it. */
export interface SqlFragment {
  readonly [FRAGMENT]: true;
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
}

/** A function whose spelling differs between warehouses; the dialect renders it. */
export type PortableCall =
  | { fn: 'safe_divide'; args: [SqlFragment, SqlFragment] }
  | { fn: 'decimal_divide'; args: [SqlFragment, SqlFragment] }
  | { fn: 'current_timestamp'; args: [] }
  | { fn: 'current_date'; args: [] }
  | { fn: 'date_trunc'; unit: DateUnit; args: [SqlFragment] }
  | { fn: 'timestamp_trunc'; unit: TimestampUnit; args: [SqlFragment] }
  | { fn: 'date_add'; unit: DateUnit; args: [SqlFragment, SqlFragment] }
  | { fn: 'date_diff'; unit: DateUnit; args: [SqlFragment, SqlFragment] }
  | { fn: 'to_date'; args: [SqlFragment] }
  | { fn: 'cast'; type: LogicalType; args: [SqlFragment] }
  | { fn: 'conform'; type: LogicalType; column: string; args: [SqlFragment] }
  | { fn: 'regexp_matches'; pattern: string; args: [SqlFragment] }
  | { fn: 'regexp_replace'; pattern: string; replacement: string; args: [SqlFragment] }
  | { fn: 'trim_whitespace'; args: [SqlFragment] }
  | { fn: 'upper'; args: [SqlFragment] }
  | { fn: 'lower'; args: [SqlFragment] }
  | { fn: 'row_fingerprint'; args: SqlFragment[] }
  | { fn: 'stamp_sum'; args: [SqlFragment] }
  | { fn: 'rows_json'; args: [SqlFragment] };

/** Units of date arithmetic. Weeks start on Sunday on every warehouse. */
export type DateUnit = 'day' | 'week' | 'month' | 'quarter' | 'year';
export type TimestampUnit = 'second' | 'hour' | 'day' | 'month' | 'year';

const CALL = Symbol.for('retail-mesh.sql-call');
const IDENT = Symbol.for('retail-mesh.sql-ident');
const RAW = Symbol.for('retail-mesh.sql-raw');

interface CallValue {
  readonly [CALL]: PortableCall;
}
interface IdentValue {
  readonly [IDENT]: readonly string[];
}
interface RawValue {
  readonly [RAW]: string;
}

export function isSqlFragment(value: unknown): value is SqlFragment {
  return typeof value === 'object' && value !== null && FRAGMENT in value;
}

function isRelation(value: unknown): value is Relation {
  return (
    typeof value === 'object' &&
    value !== null &&
    ((value as Relation).kind === 'data-product' || (value as Relation).kind === 'source') &&
    'table' in value
  );
}

function fragment(strings: readonly string[], values: readonly unknown[]): SqlFragment {
  return { [FRAGMENT]: true, strings, values };
}

function wrap(value: unknown): SqlFragment {
  return isSqlFragment(value) ? value : fragment(['', ''], [value]);
}

function callOf(call: PortableCall): SqlFragment {
  return fragment(['', ''], [{ [CALL]: call } satisfies CallValue]);
}

/** Anything a fragment may interpolate: a relation, a nested fragment, or a literal value. */
export type SqlValue =
  | SqlFragment
  | Relation
  | string
  | number
  | bigint
  | boolean
  | Date
  | null
  | readonly unknown[];

/**
 * Tagged template for portable SQL. Interpolated relations (products, sources) become
 * qualified table names, fragments nest, and every other value becomes a literal,
 * never spliced text.
 *
 * @example
 * sql`SELECT product_id FROM ${catalog} WHERE category = ${'Toys'}`
 */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlFragment {
  return fragment([...strings], values);
}

/** Identifier (column or alias), quoted by the dialect. `sql.id('t', 'col')` renders `t.col` quoted. */
sql.id = (...parts: string[]): SqlFragment => fragment(['', ''], [{ [IDENT]: parts } satisfies IdentValue]);
/** SQL text spliced as is. Only for text the program itself wrote, never for input. */
sql.raw = (text: string): SqlFragment => fragment(['', ''], [{ [RAW]: text } satisfies RawValue]);
/** Joins fragments with a separator. */
sql.join = (parts: readonly SqlValue[], separator = ', '): SqlFragment => {
  if (parts.length === 0) return sql.raw('');
  const strings = [''];
  for (let i = 1; i < parts.length; i++) strings.push(separator);
  strings.push('');
  return fragment(strings, parts);
};
/** `a / b`, NULL when b is 0 (SAFE_DIVIDE on BigQuery). */
sql.safeDivide = (a: SqlValue, b: SqlValue) => callOf({ fn: 'safe_divide', args: [wrap(a), wrap(b)] });
/**
 * `a / b` as a decimal, NULL when b is 0: exact, rounded to 9 decimals half away from zero, as
 * BigQuery divides NUMERIC. `sql.safeDivide` of decimals divides in floating point on DuckDB (a
 * DOUBLE holds 16 digits): 123456789.01 / 7 was 17636684.144285716 there and 17636684.144285714
 * on BigQuery. For decimals below 10^20.
 *
 * @example sql.decimalDivide(sql`budget * days_run`, sql`duration_days`) // 20000000.03 x 31 / 31 -> 20000000.03
 */
sql.decimalDivide = (a: SqlValue, b: SqlValue) => callOf({ fn: 'decimal_divide', args: [wrap(a), wrap(b)] });
/** The time of the statement, as a UTC timestamp. */
sql.currentTimestamp = () => callOf({ fn: 'current_timestamp', args: [] });
/** The current date (UTC). */
sql.currentDate = () => callOf({ fn: 'current_date', args: [] });
/** The first day of the `unit` a date or timestamp falls in, as a DATE. */
sql.dateTrunc = (unit: DateUnit, value: SqlValue) => callOf({ fn: 'date_trunc', unit, args: [wrap(value)] });
/** A timestamp truncated to `unit` (UTC), still a TIMESTAMP. */
sql.timestampTrunc = (unit: TimestampUnit, value: SqlValue) =>
  callOf({ fn: 'timestamp_trunc', unit, args: [wrap(value)] });
/** A DATE `amount` units after a date. */
sql.dateAdd = (unit: DateUnit, value: SqlValue, amount: SqlValue) =>
  callOf({ fn: 'date_add', unit, args: [wrap(value), wrap(amount)] });
/** Unit boundaries crossed from date `start` to date `end` (end minus start). */
sql.dateDiff = (unit: DateUnit, end: SqlValue, start: SqlValue) =>
  callOf({ fn: 'date_diff', unit, args: [wrap(end), wrap(start)] });
/** The date part of a timestamp. */
sql.toDate = (value: SqlValue) => callOf({ fn: 'to_date', args: [wrap(value)] });
/**
 * Casts to the warehouse type of a logical column type. A fraction cast to `'integer'` rounds to
 * the nearest, halfway away from zero on both warehouses (2.5 to 3, -0.5 to -1).
 */
sql.cast = (value: SqlValue, type: LogicalType) => callOf({ fn: 'cast', type, args: [wrap(value)] });
/**
 * A build's cast of a transform's value to its column's contract type: as `sql.cast`, except
 * that a value the type would change fails the statement, naming `column`. A fraction cast to
 * an integer rounds on both warehouses (2.7 becomes 3): a figure other than the one computed.
 */
sql.conform = (value: SqlValue, type: LogicalType, column: string) =>
  callOf({ fn: 'conform', type, column, args: [wrap(value)] });
/**
 * Text without the whitespace around it: spaces, tabs, line breaks and the other Unicode
 * spaces (no-break, thin, ideographic...), the same characters on every warehouse. Plain `TRIM`
 * strips spaces only on DuckDB and every Unicode space on BigQuery: 'Toys' and 'Toys\t' were
 * two categories in tests and one in production.
 */
sql.trim = (value: SqlValue) => callOf({ fn: 'trim_whitespace', args: [wrap(value)] });
/** The code points `sql.trim` strips: Unicode's White_Space. */
export const WHITESPACE_CODE_POINTS: readonly number[] = [
  9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202,
  8232, 8233, 8239, 8287, 12288,
];
/**
 * Text in upper case by Unicode's full case mapping, as BigQuery's `UPPER` maps it and as
 * JavaScript's `toUpperCase()` does: `ß` is `SS`, `ﬁ` is `FI`. DuckDB's `upper` maps one
 * character to one (`ß` to `ẞ`, `ﬁ` kept): 'GRÜSSE10' in production was 'GRÜẞE10' in tests.
 *
 * @example sql`SELECT ${sql.upper(sql.trim(sql`code`))} AS code FROM ${promotions}` // 'grüße10' -> 'GRÜSSE10'
 */
sql.upper = (value: SqlValue) => callOf({ fn: 'upper', args: [wrap(value)] });
/**
 * Text in lower case by Unicode's full case mapping, as BigQuery's `LOWER` maps it and as
 * JavaScript's `toLowerCase()` does: `İ` is `i` and a combining dot (U+0307), a capital sigma
 * ending a word is `ς`. DuckDB's `lower` maps `İ` to `i` and every sigma to `σ`.
 *
 * @example sql.lower(sql`email`) // 'ŞİŞLİ' -> 'şi̇şli̇', 'ΟΔΟΣ' -> 'οδος'
 */
sql.lower = (value: SqlValue) => callOf({ fn: 'lower', args: [wrap(value)] });
/** True when `value` matches the regular expression `pattern` anywhere (RE2 syntax on both warehouses). */
sql.regexpMatches = (value: SqlValue, pattern: string) =>
  callOf({ fn: 'regexp_matches', pattern, args: [wrap(value)] });
/**
 * `value` with every match of `pattern` (RE2 syntax on both warehouses) replaced by
 * `replacement` (`\1` for a group). Every match: DuckDB's `regexp_replace` replaces the first
 * only unless told `'g'`, BigQuery's every one.
 *
 * @example sql.regexpReplace(sql`category`, '[\\x{200B}\\s]', '') // 'Apparel\u200B' -> 'Apparel'
 */
sql.regexpReplace = (value: SqlValue, pattern: string, replacement: string) =>
  callOf({ fn: 'regexp_replace', pattern, replacement, args: [wrap(value)] });
/**
 * An aggregate: the sum of a timestamp column's microseconds since 1970, as text, exact at any
 * row count. Two sets of rows with the same count and the same sum of stamps were most likely
 * stamped alike (see `storedState` in incremental.ts).
 */
sql.stampSum = (value: SqlValue) => callOf({ fn: 'stamp_sum', args: [wrap(value)] });

/**
 * An aggregate fingerprint of the rows of a group over the given values (columns): equal for
 * equal multisets of rows, different (with overwhelming likelihood) when any value changes.
 * For change detection, as text.
 */
sql.rowFingerprint = (values: readonly SqlValue[]) =>
  callOf({ fn: 'row_fingerprint', args: values.map((v) => wrap(v)) });

/**
 * An aggregate: every row of the relation aliased `alias` as one JSON array of objects, as text
 * (for no row NULL on DuckDB, the text `null` on BigQuery: JSON.parse reads both as null);
 * column names are the keys, integers numbers (counts: exact to 2^53), dates 'YYYY-MM-DD'.
 * For reading hundreds of small rows where a query costs milliseconds: one value crosses to JS
 * instead of each of theirs (see `storedState` in incremental.ts).
 */
sql.rowsJson = (alias: string) => callOf({ fn: 'rows_json', args: [sql.id(alias)] });

/** How a rendered relation is named: the published table unless the caller maps it elsewhere. */
export type RelationResolver = (relation: Relation) => TableRef;

export interface RenderOptions {
  resolve?: RelationResolver;
}

/** Renders a fragment to text for one dialect. Literals are inlined through the dialect's escaping. */
export function renderSql(value: SqlValue, dialect: Dialect, options: RenderOptions = {}): string {
  const resolve = options.resolve ?? ((r: Relation) => r.table);
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (isSqlFragment(v)) {
      v.strings.forEach((s, i) => {
        out.push(s);
        if (i < v.values.length) visit(v.values[i]);
      });
    } else if (isRelation(v)) {
      out.push(dialect.tableName(resolve(v)));
    } else if (typeof v === 'object' && v !== null && CALL in v) {
      const call = (v as CallValue)[CALL];
      const args = call.args.map((a) => renderSql(a, dialect, options));
      out.push(dialect.call(call, args));
    } else if (typeof v === 'object' && v !== null && IDENT in v) {
      out.push((v as IdentValue)[IDENT].map((p) => dialect.quoteIdent(p)).join('.'));
    } else if (typeof v === 'object' && v !== null && RAW in v) {
      out.push((v as RawValue)[RAW]);
    } else if (Array.isArray(v)) {
      out.push(v.map((item) => dialect.literal(item)).join(', '));
    } else {
      out.push(dialect.literal(v));
    }
  };
  visit(value);
  return out.join('');
}

/** Every relation a fragment interpolates, in order of first appearance. */
export function relationsOf(value: SqlValue): Relation[] {
  const found = new Set<Relation>();
  const visit = (v: unknown): void => {
    if (isSqlFragment(v)) v.values.forEach(visit);
    else if (isRelation(v)) found.add(v);
    else if (typeof v === 'object' && v !== null && CALL in v) (v as CallValue)[CALL].args.forEach(visit);
  };
  visit(value);
  return [...found];
}

/** A literal of a column's type, checked against the column so a typo fails at definition time. */
export function columnLiteral(column: ColumnSpec, value: unknown, owner: string): SqlFragment {
  if (value === null) return sql`${null}`;
  const ok =
    column.type === 'string'
      ? typeof value === 'string'
      : column.type === 'boolean'
        ? typeof value === 'boolean'
        : column.type === 'date' || column.type === 'timestamp'
          ? typeof value === 'string' || value instanceof Date
          : typeof value === 'number' || typeof value === 'bigint';
  if (!ok) {
    throw new DefinitionError(
      'literal-type-mismatch',
      `Value ${JSON.stringify(value)} does not fit column ${column.name} of type ${column.type}.`,
      { product: owner, column: column.name },
    );
  }
  // A value the column can never hold (another case, a misspelling) would find no row, silently.
  if (column.values && typeof value === 'string' && !column.values.includes(value)) {
    const near = column.values.find((v) => v.toLowerCase() === value.toLowerCase());
    throw new DefinitionError(
      'unknown-value',
      `Value ${JSON.stringify(value)} is not one of column ${column.name}'s values (${column.values.join(', ')})${near ? `: did you mean ${near}?` : '.'} A filter on it would find no row.`,
      { product: owner, column: column.name },
    );
  }
  return sql.cast(value as SqlValue, column.type);
}
