import { rawCustomers } from '@retail-mesh/domain-customer';
import { productCount, rawProducts } from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { type BuildOutcome, buildMesh, loadSample, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderCount, orderLines, orders, products, returns, shipments } from './index.js';

const scale = 0.05;
const seed = 42;
// The universe's size (a convention): the store domain seeds this many stores in a full mesh.
const storeCount = Math.max(3, Math.round(25 * Math.sqrt(scale)));

const num = (value: unknown) => Number(value);

/**
 * The upstream samples: products and customers as their domains seed them (the transactions
 * check their customers against the customer profile, which is built from the CRM sample), and
 * a stand-in for the store domain's raw table, of which only the ids are read.
 */
async function seedUpstream(warehouse: Warehouse) {
  await loadSample(warehouse, rawProducts, { scale, seed });
  await loadSample(warehouse, rawCustomers, { scale, seed });
  await warehouse.query('CREATE SCHEMA IF NOT EXISTS store');
  await warehouse.query(
    `CREATE OR REPLACE TABLE store.raw_stores AS SELECT printf('S%04d', i) AS store_id, 'standard' AS format, DATE '2000-01-01' AS opened_on, CAST(NULL AS DATE) AS closed_on FROM range(1, ${storeCount} + 1) AS t(i)`,
  );
}

async function seedOrders(warehouse: Warehouse, s = seed) {
  for (const source of [orders, orderLines, shipments, returns])
    await loadSample(warehouse, source, { scale, seed: s });
}

const fingerprint = async (warehouse: Warehouse) => {
  const [row] = await warehouse.query(`
    SELECT (SELECT md5(string_agg(CAST(o AS VARCHAR), '|' ORDER BY o.order_id)) FROM "order".raw_orders AS o) AS orders,
           (SELECT md5(string_agg(CAST(l AS VARCHAR), '|' ORDER BY l.order_id, l.line_number)) FROM "order".raw_order_lines AS l) AS lines,
           (SELECT md5(string_agg(CAST(r AS VARCHAR), '|' ORDER BY r.order_id, r.line_number)) FROM "order".raw_returns AS r) AS returns`);
  return row;
};

