import { ZetaSQLClient } from '@fivetrandevelopers/zetasql';
import type { EvaluateQueryRequest } from '@fivetrandevelopers/zetasql/lib/types/zetasql/local_service/EvaluateQueryRequest.js';
import type { EvaluateQueryResponse__Output } from '@fivetrandevelopers/zetasql/lib/types/zetasql/local_service/EvaluateQueryResponse.js';
import {
  type ColumnSpec,
  type DataProduct,
  type Dialect,
  renderBuildQuery,
  type Warehouse,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll } from 'vitest';
import { bigqueryDialect } from '../bigquery-dialect.js';
import { TEST_PROJECT } from './index.js';
import { closeZetaSqlServer, createAnalyzer } from './zetasql-analyzer.js';

/** Rows of each input of a product, by input name: values as a literal of the column's type takes them. */
export type InputRows = Readonly<Record<string, ReadonlyArray<Readonly<Record<string, unknown>>>>>;

/**
 * The SELECT that builds `product` in `dialect`, reading literal rows instead of its inputs'
 * tables, with the clock stopped at `now`: a query that runs on an engine holding no table.
 */
export function buildWithRows(product: DataProduct, dialect: Dialect, inputs: InputRows, now: Date): string {
  let { select } = renderBuildQuery(product, dialect);
  for (const [name, relation] of Object.entries(product.inputs)) {
    const { columns } = relation;
    const value = (c: ColumnSpec, v: unknown) =>
      `CAST(${v === null || v === undefined ? 'NULL' : dialect.literal(v)} AS ${dialect.columnType(c.type)})`;
    const rows = inputs[name] ?? [];
    const body = rows.length
      ? rows
          .map(
            (r) =>
              `SELECT ${columns.map((c) => `${value(c, r[c.name])} AS ${dialect.quoteIdent(c.name)}`).join(', ')}`,
          )
          .join(' UNION ALL ')
      : `SELECT ${columns.map((c) => `${value(c, null)} AS ${dialect.quoteIdent(c.name)}`).join(', ')} LIMIT 0`;
    select = select.replaceAll(dialect.tableName(relation.table), `(${body})`);
  }
  const clock = dialect.call({ fn: 'current_timestamp', args: [] }, []);
  const today = dialect.call({ fn: 'current_date', args: [] }, []);
  return select
    .replaceAll(clock, `CAST(${dialect.literal(now)} AS ${dialect.columnType('timestamp')})`)
    .replaceAll(today, `CAST(${dialect.literal(now.toISOString().slice(0, 10))} AS DATE)`);
}

/** A decimal's text without the zeros after its point (`20000000.030000000`: `20000000.03`). */
const decimalText = (text: string) => {
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
};

/**
 * A row's contract columns as comparable JS values: numbers, ISO instants, dates and text. A
 * decimal is a number when a double holds it exactly, else its text (17636684.144285714 and
 * ...716 are one double): a figure off in its ninth decimal is told apart.
 */
export function figuresOf(
  product: DataProduct,
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return Object.fromEntries(
    product.columns.map((c) => {
      const v = row[c.name];
      if (v === null || v === undefined) return [c.name, null];
      switch (c.type) {
        case 'integer':
        case 'number':
          return [c.name, Number(v)];
        case 'decimal': {
          const text = decimalText(String(v));
          return [c.name, decimalText(String(Number(text))) === text ? Number(text) : text];
        }
        case 'boolean':
          return [c.name, v === true || v === 'true'];
        case 'timestamp':
          return [
            c.name,
            (v instanceof Date
              ? v
              : new Date(String(v).replace(' ', 'T').replace(/\+00$/, 'Z'))
            ).toISOString(),
          ];
        case 'date':
          return [c.name, v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10)];
        default:
          return [c.name, String(v)];
      }
    }),
  );
}

/**
 * Builds `product` from literal rows on ZetaSQL's reference engine, which runs GoogleSQL as
 * BigQuery does (its rounding, its NUMERIC, its string functions): the figures production
 * would publish, to compare with DuckDB's for the same rows.
 */
