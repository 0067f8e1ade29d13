import { buildMesh, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderDailySales } from './index.js';
import { FIXTURE_WARNINGS, failedChecks, fixtureLines, fixtureWarehouse, readAll } from './order-fixtures.js';
import { orderLines } from './sources.js';

const row = (
  order_date: string,
  channel: string,
  store_id: string | null,
  orders: number,
  items: number,
  gross_revenue: number,
  net_revenue: number,
  returned_amount: number,
  average_order_value: number,
) => ({
  order_date,
  channel,
  store_id,
  orders,
  items,
  gross_revenue,
  net_revenue,
  returned_amount,
  average_order_value,
});

// By hand, from the order transactions of order-fixtures.ts (see order-transactions.test.ts).
const expected = [
  row('2026-03-10', 'online', null, 1, 4, 38, 38, 20, 38), // O2
  row('2026-03-10', 'store', 'S1', 1, 3, 45.5, 40.4, 0, 40.4), // O1
  row('2026-03-10', 'store', 'S2', 1, 4, 29, 29, 0, 29), // O9; O4 was cancelled
  row('2026-03-11', 'mobile', null, 1, 2, 51, 40.8, 40.8, 40.8), // O3; O11 cancelled
  // S3's only order on the 11th (O10) was cancelled: no row.
  // O5 + O7 + O8: 18 + 41.50 + 10.01 = 69.51 gross; 17 + 39.90 + 10.01 = 66.91 net;
  // 17 + 25.50 = 42.50 refunded; 66.91 / 3 = 22.3033 -> 22.30.
  row('2026-03-12', 'online', null, 3, 6, 69.51, 66.91, 42.5, 22.3),
  row('2026-03-12', 'store', 'S1', 1, 0, 0, 0, 0, 0), // O6, no lines yet
];

describe('order_daily_sales on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await fixtureWarehouse();
  });
  afterAll(() => warehouse.close());

  it("builds the transactions, then the daily sales, all checks green but the fixture's warnings", async () => {
    const outcomes = await buildMesh(warehouse, [orderDailySales]);
    // The transactions check their customers against the profile: it is built first.
    expect(outcomes.map((o) => [o.product.name, o.status])).toEqual([
      ['customer_profile', 'published'],
      ['order_transactions', 'published'],
      ['order_daily_sales', 'published'],
    ]);
    for (const o of outcomes) expect(failedChecks(o)).toEqual(FIXTURE_WARNINGS[o.product.id] ?? []);
  });

  it('warns of order lines whose order is missing: their revenue is in no figure', async () => {
    // 3 x 1,234.56 = 3,703.68 of an order the OMS export does not hold.
    await loadRows(warehouse, orderLines, [
      ...fixtureLines,
      {
        order_id: 'O98',
        line_number: 1,
        product_id: 'P2',
        quantity: 3,
        unit_price: 1234.56,
        discount_amount: 0,
      },
    ]);
    const outcomes = await buildMesh(warehouse, [orderDailySales]);
    // Counted where lines meet orders; the daily figures, built from order_transactions, are
    // checked there (a check of its own would read every line on each one-day rebuild).
    const outcome = outcomes.find((o) => o.product.id === 'order.order_transactions');
    expect(outcome?.status).toBe('published');
    // O98's line beside the fixture's O99.
    expect(failedChecks(outcome!)).toContainEqual(['order_lines_without_an_order', 'warn', 2]);
    expect(outcomes.find((o) => o.product.id === 'order.order_daily_sales')?.status).toBe('published');
    await loadRows(warehouse, orderLines, fixtureLines);
    expect((await buildMesh(warehouse, [orderDailySales])).every((o) => o.status === 'published')).toBe(true);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = await readAll(orderDailySales.read(warehouse), 'order_date', 'channel', 'store_id');
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      expect(r).toEqual(expected[i]);
    });
  });
});
