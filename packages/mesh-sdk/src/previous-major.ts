import { type Check, checksBuilder } from './checks.js';
import type { LogicalType } from './columns.js';
import { LOGICAL_TYPES } from './contract.js';
import type { DataProduct } from './data-product.js';
import { METADATA_COLUMNS } from './data-product.js';
import type { Dialect } from './dialect.js';
import { DefinitionError } from './errors.js';
import { majorOf, previousMajorTable, type TableRef } from './relation.js';
import { renderSql, sql } from './sql.js';
import type { Warehouse } from './warehouse.js';

/**
 * A product's previous major version, kept published beside the new one: a view over the new
 * table in the shape of the previous major's released contract (its columns, names and types),
 * so consumers of v1 keep reading while they migrate, until the announced date.
 */
export interface PreviousMajorView {
  readonly product: DataProduct;
  /** The previous major: 1 for `product_catalog_v1`. */
  readonly major: number;
  readonly table: TableRef;
  /** The announced deprecation date (YYYY-MM-DD); the view is dropped after it. */
  readonly until: string;
  readonly expired: boolean;
  /** The view's SELECT over the product's table. */
  readonly select: string;
  /**
   * What the view promises readers of the previous major beyond its types, as checks of this
   * version's rows: each column the released contract requires holds a value in every row
   * (`brand_v1_required`). Run on the staged rows before they are published (see
   * `withPreviousMajorChecks`), a build that would hand a v1 reader NULL where v1 promised a
   * value fails and keeps what was published, its view included.
   */
  readonly checks: readonly Check[];
}

type Doc = Record<string, unknown>;
type Property = { name: string; logicalType?: string; physicalType?: string; required?: boolean };

/**
 * The view that keeps `released` (the product's last released contract, an ODCS document)
 * published beside a new major version of `product`; undefined when the product has no new
 * major over it or does not keep the previous one (`previousMajor`). A released column the new
 * version no longer has with its type needs an expression in `previousMajor.columns`.
 */
export function previousMajorView(
  product: DataProduct,
  released: Doc | undefined,
  dialect: Dialect,
  today: Date = new Date(),
): PreviousMajorView | undefined {
  const keep = product.previousMajor;
  if (!keep || !released || majorOf(released.version) >= majorOf(product.version)) return undefined;
  const major = majorOf(released.version);
  const properties = (((released.schema as Doc[] | undefined)?.[0]?.properties as Property[]) ?? []).filter(
    (p) => typeof p?.name === 'string',
  );
  const now = new Map(product.columns.map((c) => [c.name, c]));
  const q = (name: string) => dialect.quoteIdent(name);
  const { table: rows } = checksBuilder(product.columns, product.id);
  const checks: Check[] = [];
  const select = properties.map((p) => {
    const expression = keep.columns[p.name];
    const type = logicalTypeOf(p);
    const column = now.get(p.name);
    // SQL over this version's rows, which may be NULL where the released version promised a
    // value: an expression, or a column this version holds nullable.
    if (p.required && (expression !== undefined || column?.nullable))
      checks.push(
        rows.expect(`${p.name}_v${major}_required`, sql`(${sql.raw(expression ?? q(p.name))}) IS NOT NULL`),
      );
    // The dialect's cast where the type is known: a raw CAST drops a text offset on DuckDB.
    if (expression !== undefined)
      return `${type ? renderSql(sql.cast(sql.raw(`(${expression})`), type), dialect) : `CAST((${expression}) AS ${p.physicalType})`} AS ${q(p.name)}`;
    if (!column || !type || column.type !== type)
      throw new DefinitionError(
        'previous-major-column',
        `${product.id} ${product.version} keeps version ${released.version} published until ${keep.until}, whose column ${p.name} (${p.physicalType ?? p.logicalType}) it ${column ? `holds as ${column.type}` : 'no longer has'}: give previousMajor.columns.${p.name}, SQL over this version's rows.`,
        { domain: product.domain.name, product: product.name, column: p.name },
      );
    return q(p.name);
  });
  for (const name of Object.keys(keep.columns))
    if (!properties.some((p) => p.name === name))
      throw new DefinitionError(
        'previous-major-column',
        `${product.id}: previousMajor.columns names ${name}, which version ${released.version} does not have.`,
        { domain: product.domain.name, product: product.name, column: name },
      );
  const table = previousMajorTable(product.table, major);
  // Published through the announced day, dropped from the next.
  const expired = today.toISOString().slice(0, 10) > keep.until;
  return {
    product,
    major,
    table,
    until: keep.until,
    expired,
    select: `SELECT ${[...select, ...METADATA_COLUMNS.map((c) => q(c.name))].join(', ')} FROM ${dialect.tableName(product.table)}`,
    // A dropped view promises nothing more.
    checks: expired ? [] : checks,
  };
}

/**
 * `product` with the checks of the previous major it keeps published (`view.checks`), for a
 * build: they run with its own, on the rows it stages, and block the publish as they do.
 */
export function withPreviousMajorChecks(
  product: DataProduct,
  view: PreviousMajorView | undefined,
): DataProduct {
  if (!view?.checks.length) return product;
  return Object.freeze({ ...product, checks: Object.freeze([...product.checks, ...view.checks]) });
}

/** The column type a released contract's property holds, as `odcsContract` wrote it. */
function logicalTypeOf(p: Property): LogicalType | undefined {
  return (
    Object.entries(LOGICAL_TYPES) as Array<[LogicalType, { logicalType: string; physicalType: string }]>
  ).find(([, t]) => t.logicalType === p.logicalType && t.physicalType === p.physicalType)?.[0];
}

/**
 * Publishes (or, after its date, drops) the previous major of each product that keeps one,
 * after the product itself was published. `released` gives a product's last released contract.
 */
export async function publishPreviousMajors(
  warehouse: Warehouse,
  products: readonly DataProduct[],
  released: (product: DataProduct) => Doc | undefined,
  today: Date = new Date(),
): Promise<PreviousMajorView[]> {
  const views: PreviousMajorView[] = [];
  for (const product of products) {
    const view = previousMajorView(product, released(product), warehouse.dialect, today);
    if (!view) continue;
    const name = warehouse.dialect.tableName(view.table);
    await warehouse.query(
      view.expired ? `DROP VIEW IF EXISTS ${name}` : `CREATE OR REPLACE VIEW ${name} AS ${view.select}`,
    );
    views.push(view);
  }
  return views;
}
