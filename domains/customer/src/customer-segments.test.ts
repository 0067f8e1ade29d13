import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBehavior, customerProfile, customerSegments } from './index.js';

const profile = (id: string, signup_date: string, segment = 'consumer', tier = 'bronze') => ({
  customer_id: id,
  full_name: 'Ann Lee',
  email: `${id.toLowerCase()}@mail.example`,
  segment,
  tier,
  signup_date,
  country: 'United Kingdom',
  city: 'Leeds',
  marketing_opt_in: true,
});

/** A behavior row seen `days` before 2026-10-31 at 10:00, or never when `days` is null. */
const behavior = (id: string, sessions: number, purchases: number, days: number | null) => {
  const seen = days === null ? null : new Date(Date.UTC(2026, 9, 31 - days, 10));
  return {
    customer_id: id,
    sessions,
    page_views: sessions,
    product_views: 0,
    cart_adds: purchases,
    purchases,
    conversion_rate: sessions ? purchases / sessions : null,
    first_seen_at: seen,
    last_seen_at: seen,
    days_since_last_session: days,
    preferred_device: sessions ? 'desktop' : null,
  };
};

const readSegments = async (warehouse: Warehouse) => {
  const rows = [];
  for await (const row of customerSegments.read(warehouse)) rows.push(row);
  return rows.sort((a, b) => a.customer_id.localeCompare(b.customer_id));
};

describe('customer_segments on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    // Built alone, so its upstream products are loaded as if published.
    await loadRows(warehouse, customerProfile, [
      profile('D1', '2024-01-01', 'corporate', 'platinum'),
      profile('D2', '2024-01-01'),
      profile('E1', '2024-01-01', 'small_business', 'silver'),
      profile('F1', '2026-11-01'),
      profile('H1', '2024-01-01', 'consumer', 'gold'),
      profile('H2', '2024-01-01'),
      profile('K1', '2020-11-02'),
      profile('N1', '2026-10-02'),
      profile('N2', '2026-10-01'),
    ]);
    await loadRows(warehouse, customerBehavior, [
      behavior('D1', 12, 3, 91), // one day past the dormancy limit, whatever it bought
      behavior('D2', 0, 0, null), // never visited
      behavior('E1', 4, 0, 90), // exactly at the dormancy limit, 4 sessions: engaged
      behavior('F1', 0, 0, null), // signed up after the reference day
      behavior('H1', 5, 2, 30), // 2 purchases, seen exactly 30 days ago: champion
      behavior('H2', 5, 2, 31), // the same a day later: engaged by its purchases
      behavior('K1', 3, 0, 10), // visits, no purchase, under 4 sessions: casual
      behavior('N1', 10, 5, 0), // the newest session (reference day 2026-10-31); 29 days old: new
      behavior('N2', 3, 2, 0), // 30 days old: no longer new, and a champion
    ]);
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const outcome = await buildProduct(warehouse, customerSegments, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('applies the rules in order at their boundaries, against the newest session day', async () => {
    // Tenure from signup to 2026-10-31: 2024-01-01 -> 366 + 365 + 303 = 1034 days;
    // 2020-11-02 -> 2189; 2026-10-02 -> 29; 2026-10-01 -> 30; 2026-11-01 -> -1.
    const row = (
      customer_id: string,
      engagement_segment: string,
      [sessions, purchases, days_since_last_session, tenure_days]: [number, number, number | null, number],
      segment = 'consumer',
      tier = 'bronze',
    ) => ({
      customer_id,
      engagement_segment,
      segment,
      tier,
      sessions,
      purchases,
      days_since_last_session,
      tenure_days,
      as_of_date: '2026-10-31',
    });
    expect(await readSegments(warehouse)).toEqual([
      row('D1', 'dormant', [12, 3, 91, 1034], 'corporate', 'platinum'),
      row('D2', 'dormant', [0, 0, null, 1034]),
      row('E1', 'engaged', [4, 0, 90, 1034], 'small_business', 'silver'),
      row('F1', 'new', [0, 0, null, -1]),
      row('H1', 'champion', [5, 2, 30, 1034], 'consumer', 'gold'),
      row('H2', 'engaged', [5, 2, 31, 1034]),
      row('K1', 'casual', [3, 0, 10, 2189]),
      row('N1', 'new', [10, 5, 0, 29]),
      row('N2', 'champion', [3, 2, 0, 30]),
    ]);
  });

  it('falls back to the newest signup as the reference when nobody ever visited', async () => {
    await loadRows(warehouse, customerProfile, [profile('A1', '2026-10-20'), profile('A2', '2025-06-15')]);
    await loadRows(warehouse, customerBehavior, [behavior('A1', 0, 0, null), behavior('A2', 0, 0, null)]);
    const outcome = await buildProduct(warehouse, customerSegments, { runId: 't2' });
    expect(outcome.status).toBe('published');
    // Dormant for want of data, not of visits: health says so.
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['no_sessions_on_record', 'warn', 2]]);
    // Reference 2026-10-20: A1 signed up that day (tenure 0: new); A2 on 2025-06-15, 199 + 293 =
    // 492 days before, and never visited: dormant.
    expect(
      (await readSegments(warehouse)).map((r) => [
        r.customer_id,
        r.engagement_segment,
        r.tenure_days,
        r.as_of_date,
      ]),
    ).toEqual([
      ['A1', 'new', 0, '2026-10-20'],
      ['A2', 'dormant', 492, '2026-10-20'],
    ]);
  });
});
