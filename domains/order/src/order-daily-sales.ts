import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { orderDomain } from './domain.js';
import { orderTransactions } from './order-transactions.js';
import { CHANNELS } from './sources.js';

/** Sales per day, channel and store; cancelled orders do not count. */
export const orderDailySales = defineDataProduct({
  domain: orderDomain,
  name: 'order_daily_sales',
  version: '1.0.0',
  description:
    'Orders, items, revenue and refunds per order day, channel and store (NULL store for online and mobile); cancelled orders excluded.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['store', 'marketing'],
  // store_id is NULL on the online and mobile rows of every day: 2 of (stores + 2) rows, one column in nine.
  sla: { freshness: '1d', completeness: 0.95, validity: 0.99 },
  schema: z.object({
    order_date: z.iso.date().describe('UTC date the orders were placed').meta({ key: true }),
    channel: z.enum(CHANNELS).describe('Where the orders were placed').meta({ key: true }),
    store_id: z
      .string()
      .nullable()
      .describe('Store of the orders; NULL for online and mobile orders')
      .meta({ key: true }),
    orders: z.int().describe('Orders placed, completed or (partially) returned; cancelled orders excluded'),
    items: z.int().describe('Units ordered in those orders'),
    gross_revenue: z.number().meta({ type: 'decimal' }).describe('Sum of gross_amount: before discounts'),
    net_revenue: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Sum of net_amount: after discounts, before refunds'),
    returned_amount: z.number().meta({ type: 'decimal' }).describe('Refunds on those orders so far'),
    average_order_value: z
      .number()
      .meta({ type: 'decimal' })
      .describe('net_revenue / orders, rounded to the cent'),
  }),
  partitionBy: { column: 'order_date', granularity: 'day' },
  // A day's sales depend only on that day's transactions: when orders arrive or are
  // returned, only the days whose transactions changed are rebuilt.
  materialization: 'incremental',
  incremental: { transactions: 'order_date' },
  clusterBy: ['channel', 'store_id'],
  inputs: { transactions: orderTransactions },
  // DuckDB divides a decimal by a count in floating point: back to decimal before rounding, so a
  // half cent rounds away from zero on both warehouses, as BigQuery's NUMERIC does.
  transform: ({ transactions }) => sql`
    SELECT order_date, channel, store_id,
           COUNT(*) AS orders,
           SUM(item_count) AS items,
           SUM(gross_amount) AS gross_revenue,
           SUM(net_amount) AS net_revenue,
           SUM(returned_amount) AS returned_amount,
           ROUND(${sql.cast(sql.safeDivide(sql`SUM(net_amount)`, sql`COUNT(*)`), 'decimal')}, 2) AS average_order_value
    FROM ${transactions}
    WHERE status <> 'cancelled'
    GROUP BY order_date, channel, store_id`,
  checks: (c) => [
    c.table.uniqueCombination(['order_date', 'channel', 'store_id']),
    c.order_date.notNull(),
    c.channel.notNull(),
    c.channel.acceptedValues(),
    c.orders.range({ min: 1 }),
    c.items.range({ min: 0 }),
    c.gross_revenue.range({ min: 0 }),
    c.net_revenue.range({ min: 0 }),
    c.returned_amount.range({ min: 0 }),
    c.average_order_value.range({ min: 0 }),
    c.table.expect('store_rows_have_a_store', sql`channel <> 'store' OR store_id IS NOT NULL`),
    c.table.rowCount({ min: 1 }),
  ],
});
