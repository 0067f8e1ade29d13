// The figures a product publishes on BigQuery (production) are the ones DuckDB publishes in
// every test: each product below is built from the same literal rows on DuckDB and on ZetaSQL's
// reference engine, which runs GoogleSQL as BigQuery does. The rows are ties of rounding: a
// double rounds them differently on the two engines, a decimal alike.
import { onBothWarehouses } from '@retail-mesh/bigquery/testing';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { describe, expect, it } from 'vitest';
import {
  marketingCampaignPerformance,
  marketingCampaigns,
  marketingCustomerLifetimeValue,
  marketingPromotions,
} from './index.js';

const figures = onBothWarehouses(() => createDuckDbWarehouse({ path: ':memory:' }));

const customer = (customer_id: string) => ({
  customer_id,
  full_name: 'X',
  email: 'x@example.com',
  segment: 'consumer',
  tier: 'bronze',
  signup_date: '2025-01-01',
  country: 'NL',
  city: 'Utrecht',
  marketing_opt_in: true,
});
const order = (order_id: string, customer_id: string, day: string, net: string) => ({
  order_id,
  customer_id,
  store_id: null,
  channel: 'online',
  status: 'completed',
  ordered_at: new Date(`${day}T10:00:00Z`),
  order_date: day,
  item_count: 1,
  gross_amount: net,
  discount_amount: '0',
  net_amount: net,
  returned_amount: '0',
});

describe('marketing figures on DuckDB and on BigQuery', () => {
  it('marketing_customer_lifetime_value: a lifetime value on the edge of a band', async () => {
    const inputs = {
      customers: [customer('C1'), customer('C2')],
      // C1: 1,000.00 over 3 orders in 73 days: 15 orders a year, 15,000 over 3 years, high.
      orders: [
        order('O1', 'C1', '2026-01-01', '333.33'),
        order('O2', 'C1', '2026-02-01', '333.33'),
        order('O3', 'C1', '2026-03-14', '333.34'),
        order('O4', 'C2', '2026-01-01', '33.33'),
        order('O5', 'C2', '2026-01-02', '33.33'),
        order('O6', 'C2', '2026-01-03', '33.34'),
      ],
    };
    const { local, bigquery } = await figures(marketingCustomerLifetimeValue, inputs);
    expect(local.map((r) => [r.predicted_cltv, r.cltv_band])).toEqual([
      [15000, 'high'],
      [3650, 'low'],
    ]);
    expect(bigquery).toEqual(local);
  });

  it('marketing_customer_lifetime_value: a customer of seven figures', async () => {
    const { local, bigquery } = await figures(marketingCustomerLifetimeValue, {
      customers: [customer('C1')],
      // 1,234,567.89 over 37 days: 36,536,536.204054054 a decimal, ...048 through a double.
      orders: [
        order('O1', 'C1', '2026-01-01', '411522.63'),
        order('O2', 'C1', '2026-01-20', '411522.63'),
        order('O3', 'C1', '2026-02-06', '411522.63'),
      ],
    });
    expect(local.map((r) => [r.predicted_cltv, r.average_order_value])).toEqual([
      ['36536536.204054054', 411522.63],
    ]);
    expect(bigquery).toEqual(local);
  });

  it('marketing_promotions: codes with letters whose upper case is two', async () => {
    const promotion = (promotion_id: string, code: string) => ({
      promotion_id,
      campaign_id: 'K1',
      code,
      discount_pct: '10',
      category: 'Toys',
      valid_from: '2026-11-01',
      valid_to: '2026-11-30',
    });
    // BigQuery's UPPER (ICU) writes ß as SS and the ligature ﬁ as FI; DuckDB's upper alone
    // wrote GRÜẞE10 and ﬁT5, so a code entered at checkout matched in production only.
    const inputs = { promotions: [promotion('R1', ' grüße10'), promotion('R2', 'ﬁt5')] };
    const { local, bigquery } = await figures(marketingPromotions, inputs);
    expect(local.map((r) => r.code)).toEqual(['GRÜSSE10', 'FIT5']);
    expect(bigquery).toEqual(local);
  });

  it('marketing_campaigns and marketing_campaign_performance: budgets of eight digits and more', async () => {
    const campaign = (campaign_id: string, budget: string, ends_on: string) => ({
      campaign_id,
      name: campaign_id,
      channel: 'search',
      featured_product_id: null,
      starts_on: '2026-10-01',
      ends_on,
      budget,
      objective: 'acquisition',
    });
    // A DOUBLE holds 16 digits: K1's daily budget, 123456789.01 / 7, was 17636684.144285716 on
    // DuckDB; K2, ended, spent 20000000.030000001 of its 20000000.03 on BigQuery. Figures a
    // double cannot hold compare as text.
    const campaigns = [
      campaign('K1', '123456789.01', '2026-10-07'),
      campaign('K2', '20000000.03', '2026-10-31'),
    ];
    const touchpoint = {
      touchpoint_id: 'T1',
      customer_id: 'C1',
      campaign_id: 'K1',
      event_type: 'impression',
      occurred_at: new Date('2026-11-01T10:00:00Z'),
      order_id: null,
    };
    const catalogue = await figures(marketingCampaigns, { campaigns, touchpoints: [touchpoint] });
    expect(catalogue.local.map((r) => [r.campaign_id, r.status, r.daily_budget])).toEqual([
      ['K1', 'ended', '17636684.144285714'],
      ['K2', 'ended', 645161.291290323],
    ]);
    expect(catalogue.bigquery).toEqual(catalogue.local);
    // K1 as of its third day: 3 of 7 days run.
    const rows = catalogue.local.map((r) => ({
      ...r,
      ...(r.campaign_id === 'K1' ? { status: 'active', status_as_of: '2026-10-03' } : {}),
    }));
    const { local, bigquery } = await figures(marketingCampaignPerformance, {
      campaigns: rows,
      touchpoints: [touchpoint],
    });
    expect(local.map((r) => [r.campaign_id, r.spend, r.cost_per_conversion])).toEqual([
      ['K1', '52910052.432857143', null],
      ['K2', 20000000.03, null],
    ]);
    expect(bigquery).toEqual(local);
  });
});
