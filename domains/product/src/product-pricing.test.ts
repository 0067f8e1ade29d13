import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productCatalog, productCategorySummary, productInventory, productPricing } from './index.js';

const product = (id: string, category: string, cost: number, price: number, active = true) => ({
  product_id: id,
  sku: `S-${id}`,
  name: id,
  category,
  brand: 'Alpha',
  unit_cost: cost,
  retail_price: price,
  active,
  launched_on: '2024-01-01',
  updated_at: new Date('2026-10-01T00:00:00Z'),
});

describe('product_pricing on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, productCatalog, [
      product('P1', 'Apparel', 5, 10),
      product('P2', 'Apparel', 10, 20),
      product('P3', 'Apparel', 30, 30),
      product('P4', 'Apparel', 50, 40),
      product('P9', 'Apparel', 1, 1000, false), // inactive: ignored, even by the median
      product('P5', 'Toys', 0, 12),
      product('P6', 'Garden', 2, 5),
      product('P7', 'Garden', 2, 5),
      product('P8', 'Garden', 3, 9),
      product('Q1', 'Books', 2, 4),
      product('Q2', 'Books', 3, 8),
    ]);
  });
  afterAll(() => warehouse.close());

  it('ranks prices into quartiles per category against the median', async () => {
    const outcome = await buildProduct(warehouse, productPricing, { runId: 't' });
    expect(outcome.error).toBeUndefined();
    const rows = [];
    for await (const r of productPricing.read(warehouse, {
      columns: [
        'product_id',
        'markup_pct',
        'category_median_price',
        'price_index',
        'price_band',
        'below_cost',
      ],
    })) {
      rows.push(r);
    }
    rows.sort((a, b) => a.product_id.localeCompare(b.product_id));
    // Apparel: prices 10, 20, 30, 40 -> median (20 + 30) / 2 = 25; index = price * 100 / 25.
    // Markup = (price - cost) * 100 / cost. Toys: one product at cost 0 -> no markup.
    // Garden: 5, 5, 9 -> median 5; the two at 5 share a band (ranked by price, not by id).
    // Bands by the middle of each price's places: Toys' lone product at 1/2 of the way is mid;
    // Books' pair at 1/4 and 3/4, budget and luxury.
    expect(rows).toEqual([
      {
        product_id: 'P1',
        markup_pct: 100,
        category_median_price: 25,
        price_index: 40,
        price_band: 'budget',
        below_cost: false,
      },
      {
        product_id: 'P2',
        markup_pct: 100,
        category_median_price: 25,
        price_index: 80,
        price_band: 'mid',
        below_cost: false,
      },
      {
        product_id: 'P3',
        markup_pct: 0,
        category_median_price: 25,
        price_index: 120,
        price_band: 'premium',
        below_cost: false,
      },
      {
        product_id: 'P4',
        markup_pct: -20,
        category_median_price: 25,
        price_index: 160,
        price_band: 'luxury',
        below_cost: true,
      },
      {
        product_id: 'P5',
        markup_pct: null,
        category_median_price: 12,
        price_index: 100,
        price_band: 'mid',
        below_cost: false,
      },
      {
        product_id: 'P6',
        markup_pct: 150,
        category_median_price: 5,
        price_index: 100,
        price_band: 'mid',
        below_cost: false,
      },
      {
        product_id: 'P7',
        markup_pct: 150,
        category_median_price: 5,
        price_index: 100,
        price_band: 'mid',
        below_cost: false,
      },
      {
        product_id: 'P8',
        markup_pct: 200,
        category_median_price: 5,
        price_index: 180,
        price_band: 'luxury',
        below_cost: false,
      },
      {
        product_id: 'Q1',
        markup_pct: 100,
        category_median_price: 6,
        price_index: 66.67,
        price_band: 'budget',
        below_cost: false,
      },
      {
        product_id: 'Q2',
        markup_pct: 166.67,
        category_median_price: 6,
        price_index: 133.33,
        price_band: 'luxury',
        below_cost: false,
      },
    ]);
  });
});

describe('product_category_summary on DuckDB', () => {
  it('adds up stock health per category', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const row = (
      id: string,
      category: string,
      brand: string,
      stock: number,
      status: string,
      margin: number,
      cost: number,
    ) => ({
      product_id: id,
      name: id,
      category,
      brand,
      stock,
      reorder_point: 5,
      unit_cost: cost,
      retail_price: cost + margin,
      stock_status: status,
      margin,
      inventory_value: stock * cost,
      avg_category_margin: 0,
      brand_inventory_value: 0,
      last_updated: new Date('2026-11-01T00:00:00Z'),
    });
    await loadRows(warehouse, productInventory, [
      row('P1', 'Apparel', 'Alpha', 0, 'OUT_OF_STOCK', 15, 10),
      row('P2', 'Apparel', 'Alpha', 5, 'LOW_STOCK', 10, 20),
      row('P3', 'Apparel', 'Beta', 6, 'IN_STOCK', -1, 5),
      row('P6', 'Toys', 'Gamma', -2, 'OUT_OF_STOCK', 3, 7),
      row('P7', 'Toys', 'Gamma', 3, 'LOW_STOCK', 3, 10),
    ]);
    const outcome = await buildProduct(warehouse, productCategorySummary, { runId: 't' });
    expect(outcome.error).toBeUndefined();
    const rows = [];
    for await (const r of productCategorySummary.read(warehouse)) rows.push(r);
    rows.sort((a, b) => a.category.localeCompare(b.category));
    expect(rows).toEqual([
      // 0 + 100 + 30 = 130 of value; (15 + 10 - 1) / 3 = 8 average margin; 0 + 5 + 6 units.
      {
        category: 'Apparel',
        active_products: 3,
        out_of_stock_products: 1,
        low_stock_products: 1,
        out_of_stock_rate: 1 / 3,
        units_on_hand: 11,
        inventory_value: 130,
        average_margin: 8,
        brands: 2,
      },
      // Oversold stock (P6: -2 units, its own value -14) counts as no units and no value on
      // hand: it takes nothing off P7's 3 units worth 30.
      {
        category: 'Toys',
        active_products: 2,
        out_of_stock_products: 1,
        low_stock_products: 1,
        out_of_stock_rate: 0.5,
        units_on_hand: 3,
        inventory_value: 30,
        average_margin: 3,
        brands: 1,
      },
    ]);
    await warehouse.close();
  });
});
