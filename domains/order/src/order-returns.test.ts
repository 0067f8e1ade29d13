import { buildMesh, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderReturns } from './index.js';
import { at, FIXTURE_WARNINGS, failedChecks, fixtureWarehouse, readAll } from './order-fixtures.js';

const row = (
  order_id: string,
  line_number: number,
  customer_id: string,
  channel: string,
  product_id: string,
  category: string,
  reason: string,
  quantity: number,
  returned_quantity: number,
  refund_amount: number,
  return_count: number,
  order_date: string,
  returned_at: string,
  days_to_return: number,
) => ({
  order_id,
  line_number,
  customer_id,
  channel,
  product_id,
  category,
  reason,
  quantity,
  returned_quantity,
  full_return: returned_quantity >= quantity,
  refund_amount,
  return_count,
  order_date,
  returned_at: at(returned_at),
  days_to_return,
});

// By hand, from order-fixtures.ts.
const expected = [
  // Two returns (the first exported twice, counted once): quantities and refunds add up (1 + 1,
  // 10 + 10); the first return (12:00, not 12:30) gives the reason and the date. 10th -> 20th:
  // 10 days. (Two returns of a line at the same moment are one return to the source, keyed on
  // returned_at, so the product's tie on the reason can no longer be reached from a fixture.)
  row(
    'O2',
    1,
    'C2',
    'online',
    'P1',
    'Apparel',
    'wrong_size',
    3,
    2,
    20,
    2,
    '2026-03-10',
    '2026-03-20T12:00:00Z',
    10,
  ),
  // Returned in two goes: the first return gives the reason and the date (11th -> 15th: 4 days).
  row(
    'O3',
    1,
    'C1',
    'mobile',
    'P2',
    'Footwear',
    'damaged',
    2,
    2,
    40.8,
    2,
    '2026-03-11',
    '2026-03-15T10:00:00Z',
    4,
  ),
  row(
    'O5',
    1,
    'C2',
    'online',
    'P3',
    'Apparel',
    'late_delivery',
    1,
    1,
    8,
    1,
    '2026-03-12',
    '2026-03-14T09:00:00Z',
    2,
  ),
  row(
    'O5',
    2,
    'C2',
    'online',
    'P1',
    'Apparel',
    'not_as_described',
    1,
    1,
    9,
    1,
    '2026-03-12',
    '2026-03-14T09:00:00Z',
    2,
  ),
  row(
    'O7',
    1,
    'C4',
    'online',
    'P2',
    'Footwear',
    'damaged',
    1,
    1,
    25.5,
    1,
    '2026-03-12',
    '2026-03-13T10:00:00Z',
    1,
  ),
  // The return of O1's line 9 matches no order line: left out.
];

describe('order_returns on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await fixtureWarehouse();
  });
  afterAll(() => warehouse.close());

  it('builds its upstream products, then the returns, all checks green', async () => {
    const outcomes = await buildMesh(warehouse, [orderReturns]);
    expect(outcomes.map((o) => o.product.name).sort()).toEqual([
      'customer_profile', // the transactions check their customers against it
      'order_items',
      'order_returns',
      'order_transactions',
      'product_catalog',
    ]);
    for (const o of outcomes) {
      expect(o.status).toBe('published');
      expect(failedChecks(o)).toEqual(FIXTURE_WARNINGS[o.product.id] ?? []);
    }
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = await readAll(orderReturns.read(warehouse), 'order_id', 'line_number');
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      expect(r).toEqual(expected[i]);
    });
  });
});
