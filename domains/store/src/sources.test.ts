import { orderDailySales } from '@retail-mesh/domain-order';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, buildProduct, loadRows, loadSample, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dailyOperations,
  products,
  rawStaff,
  rawStores,
  receipts,
  storeCount,
  storePerformance,
} from './index.js';

const SCALE = 0.25;
const SEED = 42;

const fingerprint = async (warehouse: Warehouse, table: string, key: string) => {
  const [row] = await warehouse.query(
    `SELECT count(*) AS n, md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY ${key})) AS h FROM ${table} AS t`,
  );
  return row;
};

const seed = async (warehouse: Warehouse, scale: number, seedValue: number) => {
  for (const source of [rawStores, rawStaff, dailyOperations, receipts]) {
    await loadSample(warehouse, source, { scale, seed: seedValue });
  }
};

describe('store sample data', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  });
  afterAll(() => warehouse.close());

  it('is deterministic for a seed and differs across seeds', async () => {
    const tables = [
      ['store.raw_stores', 't.store_id'],
      ['store.raw_staff', 't.staff_id'],
      ['store.raw_daily_operations', 't.store_id, t.business_date'],
      ['store.raw_receipts', 't.receipt_id'],
    ] as const;
    await seed(warehouse, SCALE, 7);
    const first = await Promise.all(tables.map(([t, k]) => fingerprint(warehouse, t, k)));
    await seed(warehouse, SCALE, 7);
    expect(await Promise.all(tables.map(([t, k]) => fingerprint(warehouse, t, k)))).toEqual(first);
    await seed(warehouse, SCALE, 8);
    const other = await Promise.all(tables.map(([t, k]) => fingerprint(warehouse, t, k)));
    other.forEach((o, i) => {
      expect(o?.h).not.toEqual(first[i]?.h);
    });
    expect(first[0]?.n).toBe(storeCount(SCALE));
  });

  it('counts stores with the square root of the scale, never fewer than 3', () => {
    expect([0.001, 0.05, 0.25, 1, 4, 100].map(storeCount)).toEqual([3, 6, 13, 25, 50, 250]);
  });

  // The order domain's sample needs customers and products too; a few days of store sales
  // stand in for order_daily_sales, and store_performance is built on top of them.
  const inDomain = products.filter((p) => p !== storePerformance);
  const sale = (order_date: string, channel: string, store_id: string | null, orders: number) => ({
    order_date,
    channel,
    store_id,
    orders,
    items: orders * 3,
    gross_revenue: orders * 45,
    net_revenue: orders * 40,
    returned_amount: 0,
    average_order_value: 40,
  });

  it('builds every product with every check green, warnings included', async () => {
    await seed(warehouse, SCALE, SEED);
    const outcomes = await buildMesh(warehouse, inDomain);
    expect(outcomes.map((o) => [o.product.name, o.status]).sort()).toEqual(
      inDomain.map((p) => [p.name, 'published']).sort(),
    );
    await loadRows(warehouse, orderDailySales, [
      sale('2025-12-06', 'store', 'S0001', 12), // a December Saturday at the flagship
      sale('2025-12-06', 'online', null, 40),
      sale('2026-03-03', 'store', 'S0001', 4),
      sale('2026-03-03', 'store', 'S0002', 2),
      sale('2025-12-25', 'store', 'S0001', 1), // Christmas Day: the flagship did not trade
    ]);
    for (const o of outcomes) {
      expect([o.product.name, o.status]).toEqual([o.product.name, 'published']);
      expect(o.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
    }
    // The Christmas sale is left out of store_performance, and its reconciliation says so.
    const performance = await buildProduct(warehouse, storePerformance, { runId: 'sample' });
    expect(performance.status).toBe('published');
    expect(performance.checks?.outcomes.filter((c) => !c.passed)).toMatchObject([
      { name: 'store_sales_without_a_report', severity: 'warn', failingRows: 1 },
    ]);
    const [facts] = await warehouse.query(`
      SELECT count(*) AS days, sum(orders) AS orders, sum(net_revenue) AS revenue,
        count(*) FILTER (WHERE orders = 0 AND net_revenue = 0) AS days_without_orders,
        (SELECT count(*) FROM store.store_daily_operations) AS reported_days,
        max(conversion_rate) FILTER (WHERE store_id = 'S0001' AND business_date = DATE '2025-12-06') AS flagship_conversion,
        max(footfall) FILTER (WHERE store_id = 'S0001' AND business_date = DATE '2025-12-06') AS flagship_footfall
      FROM store.store_performance`);
    // One row per reported day; 12 + 4 + 2 store orders at 40 each; the Christmas order has no trading day.
    expect(facts?.days).toBe(facts?.reported_days);
    expect(facts).toMatchObject({ orders: 18, days_without_orders: Number(facts?.days) - 3 });
    expect(Number(facts?.revenue)).toBe(720);
    expect(facts?.flagship_conversion).toBeCloseTo(12 / Number(facts?.flagship_footfall), 12);
  });

  it('keeps stores, staff and reports consistent with each other', async () => {
    const [facts] = await warehouse.query(`
      WITH heads AS (SELECT store_id, count(*) AS n FROM store.raw_staff GROUP BY store_id)
      SELECT
        (SELECT count(*) FROM store.raw_staff AS e WHERE e.store_id NOT IN (SELECT store_id FROM store.raw_stores)) AS orphan_staff,
        (SELECT count(*) FROM store.raw_stores AS s WHERE s.store_id NOT IN (SELECT store_id FROM heads)) AS stores_without_staff,
        (SELECT min(n) FROM heads) AS min_headcount,
        (SELECT max(n) FROM heads) AS max_headcount,
        -- A named manager is on that store's list, in the manager role, and active unless the store closed.
        (SELECT count(*) FROM store.raw_stores AS s WHERE s.manager_staff_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM store.raw_staff AS e WHERE e.staff_id = s.manager_staff_id AND e.store_id = s.store_id
             AND e.role = 'manager' AND e.active = (s.closed_on IS NULL))) AS bad_managers,
        (SELECT count(*) FROM store.raw_stores WHERE manager_staff_id IS NULL) AS vacancies,
        (SELECT count(*) - count(DISTINCT name) FROM store.raw_stores) AS duplicate_names,
        (SELECT count(*) FROM store.raw_staff AS e JOIN store.raw_stores AS s USING (store_id)
           WHERE s.closed_on IS NOT NULL AND e.active) AS active_at_closed_stores,
        (SELECT count(*) FROM store.raw_staff AS e JOIN store.raw_stores AS s USING (store_id)
           WHERE e.hired_on < s.opened_on - 30 OR e.hired_on > coalesce(s.closed_on, DATE '2026-10-31')) AS odd_hires,
        (SELECT count(*) FROM store.raw_daily_operations AS o JOIN store.raw_stores AS s USING (store_id)
           WHERE o.business_date < s.opened_on OR o.business_date >= s.closed_on) AS reports_while_closed,
        (SELECT count(*) - count(DISTINCT (store_id, business_date)) FROM store.raw_daily_operations) AS duplicate_reports,
        (SELECT min(business_date) FROM store.raw_daily_operations) AS first_day,
        (SELECT max(business_date) FROM store.raw_daily_operations) AS last_day,
        (SELECT max(recorded_at) FROM store.raw_daily_operations) AS last_recorded`);
    expect(facts).toMatchObject({
      orphan_staff: 0,
      duplicate_names: 0,
      stores_without_staff: 0,
      bad_managers: 0,
      active_at_closed_stores: 0,
      odd_hires: 0,
      reports_while_closed: 0,
      duplicate_reports: 0,
    });
    expect(Number(facts?.min_headcount)).toBeGreaterThanOrEqual(12);
    expect(Number(facts?.max_headcount)).toBeLessThanOrEqual(40);
    expect(Number(facts?.vacancies)).toBeGreaterThan(0);
    expect(String(facts?.first_day)).toBe('2025-11-01');
    expect(String(facts?.last_day)).toBe('2026-10-31');
    expect(new Date(facts?.last_recorded as Date).getTime()).toBeLessThan(Date.parse('2026-11-01T00:00:00Z'));
  });

  it('rings receipts up in the last week at trading stores, in opening hours, mostly by card', async () => {
    const [facts] = await warehouse.query(`
      SELECT count(*) AS receipts,
        count(*) - count(DISTINCT receipt_id) AS duplicate_ids,
        min(CAST(sold_at AS DATE)) AS first_day, max(CAST(sold_at AS DATE)) AS last_day,
        min(hour(sold_at)) AS first_hour, max(hour(sold_at)) AS last_hour,
        min(items) AS min_items, min(amount) AS min_amount,
        avg(CASE WHEN payment = 'card' THEN 1 ELSE 0 END) AS card_share,
        (SELECT count(*) FROM store.raw_receipts AS r JOIN store.raw_stores AS s USING (store_id)
           WHERE CAST(r.sold_at AS DATE) < s.opened_on OR CAST(r.sold_at AS DATE) >= s.closed_on) AS while_closed,
        (SELECT count(*) FROM store.raw_receipts WHERE store_id NOT IN (SELECT store_id FROM store.raw_stores)) AS orphans,
        (SELECT count(*) FROM store.raw_receipts AS r JOIN store.raw_stores AS s USING (store_id)
           WHERE r.till > CASE s.format WHEN 'flagship' THEN 8 WHEN 'express' THEN 2 ELSE 4 END) AS unknown_tills
      FROM store.raw_receipts`);
    expect(facts).toMatchObject({
      duplicate_ids: 0,
      first_day: '2026-10-25',
      last_day: '2026-10-31',
      while_closed: 0,
      orphans: 0,
      unknown_tills: 0,
      min_items: 1,
    });
    expect(Number(facts?.first_hour)).toBeGreaterThanOrEqual(8);
    expect(Number(facts?.last_hour)).toBeLessThan(21);
    expect(Number(facts?.min_amount)).toBeGreaterThan(0);
    expect(Number(facts?.card_share)).toBeGreaterThan(0.6);
    expect(Number(facts?.card_share)).toBeLessThan(0.8);
    expect(Number(facts?.receipts)).toBeGreaterThan(storeCount(SCALE) * 7 * 20);
  });

  it('has weekly and seasonal footfall, by format', async () => {
    const rows = await warehouse.query(`
      SELECT format,
        avg(footfall) FILTER (WHERE dayofweek(business_date) = 6) AS saturday,
        avg(footfall) FILTER (WHERE dayofweek(business_date) = 2) AS tuesday,
        avg(footfall) FILTER (WHERE month(business_date) = 12) AS december,
        avg(footfall) FILTER (WHERE month(business_date) = 1) AS january,
        count(*) FILTER (WHERE month(business_date) = 12 AND day(business_date) = 25) AS christmas_reports
      FROM store.store_daily_operations
      GROUP BY format`);
    const by = Object.fromEntries(rows.map((r) => [String(r.format), r]));
    for (const format of ['flagship', 'standard']) {
      expect(Number(by[format]?.saturday)).toBeGreaterThan(Number(by[format]?.tuesday) * 1.2);
      expect(Number(by[format]?.december)).toBeGreaterThan(Number(by[format]?.january) * 1.5);
      expect(by[format]?.christmas_reports).toBe(0);
    }
    // Express stores serve commuters: busier on a Tuesday than on a Saturday, and open at Christmas.
    if (by.express) {
      expect(Number(by.express.tuesday)).toBeGreaterThan(Number(by.express.saturday));
      expect(Number(by.express.christmas_reports)).toBeGreaterThan(0);
    }
    const [flagship, express] = [by.flagship, by.express];
    if (flagship && express) expect(Number(flagship.january)).toBeGreaterThan(Number(express.january));
  });

  it('names the status of every store, with closed and newly opened ones at scale 1', async () => {
    await seed(warehouse, 1, SEED);
    await buildMesh(warehouse, inDomain);
    const rows = await warehouse.query(`
      SELECT status, count(*) AS n, count(*) FILTER (WHERE opened_on >= DATE '2025-11-01') AS new_stores
      FROM store.store_locations GROUP BY status ORDER BY status`);
    expect(rows.map((r) => [r.status, Number(r.n)])).toEqual([
      ['closed', 1],
      ['open', 24],
    ]);
    expect(Number(rows.find((r) => r.status === 'open')?.new_stores)).toBeGreaterThan(0);
    const [counts] = await warehouse.query(`SELECT
      (SELECT count(*) FROM store.raw_stores) AS stores,
      (SELECT count(*) FROM store.raw_staff) AS staff,
      (SELECT count(*) FROM store.raw_daily_operations) AS reports`);
    expect(counts).toEqual({ stores: 25, staff: 621, reports: 7801 });
  });
});
