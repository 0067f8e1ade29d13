import type { LogicalType } from './columns.js';
import type { TableRef } from './relation.js';
import type { PortableCall } from './sql.js';

/**
 * Everything that differs in how two warehouses spell the same SQL. Domain code never
 * sees a dialect: it writes portable fragments with `sql` and the adapter's dialect renders
 * them. What a portable transform may use is listed in this package's README ("Portable SQL").
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
  /**
   * A SELECT of literal rows, each value cast to its column's type, where the warehouse has a
   * cheaper form than one SELECT per row joined by UNION ALL (which DuckDB plans in 60 ms for
   * 366 rows, against 15 for a VALUES list). Without it, callers write the UNION ALL.
   */
  valuesTable?(
    columns: ReadonlyArray<{ readonly name: string; readonly type: LogicalType }>,
    rows: ReadonlyArray<ReadonlyArray<unknown>>,
  ): string;
}
