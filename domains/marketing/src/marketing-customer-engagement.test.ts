import { customerProfile } from '@retail-mesh/domain-customer';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marketingCustomerEngagement, touchpoints } from './index.js';

const at = (iso: string) => new Date(iso);
let n = 0;
const event = (
  customer_id: string,
  campaign_id: string,
  event_type: string,
  iso: string,
  order_id?: string,
) => ({
  touchpoint_id: `T${++n}`,
  customer_id,
  campaign_id,
  event_type,
  occurred_at: at(iso),
  order_id: order_id ?? null,
});

/** A customer of the CRM's profile, as the touchpoints' customer ids are checked against. */
const customer = (customer_id: string) => ({
  customer_id,
  full_name: `Name ${customer_id}`,
  email: `${customer_id.toLowerCase()}@mail.example`,
  segment: 'consumer',
  tier: 'silver',
  signup_date: '2024-01-01',
  country: 'Ireland',
  city: 'Cork',
  marketing_opt_in: true,
});

const events = [
  // C1: two impressions, a click and a conversion on two campaigns.
  event('C1', 'M1', 'impression', '2026-10-01T10:00:00Z'),
  event('C1', 'M1', 'impression', '2026-10-02T10:00:00Z'),
  event('C1', 'M1', 'click', '2026-10-03T12:00:00Z'),
  event('C1', 'M2', 'conversion', '2026-10-03T12:30:00Z', 'O1'),
  // C2: impressions only.
  event('C2', 'M1', 'impression', '2026-10-04T00:00:00Z'),
  event('C2', 'M1', 'impression', '2026-10-05T00:00:00Z'),
  event('C2', 'M2', 'impression', '2026-10-06T00:00:00Z'),
  // C3: an e-mail click logged without an impression.
  event('C3', 'M3', 'click', '2026-10-07T09:00:00Z'),
  // C4: a click, then a later impression.
  event('C4', 'M1', 'click', '2026-10-04T08:00:00Z'),
  event('C4', 'M1', 'impression', '2026-10-05T08:00:00Z'),
];

describe('marketing_customer_engagement on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, customerProfile, ['C1', 'C2', 'C3', 'C4'].map(customer));
    await loadRows(warehouse, touchpoints, events);
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const outcome = await buildProduct(warehouse, marketingCustomerEngagement, { runId: 't' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = [];
    for await (const row of marketingCustomerEngagement.read(warehouse)) rows.push(row);
    rows.sort((a, b) => a.customer_id.localeCompare(b.customer_id));
    expect(rows).toEqual([
      {
        customer_id: 'C1',
        impressions: 2,
        clicks: 1,
        conversions: 1,
        campaigns_reached: 2,
        click_through_rate: 0.5, // 1 / 2
        conversion_rate: 1, // 1 / 1
        engagement_level: 'converted',
        first_touched_at: at('2026-10-01T10:00:00Z'),
        last_touched_at: at('2026-10-03T12:30:00Z'),
        last_engaged_at: at('2026-10-03T12:30:00Z'),
      },
      {
        customer_id: 'C2',
        impressions: 3,
        clicks: 0,
        conversions: 0,
        campaigns_reached: 2,
        click_through_rate: 0, // 0 / 3
        conversion_rate: null, // no clicks
        engagement_level: 'viewed',
        first_touched_at: at('2026-10-04T00:00:00Z'),
        last_touched_at: at('2026-10-06T00:00:00Z'),
        last_engaged_at: null,
      },
      {
        customer_id: 'C3',
        impressions: 0,
        clicks: 1,
        conversions: 0,
        campaigns_reached: 1,
        click_through_rate: null, // no impressions
        conversion_rate: 0,
        engagement_level: 'clicked',
        first_touched_at: at('2026-10-07T09:00:00Z'),
        last_touched_at: at('2026-10-07T09:00:00Z'),
        last_engaged_at: at('2026-10-07T09:00:00Z'),
      },
      {
        customer_id: 'C4',
        impressions: 1,
        clicks: 1,
        conversions: 0,
        campaigns_reached: 1,
        click_through_rate: 1,
        conversion_rate: 0,
        engagement_level: 'clicked',
        first_touched_at: at('2026-10-04T08:00:00Z'),
        last_touched_at: at('2026-10-05T08:00:00Z'), // the impression
        last_engaged_at: at('2026-10-04T08:00:00Z'), // the click
      },
    ]);
  });

  it('carries ids only, so it may be public', () => {
    expect(marketingCustomerEngagement.access).toBe('public');
    expect(marketingCustomerEngagement.columns.filter((c) => c.pii)).toEqual([]);
  });
});

describe('marketing_customer_engagement against the customer profile', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, customerProfile, [customer('1001'), customer('1002')]);
    await loadRows(warehouse, touchpoints, [
      event('1001', 'M1', 'impression', '2026-10-01T10:00:00Z'),
      // 1001 again, its id written as a number the ad platform exported as a float.
      event('1001.0', 'M1', 'click', '2026-10-02T10:00:00Z'),
      event('1002', 'M1', 'impression', '2026-10-03T10:00:00Z'),
    ]);
  });
  afterAll(() => warehouse.close());

  it('publishes, warning of the customer the profile lacks (1001.0, a customer of its own)', async () => {
    const outcome = await buildProduct(warehouse, marketingCustomerEngagement, { runId: 't' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('published');
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['customers_the_profile_lacks', 'warn', 1]]);
  });
});
