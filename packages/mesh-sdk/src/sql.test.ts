import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import type { ColumnSpec, LogicalType } from './columns.js';
import { defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { isMeshError } from './errors.js';
import { defineSource } from './source.js';
import { columnLiteral, isSqlFragment, relationsOf, renderSql, sql } from './sql.js';

const render = (fragment: Parameters<typeof renderSql>[0]) => renderSql(fragment, ansi);

const sales = defineDomain({
  name: 'sales',
  description: 'Orders, returns and receipts.',
  owner: { team: 'sales-data', email: 'sales-data@retail.example' },
});
const rawOrders = defineSource({
  domain: sales,
  name: 'orders',
  description: 'Orders as the web shop exports them.',
  mode: 'append',
  schema: z.object({ order_id: z.string().meta({ key: true }), amount: z.number() }),
});
const rawReturns = defineSource({
  domain: sales,
  name: 'returns',
  description: 'Returns registered in stores.',
  mode: 'append',
  schema: z.object({ order_id: z.string().meta({ key: true }) }),
});
const orders = defineDataProduct({
  domain: sales,
  name: 'sales_orders',
  version: '1.0.0',
  description: 'Every order placed online.',
  tier: 'silver',
  refresh: 'hourly',
  access: 'restricted',
  schema: z.object({ order_id: z.string(), amount: z.number() }),
  inputs: { rawOrders },
  transform: ({ rawOrders }) => sql`SELECT order_id, amount FROM ${rawOrders}`,
});

describe('sql', () => {
  it('renders relations as qualified table names', () => {
    expect(render(sql`SELECT * FROM ${rawOrders} AS o JOIN ${orders} AS p USING (order_id)`)).toBe(
      'SELECT * FROM "sales"."raw_orders" AS o JOIN "sales"."sales_orders" AS p USING (order_id)',
    );
  });

  it('lets the caller resolve relations to other tables', () => {
    const text = renderSql(sql`SELECT * FROM ${orders}`, ansi, {
      resolve: (r) => ({ schema: 'staging', name: `${r.name}_next` }),
    });
    expect(text).toBe('SELECT * FROM "staging"."sales_orders_next"');
  });

  it('renders every other value as a literal, never as spliced text', () => {
    const at = new Date('2024-05-01T12:00:00.000Z');
    expect(
      render(sql`VALUES (${'Toys'}, ${"O'Brien"}, ${42}, ${1.5}, ${10n}, ${true}, ${false}, ${null}, ${at})`),
    ).toBe(
      "VALUES ('Toys', 'O''Brien', 42, 1.5, 10, TRUE, FALSE, NULL, TIMESTAMP '2024-05-01T12:00:00.000Z')",
    );
  });

  it('keeps an injection attempt inside one string literal', () => {
    const input = "x'; DROP TABLE sales.orders; --";
    expect(render(sql`WHERE name = ${input}`)).toBe("WHERE name = 'x''; DROP TABLE sales.orders; --'");
  });

  it('nests fragments as SQL, not as literals', () => {
    const filter = sql`amount > ${100}`;
    const inner = sql`SELECT order_id FROM ${rawOrders} WHERE ${filter}`;
    expect(render(sql`SELECT COUNT(*) FROM (${inner}) AS big`)).toBe(
      'SELECT COUNT(*) FROM (SELECT order_id FROM "sales"."raw_orders" WHERE amount > 100) AS big',
    );
  });

  it('renders arrays as comma-separated literal lists', () => {
    expect(render(sql`status IN (${['placed', "it's shipped"]})`)).toBe(
      "status IN ('placed', 'it''s shipped')",
    );
    expect(render(sql`id IN (${[1, 2, 3]})`)).toBe('id IN (1, 2, 3)');
  });

  it('quotes identifiers with sql.id, part by part', () => {
    expect(render(sql.id('order_id'))).toBe('"order_id"');
    expect(render(sql`SELECT ${sql.id('t', 'order id')}`)).toBe('SELECT "t"."order id"');
    expect(render(sql.id('we"ird'))).toBe('"we""ird"');
  });

  it('joins fragments and values with a separator', () => {
    const columns = sql.join([sql.id('a'), sql.id('b'), sql`${1} + ${2}`]);
    expect(render(sql`SELECT ${columns}`)).toBe('SELECT "a", "b", 1 + 2');
    expect(render(sql.join([sql`x = ${1}`, sql`y = ${'z'}`], ' AND '))).toBe("x = 1 AND y = 'z'");
    expect(render(sql.join(['a', 2]))).toBe("'a', 2");
    expect(render(sql`SELECT 1${sql.join([])}`)).toBe('SELECT 1');
  });

  it('splices sql.raw as is', () => {
    expect(render(sql`SELECT * FROM t LIMIT ${sql.raw('10')}`)).toBe('SELECT * FROM t LIMIT 10');
  });

  it('hands portable calls to the dialect with rendered arguments', () => {
    expect(render(sql.cast(sql.id('q', 'amount'), 'decimal'))).toBe('CAST("q"."amount" AS DECIMAL)');
    expect(render(sql.cast("it's", 'string'))).toBe("CAST('it''s' AS TEXT)");
    expect(render(sql.safeDivide(sql.id('a'), 0))).toBe('SAFE_DIVIDE("a", 0)');
    expect(render(sql.dateTrunc('month', sql.id('placed_at')))).toBe('DATE_TRUNC(month, "placed_at")');
    expect(render(sql.regexpMatches(sql.id('sku'), "^[A-Z]'"))).toBe(`REGEXP_MATCHES("sku", '^[A-Z]''')`);
    expect(render(sql.regexpReplace(sql.id('sku'), "['-]", ''))).toBe(`REGEXP_REPLACE("sku", '[''-]', '')`);
    expect(render(sql.currentTimestamp())).toBe('CURRENT_TIMESTAMP()');
    // As the raw UPPER and LOWER render: a transform moved to them keeps its fingerprint.
    expect(render(sql.upper(sql.id('code')))).toBe('UPPER("code")');
    expect(render(sql.lower(sql.trim(sql.id('email'))))).toBe('LOWER(TRIM_WHITESPACE("email"))');
  });

  it('marks what it builds as fragments', () => {
    expect(isSqlFragment(sql`SELECT 1`)).toBe(true);
    expect(isSqlFragment(sql.id('a'))).toBe(true);
    expect(isSqlFragment('SELECT 1')).toBe(false);
    expect(isSqlFragment({ strings: ['SELECT 1'], values: [] })).toBe(false);
    expect(isSqlFragment(null)).toBe(false);
  });
});

describe('relationsOf', () => {
  it('lists relations in order of first appearance, once each, through nesting and calls', () => {
    const nested = sql`SELECT order_id FROM ${rawReturns}`;
    const query = sql`SELECT ${sql.cast(sql`(SELECT MAX(amount) FROM ${orders})`, 'decimal')}
      FROM ${rawOrders} WHERE order_id NOT IN (${nested}) AND EXISTS (SELECT 1 FROM ${rawOrders})`;
    expect(relationsOf(query)).toEqual([orders, rawOrders, rawReturns]);
  });

  it('finds nothing in a fragment of literals and identifiers', () => {
    expect(relationsOf(sql`SELECT ${sql.id('sales', 'orders')} WHERE x = ${'sales.orders'}`)).toEqual([]);
  });

  it('does not take an object shaped like a relation without a table for one', () => {
    expect(relationsOf(sql`${{ kind: 'source', name: 'orders' } as never}`)).toEqual([]);
  });
});

describe('columnLiteral', () => {
  const column = (type: LogicalType): ColumnSpec => ({
    name: 'c',
    type,
    nullable: true,
    description: undefined,
    pii: false,
    key: false,
    values: undefined,
    asString: false,
  });

  it('casts a fitting value to the column type', () => {
    expect(render(columnLiteral(column('integer'), 3, 'sales_orders'))).toBe('CAST(3 AS BIGINT)');
    expect(render(columnLiteral(column('date'), '2024-05-01', 'sales_orders'))).toBe(
      "CAST('2024-05-01' AS DATE)",
    );
    expect(render(columnLiteral(column('string'), null, 'sales_orders'))).toBe('NULL');
  });

  it.each([
    ['string', 3],
    ['integer', '3'],
    ['boolean', 'true'],
    ['timestamp', 1714564800000],
  ] as const)('rejects a %s column given %j', (type, value) => {
    let caught: unknown;
    try {
      columnLiteral(column(type), value, 'sales_orders');
    } catch (error) {
      caught = error;
    }
    expect(isMeshError(caught)).toBe(true);
    expect(caught).toMatchObject({
      code: 'literal-type-mismatch',
      subject: { product: 'sales_orders', column: 'c' },
    });
  });
});
