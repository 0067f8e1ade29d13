import {
  type Dialect,
  type LogicalType,
  type PortableCall,
  type TableRef,
  UsageError,
  WHITESPACE_CODE_POINTS,
} from '@retail-mesh/sdk';

const TYPES: Record<LogicalType, string> = {
  string: 'STRING',
  integer: 'INT64',
  number: 'FLOAT64',
  decimal: 'NUMERIC',
  boolean: 'BOOL',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** The first 40 characters of a value, for a message. */
const preview = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The body of a GoogleSQL quoted string or identifier: the quote and backslash escaped, line
 * breaks (which end a single-quoted token) and other control characters as escape sequences, so
 * any Unicode text is one token that decodes to itself. A lone UTF-16 surrogate is no Unicode
 * text (GoogleSQL refuses `\uD800` too): refused, never altered.
 */
function escaped(value: string, quote: "'" | '`'): string | undefined {
  // With the u flag a surrogate pair is one code point: only a lone half matches.
  if (/\p{Cs}/u.test(value)) return undefined;
  return value.replace(/[\\'`\p{Cc}]/gu, (c) => {
    if (c === '\\' || c === quote) return `\\${c}`;
    // The other quote, and C1 controls (U+0080 to U+009F), are text as they are.
    if (c === "'" || c === '`' || c.charCodeAt(0) > 0x7f) return c;
    return ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

const loneSurrogate = (value: string) => {
  const lone = /\p{Cs}/u.exec(value)!;
  return `a lone UTF-16 surrogate (U+${lone[0].charCodeAt(0).toString(16).toUpperCase()}) at index ${lone.index}, which is not Unicode text`;
};

/** GoogleSQL string literal: backslash escapes, so any Unicode text round-trips. */
function quoteString(value: string): string {
  const body = escaped(value, "'");
  if (body === undefined) {
    throw new UsageError(
      'unrepresentable-text',
      `Text ${preview(value)} contains ${loneSurrogate(value)} and which no warehouse stores: remove or replace that character before it reaches SQL.`,
    );
  }
  return `'${body}'`;
}

/** GoogleSQL quoted identifier: the escapes of a string, between backticks; never empty. */
function quoteIdent(name: string): string {
  const body = name === '' ? undefined : escaped(name, '`');
  if (body === undefined) {
    throw new UsageError(
      'unrepresentable-identifier',
      `Name ${preview(name)} ${name === '' ? 'is empty' : `contains ${loneSurrogate(name)}`}, so it cannot name a BigQuery column, table or dataset: choose another name.`,
    );
  }
  return `\`${body}\``;
}

/** A number's literal; a negative one in parentheses, so that `1-${-1}` never reads as a `--` comment. */
const numeric = (text: string) => (text.startsWith('-') ? `(${text})` : text);

export interface BigQueryDialectOptions {
  /** Project of every table; unqualified names resolve against the query job's project otherwise. */
  projectId?: string;
  /** Prepended to every dataset name. */
  datasetPrefix?: string;
}

/** The dataset a schema of the mesh lives in. */
export const datasetName = (schema: string, prefix = '') => `${prefix}${schema}`;

/**
 * GoogleSQL's spelling of portable SQL.
 *
 * @example renderSql(sql`SELECT ${sql.safeDivide(a, b)}`, bigqueryDialect({ projectId: 'p' }))
 */
export function bigqueryDialect(options: BigQueryDialectOptions = {}): Dialect {
  return {
    name: 'bigquery',
    quoteIdent,
    tableName: (ref: TableRef) =>
      [options.projectId, datasetName(ref.schema, options.datasetPrefix), ref.name]
        .filter((p): p is string => !!p)
        .map(quoteIdent)
        .join('.'),
    literal(value: unknown): string {
      if (value === null || value === undefined) return 'NULL';
      if (typeof value === 'string') return quoteString(value);
      if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
      if (typeof value === 'bigint') return numeric(value.toString());
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new TypeError(`Cannot write ${value} as a SQL literal.`);
        // An integer past 2^53 is a FLOAT64 in JS: as an integer literal it may exceed INT64.
        return numeric(
          Number.isInteger(value) && !Number.isSafeInteger(value) ? value.toExponential() : String(value),
        );
      }
      if (value instanceof Date) return `TIMESTAMP ${quoteString(value.toISOString())}`;
      throw new TypeError(`Cannot write a ${typeof value} as a SQL literal.`);
    },
    columnType: (type) => TYPES[type],
    call(call: PortableCall, args: readonly string[]): string {
      const [a, b] = args;
      switch (call.fn) {
        case 'safe_divide':
          return `SAFE_DIVIDE(${a}, ${b})`;
        case 'decimal_divide':
          // NUMERIC by NUMERIC: exact, rounded half away from zero (an INT64 by an INT64 would
          // give a FLOAT64).
          return `SAFE_DIVIDE(CAST(${a} AS NUMERIC), CAST(${b} AS NUMERIC))`;
        case 'current_timestamp':
          return 'CURRENT_TIMESTAMP()';
        case 'current_date':
          return 'CURRENT_DATE()';
        case 'date_trunc':
          return `DATE_TRUNC(CAST(${a} AS DATE), ${call.unit.toUpperCase()})`;
        case 'timestamp_trunc':
          return `TIMESTAMP_TRUNC(${a}, ${call.unit.toUpperCase()})`;
        case 'date_add':
          return `DATE_ADD(CAST(${a} AS DATE), INTERVAL ${b} ${call.unit.toUpperCase()})`;
        case 'date_diff':
          return `DATE_DIFF(CAST(${a} AS DATE), CAST(${b} AS DATE), ${call.unit.toUpperCase()})`;
        case 'to_date':
          return `CAST(${a} AS DATE)`;
        case 'conform':
          // A fraction is refused, not rounded (CAST to INT64 rounds 2.7 to 3).
          if (call.type === 'integer')
            return `IF(CAST(${a} AS FLOAT64) <> TRUNC(CAST(${a} AS FLOAT64)), ERROR(CONCAT(${quoteString(`column ${call.column}: the transform gives `)}, CAST(${a} AS STRING), ${quoteString(', which an integer column would round; round, floor or cast it in the transform')})), CAST(${a} AS INT64))`;
          return `CAST(${a} AS ${TYPES[call.type]})`;
        case 'cast':
          return `CAST(${a} AS ${TYPES[call.type]})`;
        case 'row_fingerprint': {
          const h = `FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${args.join(', ')})))`;
          return `CONCAT(CAST(SUM(MOD(${h}, 2147483647)) AS STRING), ':', CAST(BIT_XOR(${h}) AS STRING))`;
        }
        case 'regexp_matches':
          return `REGEXP_CONTAINS(${a}, ${quoteString(call.pattern)})`;
        case 'regexp_replace':
          return `REGEXP_REPLACE(${a}, ${quoteString(call.pattern)}, ${quoteString(call.replacement)})`;
        case 'trim_whitespace':
          return `TRIM(${a}, CODE_POINTS_TO_STRING([${WHITESPACE_CODE_POINTS.join(', ')}]))`;
        case 'upper':
          // ICU's full mapping: the one sql.upper promises (see the DuckDB dialect).
          return `UPPER(${a})`;
        case 'lower':
          return `LOWER(${a})`;
        case 'stamp_sum':
          // INT64 overflows past nine million rows of this century's stamps; BIGNUMERIC holds them.
          return `CAST(SUM(CAST(UNIX_MICROS(${a}) AS BIGNUMERIC)) AS STRING)`;
        case 'rows_json':
          return `TO_JSON_STRING(ARRAY_AGG(${a}))`;
      }
    },
  };
}