describe('order sample data', () => {
  let warehouse: Warehouse;
  let outcomes: BuildOutcome[];
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await seedUpstream(warehouse);
    await seedOrders(warehouse);
    outcomes = await buildMesh(warehouse, [...products]);
  });
  afterAll(() => warehouse.close());

  it('builds every order product on it, every check green', () => {
    expect(outcomes.filter((o) => o.status !== 'published').map((o) => o.error?.message)).toEqual([]);
    expect(outcomes.map((o) => o.product.id).sort()).toEqual(
      [...products.map((p) => p.id), 'product.product_catalog', 'customer.customer_profile'].sort(),
    );
    for (const o of outcomes) {
      expect(o.rowCount).toBeGreaterThan(0);
      expect(o.checks?.outcomes.filter((c) => !c.passed).map((c) => `${o.product.name}.${c.name}`)).toEqual(
        [],
      );
    }
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const first = await fingerprint(warehouse);
    await seedOrders(warehouse);
    expect(await fingerprint(warehouse)).toEqual(first);
    await seedOrders(warehouse, seed + 1);
    const other = await fingerprint(warehouse);
    expect(other?.orders).not.toEqual(first?.orders);
    expect(other?.lines).not.toEqual(first?.lines);
    await seedOrders(warehouse);
  });

  it('references only customers, stores, products and order lines that exist', async () => {
    const [facts] = await warehouse.query(`
      SELECT
        (SELECT count(*) FROM "order".raw_orders) AS orders,
        (SELECT count(*) FROM "order".raw_orders WHERE customer_id NOT IN (SELECT customer_id FROM customer.raw_customers)) AS unknown_customers,
        (SELECT count(*) FROM "order".raw_orders WHERE store_id IS NOT NULL AND store_id NOT IN (SELECT store_id FROM store.raw_stores)) AS unknown_stores,
        (SELECT count(*) FROM "order".raw_orders WHERE (channel = 'store') <> (store_id IS NOT NULL)) AS misplaced_stores,
        (SELECT count(DISTINCT store_id) FROM "order".raw_orders) AS stores_used,
        (SELECT count(*) FROM "order".raw_order_lines AS l LEFT JOIN product.raw_products AS p USING (product_id)
          WHERE p.product_id IS NULL OR l.unit_price <> p.retail_price) AS unknown_products_or_prices,
        (SELECT count(*) FROM "order".raw_order_lines WHERE order_id NOT IN (SELECT order_id FROM "order".raw_orders)) AS orphan_lines,
        (SELECT count(*) FROM "order".raw_orders WHERE order_id NOT IN (SELECT order_id FROM "order".raw_order_lines)) AS orders_without_lines,
        (SELECT count(*) FROM "order".raw_shipments AS s JOIN "order".raw_orders AS o USING (order_id)
          WHERE o.channel = 'store' OR o.status = 'cancelled' OR s.shipped_at < o.ordered_at OR s.delivered_at < s.shipped_at) AS bad_shipments,
        (SELECT count(*) FROM "order".raw_shipments WHERE order_id NOT IN (SELECT order_id FROM "order".raw_orders)) AS orphan_shipments,
        (SELECT count(*) FROM "order".raw_returns AS r
          LEFT JOIN "order".raw_order_lines AS l USING (order_id, line_number)
          LEFT JOIN "order".raw_orders AS o USING (order_id)
          WHERE l.order_id IS NULL OR o.status <> 'completed' OR r.returned_quantity NOT BETWEEN 1 AND l.quantity
             OR r.returned_at <= o.ordered_at OR r.refund_amount > l.quantity * l.unit_price - l.discount_amount) AS bad_returns,
        (SELECT count(*) FROM "order".raw_orders
          WHERE ordered_at < TIMESTAMP '2025-11-01' OR ordered_at >= TIMESTAMP '2026-11-01') AS outside_the_year,
        (SELECT count(*) FROM "order".raw_returns WHERE returned_at >= TIMESTAMP '2026-11-01') AS future_returns,
        (SELECT count(*) FROM "order".raw_shipments WHERE shipped_at >= TIMESTAMP '2026-11-01' OR delivered_at >= TIMESTAMP '2026-11-01') AS future_shipments`);
    expect(facts).toMatchObject({
      unknown_customers: 0,
      unknown_stores: 0,
      misplaced_stores: 0,
      unknown_products_or_prices: 0,
      orphan_lines: 0,
      orders_without_lines: 0,
      bad_shipments: 0,
      orphan_shipments: 0,
      bad_returns: 0,
      outside_the_year: 0,
      future_returns: 0,
      future_shipments: 0,
    });
    expect(num(facts?.orders)).toBe(orderCount(scale));
    expect(num(facts?.stores_used)).toBe(storeCount); // every store sells
  });

  it('has the shapes of a real order book', async () => {
    const [shape] = await warehouse.query(`
      WITH months AS (SELECT month(ordered_at) AS m, count(*) AS n FROM "order".raw_orders GROUP BY 1),
      days AS (
        SELECT CAST(ordered_at AS DATE) AS d, count(*) AS n FROM "order".raw_orders GROUP BY 1
      ),
      customers AS (
        SELECT n, row_number() OVER (ORDER BY n DESC) AS r, count(*) OVER () AS c
        FROM (SELECT customer_id, count(*) AS n FROM "order".raw_orders GROUP BY 1) AS t
      )
      SELECT
        (SELECT n FROM months WHERE m = 12) AS december,
        (SELECT avg(n) FROM months) AS average_month,
        (SELECT avg(n) FROM days WHERE dayofweek(d) IN (0, 6)) AS weekend_day,
        (SELECT avg(n) FROM days WHERE dayofweek(d) BETWEEN 1 AND 5) AS weekday,
        (SELECT sum(CASE WHEN r <= 0.2 * c THEN n ELSE 0 END) / sum(n) FROM customers) AS top_customer_share,
        (SELECT avg(CASE WHEN channel = 'store' THEN 1.0 ELSE 0 END) FROM "order".raw_orders) AS store_share,
        (SELECT avg(CASE WHEN channel = 'online' THEN 1.0 ELSE 0 END) FROM "order".raw_orders) AS online_share,
        (SELECT avg(CASE WHEN status = 'cancelled' THEN 1.0 ELSE 0 END) FROM "order".raw_orders) AS cancelled_share,
        (SELECT count(*) / count(DISTINCT order_id) FROM "order".raw_order_lines) AS lines_per_order,
        (SELECT max(line_number) FROM "order".raw_order_lines) AS max_lines,
        (SELECT avg(CASE WHEN quantity = 1 THEN 1.0 ELSE 0 END) FROM "order".raw_order_lines) AS single_units,
        (SELECT avg(CASE WHEN discount_amount > 0 THEN 1.0 ELSE 0 END) FROM "order".raw_order_lines) AS discounted,
        (SELECT avg(CASE WHEN returned_quantity > 0 THEN 1.0 ELSE 0 END) FROM "order".order_items) AS returned_lines,
        (SELECT avg(CASE WHEN on_time THEN 1.0 ELSE 0 END) FROM "order".order_fulfillment WHERE on_time IS NOT NULL) AS on_time,
        (SELECT count(DISTINCT status) FROM "order".order_transactions) AS statuses`);
    const s = Object.fromEntries(Object.entries(shape ?? {}).map(([k, v]) => [k, num(v)]));
    expect(s.december).toBeGreaterThan(1.4 * s.average_month!);
    expect(s.weekend_day).toBeGreaterThan(s.weekday!);
    expect(s.top_customer_share).toBeGreaterThan(0.5);
    expect(s.store_share).toBeCloseTo(0.55, 1);
    expect(s.online_share).toBeCloseTo(0.35, 1);
    expect(s.cancelled_share).toBeGreaterThan(0.005);
    expect(s.cancelled_share).toBeLessThan(0.04);
    expect(s.lines_per_order).toBeGreaterThan(2.3);
    expect(s.lines_per_order).toBeLessThan(2.7);
    expect(s.max_lines).toBe(5);
    expect(s.single_units).toBeGreaterThan(0.6);
    expect(s.discounted).toBeGreaterThan(0.1);
    expect(s.discounted).toBeLessThan(0.3);
    expect(s.returned_lines).toBeGreaterThan(0.045);
    expect(s.returned_lines).toBeLessThan(0.08);
    expect(s.on_time).toBeGreaterThan(0.75);
    expect(s.on_time).toBeLessThan(0.97);
    expect(s.statuses).toBe(4);
  });

  it('sizes with the scale', () => {
    expect(orderCount(1)).toBe(40000);
    expect(orderCount(100)).toBe(4_000_000);
    expect(productCount(scale)).toBe(100);
  });
});
