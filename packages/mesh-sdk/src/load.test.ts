import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import { defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { castToColumns, loadRows, loadSample, selectOfRows } from './load.js';
import { defineSource } from './source.js';
import { renderSql, sql } from './sql.js';
import type { TableLayout, Warehouse } from './warehouse.js';

/** A warehouse that only loads: it keeps what it was asked to replace or write as a sample batch. */
function loadingWarehouse(sampleData: boolean) {
  const calls: Array<{
    step: string;
    target: string;
    select?: string;
    layout?: TableLayout;
    description?: string;
  }> = [];
  const unused = () => Promise.reject(new Error('not used by loads'));
  const warehouse: Warehouse = {
    name: 'loading',
    dialect: ansi,
    capabilities: {
      transactionalDdl: false,
      maxConcurrentBuilds: 1,
      partitioning: false,
      dryRun: false,
      sampleData,
      publishInPlace: false,
    },
    ensureDomain: async (domain) => void calls.push({ step: 'ensureDomain', target: domain.name }),
    ensureTable: unused,
    replaceTable: async (table, select, layout) => {
      calls.push({ step: 'replaceTable', target: `${table.schema}.${table.name}`, select, layout });
      return { rowCount: 2 };
    },
    describeQuery: unused,
    promote: unused,
    dropTable: unused,
    listTables: unused,
    query: unused,
    async *stream() {},
    tableStats: unused,
    storageBytes: unused,
    checkpoint: unused,
    recordRun: unused,
    appendHealthHistory: unused,
    healthHistory: unused,
    latestRuns: unused,
    listRuns: unused,
    ensureSource: unused,
    listBatches: unused,
    revertBatch: unused,
    writeSampleBatch: async (source, select, description) => {
      calls.push({ step: 'writeSampleBatch', target: source.id, select, description });
      return { rowCount: 2, batchId: 7 };
    },
    close: unused,
  };
  return { warehouse, calls };
}

const product = defineDomain({
  name: 'product',
  description: 'What we sell.',
  owner: { team: 'product-data', email: 'product-data@retail.example' },
});
const stockLevels = defineSource({
  domain: product,
  name: 'stock_levels',
  description: 'Stock on hand per product.',
  mode: 'upsert',
  cursor: 'counted_at',
  schema: z.object({
    product_id: z.string().meta({ key: true }),
    stock: z.int().nullable(),
    counted_at: z.date(),
  }),
  sample: ({ scale, seed }) =>
    `SELECT 'P' || i AS product_id, i * ${seed} AS stock, now() AS counted_at FROM range(${scale * 10}) t(i)`,
});
const noSample = defineSource({
  domain: product,
  name: 'prices',
  description: 'Prices per product.',
  mode: 'snapshot',
  schema: z.object({ product_id: z.string().meta({ key: true }) }),
});

describe('selectOfRows', () => {
  it('selects literal rows, each value cast to its column type', () => {
    const rows = [
      { product_id: "P'1", stock: 3, counted_at: '2024-05-01T12:00:00.000Z' },
      { product_id: 'P2', counted_at: new Date('2024-05-02T00:00:00.000Z') },
    ];
    expect(renderSql(selectOfRows(stockLevels.columns, rows), ansi)).toBe(
      `SELECT CAST('P''1' AS TEXT) AS "product_id", CAST(3 AS BIGINT) AS "stock", ` +
        `CAST(TIMESTAMP '2024-05-01T12:00:00.000Z' AS TIMESTAMP) AS "counted_at" UNION ALL ` +
        `SELECT CAST('P2' AS TEXT) AS "product_id", CAST(NULL AS BIGINT) AS "stock", ` +
        `CAST(TIMESTAMP '2024-05-02T00:00:00.000Z' AS TIMESTAMP) AS "counted_at"`,
    );
  });

  it('gives an empty result of the right columns for no rows', () => {
    expect(renderSql(selectOfRows(stockLevels.columns, []), ansi)).toBe(
      'SELECT CAST(NULL AS TEXT) AS "product_id", CAST(NULL AS BIGINT) AS "stock", CAST(NULL AS TIMESTAMP) AS "counted_at" LIMIT 0',
    );
  });
});

describe('castToColumns', () => {
  it('wraps a SELECT so that it yields exactly the columns, in order and typed', () => {
    expect(castToColumns('SELECT * FROM x', stockLevels.columns, ansi)).toBe(
      'SELECT CAST("s"."product_id" AS TEXT) AS "product_id", CAST("s"."stock" AS BIGINT) AS "stock", ' +
        'CAST("s"."counted_at" AS TIMESTAMP) AS "counted_at" FROM (SELECT * FROM x) AS s',
    );
  });
});

describe('loadRows', () => {
  const row = { product_id: 'P1', stock: 1, counted_at: new Date(0) };

  it("writes a source's rows as its one sample batch, described as fixture rows", async () => {
    const { warehouse, calls } = loadingWarehouse(false);
    expect(await loadRows(warehouse, stockLevels, [row])).toEqual({ rowCount: 2, batchId: 7 });
    expect(calls).toEqual([
      { step: 'ensureDomain', target: 'product' },
      {
        step: 'writeSampleBatch',
        target: 'product.stock_levels',
        select: renderSql(selectOfRows(stockLevels.columns, [row]), ansi),
        description: 'fixture rows',
      },
    ]);
  });

  it("replaces a data product's table with the rows", async () => {
    const inventory = defineDataProduct({
      domain: product,
      name: 'product_inventory',
      version: '1.0.0',
      description: 'Stock on hand per product.',
      tier: 'silver',
      refresh: 'daily',
      access: 'restricted',
      schema: z.object({ product_id: z.string().describe('Catalog id').meta({ key: true }) }),
      inputs: { stockLevels },
      transform: (i) => sql`SELECT product_id FROM ${i.stockLevels}`,
    });
    const { warehouse, calls } = loadingWarehouse(false);
    expect(await loadRows(warehouse, inventory, [{ product_id: 'P1' }])).toEqual({ rowCount: 2 });
    expect(calls).toEqual([
      { step: 'ensureDomain', target: 'product' },
      {
        step: 'replaceTable',
        target: 'product.product_inventory',
        select: renderSql(selectOfRows(inventory.columns, [{ product_id: 'P1' }]), ansi),
        layout: { columns: inventory.columns },
      },
    ]);
  });
});

describe('loadSample', () => {
  it('generates the sample inside the warehouse, cast to the source columns', async () => {
    const { warehouse, calls } = loadingWarehouse(true);
    expect(await loadSample(warehouse, stockLevels, { scale: 2, seed: 7 })).toEqual({
      rowCount: 2,
      batchId: 7,
    });
    expect(calls).toEqual([
      { step: 'ensureDomain', target: 'product' },
      {
        step: 'writeSampleBatch',
        target: 'product.stock_levels',
        select: castToColumns(
          "SELECT 'P' || i AS product_id, i * 7 AS stock, now() AS counted_at FROM range(20) t(i)",
          stockLevels.columns,
          ansi,
        ),
        description: 'sample scale=2 seed=7',
      },
    ]);
  });

  it('refuses a source without a sample generator', async () => {
    const { warehouse, calls } = loadingWarehouse(true);
    await expect(loadSample(warehouse, noSample, { scale: 1, seed: 1 })).rejects.toMatchObject({
      kind: 'usage',
      code: 'no-sample',
      subject: { domain: 'product', source: 'prices' },
    });
    expect(calls).toEqual([]);
  });

  it('refuses a warehouse that cannot run generators', async () => {
    const { warehouse, calls } = loadingWarehouse(false);
    await expect(loadSample(warehouse, stockLevels, { scale: 1, seed: 1 })).rejects.toMatchObject({
      code: 'sample-unsupported',
      subject: { domain: 'product', source: 'stock_levels' },
    });
    expect(calls).toEqual([]);
  });
});
