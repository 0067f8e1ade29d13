import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { orderDomain } from './domain.js';
import { orderTransactions } from './order-transactions.js';
import { CHANNELS } from './sources.js';

/** What each customer has bought: order counts, spend, refunds and the channel they use most. */
export const orderCustomerSummary = defineDataProduct({
  domain: orderDomain,
  name: 'order_customer_summary',
  version: '1.0.0',
  description:
    'Per customer who ever ordered: orders and cancellations, first and last order, units, spend, refunds, average order value and favourite channel.',
  tier: 'silver',
  refresh: 'daily',
  // Spend per identifiable customer is commercially sensitive: only the teams that need it.
  access: 'restricted',
  consumers: ['marketing', 'customer'],
  // average_order_value is NULL for the few customers whose every order was cancelled.
  sla: { freshness: '1d', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    customer_id: z.string().describe('Customer').meta({ key: true }),
    orders: z.int().describe('Orders placed and not cancelled'),
    cancelled_orders: z.int().describe('Orders cancelled'),
    first_order_at: z.date().describe('When the first order, cancelled or not, was placed (UTC)'),
    last_order_at: z.date().describe('When the latest order, cancelled or not, was placed (UTC)'),
    items: z.int().describe('Units in the orders not cancelled'),
    net_spend: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Sum of net_amount over the orders not cancelled'),
    returned_amount: z.number().meta({ type: 'decimal' }).describe('Refunds received'),
    average_order_value: z
      .number()
      .meta({ type: 'decimal' })
      .nullable()
      .describe('net_spend / orders, rounded to the cent; NULL when every order was cancelled'),
    favorite_channel: z
      .enum(CHANNELS)
      .describe('Channel of most orders (cancelled included); on a tie, the one used most recently'),
  }),
  clusterBy: ['customer_id'],
  inputs: { transactions: orderTransactions },
  transform: ({ transactions }) => sql`
    WITH channels AS (
      SELECT customer_id, channel,
             ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY COUNT(*) DESC, MAX(ordered_at) DESC, channel NULLS LAST) AS preference
      FROM ${transactions}
      GROUP BY customer_id, channel
    ),
    totals AS (
      SELECT customer_id,
             SUM(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END) AS orders,
             SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_orders,
             MIN(ordered_at) AS first_order_at,
             MAX(ordered_at) AS last_order_at,
             SUM(CASE WHEN status <> 'cancelled' THEN item_count ELSE 0 END) AS items,
             SUM(CASE WHEN status <> 'cancelled' THEN net_amount ELSE 0 END) AS net_spend,
             SUM(returned_amount) AS returned_amount
      FROM ${transactions}
      GROUP BY customer_id
    )
    SELECT t.customer_id, t.orders, t.cancelled_orders, t.first_order_at, t.last_order_at, t.items,
           t.net_spend, t.returned_amount,
           ROUND(${sql.cast(sql.safeDivide(sql`t.net_spend`, sql`t.orders`), 'decimal')}, 2) AS average_order_value,
           c.channel AS favorite_channel
    FROM totals AS t
    JOIN channels AS c ON c.customer_id = t.customer_id AND c.preference = 1`,
  checks: (c) => [
    c.customer_id.unique(),
    c.customer_id.notNull(),
    c.favorite_channel.notNull(),
    c.favorite_channel.acceptedValues(),
    c.orders.range({ min: 0 }),
    c.cancelled_orders.range({ min: 0 }),
    c.table.expect('ordered_at_least_once', sql`orders + cancelled_orders >= 1`),
    c.net_spend.range({ min: 0 }),
    c.returned_amount.range({ min: 0 }),
    c.table.rowCount({ min: 1 }),
  ],
});
