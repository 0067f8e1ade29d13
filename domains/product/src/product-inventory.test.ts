import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productCatalog, productInventory, rawProducts, stockLevels } from './index.js';

const at = (iso: string) => new Date(iso);

// Every stock-status boundary, an inactive product, a product active only in an older
// revision, an older stock count that must lose to the newer one, and a product never counted.
const products = [
  {
    product_id: 'P1',
    sku: 'S1',
    name: 'Shirt',
    category: 'Apparel',
    brand: 'Alpha',
    unit_cost: 10,
    retail_price: 25,
    active: true,
    launched_on: '2024-01-01',
    updated_at: at('2026-10-01T00:00:00Z'),
  },
  {
    product_id: 'P2',
    sku: 'S2',
    name: 'Old jacket name',
    category: 'Apparel',
    brand: 'Alpha',
    unit_cost: 20,
    retail_price: 99,
    active: true,
    launched_on: '2024-01-01',
    updated_at: at('2026-09-01T00:00:00Z'),
  },
  {
    product_id: 'P2',
    sku: 'S2',
    name: 'Jacket',
    category: 'Apparel',
    brand: 'Alpha',
    unit_cost: 20,
    retail_price: 30,
    active: true,
    launched_on: '2024-01-01',
    updated_at: at('2026-10-02T00:00:00Z'),
  },
  {
    product_id: 'P3',
    sku: 'S3',
    name: 'Socks',
    category: 'Apparel',
    brand: 'Beta',
    unit_cost: 5,
    retail_price: 4,
    active: true,
    launched_on: '2024-02-01',
    updated_at: at('2026-10-03T00:00:00Z'),
  },
  {
    product_id: 'P4',
    sku: 'S4',
    name: 'Kite',
    category: 'Toys',
    brand: 'Beta',
    unit_cost: 8,
    retail_price: 12,
    active: true,
    launched_on: '2024-03-01',
    updated_at: at('2026-10-04T00:00:00Z'),
  },
  {
    product_id: 'P5',
    sku: 'S5',
    name: 'Yo-yo',
    category: 'Toys',
    brand: 'Alpha',
    unit_cost: 3,
    retail_price: 9,
    active: false,
    launched_on: '2020-03-01',
    updated_at: at('2026-10-05T00:00:00Z'),
  },
  {
    product_id: 'P6',
    sku: 'S6',
    name: 'Drone',
    category: 'Toys',
    brand: 'Gamma',
    unit_cost: 7,
    retail_price: 10,
    active: true,
    launched_on: '2025-03-01',
    updated_at: at('2026-10-06T00:00:00Z'),
  },
  {
    product_id: 'P7',
    sku: 'S7',
    name: 'Puzzle',
    category: 'Toys',
    brand: 'Gamma',
    unit_cost: 2,
    retail_price: 5,
    active: true,
    launched_on: '2025-04-01',
    updated_at: at('2026-10-07T00:00:00Z'),
  },
  {
    product_id: 'P8',
    sku: 'S8',
    name: 'Robot',
    category: 'Toys',
    brand: 'Gamma',
    unit_cost: 50,
    retail_price: 80,
    active: true,
    launched_on: '2023-01-01',
    updated_at: at('2026-08-01T00:00:00Z'),
  },
  {
    product_id: 'P8',
    sku: 'S8',
    name: 'Robot',
    category: 'Toys',
    brand: 'Gamma',
    unit_cost: 50,
    retail_price: 80,
    active: false,
    launched_on: '2023-01-01',
    updated_at: at('2026-10-08T00:00:00Z'),
  },
];

