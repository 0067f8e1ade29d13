import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, loadSample, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productCount, productInventory, rawProducts, stockLevels } from './index.js';

const fingerprint = async (warehouse: Warehouse, table: string) => {
  const [row] = await warehouse.query(
    `SELECT count(*) AS n, md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY t.product_id)) AS h FROM ${table} AS t`,
  );
  return row;
};

describe('product sample data', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  });
  afterAll(() => warehouse.close());

  it('is deterministic for a seed and differs across seeds', async () => {
    await loadSample(warehouse, rawProducts, { scale: 0.25, seed: 7 });
    const first = await fingerprint(warehouse, 'product.raw_products');
    await loadSample(warehouse, rawProducts, { scale: 0.25, seed: 7 });
    expect(await fingerprint(warehouse, 'product.raw_products')).toEqual(first);
    await loadSample(warehouse, rawProducts, { scale: 0.25, seed: 8 });
    expect(await fingerprint(warehouse, 'product.raw_products')).not.toEqual(first);
    expect(first?.n).toBe(productCount(0.25));
  });

  it('gives every stock status and inactive products, and the inventory obeys its rules on it', async () => {
    await loadSample(warehouse, rawProducts, { scale: 1, seed: 42 });
    await loadSample(warehouse, stockLevels, { scale: 1, seed: 42 });
    const outcomes = await buildMesh(warehouse, [productInventory]);
    expect(outcomes.every((o) => o.status === 'published')).toBe(true);
    const [facts] = await warehouse.query(`
      SELECT
        (SELECT count(*) FROM product.product_catalog WHERE active) AS active,
        (SELECT count(*) FROM product.product_catalog WHERE NOT active) AS inactive,
        count(*) AS rows,
        count(DISTINCT stock_status) AS statuses,
        count(*) FILTER (WHERE stock_status <> CASE WHEN stock <= 0 THEN 'OUT_OF_STOCK' WHEN stock <= reorder_point THEN 'LOW_STOCK' ELSE 'IN_STOCK' END) AS bad_status,
        count(*) FILTER (WHERE margin <> retail_price - unit_cost OR inventory_value <> stock * unit_cost) AS bad_math,
        count(*) FILTER (WHERE margin < 0) AS below_cost
      FROM product.product_inventory`);
    expect(facts).toMatchObject({ statuses: 3, bad_status: 0, bad_math: 0 });
    expect(facts?.rows).toBe(facts?.active);
    expect(Number(facts?.inactive)).toBeGreaterThan(0);
    expect(Number(facts?.below_cost)).toBeGreaterThan(0);
  });
});
