import { rawCustomers } from '@retail-mesh/domain-customer';
import { rawProducts } from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { ingestRows, loadRows, type Source, type Warehouse } from '@retail-mesh/sdk';
import { orderLines, orders, returns, shipments } from './sources.js';

/**
 * One small, hand-checkable order book shared by the product tests: every status (cancelled,
 * returned in one go or in two, partially returned by units or by lines), online orders
 * without a store, discounts, an order with no lines yet, a day whose only order in a store
 * was cancelled, orphan lines, returns and shipments that match nothing, a return exported
 * twice, a re-sent parcel, a parcel in transit and ties (equal revenue, returns of two lines at
 * the same moment, equal channel counts).
 */
export const at = (iso: string) => new Date(iso);

export const fixtureProducts = [
  ['P1', 'Apparel'],
  ['P2', 'Footwear'],
  ['P3', 'Apparel'],
  ['P4', 'Apparel'],
  ['P5', 'Apparel'],
  ['P6', 'Toys'], // never sold
].map(([product_id, category]) => ({
  product_id,
  sku: `SKU-${product_id}`,
  name: `Product ${product_id}`,
  category,
  brand: 'Alpha',
  unit_cost: 1,
  retail_price: 10,
  active: true,
  launched_on: '2024-01-01',
  updated_at: at('2026-01-01T00:00:00Z'),
}));

/**
 * The customer domain's CRM export: every customer of the fixture orders. order_transactions
 * checks its customers against customer_profile, so a plan that builds it builds the profile too.
 */
export const fixtureCustomers = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'].map((customer_id) => ({
  customer_id,
  first_name: 'Customer',
  last_name: customer_id,
  email: `${customer_id.toLowerCase()}@mail.example`,
  phone: null,
  segment: 'consumer',
  loyalty_tier: 'bronze',
  signup_date: '2024-01-01',
  country: 'United Kingdom',
  city: 'Leeds',
  marketing_opt_in: true,
  updated_at: at('2026-01-01T00:00:00Z'),
}));

const order = (
  order_id: string,
  customer_id: string,
  channel: 'store' | 'online' | 'mobile',
  store_id: string | null,
  status: 'completed' | 'cancelled',
  ordered_at: string,
) => ({ order_id, customer_id, store_id, channel, status, ordered_at: at(ordered_at) });

export const fixtureOrders = [
  order('O1', 'C1', 'store', 'S1', 'completed', '2026-03-10T10:00:00Z'),
  order('O2', 'C2', 'online', null, 'completed', '2026-03-10T23:59:59Z'), // last second of the day
  order('O3', 'C1', 'mobile', null, 'completed', '2026-03-11T00:00:00Z'), // first second of the next
  order('O4', 'C3', 'store', 'S2', 'cancelled', '2026-03-10T12:00:00Z'),
  order('O5', 'C2', 'online', null, 'completed', '2026-03-12T08:00:00Z'),
  order('O6', 'C3', 'store', 'S1', 'completed', '2026-03-12T09:00:00Z'), // lines not arrived yet
  order('O7', 'C4', 'online', null, 'completed', '2026-03-12T10:00:00Z'),
  order('O8', 'C5', 'online', null, 'completed', '2026-03-12T20:00:00Z'),
  order('O9', 'C5', 'store', 'S2', 'completed', '2026-03-10T15:00:00Z'),
  order('O10', 'C1', 'store', 'S3', 'cancelled', '2026-03-11T11:00:00Z'), // S3's only order that day
  order('O11', 'C6', 'mobile', null, 'cancelled', '2026-03-11T09:00:00Z'), // C6 never completed one
];

const line = (
  order_id: string,
  line_number: number,
  product_id: string,
  quantity: number,
  unit_price: number,
  discount_amount = 0,
) => ({ order_id, line_number, product_id, quantity, unit_price, discount_amount });

export const fixtureLines = [
  line('O1', 1, 'P1', 2, 10),
  line('O1', 2, 'P2', 1, 25.5, 5.1), // 20% off
  line('O2', 1, 'P1', 3, 10),
  line('O2', 2, 'P3', 1, 8),
  line('O3', 1, 'P2', 2, 25.5, 10.2),
  line('O4', 1, 'P1', 1, 10),
  line('O5', 1, 'P3', 1, 8),
  line('O5', 2, 'P1', 1, 10, 1),
  line('O7', 1, 'P2', 1, 25.5),
  line('O7', 2, 'P3', 2, 8, 1.6),
  line('O8', 1, 'P1', 1, 10.01),
  line('O9', 1, 'P3', 1, 8),
  line('O9', 2, 'P4', 2, 8), // same revenue as P3 that day: a tie
  line('O9', 3, 'P5', 1, 5),
  line('O10', 1, 'P2', 1, 25.5),
  line('O99', 1, 'P1', 1, 10), // no such order
];

/**
 * The warnings the fixture's order book raises by design, per product: the line of order O99,
 * which the orders do not hold, order O6, whose lines have not arrived, the return of O1's line
 * 9, which O1 does not have, and the parcel of order O98, which the orders do not hold.
 * Reconciliation checks count them rather than let their figures vanish from healthy products.
 */
