import { buildMesh, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderCustomerSummary } from './index.js';
import { at, FIXTURE_WARNINGS, failedChecks, fixtureWarehouse, readAll } from './order-fixtures.js';

const row = (
  customer_id: string,
  orders: number,
  cancelled_orders: number,
  first_order_at: string,
  last_order_at: string,
  items: number,
  net_spend: number,
  returned_amount: number,
  average_order_value: number | null,
  favorite_channel: string,
) => ({
  customer_id,
  orders,
  cancelled_orders,
  first_order_at: at(first_order_at),
  last_order_at: at(last_order_at),
  items,
  net_spend,
  returned_amount,
  average_order_value,
  favorite_channel,
});

// By hand, from the order transactions of order-fixtures.ts (see order-transactions.test.ts).
const expected = [
  // O1 + O3 (O10 cancelled, but still the latest order and a second one in a store).
  // 40.40 + 40.80 = 81.20 / 2 = 40.60.
  row('C1', 2, 1, '2026-03-10T10:00:00Z', '2026-03-11T11:00:00Z', 5, 81.2, 40.8, 40.6, 'store'),
  // O2 + O5: 38 + 17 = 55, refunds 20 + 17.
  row('C2', 2, 0, '2026-03-10T23:59:59Z', '2026-03-12T08:00:00Z', 6, 55, 37, 27.5, 'online'),
  // O6 has no lines yet: one order worth 0.
  row('C3', 1, 1, '2026-03-10T12:00:00Z', '2026-03-12T09:00:00Z', 0, 0, 0, 0, 'store'),
  row('C4', 1, 0, '2026-03-12T10:00:00Z', '2026-03-12T10:00:00Z', 3, 39.9, 25.5, 39.9, 'online'),
  // One store order, one online: the tie goes to the most recent (O8, online).
  // 29 + 10.01 = 39.01 / 2 = 19.505: a half cent, rounded away from zero.
  row('C5', 2, 0, '2026-03-10T15:00:00Z', '2026-03-12T20:00:00Z', 5, 39.01, 0, 19.51, 'online'),
  // Every order cancelled: no average.
  row('C6', 0, 1, '2026-03-11T09:00:00Z', '2026-03-11T09:00:00Z', 0, 0, 0, null, 'mobile'),
];

describe('order_customer_summary on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await fixtureWarehouse();
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const outcomes = await buildMesh(warehouse, [orderCustomerSummary]);
    for (const o of outcomes) {
      expect(o.status).toBe('published');
      expect(failedChecks(o)).toEqual(FIXTURE_WARNINGS[o.product.id] ?? []);
    }
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = await readAll(orderCustomerSummary.read(warehouse), 'customer_id');
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      expect(r).toEqual(expected[i]);
    });
  });
});
