import { orderDailySales } from '@retail-mesh/domain-order';
import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { storeDomain } from './domain.js';
import { REGIONS, STORE_FORMATS } from './sources.js';
import { storeDailyOperations } from './store-daily-operations.js';
import { storeLocations } from './store-locations.js';

/** Each store's trading day: visitors against in-store orders and revenue. */
export const storePerformance = defineDataProduct({
  domain: storeDomain,
  name: 'store_performance',
  version: '1.0.0',
  description:
    'Per store and trading day: footfall, in-store orders and net revenue, conversion rate, and revenue per square meter and per staff hour.',
  tier: 'gold',
  refresh: 'daily',
  access: 'public',
  consumers: ['store', 'marketing', 'order'],
  sla: { freshness: '1d', completeness: 0.95, validity: 0.99 },
  schema: z.object({
    store_id: z.string().describe('Store identifier').meta({ key: true }),
    business_date: z.iso.date().describe('Trading day').meta({ key: true }),
    format: z.enum(STORE_FORMATS).describe('Format of the store'),
    region: z.enum(REGIONS).describe('Sales region of the store'),
    footfall: z.int().describe('Visitors counted by the door sensors'),
    staff_hours: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Staff on shift x opening hours (see store_daily_operations)'),
    orders: z.int().describe('In-store orders that day, cancelled ones excluded; 0 when there were none'),
    net_revenue: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Net revenue of those orders (after discounts, before refunds); 0 when there were none'),
    conversion_rate: z
      .number()
      .nullable()
      .describe('orders / footfall; NULL when nobody was counted at the door'),
    revenue_per_square_meter: z
      .number()
      .nullable()
      .meta({ type: 'decimal' })
      .describe('net_revenue / sales floor area, to the cent; NULL when the area is 0'),
    revenue_per_staff_hour: z
      .number()
      .nullable()
      .meta({ type: 'decimal' })
      .describe('net_revenue / staff_hours, to the cent; NULL when no staff hours were reported'),
  }),
  partitionBy: { column: 'business_date', granularity: 'day' },
  clusterBy: ['store_id'],
  inputs: { sales: orderDailySales, operations: storeDailyOperations, locations: storeLocations },
  // The store's own report is the spine: a trading day without orders shows 0 orders and 0
  // revenue, and orders booked on a day the store did not report are not a trading day of it.
  // Sales are summed per store and day in case the order domain ever splits a day's rows.
  transform: ({ sales, operations, locations }) => sql`
    WITH store_sales AS (
      SELECT store_id, order_date, SUM(orders) AS orders, SUM(net_revenue) AS net_revenue
      FROM ${sales}
      WHERE channel = 'store' AND store_id IS NOT NULL
      GROUP BY store_id, order_date
    ),
    days AS (
      SELECT o.store_id, o.business_date, l.format, l.region, o.footfall, o.staff_hours, l.square_meters,
             COALESCE(s.orders, 0) AS orders,
             COALESCE(s.net_revenue, 0) AS net_revenue
      FROM ${operations} AS o
      JOIN ${locations} AS l ON l.store_id = o.store_id
      LEFT JOIN store_sales AS s ON s.store_id = o.store_id AND s.order_date = o.business_date
    )
    SELECT store_id, business_date, format, region, footfall, staff_hours, orders, net_revenue,
           ${sql.safeDivide(sql`orders`, sql`footfall`)} AS conversion_rate,
           ROUND(${sql.cast(sql.safeDivide(sql`net_revenue`, sql`square_meters`), 'decimal')}, 2) AS revenue_per_square_meter,
           ROUND(${sql.cast(sql.safeDivide(sql`net_revenue`, sql`staff_hours`), 'decimal')}, 2) AS revenue_per_staff_hour
    FROM days`,
  checks: (c) => [
    c.table.uniqueCombination(['store_id', 'business_date']),
    c.store_id.notNull(),
    c.business_date.notNull(),
    c.format.acceptedValues(),
    c.region.acceptedValues(),
    c.footfall.range({ min: 0 }),
    c.orders.range({ min: 0 }),
    c.conversion_rate.range({ min: 0 }),
    // More orders than visitors: a door counter that missed people, or orders keyed to the wrong store.
    c.conversion_rate.range({ max: 1 }).named('conversion_rate_at_most_one').warn(),
    c.store_id.references(storeLocations, 'store_id'),
    c.table.rowCount({ min: 1 }),
    // Reconciliation with the order domain: in-store sales on a day the store sent no report
    // are left out above (no footfall, no staff hours to set them against), so its revenue
    // would silently fall short of order_daily_sales; the store-days are counted here instead.
    c.table
      .assert(
        'store_sales_without_a_report',
        (self) => sql`
          SELECT s.store_id, s.order_date FROM ${orderDailySales} AS s
          WHERE s.channel = 'store' AND s.store_id IS NOT NULL AND s.orders > 0
            AND NOT EXISTS (SELECT 1 FROM ${self} AS p WHERE p.store_id = s.store_id AND p.business_date = s.order_date)
          GROUP BY s.store_id, s.order_date`,
      )
      .warn(),
  ],
});
