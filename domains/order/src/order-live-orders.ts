import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { orderDomain } from './domain.js';
import { CHANNELS, orders } from './sources.js';

/**
 * Orders placed so far per day and channel, from the order headers as the OMS drops them: rebuilt
 * as each export lands, before the lines, shipments and returns that `order_daily_sales` waits
 * for. Incremental by day: an export rebuilds the days of the orders it holds.
 */
export const orderLiveOrders = defineDataProduct({
  domain: orderDomain,
  name: 'order_live_orders',
  version: '1.0.1',
  description:
    "Orders placed so far per order day (UTC) and channel: placed, completed and cancelled orders, customers, stores and the latest order, from the OMS exports as they land; today's rows are today's orders so far.",
  tier: 'silver',
  refresh: 'real-time',
  access: 'public',
  consumers: ['order', 'store', 'marketing'],
  sla: { freshness: '1h', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    order_date: z.iso.date().describe('UTC date the orders were placed').meta({ key: true }),
    channel: z.enum(CHANNELS).describe('Where the orders were placed').meta({ key: true }),
    orders: z.int().describe('Orders placed so far that day, cancelled ones included'),
    completed_orders: z.int().describe('Orders whose latest status is completed'),
    cancelled_orders: z.int().describe('Orders whose latest status is cancelled'),
    cancellation_rate: z.number().describe('cancelled_orders / orders, three decimals'),
    customers: z.int().describe('Distinct customers who placed those orders'),
    stores_ordering: z.int().describe('Distinct stores where they were placed; 0 for online and mobile'),
    first_order_at: z.date().describe('When the first order of the day was placed (UTC)'),
    last_order_at: z.date().describe('When the latest order so far was placed (UTC): how current the row is'),
  }),
  partitionBy: { column: 'order_date', granularity: 'day' },
  // A day's rows depend on the orders placed that day only: a status update rebuilds its order's day.
  materialization: 'incremental',
  incremental: { orders: 'ordered_at' },
  clusterBy: ['channel'],
  inputs: { orders },
  transform: ({ orders }) => sql`
    SELECT ${sql.toDate(sql`ordered_at`)} AS order_date, channel,
           COUNT(*) AS orders,
           SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed_orders,
           SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_orders,
           ROUND(${sql.cast(sql.safeDivide(sql`SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END)`, sql`COUNT(*)`), 'decimal')}, 3) AS cancellation_rate,
           COUNT(DISTINCT customer_id) AS customers,
           COUNT(DISTINCT store_id) AS stores_ordering,
           MIN(ordered_at) AS first_order_at,
           MAX(ordered_at) AS last_order_at
    FROM ${orders}
    GROUP BY ${sql.toDate(sql`ordered_at`)}, channel`,
  checks: (c) => [
    c.table.uniqueCombination(['order_date', 'channel']),
    c.order_date.notNull(),
    c.channel.notNull(),
    c.channel.acceptedValues(),
    c.orders.range({ min: 1 }),
    c.cancellation_rate.range({ min: 0, max: 1 }),
    c.customers.range({ min: 1 }),
    c.table.expect('statuses_add_up', sql`completed_orders + cancelled_orders = orders`),
    // An OMS export with store orders lacking their store (or web orders with one) is worth a look,
    // not worth holding back the live figures.
    c.table.expect('store_orders_have_stores', sql`(channel = 'store') = (stores_ordering > 0)`).warn(),
    c.table.expect('orders_within_the_day', sql`first_order_at <= last_order_at`),
    c.table.rowCount({ min: 1 }),
  ],
});