export async function buildOnZetaSql(
  product: DataProduct,
  inputs: InputRows,
  now: Date,
): Promise<Array<Record<string, unknown>>> {
  // Starts the process's ZetaSQL server (shared with analyzers) if it is not running.
  await (await createAnalyzer([])).close();
  const maximum = await ZetaSQLClient.getInstance().getLanguageOptions({ maximumFeatures: true });
  const languageOptions: NonNullable<EvaluateQueryRequest['options']>['languageOptions'] = {
    enabledLanguageFeatures: maximum?.enabledLanguageFeatures ?? [],
    productMode: 'PRODUCT_EXTERNAL',
  };
  const dialect = bigqueryDialect({ projectId: TEST_PROJECT });
  const q = dialect.quoteIdent;
  const select = buildWithRows(product, dialect, inputs, now);
  const request: EvaluateQueryRequest = {
    sql: `SELECT ${product.columns.map((c) => `CAST(${q(c.name)} AS STRING) AS ${q(c.name)}`).join(', ')} FROM (${select})`,
    options: { languageOptions, defaultTimezone: 'UTC', errorMessageMode: 'ERROR_MESSAGE_ONE_LINE' },
    simpleCatalog: { name: 'bigquery', builtinFunctionOptions: { languageOptions } },
  };
  const response = await new Promise<EvaluateQueryResponse__Output | undefined>((resolve, reject) =>
    ZetaSQLClient.API.evaluateQuery(request, (error, value) => (error ? reject(error) : resolve(value))),
  );
  return (response?.content?.tableData?.row ?? []).map(({ cell }) =>
    figuresOf(
      product,
      Object.fromEntries(product.columns.map((c, i) => [c.name, cell?.[i]?.stringValue ?? null])),
    ),
  );
}

/**
 * A product built from the same literal rows on `warehouse` (the DuckDB of tests) and on
 * ZetaSQL's engine, each side's rows sorted by the product's key: what a test compares.
 *
 * @example
 * const { local, bigquery } = await figuresOnBoth(orderFulfillment, inputs, duckdb);
 * expect(bigquery).toEqual(local);
 */
export async function figuresOnBoth(
  product: DataProduct,
  inputs: InputRows,
  warehouse: Warehouse,
  now = new Date('2026-11-02T12:00:00Z'),
): Promise<{ local: Array<Record<string, unknown>>; bigquery: Array<Record<string, unknown>> }> {
  const keys = product.columns.filter((c) => c.key).map((c) => c.name);
  const keyOf = (row: Record<string, unknown>) => keys.map((k) => String(row[k])).join('\u0000');
  const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0;
  // Decimals as text, as ZetaSQL's side reads them: a warehouse's client may read them as doubles.
  const q = warehouse.dialect.quoteIdent;
  const columns = product.columns.map((c) =>
    c.type === 'decimal'
      ? `CAST(${q(c.name)} AS ${warehouse.dialect.columnType('string')}) AS ${q(c.name)}`
      : q(c.name),
  );
  const select = `SELECT ${columns.join(', ')} FROM (${buildWithRows(product, warehouse.dialect, inputs, now)}) AS figures`;
  const local = (await warehouse.query(select)).map((r) => figuresOf(product, r));
  return { local: local.sort(byKey), bigquery: (await buildOnZetaSql(product, inputs, now)).sort(byKey) };
}

/**
 * For a test file comparing figures: opens `open()`'s warehouse before its tests and closes it
 * (and ZetaSQL's server) after them; returns `figuresOnBoth` on that warehouse.
 *
 * @example
 * const figures = onBothWarehouses(() => createDuckDbWarehouse({ path: ':memory:' }));
 * it('...', async () => { const { local, bigquery } = await figures(product, inputs); });
 */
export function onBothWarehouses(
  open: () => Promise<Warehouse>,
): (product: DataProduct, inputs: InputRows) => ReturnType<typeof figuresOnBoth> {
  let warehouse: Warehouse | undefined;
  beforeAll(async () => {
    warehouse = await open();
  });
  afterAll(async () => {
    await warehouse?.close();
    await closeZetaSqlServer();
  });
  return (product, inputs) => figuresOnBoth(product, inputs, warehouse!);
}
