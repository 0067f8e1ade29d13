import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Analyzer, closeZetaSqlServer, createAnalyzer } from './zetasql-analyzer.js';

// The first call starts the ZetaSQL server (a 90 MB binary); give it time on a cold CI machine.
const SERVER_START_MS = 60_000;

let analyzer: Analyzer;

beforeAll(async () => {
  analyzer = await createAnalyzer([
    {
      path: ['retail-prod', 'sales', 'orders'],
      columns: [
        { name: 'order_id', type: 'INT64' },
        { name: 'customer_id', type: 'STRING' },
        { name: 'amount', type: 'NUMERIC' },
        { name: 'discount', type: 'FLOAT64' },
        { name: 'is_gift', type: 'BOOL' },
        { name: 'order_date', type: 'DATE' },
        { name: 'ordered_at', type: 'TIMESTAMP' },
      ],
    },
    {
      path: ['staging', 'customers'],
      columns: [
        { name: 'customer_id', type: 'STRING' },
        { name: 'email', type: 'STRING' },
      ],
    },
  ]);
}, SERVER_START_MS);

afterAll(async () => {
  await analyzer?.close();
  await closeZetaSqlServer();
});

describe('zetasql analyzer', () => {
  it('passes a window function over a catalog table and reports its output columns', async () => {
    const result = await analyzer.analyze(`
      SELECT customer_id, ordered_at,
             SUM(amount) OVER (PARTITION BY customer_id ORDER BY ordered_at) AS running_amount,
             ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY ordered_at DESC) AS recency
      FROM sales.orders`);
    expect(result).toEqual({
      ok: true,
      outputColumns: [
        { name: 'customer_id', type: 'STRING' },
        { name: 'ordered_at', type: 'TIMESTAMP' },
        { name: 'running_amount', type: 'NUMERIC' },
        { name: 'recency', type: 'INT64' },
      ],
    });
  });

  it('passes CREATE OR REPLACE TABLE ... PARTITION BY ... CLUSTER BY ... OPTIONS ... AS SELECT', async () => {
    const result = await analyzer.analyze(`
      CREATE OR REPLACE TABLE \`sales.daily_orders\`
      PARTITION BY DATE(ts)
      CLUSTER BY a, b
      OPTIONS(description="x", labels=[("k","v")], partition_expiration_days=30)
      AS SELECT
        customer_id AS a,
        order_id AS b,
        TIMESTAMP_TRUNC(ordered_at, DAY) AS ts,
        SAFE_DIVIDE(amount, 2) AS half,
        DATE_DIFF(CURRENT_DATE(), order_date, DAY) AS age_days,
        REGEXP_CONTAINS(customer_id, r'^C[0-9]+$') AS well_formed,
        CURRENT_TIMESTAMP() AS built_at
      FROM \`retail-prod.sales.orders\`
      WHERE NOT is_gift
      QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY ordered_at DESC) = 1`);
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.outputColumns?.map((c) => `${c.name} ${c.type}`)).toEqual([
      'a STRING',
      'b INT64',
      'ts TIMESTAMP',
      'half NUMERIC',
      'age_days INT64',
      'well_formed BOOL',
      'built_at TIMESTAMP',
    ]);
  });

  it.each([
    'sales.orders',
    'retail-prod.sales.orders',
    '`retail-prod`.sales.orders',
    '`retail-prod`.`sales`.`orders`',
    '`retail-prod.sales.orders`',
    '`retail-prod.sales`.orders',
    '`sales.orders`',
    '`sales`.`orders`',
    'staging.customers',
    '`staging.customers`',
  ])('resolves the table path %s', async (path) => {
    expect(await analyzer.analyze(`SELECT * FROM ${path}`)).toMatchObject({ ok: true });
  });

  it('passes the other statements a build runs', async () => {
    const statements = [
      'CREATE TABLE sales.audit (id INT64, note STRING OPTIONS(description="why"))',
      'DROP TABLE IF EXISTS `retail-prod.sales.orders_old`',
      'INSERT INTO sales.orders (order_id, customer_id) VALUES (1, "C1")',
      `MERGE sales.orders AS t USING staging.customers AS s ON t.customer_id = s.customer_id
       WHEN MATCHED THEN UPDATE SET is_gift = FALSE
       WHEN NOT MATCHED BY SOURCE THEN DELETE`,
      'SELECT order_id FROM sales.orders WHERE ordered_at > @since',
    ];
    for (const sql of statements) expect(await analyzer.analyze(sql), sql).toMatchObject({ ok: true });
  });

  it('fails an unknown function, naming it and where it is', async () => {
    expect(await analyzer.analyze('SELECT\n  no_such_fn(amount) FROM sales.orders')).toEqual({
      ok: false,
      message: 'Function not found: no_such_fn',
      line: 2,
      column: 3,
    });
  });

  it('fails a wrong argument type', async () => {
    const result = await analyzer.analyze("SELECT SAFE_DIVIDE('a', 1)");
    expect(result).toMatchObject({ ok: false, line: 1, column: 8 });
    expect(!result.ok && result.message).toMatch(
      /^No matching signature for function SAFE_DIVIDE for argument types: STRING, INT64/,
    );
  });

  it('fails an unknown column, naming it', async () => {
    expect(await analyzer.analyze('SELECT nope FROM sales.orders')).toMatchObject({
      ok: false,
      message: 'Unrecognized name: nope',
    });
  });

  it('fails an unknown table', async () => {
    expect(await analyzer.analyze('SELECT * FROM sales.nope')).toMatchObject({
      ok: false,
      message: 'Table not found: sales.nope',
    });
  });

  it.each([
    ['a :: cast', 'SELECT order_id::INT64 FROM sales.orders', /^Syntax error/],
    ["date_trunc('day', ts)", "SELECT date_trunc('day', ordered_at) FROM sales.orders", /date part/],
    ['SELECT * EXCLUDE', 'SELECT * EXCLUDE (is_gift) FROM sales.orders', /^Syntax error/],
    ['strftime', "SELECT strftime(ordered_at, '%Y') FROM sales.orders", /^Function not found: strftime/],
  ])('fails DuckDB-only SQL: %s', async (_, sql, message) => {
    const result = await analyzer.analyze(sql);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });

  it('fails an OPTIONS name or type BigQuery does not have', async () => {
    expect(await analyzer.analyze('CREATE TABLE sales.t (x INT64) OPTIONS(partition_days=3)')).toMatchObject({
      ok: false,
      message: 'Unknown option: partition_days',
    });
    expect(await analyzer.analyze('CREATE TABLE sales.t (x INT64) OPTIONS(description=1)')).toMatchObject({
      ok: false,
    });
  });

  it('analyzes a script in order, one result per statement', async () => {
    const results = await analyzer.analyzeAll([
      'CREATE OR REPLACE TABLE `retail-prod.sales.by_customer` AS SELECT customer_id, SUM(amount) AS total FROM sales.orders GROUP BY 1',
      'SELECT customer_id, total * 2 AS doubled FROM sales.by_customer',
      'SELECT missing FROM sales.by_customer',
      'SELECT * FROM `retail-prod`.`sales`.`by_customer`',
      'DROP TABLE `retail-prod`.sales.by_customer',
      'SELECT * FROM sales.by_customer',
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true, true, false]);
    expect(results[1]).toEqual({
      ok: true,
      outputColumns: [
        { name: 'customer_id', type: 'STRING' },
        { name: 'doubled', type: 'NUMERIC' },
      ],
    });
    // The script's tables do not leak into the analyzer's catalog.
    expect(await analyzer.analyze('SELECT * FROM sales.by_customer')).toMatchObject({ ok: false });
  });

  it('resolves dataset.table under a default project, sharing the running server', async () => {
    const scoped = await createAnalyzer(
      [{ path: ['staging', 'stores'], columns: [{ name: 'store_id', type: 'INT64' }] }],
      { defaultProject: 'retail-dev' },
    );
    try {
      expect(await scoped.analyze('SELECT store_id FROM `retail-dev.staging.stores`')).toMatchObject({
        ok: true,
      });
      expect(await scoped.analyze('SELECT * FROM sales.orders')).toMatchObject({ ok: false });
      const results = await scoped.analyzeAll([
        'CREATE TABLE staging.regions (region STRING)',
        'SELECT region FROM `retail-dev`.staging.regions',
      ]);
      expect(results.map((r) => r.ok)).toEqual([true, true]);
    } finally {
      await scoped.close();
    }
  });
});
