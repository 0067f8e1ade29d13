import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, checkMesh, loadSample, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  customerCount,
  domain,
  ENGAGEMENT_SEGMENTS,
  products,
  rawCustomers,
  rawPreferences,
  sessionCount,
  sources,
  webSessions,
} from './index.js';

const SCALE = 0.05;
const SEED = 42;

const fingerprint = async (warehouse: Warehouse, table: string, key: string) => {
  const [row] = await warehouse.query(
    `SELECT count(*) AS n, md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR))) AS h FROM ${table} AS t`,
  );
  return { n: Number(row?.n), h: row?.h, key };
};

const seedAll = async (warehouse: Warehouse, seed: number) => {
  // Sessions and preferences read the customers they belong to: customers first.
  for (const source of [rawCustomers, webSessions, rawPreferences])
    await loadSample(warehouse, source, { scale: SCALE, seed });
};

describe('customer sample data', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  });
  afterAll(() => warehouse.close());

  it('passes every governance policy', () => {
    expect(checkMesh({ domains: [domain], sources, products })).toEqual([]);
    expect(sources.map((s) => s.sampleAfter)).toEqual([[], ['customer.customers'], ['customer.customers']]);
  });

  it('marks who a customer is (names, email, phone) PII in the CRM export, as the profile marks them', () => {
    expect(rawCustomers.columns.filter((c) => c.pii).map((c) => c.name)).toEqual([
      'first_name',
      'last_name',
      'email',
      'phone',
    ]);
  });

  it('is deterministic for a seed, differs across seeds, and has the universe row counts', async () => {
    const tables = ['customer.raw_customers', 'customer.raw_web_sessions', 'customer.raw_preferences'];
    await seedAll(warehouse, SEED + 1);
    const other = await Promise.all(tables.map((t) => fingerprint(warehouse, t, t)));
    await seedAll(warehouse, SEED);
    const first = await Promise.all(tables.map((t) => fingerprint(warehouse, t, t)));
    await seedAll(warehouse, SEED);
    expect(await Promise.all(tables.map((t) => fingerprint(warehouse, t, t)))).toEqual(first);
    for (const [i, f] of first.entries()) expect(f.h).not.toEqual(other[i]?.h);
    expect(first.map((f) => f.n).slice(0, 2)).toEqual([customerCount(SCALE), sessionCount(SCALE)]);
    expect([customerCount(SCALE), customerCount(1), customerCount(0.001)]).toEqual([250, 5000, 20]);
  });

  it('spells identifiers, emails and phone numbers as the CRM does, each country with its own cities', async () => {
    const [f] = await warehouse.query(`
      SELECT
        count(*) FILTER (WHERE customer_id <> printf('C%08d', CAST(substr(customer_id, 2) AS INTEGER))) AS bad_ids,
        count(*) FILTER (WHERE NOT regexp_full_match(email, '[a-z]+\\.[a-z]+' || CAST(substr(customer_id, 2) AS INTEGER) || '@[a-z]+\\.example')) AS bad_emails,
        count(*) FILTER (WHERE phone IS NOT NULL AND NOT regexp_full_match(phone, '\\+[0-9]{2,3} [0-9]{9}')) AS bad_phones,
        count(DISTINCT country) AS countries,
        (SELECT count(*) FROM (SELECT city FROM customer.raw_customers GROUP BY city HAVING count(DISTINCT country) > 1)) AS shared_cities,
        count(*) FILTER (WHERE updated_at < CAST(signup_date AS TIMESTAMP) OR updated_at > TIMESTAMP '2026-11-01') AS bad_updates,
        (SELECT count(*) FROM customer.raw_preferences_log AS p JOIN customer.raw_customers AS c USING (customer_id)
          WHERE p.updated_at < CAST(c.signup_date AS TIMESTAMP) OR p.updated_at > TIMESTAMP '2026-11-01') AS bad_saves
      FROM customer.raw_customers`);
    expect(Object.fromEntries(Object.entries(f ?? {}).map(([k, v]) => [k, Number(v)]))).toEqual({
      bad_ids: 0,
      bad_emails: 0,
      bad_phones: 0,
      countries: 7,
      shared_cities: 0,
      bad_updates: 0,
      bad_saves: 0,
    });
  });

  it('builds every product, all checks green, with believable shapes', async () => {
    const outcomes = await buildMesh(warehouse, products);
    expect(outcomes.map((o) => [o.product.name, o.status]).sort()).toEqual(
      products.map((p) => [p.name, 'published']).sort(),
    );
    for (const o of outcomes) expect(o.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);

    const [facts] = await warehouse.query(`
      WITH s AS (SELECT * FROM customer.raw_web_sessions),
      per_customer AS (SELECT customer_id, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC) AS position FROM s GROUP BY 1)
      SELECT
        (SELECT count(*) FROM s WHERE customer_id NOT IN (SELECT customer_id FROM customer.raw_customers)) AS orphan_sessions,
        (SELECT count(*) FROM s JOIN customer.raw_customers AS c USING (customer_id) WHERE s.started_at < c.signup_date) AS before_signup,
        (SELECT count(*) FROM s WHERE started_at < TIMESTAMP '2025-11-01' OR started_at >= TIMESTAMP '2026-11-01') AS outside_year,
        (SELECT sum(n) FROM per_customer WHERE position <= ${customerCount(SCALE)} / 20) / ${sessionCount(SCALE)} AS top_5pct_share,
        (SELECT count(*) FILTER (WHERE dayofweek(started_at) IN (0, 6)) / (2 * 52.0) FROM s)
          / (SELECT count(*) FILTER (WHERE dayofweek(started_at) NOT IN (0, 6)) / (5 * 52.0) FROM s) AS weekend_lift,
        (SELECT count(*) FILTER (WHERE month(started_at) IN (11, 12)) / 61.0 FROM s)
          / (SELECT count(*) FILTER (WHERE month(started_at) BETWEEN 2 AND 9) / 242.0 FROM s) AS holiday_lift,
        (SELECT avg(CASE WHEN segment = 'consumer' THEN 1 ELSE 0 END) FROM customer.raw_customers) AS consumer_share,
        (SELECT avg(CASE WHEN phone IS NULL THEN 1 ELSE 0 END) FROM customer.raw_customers) AS no_phone_share,
        (SELECT count(DISTINCT email) FROM customer.raw_customers) AS emails,
        (SELECT count(*) FROM (SELECT customer_id FROM customer.raw_preferences_log GROUP BY 1 HAVING count(*) = 2)) AS two_revisions,
        (SELECT count(*) - count(DISTINCT customer_id) FROM customer.raw_preferences) AS repeated_current,
        (SELECT count(*) FROM customer.raw_customers WHERE customer_id NOT IN (SELECT customer_id FROM customer.raw_preferences)) AS no_preferences,
        (SELECT count(*) FROM customer.customer_behavior WHERE sessions = 0) AS never_visited,
        (SELECT list(DISTINCT engagement_segment ORDER BY engagement_segment) FROM customer.customer_segments) AS engagement_segments,
        (SELECT sum(sessions) FROM customer.customer_daily_activity) AS daily_sessions
    `);
    const f = Object.fromEntries(
      Object.entries(facts ?? {}).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]),
    );
    // Every session belongs to an existing customer, after signup, within the sample's year.
    expect(f).toMatchObject({ orphan_sessions: 0, before_signup: 0, outside_year: 0 });
    // Pareto: the busiest 5% of customers make about a third of the visits.
    expect(f.top_5pct_share).toBeGreaterThan(0.3);
    // Per day, weekends see more visits than weekdays, November-December more than February-September.
    expect(f.weekend_lift).toBeGreaterThan(1.15);
    expect(f.holiday_lift).toBeGreaterThan(1.3);
    // About 85% consumers; a phone for most; one email per customer.
    expect(f.consumer_share).toBeGreaterThan(0.78);
    expect(f.consumer_share).toBeLessThan(0.92);
    expect(f.no_phone_share).toBeGreaterThan(0.05);
    expect(f.no_phone_share).toBeLessThan(0.3);
    expect(f.emails).toBe(customerCount(SCALE));
    // Some customers saved preferences twice (both saves are in the source's log; its current
    // rows hold the newer one), some never; some never visited.
    expect(f.two_revisions).toBeGreaterThan(0);
    expect(f.repeated_current).toBe(0);
    expect(f.no_preferences).toBeGreaterThan(0);
    expect(f.never_visited).toBeGreaterThan(0);
    // Every engagement segment is populated, and the daily activity accounts for every session.
    expect(f.engagement_segments).toEqual([...ENGAGEMENT_SEGMENTS].sort());
    expect(f.daily_sessions).toBe(sessionCount(SCALE));
  });
});
