import { orderTransactions } from '@retail-mesh/domain-order';
import { productCatalog } from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaigns,
  marketingAttribution,
  marketingCampaignPerformance,
  marketingCampaigns,
  touchpoints,
} from './index.js';

const at = (iso: string) => new Date(iso);

const campaign = (
  campaign_id: string,
  channel: string,
  starts_on: string,
  ends_on: string,
  budget: number,
) => ({
  campaign_id,
  name: `Campaign ${campaign_id}`,
  channel,
  featured_product_id: null,
  starts_on,
  ends_on,
  budget,
  objective: 'acquisition',
});

let n = 0;
const touch = (
  customer_id: string,
  campaign_id: string,
  event_type: string,
  iso: string,
  order_id?: string,
) => ({
  touchpoint_id: `T${String(++n).padStart(2, '0')}`,
  customer_id,
  campaign_id,
  event_type,
  occurred_at: at(iso),
  order_id: order_id ?? null,
});

const order = (
  order_id: string,
  customer_id: string,
  iso: string,
  net_amount: number,
  status = 'completed',
  returned_amount = 0,
) => ({
  order_id,
  customer_id,
  store_id: null,
  channel: 'mobile',
  status,
  ordered_at: at(iso),
  order_date: iso.slice(0, 10),
  item_count: 1,
  gross_amount: net_amount,
  discount_amount: 0,
  net_amount,
  returned_amount,
});

const events = [
  touch('C1', 'M1', 'impression', '2026-10-02T00:00:00Z'),
  touch('C1', 'M1', 'impression', '2026-10-03T00:00:00Z'),
  touch('C2', 'M1', 'impression', '2026-10-03T00:00:00Z'),
  touch('C1', 'M1', 'click', '2026-10-04T10:00:00Z'),
  touch('C2', 'M1', 'conversion', '2026-10-05T10:00:00Z', 'O2'),
  touch('C3', 'M1', 'click', '2026-10-06T00:00:00Z'),
  touch('C1', 'M2', 'click', '2026-10-30T10:00:00Z'),
  touch('C4', 'M2', 'impression', '2026-10-31T09:00:00Z'), // latest event: status day 2026-10-31
];

describe('marketing_campaign_performance on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, productCatalog, []);
    await loadRows(warehouse, campaigns, [
      campaign('M1', 'email', '2026-10-01', '2026-10-10', 1000), // ended by 2026-10-31
      campaign('M2', 'social', '2026-10-22', '2026-11-10', 1000), // 20 days, 10 of them run by 2026-10-31
      campaign('M3', 'search', '2026-11-05', '2026-11-14', 500), // planned
    ]);
    await loadRows(warehouse, touchpoints, events);
    await loadRows(warehouse, orderTransactions, [
      order('O1', 'C1', '2026-10-04T12:00:00Z', 200), // C1's M1 click 2 h before
      order('O2', 'C2', '2026-10-05T10:00:00Z', 150, 'partially_returned', 50), // C2's M1 conversion
      order('O3', 'C3', '2026-10-07T00:00:00Z', 80, 'cancelled'), // C3's M1 click, but cancelled
      order('O4', 'C1', '2026-10-31T10:00:00Z', 300), // C1's M2 click (the M1 click is 27 days old)
      order('O5', 'C4', '2026-10-31T12:00:00Z', 40), // C4 only saw an impression
    ]);
    for (const product of [marketingCampaigns, marketingAttribution]) {
      expect((await buildProduct(warehouse, product, { runId: 't' })).status).toBe('published');
    }
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const outcome = await buildProduct(warehouse, marketingCampaignPerformance, { runId: 't' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('matches the hand-computed rows, row by row', async () => {
    const rows = [];
    for await (const row of marketingCampaignPerformance.read(warehouse)) rows.push(row);
    rows.sort((a, b) => a.campaign_id.localeCompare(b.campaign_id));
    expect(rows).toEqual([
      {
        campaign_id: 'M1',
        name: 'Campaign M1',
        channel: 'email',
        objective: 'acquisition',
        status: 'ended',
        starts_on: '2026-10-01',
        ends_on: '2026-10-10',
        budget: 1000,
        spend: 1000, // ended: the whole budget
        reach: 3, // C1, C2, C3
        impressions: 3,
        clicks: 2,
        conversions: 1,
        click_through_rate: 2 / 3,
        attributed_orders: 2, // O1, O2 (O3 is cancelled)
        attributed_revenue: 300, // 200 + (150 - 50)
        cost_per_conversion: 1000, // 1000 / 1
        roas: 0.3, // 300 / 1000
      },
      {
        campaign_id: 'M2',
        name: 'Campaign M2',
        channel: 'social',
        objective: 'acquisition',
        status: 'active',
        starts_on: '2026-10-22',
        ends_on: '2026-11-10',
        budget: 1000,
        spend: 500, // 1000 x 10 days run / 20 days
        reach: 2, // C1, C4
        impressions: 1,
        clicks: 1,
        conversions: 0,
        click_through_rate: 1,
        attributed_orders: 1, // O4
        attributed_revenue: 300,
        cost_per_conversion: null, // no conversion
        roas: 0.6, // 300 / 500
      },
      {
        campaign_id: 'M3',
        name: 'Campaign M3',
        channel: 'search',
        objective: 'acquisition',
        status: 'planned',
        starts_on: '2026-11-05',
        ends_on: '2026-11-14',
        budget: 500,
        spend: 0,
        reach: 0,
        impressions: 0,
        clicks: 0,
        conversions: 0,
        click_through_rate: null,
        attributed_orders: 0,
        attributed_revenue: 0,
        cost_per_conversion: null,
        roas: null, // nothing spent yet
      },
    ]);
  });

  it('warns of touchpoints of a campaign the catalogue lacks (an id written otherwise), which no funnel counts', async () => {
    // The ad server writes the campaign id lower-case: matched to nothing, its click counts nowhere.
    await loadRows(warehouse, touchpoints, [...events, touch('C5', 'm1', 'click', '2026-10-06T00:00:00Z')]);
    const outcome = await buildProduct(warehouse, marketingCampaignPerformance, { runId: 't2' });
    expect(outcome.status).toBe('published');
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['touches_of_campaigns_the_catalogue_lacks', 'warn', 1]]);
    await loadRows(warehouse, touchpoints, events);
    const again = await buildProduct(warehouse, marketingCampaignPerformance, { runId: 't3' });
    expect(again.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('warns while no touchpoint is on record, rather than publish a ROAS of 0 for every campaign that spent', async () => {
    // The campaigns are exported; the ad platforms' events (an optional source) are not yet.
    await loadRows(warehouse, touchpoints, []);
    const outcome = await buildProduct(warehouse, marketingCampaignPerformance, { runId: 't4' });
    expect(outcome.status).toBe('published');
    // M1 and M2 spent; M3, planned, spent nothing and is not counted.
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['no_touchpoints_on_record', 'warn', 2]]);
    await loadRows(warehouse, touchpoints, events);
    const again = await buildProduct(warehouse, marketingCampaignPerformance, { runId: 't5' });
    expect(again.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });
});
