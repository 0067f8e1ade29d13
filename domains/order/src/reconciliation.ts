import { type SqlFragment, type SqlValue, sql } from '@retail-mesh/sdk';
import { orderLines } from './sources.js';

/**
 * The query of a reconciliation check: the order lines whose order `headers` (a relation with
 * one row per order, `order_id`) does not hold. Their revenue is in no figure built on the
 * join, so they are counted instead of silently dropped.
 *
 * `unbalanced` is a cheap test that some line may be missing (totals that differ); the anti-join
 * runs only then. Both sides are gated by it: at scale 30 (3M lines) the anti-join alone costs
 * about a second on two cores, gated about 10 ms when the totals agree.
 *
 * @example c.table.assert('order_lines_without_an_order', (self) => linesWithoutAnOrder(self, sql`...`))
 */
export function linesWithoutAnOrder(headers: SqlValue, unbalanced: SqlFragment): SqlFragment {
  return sql`SELECT l.order_id FROM ${orderLines} AS l
    WHERE ${unbalanced} AND l.order_id NOT IN (SELECT h.order_id FROM ${headers} AS h WHERE ${unbalanced})`;
}

/**
 * Whether the units of every order line differ from the units of a product's orders
 * (`item_count`): a line left out of the join makes them differ. Exact in integers; a line
 * left out could hide only behind another of negative units, which no order line carries.
 */
export function unitsDiffer(transactions: SqlValue): SqlFragment {
  return sql`(SELECT COALESCE(SUM(q.quantity), 0) FROM ${orderLines} AS q) <> (SELECT COALESCE(SUM(u.item_count), 0) FROM ${transactions} AS u)`;
}

/** How far a line's unit price may stray from its product's shelf price, either way. */
const SHELF_PRICE_FACTOR = 10;

/**
 * The query of a check of order lines (`lines`: `order_id`, `line_number`, `product_id`,
 * `unit_price`): those priced more than ten times their product's shelf price in `catalog`, or
 * below a tenth of it. An export that starts writing prices in cents (1299 for 12.99) passes
 * every range check and multiplies its days' revenue a hundredfold; a line's unit price is
 * before its discount, and shelf prices do not move tenfold. Free lines (0) are not compared.
 *
 * @example c.table.assert('unit_price_far_from_the_shelf_price', (self) => linesPricedOffTheShelf(self, catalog))
 */
export function linesPricedOffTheShelf(lines: SqlValue, catalog: SqlValue): SqlFragment {
  return sql`SELECT l.order_id, l.line_number FROM ${lines} AS l
    JOIN ${catalog} AS p ON p.product_id = l.product_id
    WHERE p.retail_price > 0 AND l.unit_price > 0
      AND (l.unit_price > ${SHELF_PRICE_FACTOR} * p.retail_price OR l.unit_price * ${SHELF_PRICE_FACTOR} < p.retail_price)`;
}
