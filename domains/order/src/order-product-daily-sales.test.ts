import { buildMesh, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderProductDailySales } from './index.js';
import { FIXTURE_WARNINGS, failedChecks, fixtureWarehouse, readAll } from './order-fixtures.js';

const row = (
  order_date: string,
  product_id: string,
  category: string,
  orders: number,
  units: number,
  gross_revenue: number,
  net_revenue: number,
  returned_units: number,
  return_rate: number,
  category_rank: number,
) => ({
  order_date,
  product_id,
  category,
  orders,
  units,
  gross_revenue,
  net_revenue,
  returned_units,
  return_rate,
  category_rank,
});

// By hand, from the order items of order-fixtures.ts; cancelled O4 (P1 on the 10th) and O10
// (P2 on the 11th) do not count.
const expected = [
  // O1 2 x 10 + O2 3 x 10 = 50; 2 of O2's units came back: 2 / 5.
  row('2026-03-10', 'P1', 'Apparel', 2, 5, 50, 50, 2, 0.4, 1),
  row('2026-03-10', 'P2', 'Footwear', 1, 1, 25.5, 20.4, 0, 0, 1),
  // P3 (O2 8 + O9 8) and P4 (O9 2 x 8) tie at 16: both second; P5 is fourth, not third.
  row('2026-03-10', 'P3', 'Apparel', 2, 2, 16, 16, 0, 0, 2),
  row('2026-03-10', 'P4', 'Apparel', 1, 2, 16, 16, 0, 0, 2),
  row('2026-03-10', 'P5', 'Apparel', 1, 1, 5, 5, 0, 0, 4),
  row('2026-03-11', 'P2', 'Footwear', 1, 2, 51, 40.8, 2, 1, 1),
  // O5 (10 - 1) + O8 10.01 = 19.01, behind P3's O5 8 + O7 (16 - 1.60) = 22.40.
  row('2026-03-12', 'P1', 'Apparel', 2, 2, 20.01, 19.01, 1, 0.5, 2),
  row('2026-03-12', 'P2', 'Footwear', 1, 1, 25.5, 25.5, 1, 1, 1),
  row('2026-03-12', 'P3', 'Apparel', 2, 3, 24, 22.4, 1, 1 / 3, 1),
];

describe('order_product_daily_sales on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await fixtureWarehouse();
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const outcomes = await buildMesh(warehouse, [orderProductDailySales]);
    for (const o of outcomes) {
      expect(o.status).toBe('published');
      expect(failedChecks(o)).toEqual(FIXTURE_WARNINGS[o.product.id] ?? []);
    }
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = await readAll(orderProductDailySales.read(warehouse), 'order_date', 'product_id');
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      const want = expected[i]!;
      expect({ ...r, return_rate: undefined }).toEqual({ ...want, return_rate: undefined });
      expect(r.return_rate).toBeCloseTo(want.return_rate, 12);
    });
  });
});