export const FIXTURE_WARNINGS: Readonly<Record<string, ReadonlyArray<[string, 'warn', number]>>> = {
  'order.order_transactions': [
    ['order_lines_without_an_order', 'warn', 1],
    ['returns_of_lines_the_orders_lack', 'warn', 1],
    ['orders_have_lines', 'warn', 1],
  ],
  'order.order_items': [['order_lines_without_an_order', 'warn', 1]],
  'order.order_returns': [['returns_of_lines_the_orders_lack', 'warn', 1]],
  'order.order_fulfillment': [['shipments_of_orders_the_orders_lack', 'warn', 1]],
};

/** A build outcome's failed checks as `[name, severity, failing rows]`. */
export const failedChecks = (outcome: {
  checks?: {
    outcomes: ReadonlyArray<{ name: string; passed: boolean; severity: string; failingRows: number }>;
  };
}) =>
  (outcome.checks?.outcomes ?? []).filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]);

const ret = (
  order_id: string,
  line_number: number,
  returned_quantity: number,
  reason: 'damaged' | 'wrong_size' | 'not_as_described' | 'changed_mind' | 'late_delivery',
  returned_at: string,
  refund_amount: number,
) => ({ order_id, line_number, returned_quantity, reason, returned_at: at(returned_at), refund_amount });

export const fixtureReturns = [
  ret('O1', 9, 1, 'damaged', '2026-03-12T10:00:00Z', 5), // no such line
  // Two of three units, in two returns half an hour apart. Returns are an append source keyed
  // on (order_id, line_number, returned_at): two returns of one line at the same moment would be
  // one return, so the first one, exported twice, reaches the products once.
  ret('O2', 1, 1, 'wrong_size', '2026-03-20T12:00:00Z', 10),
  ret('O2', 1, 1, 'wrong_size', '2026-03-20T12:00:00Z', 10),
  ret('O2', 1, 1, 'changed_mind', '2026-03-20T12:30:00Z', 10),
  // Both units, one at a time.
  ret('O3', 1, 1, 'damaged', '2026-03-15T10:00:00Z', 20.4),
  ret('O3', 1, 1, 'changed_mind', '2026-03-20T10:00:00Z', 20.4),
  ret('O5', 1, 1, 'late_delivery', '2026-03-14T09:00:00Z', 8),
  ret('O5', 2, 1, 'not_as_described', '2026-03-14T09:00:00Z', 9),
  ret('O7', 1, 1, 'damaged', '2026-03-13T10:00:00Z', 25.5),
];

const ship = (
  order_id: string,
  carrier: 'dhl' | 'ups' | 'postnl' | 'dpd',
  shipped_at: string,
  delivered_at: string | null,
  promised_days: number,
) => ({
  order_id,
  carrier,
  shipped_at: at(shipped_at),
  delivered_at: delivered_at && at(delivered_at),
  promised_days,
});

/**
 * Two exports of the TMS. Shipments are an upsert on order_id: O7's parcel was lost, and the
 * parcel re-sent for it arrives in the later export, which makes it the current row of O7.
 */
export const fixtureShipments = [
  ship('O2', 'dhl', '2026-03-11T10:00:00Z', '2026-03-12T09:30:00Z', 2),
  ship('O3', 'ups', '2026-03-11T06:00:00Z', '2026-03-13T18:12:00Z', 1),
  ship('O5', 'postnl', '2026-03-12T17:45:30Z', null, 3),
  ship('O7', 'dpd', '2026-03-12T12:00:00Z', null, 2), // lost
  ship('O8', 'dhl', '2026-03-12T22:00:00Z', '2026-03-13T07:06:36Z', 1),
  ship('O98', 'ups', '2026-03-12T22:00:00Z', '2026-03-13T07:00:00Z', 1), // no such order
];
export const fixtureResentShipments = [ship('O7', 'dpd', '2026-03-14T09:00:00Z', '2026-03-15T08:30:00Z', 2)];

/**
 * Delivers rows as an operational system does: one CSV export, ingested as one batch whose
 * lines keep the given order, so the source's sync mode decides which copy of a key counts.
 * Returns the batch.
 */
export async function deliver(
  warehouse: Warehouse,
  source: Source,
  rows: readonly Record<string, unknown>[],
): Promise<number> {
  const result = await ingestRows(warehouse, source, rows);
  if (result.loaded !== rows.length)
    throw new Error(`${source.id}: ${result.rejected} fixture rows rejected`);
  return result.batchId;
}

/** A fresh in-memory warehouse holding the fixture's sources and the product and customer domains' raw rows. */
export async function fixtureWarehouse(): Promise<Warehouse> {
  const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  await loadRows(warehouse, rawProducts, fixtureProducts);
  await loadRows(warehouse, rawCustomers, fixtureCustomers);
  await loadRows(warehouse, orders, fixtureOrders);
  await loadRows(warehouse, orderLines, fixtureLines);
  await loadRows(warehouse, returns, fixtureReturns);
  await deliver(warehouse, shipments, fixtureShipments);
  await deliver(warehouse, shipments, fixtureResentShipments);
  return warehouse;
}

/** Every row of a product, sorted by the given columns. */
export async function readAll<T extends Record<string, unknown>>(
  rows: AsyncIterable<T>,
  ...sortBy: (keyof T & string)[]
): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  const key = (row: T) => sortBy.map((c) => String(row[c] ?? '')).join('\u0000');
  return all.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
