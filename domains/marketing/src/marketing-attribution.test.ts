import { orderTransactions } from '@retail-mesh/domain-order';
import { productCatalog } from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns, marketingAttribution, marketingCampaigns, touchpoints } from './index.js';

const at = (iso: string) => new Date(iso);

const campaign = (campaign_id: string, channel: string) => ({
  campaign_id,
  name: campaign_id,
  channel,
  featured_product_id: null,
  starts_on: '2026-09-01',
  ends_on: '2026-10-31',
  budget: 100,
  objective: 'acquisition',
});

const touch = (
  touchpoint_id: string,
  customer_id: string,
  campaign_id: string,
  event_type: string,
  iso: string,
  order_id: string | null = null,
) => ({ touchpoint_id, customer_id, campaign_id, event_type, occurred_at: at(iso), order_id });

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
  channel: 'online',
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
  // C1: two clicks, then an impression right before the order: the latest click wins.
  touch('T01', 'C1', 'M1', 'click', '2026-10-01T12:00:00Z'),
  touch('T02', 'C1', 'M2', 'click', '2026-10-03T08:00:00Z'),
  touch('T03', 'C1', 'M3', 'impression', '2026-10-05T09:00:00Z'),
  // C2: one click, exactly 7 x 24 h before O2 and one second more before O3.
  touch('T04', 'C2', 'M1', 'click', '2026-10-01T12:00:00Z'),
  // C3: a click and a conversion at the very time of the order (the conversion wins the tie),
  // and a click one second after it (too late).
  touch('T05', 'C3', 'M1', 'click', '2026-10-10T10:00:00Z'),
  touch('T06', 'C3', 'M2', 'conversion', '2026-10-10T10:00:00Z', 'O4'),
  touch('T07', 'C3', 'M3', 'click', '2026-10-10T10:00:01Z'),
  // C4: a click, then a later click of a campaign the catalogue does not know (never credited).
  touch('T08', 'C4', 'M404', 'click', '2026-10-12T00:00:00Z'),
  touch('T09', 'C4', 'M1', 'click', '2026-10-11T00:00:00Z'),
  // C5: two clicks at the same instant: the higher touchpoint id wins.
  touch('T10', 'C5', 'M1', 'click', '2026-10-20T00:00:00Z'),
  touch('T11', 'C5', 'M3', 'click', '2026-10-20T00:00:00Z'),
  // C9 never orders; C6 orders without any touch.
  touch('T12', 'C9', 'M2', 'click', '2026-10-04T00:00:00Z'),
  // C7: a click, then the conversion matched to O8, stamped by the checkout pixel 4 s after it.
  touch('T13', 'C7', 'M1', 'click', '2026-10-15T09:00:00Z'),
  touch('T14', 'C7', 'M3', 'conversion', '2026-10-15T10:00:04Z', 'O8'),
  // C8: the conversion matched to O9 stamped after midnight, the order before it.
  touch('T15', 'C8', 'M2', 'conversion', '2026-10-17T00:00:02Z', 'O9'),
];

const orders = [
  order('O1', 'C1', '2026-10-05T10:00:00Z', 100),
  order('O2', 'C2', '2026-10-08T12:00:00Z', 70),
  order('O3', 'C2', '2026-10-08T12:00:01Z', 30),
  order('O4', 'C3', '2026-10-10T10:00:00Z', 55.5, 'partially_returned', 5.5),
  order('O5', 'C4', '2026-10-12T06:00:00Z', 50, 'cancelled'),
  order('O6', 'C5', '2026-10-21T00:00:00Z', 20),
  order('O7', 'C6', '2026-10-21T00:00:00Z', 10),
  order('O8', 'C7', '2026-10-15T10:00:00Z', 40),
  order('O9', 'C8', '2026-10-16T23:59:58Z', 25),
];

