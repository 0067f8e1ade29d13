import { productCatalog } from '@retail-mesh/domain-product';
import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { orderDomain } from './domain.js';
import { linesPricedOffTheShelf, linesWithoutAnOrder } from './reconciliation.js';
import { orderLines, orders, returns } from './sources.js';

/** One row per order line, with its product's category and the units returned. */
export const orderItems = defineDataProduct({
  domain: orderDomain,
  name: 'order_items',
  version: '1.0.1',
  description:
    'Every line of every order (cancelled orders included: join order_transactions for the status), with the product category, line amount and units returned.',
  tier: 'gold',
  refresh: 'hourly',
  access: 'public',
  consumers: ['product', 'marketing', 'store', 'order.order_returns', 'order.order_product_daily_sales'],
  sla: { freshness: '2h', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    order_id: z.string().describe('Order the line belongs to').meta({ key: true }),
    line_number: z.int().describe('Position of the line in its order, from 1').meta({ key: true }),
    product_id: z.string().describe('Catalog identifier of the product sold'),
    category: z.string().describe('Merchandise category of the product, from product_catalog'),
    quantity: z.int().describe('Units sold'),
    unit_price: z.number().meta({ type: 'decimal' }).describe('Price of one unit before discount'),
    discount_amount: z.number().meta({ type: 'decimal' }).describe('Discount on the whole line, 0 when none'),
    line_amount: z
      .number()
      .meta({ type: 'decimal' })
      .describe('quantity x unit_price - discount_amount: what the line was charged'),
    returned_quantity: z.int().describe('Units of the line returned so far, 0 when none'),
    order_date: z.iso.date().describe('UTC date the order was placed'),
  }),
  partitionBy: { column: 'order_date', granularity: 'day' },
  clusterBy: ['product_id'],
  inputs: { orders, lines: orderLines, returns, catalog: productCatalog },
  // A line without its order header is not an order item yet. The catalog is joined LEFT so a
  // product missing from it fails the references check instead of silently dropping the line.
  transform: ({ orders, lines, returns, catalog }) => sql`
    WITH line_returns AS (
      SELECT order_id, line_number, SUM(returned_quantity) AS returned_quantity
      FROM ${returns}
      GROUP BY order_id, line_number
    )
    SELECT l.order_id, l.line_number, l.product_id, c.category, l.quantity, l.unit_price, l.discount_amount,
           l.quantity * l.unit_price - l.discount_amount AS line_amount,
           COALESCE(r.returned_quantity, 0) AS returned_quantity,
           ${sql.toDate(sql`o.ordered_at`)} AS order_date
    FROM ${lines} AS l
    JOIN ${orders} AS o ON o.order_id = l.order_id
    LEFT JOIN ${catalog} AS c ON c.product_id = l.product_id
    LEFT JOIN line_returns AS r ON r.order_id = l.order_id AND r.line_number = l.line_number`,
  checks: (c) => [
    c.table.uniqueCombination(['order_id', 'line_number']),
    c.order_id.notNull(),
    c.line_number.notNull(),
    c.line_number.range({ min: 1 }),
    c.product_id.notNull(),
    c.product_id.references(productCatalog, 'product_id'),
    c.category.notNull(),
    c.quantity.range({ min: 1 }),
    c.unit_price.range({ min: 0 }),
    c.discount_amount.range({ min: 0 }),
    c.line_amount.range({ min: 0 }),
    c.returned_quantity.range({ min: 0 }),
    c.table.expect('returned_at_most_the_quantity', sql`returned_quantity <= quantity`),
    c.order_date.notNull(),
    c.table.rowCount({ min: 1 }),
    // A line without its order header is left out above; counted here, not silently dropped.
    // Each line gives at most one item: fewer items than lines means some were left out.
    c.table
      .assert('order_lines_without_an_order', (self) =>
        linesWithoutAnOrder(
          orders,
          sql`(SELECT COUNT(*) FROM ${orderLines} AS n) <> (SELECT COUNT(*) FROM ${self} AS i)`,
        ),
      )
      .warn(),
    // Lines priced in other units than the catalog (cents: 1299 for 12.99) pass every range
    // check above and would publish a hundredfold revenue as healthy.
    c.table
      .assert('unit_price_far_from_the_shelf_price', (self) => linesPricedOffTheShelf(self, productCatalog))
      .warn(),
  ],
});