const counted = at('2026-11-01T08:00:00Z');
const stock = [
  { product_id: 'P1', stock: 50, reorder_point: 5, updated_at: at('2026-10-20T00:00:00Z') }, // older count, superseded
  { product_id: 'P1', stock: 0, reorder_point: 5, updated_at: counted }, // stock = 0: OUT_OF_STOCK
  { product_id: 'P2', stock: 5, reorder_point: 5, updated_at: counted }, // stock = reorder point: LOW_STOCK
  { product_id: 'P3', stock: 6, reorder_point: 5, updated_at: counted }, // one above: IN_STOCK
  { product_id: 'P4', stock: 1, reorder_point: 5, updated_at: counted }, // just above 0: LOW_STOCK
  { product_id: 'P5', stock: 100, reorder_point: 5, updated_at: counted }, // inactive: excluded
  { product_id: 'P6', stock: -2, reorder_point: 3, updated_at: counted }, // oversold: OUT_OF_STOCK
  { product_id: 'P8', stock: 9, reorder_point: 3, updated_at: counted }, // inactive in its latest revision
  // P7 has no count: nothing on hand.
];

// By hand. Apparel margins 15, 10, -1 -> 8; Toys (active) 4, 3, 3 -> 10/3.
// Brand inventory values, of the stock on hand: Alpha 0 + 100; Beta 30 + 8; Gamma 0 (P6 oversold,
// its own value -14) + 0.
const expected = [
  {
    product_id: 'P1',
    name: 'Shirt',
    category: 'Apparel',
    brand: 'Alpha',
    stock: 0,
    reorder_point: 5,
    unit_cost: 10,
    retail_price: 25,
    stock_status: 'OUT_OF_STOCK',
    margin: 15,
    inventory_value: 0,
    avg_category_margin: 8,
    brand_inventory_value: 100,
    last_updated: counted,
  },
  {
    product_id: 'P2',
    name: 'Jacket',
    category: 'Apparel',
    brand: 'Alpha',
    stock: 5,
    reorder_point: 5,
    unit_cost: 20,
    retail_price: 30,
    stock_status: 'LOW_STOCK',
    margin: 10,
    inventory_value: 100,
    avg_category_margin: 8,
    brand_inventory_value: 100,
    last_updated: counted,
  },
  {
    product_id: 'P3',
    name: 'Socks',
    category: 'Apparel',
    brand: 'Beta',
    stock: 6,
    reorder_point: 5,
    unit_cost: 5,
    retail_price: 4,
    stock_status: 'IN_STOCK',
    margin: -1,
    inventory_value: 30,
    avg_category_margin: 8,
    brand_inventory_value: 38,
    last_updated: counted,
  },
  {
    product_id: 'P4',
    name: 'Kite',
    category: 'Toys',
    brand: 'Beta',
    stock: 1,
    reorder_point: 5,
    unit_cost: 8,
    retail_price: 12,
    stock_status: 'LOW_STOCK',
    margin: 4,
    inventory_value: 8,
    avg_category_margin: 3.333333333,
    brand_inventory_value: 38,
    last_updated: counted,
  },
  {
    product_id: 'P6',
    name: 'Drone',
    category: 'Toys',
    brand: 'Gamma',
    stock: -2,
    reorder_point: 3,
    unit_cost: 7,
    retail_price: 10,
    stock_status: 'OUT_OF_STOCK',
    margin: 3,
    inventory_value: -14,
    avg_category_margin: 3.333333333,
    brand_inventory_value: 0,
    last_updated: counted,
  },
  {
    product_id: 'P7',
    name: 'Puzzle',
    category: 'Toys',
    brand: 'Gamma',
    stock: 0,
    reorder_point: 0,
    unit_cost: 2,
    retail_price: 5,
    stock_status: 'OUT_OF_STOCK',
    margin: 3,
    inventory_value: 0,
    avg_category_margin: 3.333333333,
    brand_inventory_value: 0,
    last_updated: at('2026-10-07T00:00:00Z'),
  },
];

