import { buildMesh, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, orderTransactions } from './index.js';
import {
  at,
  FIXTURE_WARNINGS,
  failedChecks,
  fixtureOrders,
  fixtureWarehouse,
  readAll,
} from './order-fixtures.js';

const row = (
  order_id: string,
  customer_id: string,
  store_id: string | null,
  channel: string,
  status: string,
  ordered_at: string,
  item_count: number,
  gross_amount: number,
  discount_amount: number,
  net_amount: number,
  returned_amount: number,
) => ({
  order_id,
  customer_id,
  store_id,
  channel,
  status,
  ordered_at: at(ordered_at),
  order_date: ordered_at.slice(0, 10),
  item_count,
  gross_amount,
  discount_amount,
  net_amount,
  returned_amount,
});

// By hand, from order-fixtures.ts (gross = sum of quantity x unit_price, net = gross - discount):
const expected = [
  // 2 x 10 + 1 x 25.50 = 45.50; 5.10 off; the return of line 9 matches no line and is ignored.
  row('O1', 'C1', 'S1', 'store', 'completed', '2026-03-10T10:00:00Z', 3, 45.5, 5.1, 40.4, 0),
  // Cancelled orders keep their amounts; cancelled wins over any other status.
  row('O10', 'C1', 'S3', 'store', 'cancelled', '2026-03-11T11:00:00Z', 1, 25.5, 0, 25.5, 0),
  row('O11', 'C6', null, 'mobile', 'cancelled', '2026-03-11T09:00:00Z', 0, 0, 0, 0, 0),
  // 3 x 10 + 8 = 38; two of the three units of line 1 came back (10 + 10): partially returned.
  row('O2', 'C2', null, 'online', 'partially_returned', '2026-03-10T23:59:59Z', 4, 38, 0, 38, 20),
  // 2 x 25.50 = 51 - 10.20 = 40.80; both units back in two returns (20.40 + 20.40): returned.
  // Ordered at midnight sharp: the order day is the 11th.
  row('O3', 'C1', null, 'mobile', 'returned', '2026-03-11T00:00:00Z', 2, 51, 10.2, 40.8, 40.8),
  row('O4', 'C3', 'S2', 'store', 'cancelled', '2026-03-10T12:00:00Z', 1, 10, 0, 10, 0),
  // Every line fully returned: 8 + (10 - 1) refunded 8 + 9.
  row('O5', 'C2', null, 'online', 'returned', '2026-03-12T08:00:00Z', 2, 18, 1, 17, 17),
  // No lines yet: a completed order worth nothing so far.
  row('O6', 'C3', 'S1', 'store', 'completed', '2026-03-12T09:00:00Z', 0, 0, 0, 0, 0),
  // One line of two fully returned: 25.50 + 2 x 8 = 41.50 - 1.60 = 39.90; 25.50 refunded.
  row('O7', 'C4', null, 'online', 'partially_returned', '2026-03-12T10:00:00Z', 3, 41.5, 1.6, 39.9, 25.5),
  row('O8', 'C5', null, 'online', 'completed', '2026-03-12T20:00:00Z', 1, 10.01, 0, 10.01, 0),
  // 8 + 2 x 8 + 5 = 29.
  row('O9', 'C5', 'S2', 'store', 'completed', '2026-03-10T15:00:00Z', 4, 29, 0, 29, 0),
];

describe('order_transactions on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await fixtureWarehouse();
  });
  afterAll(() => warehouse.close());

  it("publishes with every check green but the fixture's reconciliation warnings", async () => {
    const outcomes = await buildMesh(warehouse, [orderTransactions]);
    // The profile its customers are checked against is built first.
    expect(outcomes.map((o) => [o.product.id, o.status])).toEqual([
      ['customer.customer_profile', 'published'],
      ['order.order_transactions', 'published'],
    ]);
    for (const o of outcomes) expect(failedChecks(o)).toEqual(FIXTURE_WARNINGS[o.product.id] ?? []);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = await readAll(orderTransactions.read(warehouse), 'order_id');
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      expect(r).toEqual(expected[i]);
    });
  });

  it('publishes the contract columns with their types', async () => {
    const columns = await warehouse.query(
      "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'order' AND table_name = 'order_transactions' ORDER BY column_index",
    );
    expect(Object.fromEntries(columns.map((c) => [c.column_name, c.data_type]))).toEqual({
      order_id: 'VARCHAR',
      customer_id: 'VARCHAR',
      store_id: 'VARCHAR',
      channel: 'VARCHAR',
      status: 'VARCHAR',
      ordered_at: 'TIMESTAMP',
      order_date: 'DATE',
      item_count: 'BIGINT',
      gross_amount: 'DECIMAL(38,9)',
      discount_amount: 'DECIMAL(38,9)',
      net_amount: 'DECIMAL(38,9)',
      returned_amount: 'DECIMAL(38,9)',
      _domain: 'VARCHAR',
      _product: 'VARCHAR',
      _version: 'VARCHAR',
      _processed_at: 'TIMESTAMP',
    });
  });

  it('keeps the published orders when a store order arrives without its store', async () => {
    const broken = [...fixtureOrders, { ...fixtureOrders[0]!, order_id: 'O12', store_id: null }];
    await loadRows(warehouse, orders, broken);
    const outcome = (await buildMesh(warehouse, [orderTransactions])).find(
      (o) => o.product === orderTransactions,
    );
    expect([outcome?.status, outcome?.error?.code]).toEqual(['failed', 'checks-failed']);
    expect(outcome?.error?.subject).toMatchObject({ check: 'store_orders_have_a_store' });
    const rows = await readAll(orderTransactions.read(warehouse, { columns: ['order_id'] }), 'order_id');
    expect(rows.map((r) => r.order_id)).toEqual(expected.map((r) => r.order_id));
    await loadRows(warehouse, orders, fixtureOrders);
  });

  it('publishes an order of a customer the CRM has not delivered, with a warning', async () => {
    await loadRows(warehouse, orders, [
      ...fixtureOrders,
      { ...fixtureOrders[1]!, order_id: 'O12', customer_id: 'C7' },
    ]);
    const outcome = (await buildMesh(warehouse, [orderTransactions])).find(
      (o) => o.product === orderTransactions,
    );
    expect(outcome?.status).toBe('published');
    expect(
      outcome?.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([
      ['customer_id_references_customer_profile', 'warn', 1],
      ['order_lines_without_an_order', 'warn', 1],
      ['returns_of_lines_the_orders_lack', 'warn', 1],
      // O12's lines never came: besides the fixture's O6.
      ['orders_have_lines', 'warn', 2],
    ]);
    const rows = await readAll(
      orderTransactions.read(warehouse, { columns: ['order_id', 'customer_id'] }),
      'order_id',
    );
    expect(rows.find((r) => r.order_id === 'O12')).toEqual({ order_id: 'O12', customer_id: 'C7' });
    await loadRows(warehouse, orders, fixtureOrders);
  });
});
