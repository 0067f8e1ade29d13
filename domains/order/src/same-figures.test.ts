// The figures a product publishes on BigQuery (production) are the ones DuckDB publishes in
// every test: each product below is built from the same literal rows on DuckDB and on ZetaSQL's
// reference engine, which runs GoogleSQL as BigQuery does. The rows are ties of rounding: a
// double rounds them differently on the two engines, a decimal alike.
import { onBothWarehouses } from '@retail-mesh/bigquery/testing';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { describe, expect, it } from 'vitest';
import { orderFulfillment, orderLiveOrders } from './index.js';

const figures = onBothWarehouses(() => createDuckDbWarehouse({ path: ':memory:' }));

describe('order figures on DuckDB and on BigQuery', () => {
  it('order_fulfillment: delivery hours of parcels scanned to the minute', async () => {
    const order = (id: string) => ({
      order_id: id,
      customer_id: 'C1',
      store_id: null,
      channel: 'online',
      status: 'completed',
      ordered_at: new Date('2026-10-01T08:00:00Z'),
    });
    const parcel = (id: string, delivered: string) => ({
      order_id: id,
      carrier: 'dhl',
      shipped_at: new Date('2026-10-01T10:00:00Z'),
      delivered_at: new Date(delivered),
      promised_days: 3,
    });
    // 57 minutes is 0.95 hours: a double holds it just below, so it rounded to 0.9 on BigQuery.
    const inputs = {
      orders: ['O1', 'O2', 'O3'].map(order),
      shipments: [
        parcel('O1', '2026-10-01T10:57:00Z'),
        parcel('O2', '2026-10-02T13:09:00Z'),
        parcel('O3', '2026-10-01T10:15:00Z'),
      ],
    };
    const { local, bigquery } = await figures(orderFulfillment, inputs);
    expect(local.map((r) => r.delivery_hours)).toEqual([1, 27.2, 0.3]);
    expect(bigquery).toEqual(local);
  });

  it('order_live_orders: a cancellation rate of 3 in 80', async () => {
    const orders = Array.from({ length: 80 }, (_, i) => ({
      order_id: `O${i}`,
      customer_id: `C${i}`,
      store_id: null,
      channel: 'online',
      status: i < 3 ? 'cancelled' : 'completed',
      ordered_at: new Date(Date.UTC(2026, 10, 2, 9, 0, i)),
    }));
    const { local, bigquery } = await figures(orderLiveOrders, { orders });
    // 3 / 80 = 0.0375 exactly, rounded away from zero.
    expect(local.map((r) => r.cancellation_rate)).toEqual([0.038]);
    expect(bigquery).toEqual(local);
  });
});
