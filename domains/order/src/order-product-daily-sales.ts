import { productCatalog } from '@retail-mesh/domain-product';
import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { orderDomain } from './domain.js';
import { orderItems } from './order-items.js';
import { orderTransactions } from './order-transactions.js';

/** Units and revenue of every product on every day it sold; cancelled orders do not count. */
export const orderProductDailySales = defineDataProduct({
  domain: orderDomain,
  name: 'order_product_daily_sales',
  version: '1.0.0',
  description:
    'Per product and order day: orders, units, revenue, units returned since and the rank of the product within its category that day; cancelled orders excluded.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['product', 'marketing', 'store'],
  sla: { freshness: '1d', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    order_date: z.iso.date().describe('UTC date the orders were placed').meta({ key: true }),
    product_id: z.string().describe('Catalog identifier of the product sold').meta({ key: true }),
    category: z.string().describe('Merchandise category of the product'),
    orders: z.int().describe('Orders with at least one line of the product'),
    units: z.int().describe('Units sold'),
    gross_revenue: z.number().meta({ type: 'decimal' }).describe('Sum of quantity x unit_price'),
    net_revenue: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Sum of line amounts: after discounts, before refunds'),
    returned_units: z.int().describe('Units of those sales returned so far'),
    return_rate: z.number().describe('returned_units / units'),
    category_rank: z
      .int()
      .describe('Rank of net_revenue within the category that day: 1 is the best seller, ties share a rank'),
  }),
  partitionBy: { column: 'order_date', granularity: 'day' },
  materialization: 'incremental',
  incremental: { items: 'order_date', transactions: 'order_date' },
  clusterBy: ['category', 'product_id'],
  inputs: { items: orderItems, transactions: orderTransactions },
  transform: ({ items, transactions }) => sql`
    WITH daily AS (
      SELECT i.order_date, i.product_id, i.category,
             COUNT(DISTINCT i.order_id) AS orders,
             SUM(i.quantity) AS units,
             SUM(i.quantity * i.unit_price) AS gross_revenue,
             SUM(i.line_amount) AS net_revenue,
             SUM(i.returned_quantity) AS returned_units
      FROM ${items} AS i
      JOIN ${transactions} AS t ON t.order_id = i.order_id
      WHERE t.status <> 'cancelled'
      GROUP BY i.order_date, i.product_id, i.category
    )
    SELECT order_date, product_id, category, orders, units, gross_revenue, net_revenue, returned_units,
           ${sql.safeDivide(sql`returned_units`, sql`units`)} AS return_rate,
           RANK() OVER (PARTITION BY order_date, category ORDER BY net_revenue DESC) AS category_rank
    FROM daily`,
  checks: (c) => [
    c.table.uniqueCombination(['order_date', 'product_id']),
    c.order_date.notNull(),
    c.product_id.notNull(),
    c.product_id.references(productCatalog, 'product_id'),
    c.units.range({ min: 1 }),
    c.orders.range({ min: 1 }),
    c.returned_units.range({ min: 0 }),
    c.return_rate.range({ min: 0, max: 1 }),
    c.net_revenue.range({ min: 0 }),
    c.category_rank.range({ min: 1 }),
    c.table.rowCount({ min: 1 }),
  ],
});
