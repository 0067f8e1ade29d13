import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { orderDomain } from './domain.js';
import { orderItems } from './order-items.js';
import { orderTransactions } from './order-transactions.js';
import { CHANNELS, RETURN_REASONS, returns } from './sources.js';

/** One row per returned order line: what came back, why, when, and the refund. */
export const orderReturns = defineDataProduct({
  domain: orderDomain,
  name: 'order_returns',
  version: '1.0.1',
  description:
    'Every returned order line: product and category, units returned, refund, the reason and how many days after the order it came back.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['product', 'marketing', 'customer'],
  sla: { freshness: '1d', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    order_id: z.string().describe('Order of the returned line').meta({ key: true }),
    line_number: z.int().describe('Returned line of the order').meta({ key: true }),
    customer_id: z.string().describe('Customer who returned it'),
    channel: z.enum(CHANNELS).describe('Where the order was placed'),
    product_id: z.string().describe('Catalog identifier of the returned product'),
    category: z.string().describe('Merchandise category of the returned product'),
    reason: z
      .enum(RETURN_REASONS)
      .describe('Reason given with the first return of the line (alphabetically first on a tie)'),
    quantity: z.int().describe('Units ordered on the line'),
    returned_quantity: z.int().describe('Units returned, over all returns of the line'),
    full_return: z.boolean().describe('Every unit of the line came back'),
    refund_amount: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Money refunded, over all returns of the line'),
    return_count: z.int().describe('Returns the units came back in (1 unless returned in several goes)'),
    order_date: z.iso.date().describe('UTC date the order was placed'),
    returned_at: z.date().describe('When the first return of the line was received (UTC)'),
    days_to_return: z.int().describe('Days from the order day to the day of the first return'),
  }),
  partitionBy: { column: 'returned_at', granularity: 'day' },
  clusterBy: ['reason', 'category'],
  inputs: { returns, items: orderItems, transactions: orderTransactions },
  // Returns of lines that are not order items (unknown order or line) are left out.
  transform: ({ returns, items, transactions }) => sql`
    WITH ranked AS (
      SELECT order_id, line_number, reason, returned_at, returned_quantity, refund_amount,
             ROW_NUMBER() OVER (PARTITION BY order_id, line_number ORDER BY returned_at NULLS LAST, reason NULLS LAST) AS position
      FROM ${returns}
    ),
    per_line AS (
      SELECT order_id, line_number,
             SUM(returned_quantity) AS returned_quantity,
             SUM(refund_amount) AS refund_amount,
             COUNT(*) AS return_count,
             MIN(returned_at) AS returned_at,
             MIN(CASE WHEN position = 1 THEN reason END) AS reason
      FROM ranked
      GROUP BY order_id, line_number
    )
    SELECT r.order_id, r.line_number, t.customer_id, t.channel, i.product_id, i.category, r.reason,
           i.quantity, r.returned_quantity, r.returned_quantity >= i.quantity AS full_return,
           r.refund_amount, r.return_count, i.order_date, r.returned_at,
           ${sql.dateDiff('day', sql`r.returned_at`, sql`t.ordered_at`)} AS days_to_return
    FROM per_line AS r
    JOIN ${items} AS i ON i.order_id = r.order_id AND i.line_number = r.line_number
    JOIN ${transactions} AS t ON t.order_id = r.order_id`,
  checks: (c) => [
    c.table.uniqueCombination(['order_id', 'line_number']),
    c.order_id.notNull(),
    c.line_number.notNull(),
    c.reason.notNull(),
    c.reason.acceptedValues(),
    c.channel.acceptedValues(),
    c.returned_quantity.range({ min: 1 }),
    c.table.expect('returned_at_most_the_quantity', sql`returned_quantity <= quantity`),
    c.refund_amount.range({ min: 0 }),
    // A return dated before its order is a till clock problem: reported, not blocking.
    c.days_to_return.range({ min: 0 }).warn(),
    // Its source is optional: until a team exports it, the product is empty, and says so.
    c.table.rowCount({ min: 1 }).warn(),
    // Returns of lines that are no order item (an order id written otherwise, a line the OMS
    // export lacks) are left out of every figure: counted here, where the returns published
    // fall short of the returns delivered.
    c.table
      .assert('returns_of_lines_the_orders_lack', (self) => {
        const unbalanced = sql`(SELECT COUNT(*) FROM ${returns} AS n) <> (SELECT COALESCE(SUM(c.return_count), 0) FROM ${self} AS c)`;
        return sql`SELECT r.order_id FROM ${returns} AS r WHERE ${unbalanced} AND NOT EXISTS (SELECT 1 FROM ${self} AS f WHERE ${unbalanced} AND f.order_id = r.order_id AND f.line_number = r.line_number) GROUP BY r.order_id`;
      })
      .warn(),
  ],
});
