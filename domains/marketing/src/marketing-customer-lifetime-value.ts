import { customerProfile, LOYALTY_TIERS, SEGMENTS } from '@retail-mesh/domain-customer';
import { orderTransactions } from '@retail-mesh/domain-order';
import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { marketingDomain } from './domain.js';

export const CLTV_BANDS = ['low', 'medium', 'high', 'top'] as const;

/**
 * Lower bounds of the bands above `low`, in the currency of the orders. Fixed, so a band
 * means the same value in every build. Chosen on the scale-1 sample, where they put about a
 * tenth of the customers in low, four tenths each in medium and high, and a tenth in top.
 */
export const CLTV_BAND_THRESHOLDS = { medium: 5_000, high: 15_000, top: 40_000 } as const;

/** Years of future purchasing the prediction assumes. */
export const CLTV_EXPECTED_YEARS = 3;

/** The shortest span of activity the purchase frequency is measured over, so one-day customers do not explode it. */
export const CLTV_MIN_ACTIVE_DAYS = 30;

/**
 * What each customer has been worth and is predicted to be worth. Ids and segments only,
 * no names or e-mail addresses: public, unlike the customer profile it starts from.
 *
 * predicted_cltv = average_order_value x purchase_frequency_per_year x 3, where
 * average_order_value = net_revenue / orders and
 * purchase_frequency_per_year = orders x 365 / max(active_days, 30),
 * over the customer's completed and (partially) returned orders, cancelled ones excluded.
 */
