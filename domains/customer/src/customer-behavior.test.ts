import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBehavior, customerProfile, customerSessions } from './index.js';

const at = (iso: string) => new Date(iso);

const profile = (id: string) => ({
  customer_id: id,
  full_name: 'Ann Lee',
  email: `${id.toLowerCase()}@mail.example`,
  segment: 'consumer',
  tier: 'bronze',
  signup_date: '2024-01-01',
  country: 'United Kingdom',
  city: 'Leeds',
  marketing_opt_in: true,
});

const session = (
  id: string,
  customer: string,
  started: string,
  device: string,
  page_views: number,
  product_views: number,
  added_to_cart: boolean,
  purchased: boolean,
) => ({
  session_id: id,
  customer_id: customer,
  started_at: at(started),
  device,
  page_views,
  product_views,
  added_to_cart,
  purchased,
});

const sessions = [
  session('A1', 'C1', '2026-10-30T09:00:00Z', 'desktop', 4, 2, true, false),
  session('A2', 'C1', '2026-10-30T23:00:00Z', 'mobile', 2, 1, true, true),
  session('A3', 'C1', '2026-10-10T12:00:00Z', 'mobile', 1, 0, false, false),
  // The newest session of a known customer: the reference day is 2026-10-31.
  session('B1', 'C2', '2026-10-31T00:00:01Z', 'tablet', 1, 0, false, false),
  session('B2', 'C2', '2026-10-20T08:00:00Z', 'app', 6, 3, true, true),
  // Not even a day before the reference, but 30 midnights.
  session('D1', 'C4', '2026-10-01T23:59:59Z', 'desktop', 2, 0, false, false),
  // A customer the profile does not know: left out, and not the reference either.
  session('X1', 'C9', '2026-11-05T10:00:00Z', 'app', 9, 9, true, true),
];

// By hand, against the reference day 2026-10-31:
const expected = [
  // 3 sessions; 4 + 2 + 1 pages; 2 + 1 + 0 products; 2 carts; 1 purchase -> 1/3; mobile 2 to 1;
  // last seen on 10-30 -> 1 day.
  {
    customer_id: 'C1',
    sessions: 3,
    page_views: 7,
    product_views: 3,
    cart_adds: 2,
    purchases: 1,
    conversion_rate: 1 / 3,
    first_seen_at: at('2026-10-10T12:00:00Z'),
    last_seen_at: at('2026-10-30T23:00:00Z'),
    days_since_last_session: 1,
    preferred_device: 'mobile',
  },
  // 2 sessions, 1 + 6 pages, 0 + 3 products, 1 purchase -> 0.5; app and tablet tie at 1:
  // app comes first by name.
  {
    customer_id: 'C2',
    sessions: 2,
    page_views: 7,
    product_views: 3,
    cart_adds: 1,
    purchases: 1,
    conversion_rate: 0.5,
    first_seen_at: at('2026-10-20T08:00:00Z'),
    last_seen_at: at('2026-10-31T00:00:01Z'),
    days_since_last_session: 0,
    preferred_device: 'app',
  },
  // Never visited: zeros, and nothing to divide, date or rank.
  {
    customer_id: 'C3',
    sessions: 0,
    page_views: 0,
    product_views: 0,
    cart_adds: 0,
    purchases: 0,
    conversion_rate: null,
    first_seen_at: null,
    last_seen_at: null,
    days_since_last_session: null,
    preferred_device: null,
  },
  // One session, no purchase -> 0; 10-31 minus 10-01 = 30 days.
  {
    customer_id: 'C4',
    sessions: 1,
    page_views: 2,
    product_views: 0,
    cart_adds: 0,
    purchases: 0,
    conversion_rate: 0,
    first_seen_at: at('2026-10-01T23:59:59Z'),
    last_seen_at: at('2026-10-01T23:59:59Z'),
    days_since_last_session: 30,
    preferred_device: 'desktop',
  },
];

describe('customer_behavior on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    // Built alone, so its upstream products are loaded as if published.
    await loadRows(warehouse, customerProfile, ['C1', 'C2', 'C3', 'C4'].map(profile));
    await loadRows(warehouse, customerSessions, sessions);
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const outcome = await buildProduct(warehouse, customerBehavior, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = [];
    for await (const row of customerBehavior.read(warehouse)) rows.push(row);
    rows.sort((a, b) => a.customer_id.localeCompare(b.customer_id));
    expect(rows).toEqual(expected);
  });
});

describe('customer_behavior before the clickstream is exported', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, customerProfile, ['C1', 'C2', 'C3'].map(profile));
    await loadRows(warehouse, customerSessions, []);
  });
  afterAll(() => warehouse.close());

  it('publishes every customer with zeros, warning that not one session is on record', async () => {
    const outcome = await buildProduct(warehouse, customerBehavior, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['no_sessions_on_record', 'warn', 3]]);
  });
});
