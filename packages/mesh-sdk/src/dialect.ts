import type { LogicalType } from './columns.js';
import type { TableRef } from './relation.js';
import type { PortableCall } from './sql.js';

/**
 * Everything that differs in how two warehouses spell the same SQL. Domain code never
 * sees a dialect: it writes portable fragments with `sql` and the adapter's dialect renders them.
 *
 * Portable SQL for transforms: SELECT with joins, WHERE, GROUP BY, HAVING, window functions
 * (`OVER (PARTITION BY ... ORDER BY ...)`), CASE, COALESCE, CAST through `sql.cast`, the
 * aggregates COUNT/SUM/AVG/MIN/MAX, ROUND, ABS, LOWER/UPPER/TRIM/CONCAT, and the helpers on
 * `sql` (safeDivide, dateTrunc, dateAdd, dateDiff, toDate, currentTimestamp, regexpMatches)
 * for what the warehouses spell differently. Not portable: `::` casts, `FILTER (WHERE ...)`,
 * `QUALIFY`, `GREATEST`/`LEAST` with NULLs, string functions beyond the list, dialect types.
 */
export interface Dialect {
  readonly name: string;
  /** Quotes one identifier part. */
  quoteIdent(name: string): string;
  /** The qualified name of a table. */
  tableName(ref: TableRef): string;
  /** A literal of a JS value (string, number, bigint, boolean, Date, null). */
  literal(value: unknown): string;
  /** The SQL type that holds a logical column type. */
  columnType(type: LogicalType): string;
  /** Renders a portable function call whose arguments are already rendered. */
  call(call: PortableCall, args: readonly string[]): string;
}
