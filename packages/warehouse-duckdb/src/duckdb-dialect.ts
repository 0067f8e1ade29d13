import type { Dialect, LogicalType, PortableCall, TableRef } from '@retail-mesh/sdk';

const TYPES: Record<LogicalType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  // BigQuery NUMERIC's precision and scale, so a product gives the same figures on both.
  decimal: 'DECIMAL(38,9)',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** The Sunday that starts the week of a date: DuckDB's own weeks start on Monday. */
const sundayWeek = (value: string) => `(CAST(date_trunc('week', CAST(${value} AS DATE) + 1) AS DATE) - 1)`;

function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** DuckDB's spelling of portable SQL. Timestamps are UTC: the adapter pins the session time zone. */
export const duckdbDialect: Dialect = {
  name: 'duckdb',
  quoteIdent: (name) => `"${name.replaceAll('"', '""')}"`,
  tableName(ref: TableRef) {
    return `${this.quoteIdent(ref.schema)}.${this.quoteIdent(ref.name)}`;
  },
  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'string') return quoteString(value);
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`Cannot write ${value} as a SQL literal.`);
      return String(value);
    }
    if (value instanceof Date)
      return `TIMESTAMP ${quoteString(value.toISOString().replace('T', ' ').replace('Z', ''))}`;
    throw new TypeError(`Cannot write a ${typeof value} as a SQL literal.`);
  },
  columnType: (type) => TYPES[type],
  call(call: PortableCall, args: readonly string[]): string {
    const [a, b] = args;
    switch (call.fn) {
      case 'safe_divide':
        return `(CASE WHEN (${b}) = 0 THEN NULL ELSE (${a}) / (${b}) END)`;
      case 'current_timestamp':
        return 'CAST(current_timestamp AS TIMESTAMP)';
      case 'current_date':
        return 'current_date';
      case 'date_trunc':
        return call.unit === 'week'
          ? sundayWeek(a!)
          : `CAST(date_trunc('${call.unit}', CAST(${a} AS DATE)) AS DATE)`;
      case 'timestamp_trunc':
        return `date_trunc('${call.unit}', ${a})`;
      case 'date_add':
        return call.unit === 'week'
          ? `CAST(CAST(${a} AS DATE) + to_days(7 * CAST(${b} AS INTEGER)) AS DATE)`
          : call.unit === 'quarter'
            ? `CAST(CAST(${a} AS DATE) + to_months(3 * CAST(${b} AS INTEGER)) AS DATE)`
            : `CAST(CAST(${a} AS DATE) + to_${call.unit}s(CAST(${b} AS INTEGER)) AS DATE)`;
      case 'date_diff':
        // Sunday-based week boundaries crossed, as BigQuery counts them.
        return call.unit === 'week'
          ? `CAST((${sundayWeek(a!)} - ${sundayWeek(b!)}) / 7 AS BIGINT)`
          : `date_diff('${call.unit}', CAST(${b} AS DATE), CAST(${a} AS DATE))`;
      case 'to_date':
        return `CAST(${a} AS DATE)`;
      case 'cast':
        return `CAST(${a} AS ${TYPES[call.type]})`;
      case 'row_fingerprint': {
        // Summed as well as XORed: DuckDB's hash of several values is XOR-like, and an XOR
        // alone cancels equal changes to pairs of rows.
        const h = `hash(${args.join(', ')})`;
        return `(CAST(sum(${h} % 2147483647) AS VARCHAR) || ':' || CAST(bit_xor(${h}) AS VARCHAR))`;
      }
      case 'regexp_matches':
        return `regexp_matches(${a}, ${quoteString(call.pattern)})`;
    }
  },
};
