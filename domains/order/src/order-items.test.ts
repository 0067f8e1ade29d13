import { buildMesh, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderItems, orderLines } from './index.js';
import { FIXTURE_WARNINGS, failedChecks, fixtureLines, fixtureWarehouse, readAll } from './order-fixtures.js';

const row = (
  order_id: string,
  line_number: number,
  product_id: string,
  category: string,
  quantity: number,
  unit_price: number,
  discount_amount: number,
  line_amount: number,
  returned_quantity: number,
  order_date: string,
) => ({
  order_id,
  line_number,
  product_id,
  category,
  quantity,
  unit_price,
  discount_amount,
  line_amount,
  returned_quantity,
  order_date,
});

// By hand, from order-fixtures.ts: line_amount = quantity x unit_price - discount.
const expected = [
  row('O1', 1, 'P1', 'Apparel', 2, 10, 0, 20, 0, '2026-03-10'),
  row('O1', 2, 'P2', 'Footwear', 1, 25.5, 5.1, 20.4, 0, '2026-03-10'),
  row('O10', 1, 'P2', 'Footwear', 1, 25.5, 0, 25.5, 0, '2026-03-11'), // cancelled orders keep their lines
  row('O2', 1, 'P1', 'Apparel', 3, 10, 0, 30, 2, '2026-03-10'), // two returns of one unit each
  row('O2', 2, 'P3', 'Apparel', 1, 8, 0, 8, 0, '2026-03-10'),
  row('O3', 1, 'P2', 'Footwear', 2, 25.5, 10.2, 40.8, 2, '2026-03-11'), // ordered at midnight
  row('O4', 1, 'P1', 'Apparel', 1, 10, 0, 10, 0, '2026-03-10'),
  row('O5', 1, 'P3', 'Apparel', 1, 8, 0, 8, 1, '2026-03-12'),
  row('O5', 2, 'P1', 'Apparel', 1, 10, 1, 9, 1, '2026-03-12'),
  row('O7', 1, 'P2', 'Footwear', 1, 25.5, 0, 25.5, 1, '2026-03-12'),
  row('O7', 2, 'P3', 'Apparel', 2, 8, 1.6, 14.4, 0, '2026-03-12'),
  row('O8', 1, 'P1', 'Apparel', 1, 10.01, 0, 10.01, 0, '2026-03-12'),
  row('O9', 1, 'P3', 'Apparel', 1, 8, 0, 8, 0, '2026-03-10'),
  row('O9', 2, 'P4', 'Apparel', 2, 8, 0, 16, 0, '2026-03-10'),
  row('O9', 3, 'P5', 'Apparel', 1, 5, 0, 5, 0, '2026-03-10'),
  // O99's line has no order: not an order item. O6 has no lines.
];

describe('order_items on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await fixtureWarehouse();
  });
  afterAll(() => warehouse.close());

  it("builds the product catalog, then the items, all checks green but the fixture's warnings", async () => {
    const outcomes = await buildMesh(warehouse, [orderItems]);
    expect(outcomes.map((o) => [o.product.id, o.status])).toEqual([
      ['product.product_catalog', 'published'],
      ['order.order_items', 'published'],
    ]);
    for (const o of outcomes) expect(failedChecks(o)).toEqual(FIXTURE_WARNINGS[o.product.id] ?? []);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = await readAll(orderItems.read(warehouse), 'order_id', 'line_number');
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      expect(r).toEqual(expected[i]);
    });
  });

  it('refuses to publish a line of a product the catalog does not know', async () => {
    await loadRows(warehouse, orderLines, [
      ...fixtureLines,
      { ...fixtureLines[0]!, line_number: 3, product_id: 'P404' },
    ]);
    const outcomes = await buildMesh(warehouse, [orderItems]);
    const items = outcomes.find((o) => o.product === orderItems);
    expect([items?.status, items?.error?.code]).toEqual(['failed', 'checks-failed']);
    expect(items?.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.failingRows])).toEqual([
      ['product_id_references_product_catalog', 1],
      ['category_not_null', 1],
      ['order_lines_without_an_order', 1],
    ]);
    const rows = await readAll(orderItems.read(warehouse, { columns: ['order_id'] }), 'order_id');
    expect(rows).toHaveLength(expected.length);
    await loadRows(warehouse, orderLines, fixtureLines);
  });

  it('warns of lines priced in cents against the catalog, publishing the rest of the day as written', async () => {
    // The OMS exports O7's lines in cents from one day on: 2550 for 25.50, 800 for 8.00.
    const cents = fixtureLines.map((l) =>
      l.order_id === 'O7'
        ? { ...l, unit_price: l.unit_price * 100, discount_amount: l.discount_amount * 100 }
        : l,
    );
    // A line at the shelf price's tenth and at ten times it is within bounds; a free line is not compared.
    const edges = [
      { order_id: 'O8', line_number: 2, product_id: 'P1', quantity: 1, unit_price: 1, discount_amount: 0 },
      { order_id: 'O8', line_number: 3, product_id: 'P1', quantity: 1, unit_price: 100, discount_amount: 0 },
      { order_id: 'O8', line_number: 4, product_id: 'P1', quantity: 1, unit_price: 0, discount_amount: 0 },
    ];
    await loadRows(warehouse, orderLines, [...cents, ...edges]);
    const outcomes = await buildMesh(warehouse, [orderItems]);
    const items = outcomes.find((o) => o.product === orderItems);
    expect(items?.status).toBe('published');
    expect(failedChecks(items!)).toEqual([
      ['order_lines_without_an_order', 'warn', 1],
      ['unit_price_far_from_the_shelf_price', 'warn', 2],
    ]);
    await loadRows(warehouse, orderLines, fixtureLines);
    const again = (await buildMesh(warehouse, [orderItems])).find((o) => o.product === orderItems);
    expect(failedChecks(again!)).toEqual(FIXTURE_WARNINGS['order.order_items']);
  });
});
