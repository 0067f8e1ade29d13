import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, loadSample, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCT_CATEGORIES, productCount, productInventory, rawProducts, stockLevels } from './index.js';

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

  it('draws the catalog as the PIM has it: every category and brand, prices, labels and dates in range', async () => {
    await loadSample(warehouse, rawProducts, { scale: 1, seed: 42 });
    const [f] = await warehouse.query(`
      SELECT
        count(*) AS n,
        count(*) FILTER (WHERE product_id <> printf('P%07d', CAST(substr(product_id, 2) AS INTEGER))) AS bad_ids,
        count(DISTINCT product_id) AS ids,
        count(DISTINCT category) AS categories,
        count(DISTINCT brand) AS brands,
        count(*) FILTER (WHERE NOT regexp_full_match(sku, 'SKU-[0-9A-F]{8}')) AS bad_skus,
        count(*) FILTER (WHERE name <> brand || ' ' || category || ' ' || split_part(name, ' ', -1)
          OR CAST(split_part(name, ' ', -1) AS INTEGER) NOT BETWEEN 1 AND 900) AS bad_names,
        count(*) FILTER (WHERE unit_cost NOT BETWEEN 2 AND 201.99) AS bad_costs,
        avg(CASE WHEN retail_price < unit_cost THEN 1 ELSE 0 END) AS below_cost,
        count(*) FILTER (WHERE retail_price >= unit_cost AND retail_price NOT BETWEEN round(unit_cost * 1.2, 2) AND round(unit_cost * 2.19, 2)) AS bad_markups,
        avg(CASE WHEN active THEN 0 ELSE 1 END) AS inactive,
        count(*) FILTER (WHERE launched_on NOT BETWEEN DATE '2019-01-01' AND DATE '2019-01-01' + 2499) AS bad_launches,
        count(*) FILTER (WHERE updated_at NOT BETWEEN TIMESTAMP '2026-09-02 00:00:01' AND TIMESTAMP '2026-11-01') AS bad_updates
      FROM product.raw_products`);
    const n = (k: string) => Number(f?.[k]);
    expect(n('n')).toBe(productCount(1));
    expect(n('ids')).toBe(productCount(1));
    expect([n('categories'), n('brands')]).toEqual([PRODUCT_CATEGORIES.length, 20]);
    for (const k of [
      'bad_ids',
      'bad_skus',
      'bad_names',
      'bad_costs',
      'bad_markups',
      'bad_launches',
      'bad_updates',
    ])
      expect([k, n(k)]).toEqual([k, 0]);
    // One in fifty below cost, one in ten inactive.
    expect(n('below_cost')).toBeGreaterThan(0.01);
    expect(n('below_cost')).toBeLessThan(0.035);
    expect(n('inactive')).toBeGreaterThan(0.07);
    expect(n('inactive')).toBeLessThan(0.13);
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
