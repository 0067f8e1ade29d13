import type { Dialect, LogicalType, PortableCall, TableRef } from '@retail-mesh/sdk';

const TYPES: Record<LogicalType, string> = {
  string: 'STRING',
  integer: 'INT64',
  number: 'FLOAT64',
  decimal: 'NUMERIC',
  boolean: 'BOOL',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** GoogleSQL string literal: backslash escapes, so any text round-trips. */
function quoteString(value: string): string {
  const escaped = value.replace(/[\\'\n\r\t\0]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : c === '\0' ? '\\x00' : `\\${c}`,
  );
  return `'${escaped}'`;
}

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
  const quoteIdent = (name: string) => `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
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
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new TypeError(`Cannot write ${value} as a SQL literal.`);
        return String(value);
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
        case 'cast':
          return `CAST(${a} AS ${TYPES[call.type]})`;
        case 'row_fingerprint': {
          const h = `FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(${args.join(', ')})))`;
          return `CONCAT(CAST(SUM(MOD(${h}, 2147483647)) AS STRING), ':', CAST(BIT_XOR(${h}) AS STRING))`;
        }
        case 'regexp_matches':
          return `REGEXP_CONTAINS(${a}, ${quoteString(call.pattern)})`;
      }
    },
  };
}
