import type { ColumnSpec } from './columns.js';
import type { DataProduct } from './data-product.js';
import { UsageError } from './errors.js';
import { columnLiteral, renderSql, type SqlFragment, sql } from './sql.js';
import type { Warehouse } from './warehouse.js';

/** Filters, projection and paging of a typed read. */
export interface ReadOptions<Row, K extends keyof Row> {
  /** Equality per column; an array means any of its values. */
  where?: { [C in keyof Row]?: Row[C] | readonly Row[C][] };
  columns?: readonly K[];
  limit?: number;
  /** Rows fetched from the warehouse at a time; memory stays bounded by it. Default 2048. */
  chunkSize?: number;
}

/** The SELECT a typed read runs, rendered for the warehouse's dialect. */
export function readQuery(
  product: DataProduct,
  warehouse: Warehouse,
  options: ReadOptions<Record<string, unknown>, string> = {},
): { text: string; columns: ColumnSpec[] } {
  const byName = new Map(product.columns.map((c) => [c.name, c]));
  const wanted = (options.columns ?? product.columns.map((c) => c.name)).map((name) => {
    const column = byName.get(name);
    if (!column) {
      throw new UsageError('unknown-column', `${product.id} has no column ${name}.`, {
        domain: product.domain.name,
        product: product.name,
        column: name,
      });
    }
    return column;
  });
  const filters: SqlFragment[] = [];
  for (const [name, value] of Object.entries(options.where ?? {})) {
    const column = byName.get(name);
    if (!column) {
      throw new UsageError('unknown-column', `${product.id} has no column ${name} to filter on.`, {
        domain: product.domain.name,
        product: product.name,
        column: name,
      });
    }
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      filters.push(
        value.length === 0
          ? sql`FALSE`
          : sql`${sql.id(name)} IN (${sql.join(value.map((v) => columnLiteral(column, v, product.name)))})`,
      );
    } else if (value === null) filters.push(sql`${sql.id(name)} IS NULL`);
    else filters.push(sql`${sql.id(name)} = ${columnLiteral(column, value, product.name)}`);
  }
  const where = filters.length ? sql` WHERE ${sql.join(filters, ' AND ')}` : sql``;
  const limit =
    options.limit !== undefined
      ? sql` LIMIT ${sql.raw(String(Math.max(0, Math.floor(options.limit))))}`
      : sql``;
  const query = sql`SELECT ${sql.join(wanted.map((c) => sql.id(c.name)))} FROM ${product}${where}${limit}`;
  return { text: renderSql(query, warehouse.dialect), columns: wanted };
}

/** Turns a warehouse value into the JS type the zod schema promises. */
export function toSchemaValue(column: ColumnSpec, value: unknown): unknown {
  return schemaConverter(column)(value);
}

/**
 * The converter of one column, chosen once for a whole read: each value then costs one call
 * and, when the warehouse already gave the promised type, one `typeof` check.
 *
 * @example
 * const toStock = schemaConverter(stockColumn);
 * toStock(3n); // 3
 */
export function schemaConverter(column: ColumnSpec): (value: unknown) => unknown {
  switch (column.type) {
    case 'integer':
    case 'number':
    case 'decimal':
      return (value) => (typeof value === 'number' ? value : value == null ? null : Number(value));
    case 'timestamp': {
      const toDate = (value: unknown) => (value instanceof Date ? value : new Date(String(value)));
      return column.asString
        ? (value) => (value == null ? null : toDate(value).toISOString())
        : (value) => (value == null ? null : toDate(value));
    }
    case 'date':
      return (value) =>
        typeof value === 'string'
          ? value
          : value == null
            ? null
            : value instanceof Date
              ? value.toISOString().slice(0, 10)
              : String(value);
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : value == null ? null : Boolean(value));
    default:
      return (value) => (typeof value === 'string' ? value : value == null ? null : String(value));
  }
}

export async function* readProduct<Row>(
  product: DataProduct,
  warehouse: Warehouse,
  options: ReadOptions<Record<string, unknown>, string> = {},
): AsyncIterable<Row> {
  const { text, columns } = readQuery(product, warehouse, options);
  const names = columns.map((c) => c.name);
  const converters = columns.map(schemaConverter);
  for await (const chunk of warehouse.stream(text, { chunkSize: options.chunkSize ?? 2048 })) {
    for (const raw of chunk) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) row[names[i]!] = converters[i]!(raw[names[i]!]);
      yield row as Row;
    }
  }
}
