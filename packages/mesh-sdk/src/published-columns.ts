import type { DataProduct } from './data-product.js';
import { BuildError, isMeshError } from './errors.js';
import type { TableRef } from './relation.js';
import { renderSql, sql } from './sql.js';
import type { Warehouse } from './warehouse.js';

/**
 * The columns of the table or view `from`; undefined when the warehouse cannot describe it, or
 * describes no column (a table has one at least: an answer without its schema says nothing).
 */
export function columnsOf(warehouse: Warehouse, from: TableRef): Promise<Set<string> | undefined> {
  return warehouse
    .describeQuery(`SELECT * FROM ${warehouse.dialect.tableName(from)}`)
    .then((columns) => (columns.length ? new Set(columns.map((c) => c.name)) : undefined))
    .catch(() => undefined);
}

/**
 * Why a statement over a product's published table failed, when the warehouse can say, in the
 * product's terms: its table is not published (`not-published`), or lacks columns of `wanted`
 * that the installed contract has (`missing-columns`: published by another version). Asked
 * only after a failure, so a read or a test costs no extra statement. Anything else, or a
 * question that fails too, keeps the error.
 */
export async function explainFailedRead(
  product: DataProduct,
  warehouse: Warehouse,
  error: unknown,
  wanted: readonly string[],
): Promise<unknown> {
  if (!isMeshError(error) || error.code !== 'statement-failed') return error;
  const subject = { domain: product.domain.name, product: product.name };
  try {
    const tables = await warehouse.listTables(product.table.schema);
    if (!tables.includes(product.table.name)) {
      return new BuildError(
        'not-published',
        `${product.id} is not published in this warehouse: build it (mesh build ${product.id}) before reading it.`,
        subject,
        { cause: error },
      );
    }
    const present = await columnsOf(warehouse, product.table);
    if (!present) return error;
    return (await missingColumns(product, warehouse, present, wanted, error)) ?? error;
  } catch {
    return error;
  }
}

/**
 * The `missing-columns` error of a published table whose columns (`present`) lack some of
 * `wanted`, naming them and the version that published it; undefined when none lacks.
 */
export async function missingColumns(
  product: DataProduct,
  warehouse: Warehouse,
  present: ReadonlySet<string>,
  wanted: readonly string[],
  cause?: unknown,
): Promise<BuildError | undefined> {
  const missing = [...new Set(wanted)].filter((name) => !present.has(name));
  if (!missing.length) return undefined;
  const published = present.has('_version')
    ? await warehouse
        .query(renderSql(sql`SELECT ${sql.id('_version')} AS v FROM ${product} LIMIT 1`, warehouse.dialect))
        .then((rows) => (rows[0]?.v == null ? undefined : String(rows[0].v)))
        .catch(() => undefined)
    : undefined;
  return new BuildError(
    'missing-columns',
    `${product.id} ${product.version} (the contract installed here) has ${missing.length === 1 ? 'column' : 'columns'} ${missing.join(', ')}, which its published table${published ? ` (version ${published})` : ''} lacks: build it with this version, or install the version that published it.`,
    { domain: product.domain.name, product: product.name, column: missing[0] },
    cause === undefined ? undefined : { cause },
  );
}