describe('marketing_attribution on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, productCatalog, []);
    await loadRows(warehouse, orderTransactions, orders);
    await loadRows(warehouse, campaigns, [
      campaign('M1', 'email'),
      campaign('M2', 'social'),
      campaign('M3', 'search'),
    ]);
    await loadRows(warehouse, touchpoints, events);
    expect((await buildProduct(warehouse, marketingCampaigns, { runId: 't' })).status).toBe('published');
  });
  afterAll(() => warehouse.close());

  it('publishes with every blocking check green, and warns of the clicks of a campaign the catalogue lacks', async () => {
    const outcome = await buildProduct(warehouse, marketingAttribution, { runId: 't' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('published');
    // T08 of M404: its order's credit went to M1, the older click.
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['touches_of_campaigns_the_catalogue_lacks', 'warn', 1]]);
    expect(outcome.rowCount).toBe(orders.length);
  });

  it('warns while no touchpoint is on record, rather than publish every order as unattributed', async () => {
    // The orders and campaigns are exported; the ad platforms' events (optional) are not yet.
    await loadRows(warehouse, touchpoints, []);
    const outcome = await buildProduct(warehouse, marketingAttribution, { runId: 'none' });
    expect(outcome.status).toBe('published');
    // Nine orders, O5 cancelled: eight would have been revenue no campaign earned.
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['no_touchpoints_on_record', 'warn', 8]]);
    await loadRows(warehouse, touchpoints, events);
    const again = await buildProduct(warehouse, marketingAttribution, { runId: 'again' });
    expect(again.checks?.outcomes.filter((c) => !c.passed).map((c) => c.name)).not.toContain(
      'no_touchpoints_on_record',
    );
  });

  it('credits the latest click or conversion of the 7 days up to each order, row by row', async () => {
    const rows = [];
    for await (const row of marketingAttribution.read(warehouse, {
      columns: [
        'order_id',
        'attribution',
        'campaign_id',
        'campaign_channel',
        'touchpoint_id',
        'touch_event_type',
        'touched_at',
        'days_to_order',
      ],
    })) {
      rows.push(row);
    }
    rows.sort((a, b) => a.order_id.localeCompare(b.order_id));
    const credited = (
      order_id: string,
      campaign_id: string,
      campaign_channel: string,
      touchpoint_id: string,
      touch_event_type: string,
      touched_at: string,
      days_to_order: number,
    ) => ({
      order_id,
      attribution: 'last_touch',
      campaign_id,
      campaign_channel,
      touchpoint_id,
      touch_event_type,
      touched_at: at(touched_at),
      days_to_order,
    });
    const unattributed = (order_id: string) => ({
      order_id,
      attribution: 'unattributed',
      campaign_id: null,
      campaign_channel: null,
      touchpoint_id: null,
      touch_event_type: null,
      touched_at: null,
      days_to_order: null,
    });
    expect(rows).toEqual([
      credited('O1', 'M2', 'social', 'T02', 'click', '2026-10-03T08:00:00Z', 2), // T02 is newer than T01; T03 is an impression
      credited('O2', 'M1', 'email', 'T04', 'click', '2026-10-01T12:00:00Z', 7), // exactly 7 x 24 h: inside
      unattributed('O3'), // 7 x 24 h + 1 s: outside
      credited('O4', 'M2', 'social', 'T06', 'conversion', '2026-10-10T10:00:00Z', 0), // tie with T05; T07 is after
      credited('O5', 'M1', 'email', 'T09', 'click', '2026-10-11T00:00:00Z', 1), // T08's campaign is unknown
      credited('O6', 'M3', 'search', 'T11', 'click', '2026-10-20T00:00:00Z', 1), // tie with T10: higher id
      unattributed('O7'), // no touch at all
      credited('O8', 'M3', 'search', 'T14', 'conversion', '2026-10-15T10:00:04Z', 0), // matched to O8, stamped after it
      credited('O9', 'M2', 'social', 'T15', 'conversion', '2026-10-17T00:00:02Z', 0), // the next day, still 0 days
    ]);
  });

  it('carries the order facts through unchanged, cancelled orders included', async () => {
    const [o4] = await warehouse.query(
      "SELECT order_id, customer_id, CAST(order_date AS VARCHAR) AS order_date, order_channel, order_status, net_amount, returned_amount FROM marketing.marketing_attribution WHERE order_id = 'O4'",
    );
    expect(o4).toEqual({
      order_id: 'O4',
      customer_id: 'C3',
      order_date: '2026-10-10',
      order_channel: 'online',
      order_status: 'partially_returned',
      net_amount: 55.5,
      returned_amount: 5.5,
    });
    const cancelled = [];
    for await (const r of marketingAttribution.read(warehouse, { where: { order_status: 'cancelled' } }))
      cancelled.push(r.order_id);
    expect(cancelled).toEqual(['O5']);
  });

  it('is partitioned by order day and clustered for campaign lookups', () => {
    expect(marketingAttribution.partitionBy).toEqual({ column: 'order_date', granularity: 'day' });
    expect(marketingAttribution.clusterBy).toEqual(['attribution', 'campaign_id', 'order_channel']);
  });
});

describe('marketing_attribution with customer ids spelt otherwise than the orders spell them', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, productCatalog, []);
    await loadRows(warehouse, orderTransactions, [
      order('O1', 'C001', '2026-10-05T10:00:00Z', 100),
      order('O2', '001002', '2026-10-05T10:00:00Z', 50),
    ]);
    await loadRows(warehouse, campaigns, [campaign('M1', 'email'), campaign('M2', 'social')]);
    await loadRows(warehouse, touchpoints, [
      touch('T1', 'C001', 'M1', 'click', '2026-10-01T10:00:00Z'),
      // C001's later click, its id written in lower case by the ad platform.
      touch('T2', 'c001', 'M2', 'click', '2026-10-04T10:00:00Z'),
      // 001002's click, its id without the leading zeros.
      touch('T3', '1002', 'M2', 'click', '2026-10-04T10:00:00Z'),
      // A customer who clicks and never orders: nothing is missing.
      touch('T4', 'C003', 'M2', 'click', '2026-10-04T10:00:00Z'),
    ]);
    expect((await buildProduct(warehouse, marketingCampaigns, { runId: 't' })).status).toBe('published');
  });
  afterAll(() => warehouse.close());

  it('publishes, warning of the clicks whose customer ids the orders write otherwise', async () => {
    const outcome = await buildProduct(warehouse, marketingAttribution, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['touches_of_customer_ids_the_orders_write_otherwise', 'warn', 2]]);
    // T2 and T3 credit nothing: O1 went to the older click, O2 to none.
    expect(
      await warehouse.query(
        'SELECT order_id, touchpoint_id FROM marketing.marketing_attribution ORDER BY order_id',
      ),
    ).toEqual([
      { order_id: 'O1', touchpoint_id: 'T1' },
      { order_id: 'O2', touchpoint_id: null },
    ]);
  });
});