export const marketingCustomerLifetimeValue = defineDataProduct({
  domain: marketingDomain,
  name: 'marketing_customer_lifetime_value',
  version: '1.0.2',
  description:
    'Per customer: orders, net revenue, average order value, purchase frequency and predicted lifetime value (average order value x orders per year x 3 years), banded low to top. Customers without orders are included with zeros.',
  tier: 'gold',
  refresh: 'daily',
  access: 'public',
  consumers: ['marketing', 'customer', 'store'],
  sla: { freshness: '1d', completeness: 0.95, validity: 0.99 },
  schema: z.object({
    customer_id: z.string().describe('Customer identifier').meta({ key: true }),
    segment: z.enum(SEGMENTS).describe('Customer segment, from the customer profile'),
    tier: z.enum(LOYALTY_TIERS).describe('Loyalty tier, from the customer profile'),
    first_order_date: z.iso.date().nullable().describe('Day of the first counted order; NULL without orders'),
    last_order_date: z.iso.date().nullable().describe('Day of the latest counted order; NULL without orders'),
    orders: z
      .int()
      .describe('Completed, returned and partially returned orders; cancelled ones do not count'),
    net_revenue: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Sum of net_amount - returned_amount over the counted orders'),
    average_order_value: z
      .number()
      .meta({ type: 'decimal' })
      .describe('net_revenue / orders; 0 without orders'),
    active_days: z
      .int()
      .describe('Days from the first to the latest counted order, both included; 0 without orders'),
    purchase_frequency_per_year: z
      .number()
      .describe('orders x 365 / max(active_days, 30): counted orders per year of activity; 0 without orders'),
    predicted_cltv: z
      .number()
      .meta({ type: 'decimal' })
      .describe('average_order_value x purchase_frequency_per_year x 3 (expected years)'),
    cltv_band: z
      .enum(CLTV_BANDS)
      .describe('low below 5,000; medium from 5,000; high from 15,000; top from 40,000 of predicted_cltv'),
  }),
  clusterBy: ['segment', 'tier', 'cltv_band'],
  inputs: { customers: customerProfile, orders: orderTransactions },
  // predicted_cltv is net_revenue x 365 x years / days, divided once, as a decimal: the average
  // (a decimal on BigQuery, a double on DuckDB) times a double gave the warehouses other last
  // digits (14,999.999999985 for 15,000 on BigQuery), and other bands at a band's edge. Decimals
  // divide exactly on both (sql.decimalDivide): DuckDB's / divides them as doubles, of 16 digits
  // (1,234,567.89 over 37 days: 36536536.204054048 against 36536536.204054054 on BigQuery).
  transform: ({ customers, orders }) => sql`
    WITH counted AS (
      SELECT customer_id,
             MIN(order_date) AS first_order_date,
             MAX(order_date) AS last_order_date,
             COUNT(*) AS orders,
             SUM(net_amount - COALESCE(returned_amount, 0)) AS net_revenue
      FROM ${orders}
      WHERE status IN ('completed', 'returned', 'partially_returned')
      GROUP BY customer_id
    ),
    measured AS (
      SELECT p.customer_id, p.segment, p.tier, o.first_order_date, o.last_order_date,
             COALESCE(o.orders, 0) AS orders,
             COALESCE(o.net_revenue, 0) AS net_revenue,
             COALESCE(${sql.dateDiff('day', sql`o.last_order_date`, sql`o.first_order_date`)} + 1, 0) AS active_days
      FROM ${customers} AS p
      LEFT JOIN counted AS o ON o.customer_id = p.customer_id
    ),
    valued AS (
      SELECT m.*,
             COALESCE(${sql.decimalDivide(sql`net_revenue`, sql`orders`)}, 0) AS average_order_value,
             CASE WHEN orders = 0 THEN 0
                  ELSE orders * 365 / (CASE WHEN active_days < ${CLTV_MIN_ACTIVE_DAYS} THEN ${CLTV_MIN_ACTIVE_DAYS} ELSE active_days END)
             END AS purchase_frequency_per_year
      FROM measured AS m
    ),
    predicted AS (
      SELECT v.*,
             CASE WHEN orders = 0 THEN 0
                  ELSE ${sql.decimalDivide(sql`net_revenue * ${365 * CLTV_EXPECTED_YEARS}`, sql`CASE WHEN active_days < ${CLTV_MIN_ACTIVE_DAYS} THEN ${CLTV_MIN_ACTIVE_DAYS} ELSE active_days END`)}
             END AS predicted_cltv
      FROM valued AS v
    )
    SELECT customer_id, segment, tier, first_order_date, last_order_date, orders, net_revenue,
           average_order_value, active_days, purchase_frequency_per_year, predicted_cltv,
           CASE WHEN predicted_cltv >= ${CLTV_BAND_THRESHOLDS.top} THEN 'top'
                WHEN predicted_cltv >= ${CLTV_BAND_THRESHOLDS.high} THEN 'high'
                WHEN predicted_cltv >= ${CLTV_BAND_THRESHOLDS.medium} THEN 'medium'
                ELSE 'low' END AS cltv_band
    FROM predicted`,
  checks: (c) => [
    c.customer_id.unique(),
    c.customer_id.notNull(),
    c.segment.notNull(),
    c.segment.acceptedValues(),
    c.tier.acceptedValues(),
    c.cltv_band.notNull(),
    c.cltv_band.acceptedValues(),
    c.orders.range({ min: 0 }),
    c.active_days.range({ min: 0 }),
    c.purchase_frequency_per_year.range({ min: 0 }),
    c.customer_id.references(customerProfile, 'customer_id'),
    c.table.expect(
      'no_orders_no_value',
      sql`orders > 0 OR (first_order_date IS NULL AND net_revenue = 0 AND predicted_cltv = 0 AND cltv_band = 'low')`,
    ),
    c.table.rowCount({ min: 1 }),
    // Reconciliation with the order domain: CLTV values the customers of the profile, so the
    // orders of a customer missing from it (a CRM record rejected on ingest) would silently
    // leave the figures; they are counted here instead.
    c.table
      .assert(
        'orders_of_customers_without_value',
        (self) =>
          sql`SELECT o.order_id FROM ${orderTransactions} AS o WHERE NOT EXISTS (SELECT 1 FROM ${self} AS v WHERE v.customer_id = o.customer_id)`,
      )
      .warn(),
  ],
});
