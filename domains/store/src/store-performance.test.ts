import { orderDailySales } from '@retail-mesh/domain-order';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDailyOperations, storeLocations, storePerformance } from './index.js';

const location = (store_id: string, format: string, region: string, square_meters: number) => ({
  store_id,
  name: store_id,
  format,
  city: 'Central City',
  region,
  opened_on: '2020-01-01',
  closed_on: null,
  status: 'open',
  age_years: 6.8,
  square_meters,
  manager_staff_id: null,
  as_of_date: '2026-11-01',
});

const day = (
  store_id: string,
  business_date: string,
  footfall: number,
  staff_on_shift: number,
  hours: number,
) => ({
  store_id,
  business_date,
  format: 'standard',
  opening_hours: hours,
  footfall,
  staff_on_shift,
  staff_hours: staff_on_shift * hours,
  footfall_per_staff_hour: null,
  incidents: 0,
});

const sales = (
  order_date: string,
  channel: string,
  store_id: string | null,
  orders: number,
  net_revenue: number,
) => ({
  order_date,
  channel,
  store_id,
  orders,
  items: orders * 2,
  gross_revenue: net_revenue + 10,
  net_revenue,
  returned_amount: 0,
  average_order_value: Math.round((net_revenue / orders) * 100) / 100,
});

const locations = [
  location('S1', 'flagship', 'central', 4000),
  location('S2', 'express', 'north', 200),
  location('S3', 'standard', 'south', 1500),
];

const operations = [
  day('S1', '2026-10-30', 200, 8, 12), // 96 staff hours
  day('S1', '2026-10-31', 250, 9, 12), // 108 staff hours
  day('S2', '2026-10-30', 40, 2, 16), // 32 staff hours, no orders
  day('S2', '2026-10-31', 0, 0, 16), // door counter and rota empty
  day('S3', '2026-10-31', 2, 2, 10), // 20 staff hours, more orders than visitors
];

const orders = [
  sales('2026-10-30', 'store', 'S1', 50, 2500.5),
  // Online and mobile rows are not a store's, even when they name one (click and collect).
  sales('2026-10-30', 'online', null, 999, 99999),
  sales('2026-10-30', 'mobile', null, 500, 50000),
  sales('2026-10-31', 'online', 'S1', 7, 700),
  // A day split over two rows is summed: 40 orders, 1200 of revenue.
  sales('2026-10-31', 'store', 'S1', 30, 1000),
  sales('2026-10-31', 'store', 'S1', 10, 200),
  sales('2026-10-31', 'store', 'S2', 3, 46),
  sales('2026-10-31', 'store', 'S3', 3, 30),
  // No report from S1 on the 29th, and S9 is unknown: not trading days of a store here.
  sales('2026-10-29', 'store', 'S1', 5, 100),
  sales('2026-10-30', 'store', 'S9', 4, 80),
];

const expected = [
  // 50 / 200 = 0.25; 2500.5 / 4000 = 0.6251 -> 0.63; 2500.5 / 96 = 26.0469 -> 26.05.
  {
    store_id: 'S1',
    business_date: '2026-10-30',
    format: 'flagship',
    region: 'central',
    footfall: 200,
    staff_hours: 96,
    orders: 50,
    net_revenue: 2500.5,
    conversion_rate: 0.25,
    revenue_per_square_meter: 0.63,
    revenue_per_staff_hour: 26.05,
  },
  // 40 / 250 = 0.16; 1200 / 4000 = 0.30; 1200 / 108 = 11.111 -> 11.11.
  {
    store_id: 'S1',
    business_date: '2026-10-31',
    format: 'flagship',
    region: 'central',
    footfall: 250,
    staff_hours: 108,
    orders: 40,
    net_revenue: 1200,
    conversion_rate: 0.16,
    revenue_per_square_meter: 0.3,
    revenue_per_staff_hour: 11.11,
  },
  // Trading without an order: zeros, not NULLs.
  {
    store_id: 'S2',
    business_date: '2026-10-30',
    format: 'express',
    region: 'north',
    footfall: 40,
    staff_hours: 32,
    orders: 0,
    net_revenue: 0,
    conversion_rate: 0,
    revenue_per_square_meter: 0,
    revenue_per_staff_hour: 0,
  },
  // Nobody counted, nobody on the rota: no conversion, no revenue per staff hour; 46 / 200 = 0.23.
  {
    store_id: 'S2',
    business_date: '2026-10-31',
    format: 'express',
    region: 'north',
    footfall: 0,
    staff_hours: 0,
    orders: 3,
    net_revenue: 46,
    conversion_rate: null,
    revenue_per_square_meter: 0.23,
    revenue_per_staff_hour: null,
  },
  // 3 / 2 = 1.5 (flagged by a warning); 30 / 1500 = 0.02; 30 / 20 = 1.5.
  {
    store_id: 'S3',
    business_date: '2026-10-31',
    format: 'standard',
    region: 'south',
    footfall: 2,
    staff_hours: 20,
    orders: 3,
    net_revenue: 30,
    conversion_rate: 1.5,
    revenue_per_square_meter: 0.02,
    revenue_per_staff_hour: 1.5,
  },
];

describe('store_performance on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, storeLocations, locations);
    await loadRows(warehouse, storeDailyOperations, operations);
    await loadRows(warehouse, orderDailySales, orders);
  });
  afterAll(() => warehouse.close());

  it('publishes, warning about more orders than visitors and about the in-store sales it leaves out', async () => {
    const outcome = await buildProduct(warehouse, storePerformance, { runId: 't' });
    expect(outcome.status).toBe('published');
    // S1 on the 29th (no report) and S9 (no such store): two store-days of sales not in it.
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toMatchObject([
      { name: 'conversion_rate_at_most_one', severity: 'warn', failingRows: 1 },
      { name: 'store_sales_without_a_report', severity: 'warn', failingRows: 2 },
    ]);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = [];
    for await (const row of storePerformance.read(warehouse)) rows.push(row);
    rows.sort(
      (a, b) => a.store_id.localeCompare(b.store_id) || a.business_date.localeCompare(b.business_date),
    );
    expect(rows).toEqual(expected);
  });

  it('reads the order domain through its published product, never its raw sources', () => {
    expect(Object.values(storePerformance.inputs).map((r) => `${r.kind}:${r.domain.name}.${r.name}`)).toEqual(
      [
        'data-product:order.order_daily_sales',
        'data-product:store.store_daily_operations',
        'data-product:store.store_locations',
      ],
    );
  });

  it('is a gold product keyed by store and day, partitioned by day and clustered by store', () => {
    expect(storePerformance.tier).toBe('gold');
    expect(storePerformance.columns.filter((c) => c.key).map((c) => c.name)).toEqual([
      'store_id',
      'business_date',
    ]);
    expect(storePerformance.partitionBy).toEqual({ column: 'business_date', granularity: 'day' });
    expect(storePerformance.clusterBy).toEqual(['store_id']);
  });
});
