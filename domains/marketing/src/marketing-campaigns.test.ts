import { productCatalog } from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns, marketingCampaigns, touchpoints } from './index.js';

const product = (product_id: string, name: string, category: string) => ({
  product_id,
  sku: `S-${product_id}`,
  name,
  category,
  brand: 'Alpha',
  unit_cost: 1,
  retail_price: 2,
  active: true,
  launched_on: '2024-01-01',
  updated_at: new Date('2026-10-01T00:00:00Z'),
});

const campaign = (
  campaign_id: string,
  channel: string,
  featured_product_id: string | null,
  starts_on: string,
  ends_on: string,
  budget: number,
) => ({
  campaign_id,
  name: `  Campaign ${campaign_id} `,
  channel,
  featured_product_id,
  starts_on,
  ends_on,
  budget,
  objective: 'acquisition',
});

// The latest touchpoint falls on 2026-10-31 (UTC), one second before midnight: the status day.
const events = [
  {
    touchpoint_id: 'T1',
    customer_id: 'C1',
    campaign_id: 'M1',
    event_type: 'impression',
    occurred_at: new Date('2026-10-02T08:00:00Z'),
    order_id: null,
  },
  {
    touchpoint_id: 'T2',
    customer_id: 'C2',
    campaign_id: 'M2',
    event_type: 'click',
    occurred_at: new Date('2026-10-31T23:59:59Z'),
    order_id: null,
  },
];

const rows = [
  campaign('M1', 'email', 'P1', '2026-10-01', '2026-10-10', 1000), // ended well before
  campaign('M2', 'social', null, '2026-10-20', '2026-11-05', 170), // running through the status day
  campaign('M3', 'search', 'P2', '2026-10-31', '2026-10-31', 50), // starts and ends on the status day
  campaign('M4', 'sms', 'P1', '2026-11-01', '2026-11-30', 0), // starts the day after: planned
  campaign('M5', 'display', 'P2', '2026-10-25', '2026-10-30', 600), // ended the day before
  campaign('M6', 'display', 'P2', '2026-10-25', '2026-10-31', 700), // ends on the status day: active
];

const read = async (warehouse: Warehouse) => {
  const out = [];
  for await (const row of marketingCampaigns.read(warehouse)) out.push(row);
  return out.sort((a, b) => a.campaign_id.localeCompare(b.campaign_id));
};