describe('product_inventory on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, rawProducts, products);
    await loadRows(warehouse, stockLevels, stock);
  });
  afterAll(() => warehouse.close());

  it('builds the catalog and the inventory in dependency order, all checks green', async () => {
    const outcomes = await buildMesh(warehouse, [productInventory]);
    expect(outcomes.map((o) => [o.product.name, o.status])).toEqual([
      ['product_catalog', 'published'],
      ['product_inventory', 'published'],
    ]);
    for (const o of outcomes) expect(o.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('keeps the newest revision of each product in the catalog', async () => {
    const rows = [];
    for await (const row of productCatalog.read(warehouse, {
      columns: ['product_id', 'name', 'retail_price', 'active'],
    }))
      rows.push(row);
    rows.sort((a, b) => a.product_id.localeCompare(b.product_id));
    expect(rows.map((r) => r.product_id)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8']);
    expect(rows.find((r) => r.product_id === 'P2')).toEqual({
      product_id: 'P2',
      name: 'Jacket',
      retail_price: 30,
      active: true,
    });
    expect(rows.find((r) => r.product_id === 'P8')?.active).toBe(false);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = [];
    for await (const row of productInventory.read(warehouse)) rows.push(row);
    rows.sort((a, b) => a.product_id.localeCompare(b.product_id));
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, i) => {
      const want = expected[i]!;
      expect({ ...row, avg_category_margin: undefined }).toEqual({ ...want, avg_category_margin: undefined });
      expect(row.avg_category_margin).toBeCloseTo(want.avg_category_margin, 9);
    });
  });

  it('publishes exactly the contract columns plus the metadata columns, with the declared types', async () => {
    const columns = await warehouse.query(
      "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'product' AND table_name = 'product_inventory' ORDER BY column_index",
    );
    expect(columns.map((c) => c.column_name)).toEqual([
      'product_id',
      'name',
      'category',
      'brand',
      'stock',
      'reorder_point',
      'unit_cost',
      'retail_price',
      'stock_status',
      'margin',
      'inventory_value',
      'avg_category_margin',
      'brand_inventory_value',
      'last_updated',
      '_domain',
      '_product',
      '_version',
      '_processed_at',
    ]);
    expect(Object.fromEntries(columns.map((c) => [c.column_name, c.data_type]))).toMatchObject({
      stock: 'BIGINT',
      unit_cost: 'DECIMAL(38,9)',
      stock_status: 'VARCHAR',
      last_updated: 'TIMESTAMP',
    });
  });

  it('filters typed reads in SQL', async () => {
    const low = [];
    for await (const row of productInventory.read(warehouse, {
      where: { stock_status: 'LOW_STOCK' },
      columns: ['product_id'],
    })) {
      low.push(row.product_id);
    }
    expect(low.sort()).toEqual(['P2', 'P4']);
  });

  it('leaves the published inventory untouched when a rebuild fails its checks', async () => {
    const before = await warehouse.query(
      'SELECT * EXCLUDE (_processed_at) FROM product.product_inventory ORDER BY product_id',
    );
    // A catalog revision without a product id breaks the catalog's blocking not_null check.
    await loadRows(warehouse, rawProducts, [...products, { ...products[0]!, product_id: null }]);
    const outcomes = await buildMesh(warehouse, [productInventory]);
    expect(outcomes.map((o) => [o.product.name, o.status, o.error?.code])).toEqual([
      ['product_catalog', 'failed', 'checks-failed'],
      ['product_inventory', 'skipped', 'upstream-failed'],
    ]);
    expect(outcomes[0]!.error?.subject).toMatchObject({
      product: 'product_catalog',
      column: 'product_id',
      check: 'product_id_not_null',
    });
    const after = await warehouse.query(
      'SELECT * EXCLUDE (_processed_at) FROM product.product_inventory ORDER BY product_id',
    );
    expect(after).toEqual(before);
    await loadRows(warehouse, rawProducts, products);
  });

  it('warns of counts of products the catalog lacks (an id written otherwise), whose stock is in no figure', async () => {
    // The WMS writes the ids lower-case: matched to nothing, the products would read out of stock.
    await loadRows(warehouse, stockLevels, [
      ...stock,
      { ...stock[0]!, product_id: stock[0]!.product_id.toLowerCase() },
    ]);
    const [, inventory] = await buildMesh(warehouse, [productInventory]);
    expect(inventory?.status).toBe('published');
    expect(
      inventory?.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['stock_of_products_the_catalog_lacks', 'warn', 1]]);
    await loadRows(warehouse, stockLevels, stock);
    const [, again] = await buildMesh(warehouse, [productInventory]);
    expect(again?.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });
});
