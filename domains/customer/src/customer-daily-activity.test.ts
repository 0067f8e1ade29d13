import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerDailyActivity, customerSessions } from './index.js';

const session = (
  id: string,
  customer: string,
  started: string,
  device: string,
  page_views: number,
  added_to_cart: boolean,
  purchased: boolean,
) => ({
  session_id: id,
  customer_id: customer,
  started_at: new Date(started),
  device,
  page_views,
  product_views: 0,
  added_to_cart,
  purchased,
});

const sessions = [
  session('S1', 'C1', '2026-10-01T00:00:00Z', 'desktop', 2, true, true),
  session('S2', 'C1', '2026-10-01T12:00:00Z', 'desktop', 3, true, false),
  session('S3', 'C2', '2026-10-01T23:59:59Z', 'desktop', 4, false, false), // last second of the day
  session('S4', 'C1', '2026-10-01T18:00:00Z', 'mobile', 1, true, true),
  session('S5', 'C2', '2026-10-02T00:00:00Z', 'desktop', 5, false, false), // first second of the next
  session('S6', 'C3', '2026-10-02T09:30:00Z', 'app', 7, true, false),
];

describe('customer_daily_activity on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    // Built alone, so its upstream product is loaded as if published.
    await loadRows(warehouse, customerSessions, sessions);
  });
  afterAll(() => warehouse.close());

  it('adds up each day (UTC) and device by hand, every check green', async () => {
    const outcome = await buildProduct(warehouse, customerDailyActivity, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
    const rows = [];
    for await (const r of customerDailyActivity.read(warehouse)) rows.push(r);
    rows.sort((a, b) => `${a.activity_date}${a.device}`.localeCompare(`${b.activity_date}${b.device}`));
    expect(rows).toEqual([
      // S1, S2, S3: 3 sessions of C1 and C2; 2 + 3 + 4 pages; 2 carts; 1 purchase -> 1/3.
      {
        activity_date: '2026-10-01',
        device: 'desktop',
        sessions: 3,
        customers: 2,
        page_views: 9,
        cart_adds: 2,
        purchases: 1,
        conversion_rate: 1 / 3,
      },
      // S4 alone, bought -> 1.
      {
        activity_date: '2026-10-01',
        device: 'mobile',
        sessions: 1,
        customers: 1,
        page_views: 1,
        cart_adds: 1,
        purchases: 1,
        conversion_rate: 1,
      },
      // S6: a cart, no purchase -> 0.
      {
        activity_date: '2026-10-02',
        device: 'app',
        sessions: 1,
        customers: 1,
        page_views: 7,
        cart_adds: 1,
        purchases: 0,
        conversion_rate: 0,
      },
      // S5 at midnight belongs to the new day.
      {
        activity_date: '2026-10-02',
        device: 'desktop',
        sessions: 1,
        customers: 1,
        page_views: 5,
        cart_adds: 0,
        purchases: 0,
        conversion_rate: 0,
      },
    ]);
  });
});