describe('marketing_campaigns on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, productCatalog, [
      product('P1', 'Kite', 'Toys'),
      product('P2', 'Jacket', 'Apparel'),
    ]);
    await loadRows(warehouse, campaigns, rows);
    await loadRows(warehouse, touchpoints, events);
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const outcome = await buildProduct(warehouse, marketingCampaigns, { runId: 't' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const asOf = { status_as_of: '2026-10-31' };
    // duration = ends_on - starts_on + 1; daily budget = budget / duration.
    expect(await read(warehouse)).toEqual([
      {
        campaign_id: 'M1',
        name: 'Campaign M1',
        channel: 'email',
        objective: 'acquisition',
        featured_product_id: 'P1',
        featured_product_name: 'Kite',
        featured_product_category: 'Toys',
        starts_on: '2026-10-01',
        ends_on: '2026-10-10',
        duration_days: 10,
        budget: 1000,
        daily_budget: 100, // 1000 / 10
        status: 'ended',
        ...asOf,
      },
      {
        campaign_id: 'M2',
        name: 'Campaign M2',
        channel: 'social',
        objective: 'acquisition',
        featured_product_id: null,
        featured_product_name: null,
        featured_product_category: null,
        starts_on: '2026-10-20',
        ends_on: '2026-11-05',
        duration_days: 17, // 12 days of October + 5 of November
        budget: 170,
        daily_budget: 10,
        status: 'active',
        ...asOf,
      },
      {
        campaign_id: 'M3',
        name: 'Campaign M3',
        channel: 'search',
        objective: 'acquisition',
        featured_product_id: 'P2',
        featured_product_name: 'Jacket',
        featured_product_category: 'Apparel',
        starts_on: '2026-10-31',
        ends_on: '2026-10-31',
        duration_days: 1,
        budget: 50,
        daily_budget: 50,
        status: 'active',
        ...asOf,
      },
      {
        campaign_id: 'M4',
        name: 'Campaign M4',
        channel: 'sms',
        objective: 'acquisition',
        featured_product_id: 'P1',
        featured_product_name: 'Kite',
        featured_product_category: 'Toys',
        starts_on: '2026-11-01',
        ends_on: '2026-11-30',
        duration_days: 30,
        budget: 0,
        daily_budget: 0,
        status: 'planned',
        ...asOf,
      },
      {
        campaign_id: 'M5',
        name: 'Campaign M5',
        channel: 'display',
        objective: 'acquisition',
        featured_product_id: 'P2',
        featured_product_name: 'Jacket',
        featured_product_category: 'Apparel',
        starts_on: '2026-10-25',
        ends_on: '2026-10-30',
        duration_days: 6,
        budget: 600,
        daily_budget: 100,
        status: 'ended',
        ...asOf,
      },
      {
        campaign_id: 'M6',
        name: 'Campaign M6',
        channel: 'display',
        objective: 'acquisition',
        featured_product_id: 'P2',
        featured_product_name: 'Jacket',
        featured_product_category: 'Apparel',
        starts_on: '2026-10-25',
        ends_on: '2026-10-31',
        duration_days: 7,
        budget: 700,
        daily_budget: 100,
        status: 'active',
        ...asOf,
      },
    ]);
  });

  it('without touchpoints, dates the status on the latest start day', async () => {
    await loadRows(warehouse, touchpoints, []);
    const outcome = await buildProduct(warehouse, marketingCampaigns, { runId: 't2' });
    expect(outcome.status).toBe('published');
    // Latest start: M4 on 2026-11-01. M3 and M6 ended the day before; M4 starts that day.
    expect((await read(warehouse)).map((r) => [r.campaign_id, r.status, r.status_as_of])).toEqual([
      ['M1', 'ended', '2026-11-01'],
      ['M2', 'active', '2026-11-01'],
      ['M3', 'ended', '2026-11-01'],
      ['M4', 'active', '2026-11-01'],
      ['M5', 'ended', '2026-11-01'],
      ['M6', 'ended', '2026-11-01'],
    ]);
    await loadRows(warehouse, touchpoints, events);
  });

  it('refuses a campaign featuring a product the catalog does not know, keeping the published one', async () => {
    await loadRows(warehouse, campaigns, [
      ...rows,
      campaign('M7', 'email', 'P404', '2026-10-01', '2026-10-02', 1),
    ]);
    const outcome = await buildProduct(warehouse, marketingCampaigns, { runId: 't3' });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('checks-failed');
    expect(outcome.error?.subject).toMatchObject({ check: 'featured_product_id_references_product_catalog' });
    expect((await read(warehouse)).map((r) => r.campaign_id)).toEqual(['M1', 'M2', 'M3', 'M4', 'M5', 'M6']);
    await loadRows(warehouse, campaigns, rows);
  });

  it('without touchpoints, dates the status no later than the day of the build', async () => {
    // A campaign planned years ahead: as of its start, every campaign would read ended and it
    // active. The status is as of today instead.
    await loadRows(warehouse, touchpoints, []);
    await loadRows(warehouse, campaigns, [
      ...rows,
      campaign('M8', 'email', 'P1', '2099-01-01', '2099-01-31', 1),
    ]);
    expect((await buildProduct(warehouse, marketingCampaigns, { runId: 't3' })).status).toBe('published');
    const today = new Date().toISOString().slice(0, 10);
    const statuses = (await read(warehouse)).map((r) => [r.campaign_id, r.status, r.status_as_of]);
    expect(statuses).toContainEqual(['M8', 'planned', today]);
    expect(
      statuses
        .filter(([id]) => id !== 'M8')
        .every(([, status, asOf]) => status === 'ended' && asOf === today),
    ).toBe(true);
    await loadRows(warehouse, campaigns, rows);
    await loadRows(warehouse, touchpoints, events);
  });
});
