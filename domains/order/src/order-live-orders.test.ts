import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, buildProduct, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderLiveOrders, orders } from './index.js';
import { at, deliver, fixtureOrders, readAll } from './order-fixtures.js';

const row = (
  order_date: string,
  channel: string,
  counts: [
    orders: number,
    completed: number,
    cancelled: number,
    rate: number,
    customers: number,
    stores: number,
  ],
  first: string,
  last: string,
) => ({
  order_date,
  channel,
  orders: counts[0],
  completed_orders: counts[1],
  cancelled_orders: counts[2],
  cancellation_rate: counts[3],
  customers: counts[4],
  stores_ordering: counts[5],
  first_order_at: at(first),
  last_order_at: at(last),
});

// By hand, from the order headers of order-fixtures.ts.
const expected = [
  // O1 (S1), O4 (S2, cancelled), O9 (S2): 1 of 3 cancelled.
  row('2026-03-10', 'online', [1, 1, 0, 0, 1, 0], '2026-03-10T23:59:59Z', '2026-03-10T23:59:59Z'), // O2
  row('2026-03-10', 'store', [3, 2, 1, 0.333, 3, 2], '2026-03-10T10:00:00Z', '2026-03-10T15:00:00Z'),
  // O3 at midnight, O11 (C6) cancelled.
  row('2026-03-11', 'mobile', [2, 1, 1, 0.5, 2, 0], '2026-03-11T00:00:00Z', '2026-03-11T09:00:00Z'),
  row('2026-03-11', 'store', [1, 0, 1, 1, 1, 1], '2026-03-11T11:00:00Z', '2026-03-11T11:00:00Z'), // O10
  row('2026-03-12', 'online', [3, 3, 0, 0, 3, 0], '2026-03-12T08:00:00Z', '2026-03-12T20:00:00Z'), // O5, O7, O8
  row('2026-03-12', 'store', [1, 1, 0, 0, 1, 1], '2026-03-12T09:00:00Z', '2026-03-12T09:00:00Z'), // O6
];

describe('order_live_orders on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    // The OMS's export, as it lands in the drop zone: a real batch of the orders source.
    await deliver(warehouse, orders, fixtureOrders);
  });
  afterAll(() => warehouse.close());

  it('is built alone, from the order headers only, all checks green', async () => {
    const outcomes = await buildMesh(warehouse, [orderLiveOrders]);
    expect(outcomes.map((o) => [o.product.id, o.status])).toEqual([['order.order_live_orders', 'published']]);
    expect(outcomes[0]?.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = await readAll(orderLiveOrders.read(warehouse), 'order_date', 'channel');
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      expect(r).toEqual(expected[i]);
    });
  });

  it("rebuilds only the day of a later export's orders: a cancellation and a new order", async () => {
    await deliver(warehouse, orders, [
      { ...fixtureOrders.find((o) => o.order_id === 'O5')!, status: 'cancelled' },
      {
        order_id: 'O12',
        customer_id: 'C6',
        store_id: null,
        channel: 'mobile',
        status: 'completed',
        ordered_at: at('2026-03-12T21:30:00Z'),
      },
    ]);
    const outcome = await buildProduct(warehouse, orderLiveOrders, { runId: 'later' });
    expect(outcome.status).toBe('published');
    expect(outcome.incremental).toMatchObject({ mode: 'partitions', partitions: ['2026-03-12'] });
    const rows = await readAll(orderLiveOrders.read(warehouse), 'order_date', 'channel');
    expect(rows.filter((r) => r.order_date === '2026-03-12')).toEqual([
      row('2026-03-12', 'mobile', [1, 1, 0, 0, 1, 0], '2026-03-12T21:30:00Z', '2026-03-12T21:30:00Z'),
      row('2026-03-12', 'online', [3, 2, 1, 0.333, 3, 0], '2026-03-12T08:00:00Z', '2026-03-12T20:00:00Z'),
      expected[5],
    ]);
    expect(rows.filter((r) => r.order_date !== '2026-03-12')).toEqual(expected.slice(0, 4));
  });

  it('is real-time, partitioned by day on order_date, and its source has a drop zone', () => {
    expect(orderLiveOrders.refresh).toBe('real-time');
    expect(orderLiveOrders.materialization).toBe('incremental');
    expect(orderLiveOrders.partitionBy).toEqual({ column: 'order_date', granularity: 'day' });
    expect(orders.dropZone).toBe('drops/order/orders');
  });
});
