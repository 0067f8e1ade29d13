import { rawCustomers } from '@retail-mesh/domain-customer';
import { orderLines, orders, returns } from '@retail-mesh/domain-order';
import { rawProducts } from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { type BuildOutcome, buildMesh, loadSample, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignCount, campaigns, products, promotions, touchpointCount, touchpoints } from './index.js';

const SCALE = 0.05;
const SEED = 42;

const fingerprint = async (warehouse: Warehouse) => {
  const [row] = await warehouse.query(
    `SELECT count(*) AS n, md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY t.touchpoint_id)) AS h FROM marketing.raw_touchpoints AS t`,
  );
  return row;
};

const one = async (warehouse: Warehouse, statement: string) => (await warehouse.query(statement))[0] ?? {};

describe('marketing sample data', () => {
  let warehouse: Warehouse;
  let outcomes: BuildOutcome[];
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    // The order generator only counts the stores (store.raw_stores); this package does not
    // depend on the store domain, so a stand-in with the store ids of the scale stands for it.
    await warehouse.query('CREATE SCHEMA IF NOT EXISTS store');
    await warehouse.query(
      "CREATE OR REPLACE TABLE store.raw_stores AS SELECT 'S' || lpad(CAST(i AS VARCHAR), 4, '0') AS store_id, 'standard' AS format, DATE '2000-01-01' AS opened_on, CAST(NULL AS DATE) AS closed_on FROM range(1, 6) AS t(i)",
    );
    // Upstream domains first, in the order their generators read each other.
    for (const source of [
      rawProducts,
      rawCustomers,
      orders,
      orderLines,
      returns,
      campaigns,
      promotions,
      touchpoints,
    ]) {
      await loadSample(warehouse, source, { scale: SCALE, seed: SEED });
    }
    outcomes = await buildMesh(warehouse, [...products]);
  });
  afterAll(() => warehouse.close());

  it('builds every product of the domain (and its upstream) with all blocking checks green', () => {
    expect(outcomes.map((o) => [o.product.id, o.status]).sort()).toEqual(
      [
        'customer.customer_profile',
        'marketing.marketing_attribution',
        'marketing.marketing_campaign_performance',
        'marketing.marketing_campaigns',
        'marketing.marketing_customer_engagement',
        'marketing.marketing_customer_lifetime_value',
        'marketing.marketing_promotions',
        'order.order_transactions',
        'product.product_catalog',
      ].map((id) => [id, 'published']),
    );
    for (const o of outcomes) {
      expect(o.checks?.outcomes.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    }
  });

  it('meets the completeness and validity SLAs of every marketing product, without warnings', () => {
    for (const o of outcomes.filter((x) => x.product.domain.name === 'marketing')) {
      expect([o.product.name, o.checks?.outcomes.filter((c) => !c.passed).map((c) => c.name)]).toEqual([
        o.product.name,
        [],
      ]);
      expect(o.checks?.completeness).toBeGreaterThanOrEqual(o.product.sla.completeness ?? 0);
      expect(o.checks?.validity).toBeGreaterThanOrEqual(o.product.sla.validity ?? 0);
    }
  });

  it('makes the documented number of rows', async () => {
    expect(
      await one(
        warehouse,
        'SELECT (SELECT count(*) FROM marketing.raw_campaigns) AS campaigns, (SELECT count(*) FROM marketing.raw_touchpoints) AS touchpoints',
      ),
    ).toEqual({ campaigns: campaignCount(SCALE), touchpoints: touchpointCount(SCALE) });
    expect(campaignCount(1)).toBe(40);
    expect(campaignCount(0.001)).toBe(5);
    expect(touchpointCount(1)).toBe(100_000);
  });

  it('references only ids that exist, inside the campaign windows and the sample year', async () => {
    const facts = await one(
      warehouse,
      `SELECT
        (SELECT count(*) FROM marketing.raw_touchpoints t WHERE t.customer_id NOT IN (SELECT customer_id FROM customer.raw_customers)) AS unknown_customers,
        (SELECT count(*) FROM marketing.raw_touchpoints t WHERE t.campaign_id NOT IN (SELECT campaign_id FROM marketing.raw_campaigns)) AS unknown_campaigns,
        (SELECT count(*) FROM marketing.raw_campaigns c WHERE c.featured_product_id NOT IN (SELECT product_id FROM product.raw_products WHERE active)) AS unknown_products,
        (SELECT count(*) FROM marketing.raw_campaigns c WHERE c.starts_on < DATE '2025-11-01' OR c.starts_on > DATE '2026-10-31' OR c.ends_on < c.starts_on) AS bad_windows,
        (SELECT count(*) FROM marketing.raw_promotions p JOIN marketing.raw_campaigns c USING (campaign_id) WHERE p.valid_from < c.starts_on OR p.valid_to > c.ends_on OR p.valid_to < p.valid_from) AS promotions_outside,
        (SELECT count(*) FROM marketing.raw_promotions p WHERE p.campaign_id NOT IN (SELECT campaign_id FROM marketing.raw_campaigns)) AS orphan_promotions,
        (SELECT count(*) FROM marketing.raw_touchpoints t WHERE t.occurred_at >= TIMESTAMP '2026-11-01' OR t.occurred_at < TIMESTAMP '2025-11-01') AS outside_year,
        (SELECT count(*) FROM marketing.raw_touchpoints t JOIN "order".raw_orders o USING (order_id) WHERE o.customer_id <> t.customer_id OR o.ordered_at <> t.occurred_at) AS mismatched_orders,
        (SELECT count(*) FROM marketing.raw_touchpoints t WHERE t.order_id IS NOT NULL AND t.event_type <> 'conversion') AS orders_without_conversion`,
    );
    expect(Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, Number(v)]))).toEqual({
      unknown_customers: 0,
      unknown_campaigns: 0,
      unknown_products: 0,
      bad_windows: 0,
      promotions_outside: 0,
      orphan_promotions: 0,
      outside_year: 0,
      mismatched_orders: 0,
      orders_without_conversion: 0,
    });
  });

  it('has a funnel, matched and unmatched conversions, and a few customers reached the most', async () => {
    const facts = await one(
      warehouse,
      `WITH per_customer AS (
         SELECT customer_id, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC, customer_id) AS rank
         FROM marketing.raw_touchpoints GROUP BY customer_id
       )
       SELECT
         (SELECT count(*) FILTER (WHERE event_type = 'impression') FROM marketing.raw_touchpoints) AS impressions,
         (SELECT count(*) FILTER (WHERE event_type = 'click') FROM marketing.raw_touchpoints) AS clicks,
         (SELECT count(*) FILTER (WHERE event_type = 'conversion') FROM marketing.raw_touchpoints) AS conversions,
         (SELECT count(order_id) FROM marketing.raw_touchpoints) AS matched,
         (SELECT sum(n) FILTER (WHERE rank <= (SELECT count(*) FROM per_customer) / 10) / sum(n) FROM per_customer) AS top_decile_share`,
    );
    const n = (v: unknown) => Number(v);
    expect(n(facts.impressions)).toBeGreaterThan(n(facts.clicks));
    expect(n(facts.clicks)).toBeGreaterThan(n(facts.conversions));
    expect(n(facts.matched)).toBeGreaterThan(0);
    expect(n(facts.matched)).toBeLessThan(n(facts.conversions));
    expect(n(facts.top_decile_share)).toBeGreaterThan(0.25);
  });

  it('attributes part of the orders and values every customer of the profile', async () => {
    const facts = await one(
      warehouse,
      `SELECT
        (SELECT avg(CASE WHEN attribution = 'last_touch' THEN 1 ELSE 0 END) FROM marketing.marketing_attribution) AS attributed_share,
        (SELECT count(*) FROM marketing.marketing_attribution) AS attributed_rows,
        (SELECT count(*) FROM "order".order_transactions) AS orders,
        (SELECT count(*) FROM marketing.marketing_customer_lifetime_value) AS valued,
        (SELECT count(*) FROM customer.customer_profile) AS profiles,
        (SELECT sum(orders) FROM marketing.marketing_customer_lifetime_value) AS counted_orders,
        (SELECT count(*) FROM "order".order_transactions o WHERE status <> 'cancelled'
           AND customer_id IN (SELECT customer_id FROM customer.customer_profile)) AS kept_orders,
        (SELECT count(DISTINCT cltv_band) FROM marketing.marketing_customer_lifetime_value) AS bands,
        (SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM marketing.marketing_campaigns) AS statuses,
        (SELECT CAST(max(status_as_of) AS VARCHAR) FROM marketing.marketing_campaigns) AS status_as_of,
        (SELECT sum(impressions + clicks + conversions) FROM marketing.marketing_customer_engagement) AS engaged_events`,
    );
    expect(Number(facts.attributed_share)).toBeGreaterThan(0.05);
    expect(Number(facts.attributed_share)).toBeLessThan(0.6);
    expect(facts.attributed_rows).toBe(facts.orders);
    expect(facts.valued).toBe(facts.profiles);
    expect(facts.counted_orders).toBe(facts.kept_orders);
    expect(Number(facts.bands)).toBeGreaterThanOrEqual(3);
    // Touches run up to the clock, so the catalogue is dated its last day, with campaigns running.
    expect(facts.status_as_of).toBe('2026-10-31');
    expect(facts.statuses).toBe('active,ended');
    expect(Number(facts.engaged_events)).toBe(touchpointCount(SCALE));
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const first = await fingerprint(warehouse);
    await loadSample(warehouse, touchpoints, { scale: SCALE, seed: SEED });
    expect(await fingerprint(warehouse)).toEqual(first);
    await loadSample(warehouse, touchpoints, { scale: SCALE, seed: SEED + 1 });
    expect(await fingerprint(warehouse)).not.toEqual(first);
    await loadSample(warehouse, touchpoints, { scale: SCALE, seed: SEED });
  });
});
