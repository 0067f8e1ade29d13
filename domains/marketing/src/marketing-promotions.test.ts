import { productCatalog } from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns, marketingCampaigns, marketingPromotions, promotions, touchpoints } from './index.js';

const product = (product_id: string, category: string, active = true) => ({
  product_id,
  sku: `S-${product_id}`,
  name: product_id,
  category,
  brand: 'Alpha',
  unit_cost: 1,
  retail_price: 2,
  active,
  launched_on: '2024-01-01',
  updated_at: new Date('2026-10-01T00:00:00Z'),
});

const promotion = (
  promotion_id: string,
  campaign_id: string,
  code: string,
  discount_pct: number,
  category: string,
  valid_from: string,
  valid_to: string,
) => ({ promotion_id, campaign_id, code, discount_pct, category, valid_from, valid_to });

const codes = [
  promotion('R1', 'M1', ' toy10-a ', 10, 'Toys', '2026-10-01', '2026-10-10'), // whole campaign, ended
  promotion('R2', 'M2', 'app20', 20, ' Apparel ', '2026-10-31', '2026-10-31'), // only the status day
  promotion('R3', 'M2', 'gar5', 5, 'Garden', '2026-11-01', '2026-11-05'), // from the day after: planned
  promotion('R4', 'M2', 'BOOKS15', 15, 'Books', '2026-10-20', '2026-10-31'), // no product in the category
];

const read = async (warehouse: Warehouse) => {
  const out = [];
  for await (const row of marketingPromotions.read(warehouse)) out.push(row);
  return out.sort((a, b) => a.promotion_id.localeCompare(b.promotion_id));
};

describe('marketing_promotions on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, productCatalog, [
      product('P1', 'Toys'),
      product('P2', 'Apparel'),
      product('P3', 'Toys'),
      product('P4', 'Toys', false), // discontinued: not counted
      product('P5', 'Garden'),
    ]);
    await loadRows(warehouse, campaigns, [
      {
        campaign_id: 'M1',
        name: 'Toys',
        channel: 'email',
        featured_product_id: 'P1',
        starts_on: '2026-10-01',
        ends_on: '2026-10-10',
        budget: 100,
        objective: 'retention',
      },
      {
        campaign_id: 'M2',
        name: 'Autumn',
        channel: 'social',
        featured_product_id: null,
        starts_on: '2026-10-20',
        ends_on: '2026-11-05',
        budget: 100,
        objective: 'awareness',
      },
    ]);
    await loadRows(warehouse, touchpoints, [
      {
        touchpoint_id: 'T1',
        customer_id: 'C1',
        campaign_id: 'M2',
        event_type: 'impression',
        occurred_at: new Date('2026-10-31T12:00:00Z'),
        order_id: null,
      },
    ]);
    await loadRows(warehouse, promotions, codes);
    expect((await buildProduct(warehouse, marketingCampaigns, { runId: 't' })).status).toBe('published');
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const outcome = await buildProduct(warehouse, marketingPromotions, { runId: 't' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('matches the hand-computed rows, row by row', async () => {
    // Status day 2026-10-31 (latest touchpoint). validity = valid_to - valid_from + 1.
    expect(await read(warehouse)).toEqual([
      {
        promotion_id: 'R1',
        campaign_id: 'M1',
        campaign_name: 'Toys',
        campaign_channel: 'email',
        code: 'TOY10-A',
        discount_pct: 10,
        category: 'Toys',
        category_active_products: 2, // P1, P3; P4 is discontinued
        valid_from: '2026-10-01',
        valid_to: '2026-10-10',
        validity_days: 10,
        within_campaign: true,
        status: 'ended',
      },
      {
        promotion_id: 'R2',
        campaign_id: 'M2',
        campaign_name: 'Autumn',
        campaign_channel: 'social',
        code: 'APP20',
        discount_pct: 20,
        category: 'Apparel',
        category_active_products: 1,
        valid_from: '2026-10-31',
        valid_to: '2026-10-31',
        validity_days: 1,
        within_campaign: true,
        status: 'active',
      },
      {
        promotion_id: 'R3',
        campaign_id: 'M2',
        campaign_name: 'Autumn',
        campaign_channel: 'social',
        code: 'GAR5',
        discount_pct: 5,
        category: 'Garden',
        category_active_products: 1,
        valid_from: '2026-11-01',
        valid_to: '2026-11-05',
        validity_days: 5,
        within_campaign: true, // ends on the campaign's last day
        status: 'planned',
      },
      {
        promotion_id: 'R4',
        campaign_id: 'M2',
        campaign_name: 'Autumn',
        campaign_channel: 'social',
        code: 'BOOKS15',
        discount_pct: 15,
        category: 'Books',
        category_active_products: 0,
        valid_from: '2026-10-20',
        valid_to: '2026-10-31',
        validity_days: 12,
        within_campaign: true, // starts on the campaign's first day
        status: 'active',
      },
    ]);
  });

  it('publishes a reused code or a code valid outside its campaign, with warnings', async () => {
    await loadRows(warehouse, promotions, [
      ...codes,
      promotion('R5', 'M1', 'TOY10-A', 10, 'Toys', '2026-09-28', '2026-10-02'),
    ]);
    const outcome = await buildProduct(warehouse, marketingPromotions, { runId: 't2' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity])).toEqual([
      ['code_unique', 'warn'],
      ['valid_within_campaign', 'warn'],
    ]);
    const r5 = (await read(warehouse)).find((r) => r.promotion_id === 'R5');
    expect(r5).toMatchObject({ within_campaign: false, validity_days: 5, status: 'ended' });
  });

  it('refuses a promotion of an unknown campaign or a discount above 100%', async () => {
    await loadRows(warehouse, promotions, [
      ...codes,
      promotion('R6', 'M404', 'NOPE', 10, 'Toys', '2026-10-01', '2026-10-02'),
      promotion('R7', 'M1', 'FREE', 120, 'Toys', '2026-10-01', '2026-10-02'),
    ]);
    const outcome = await buildProduct(warehouse, marketingPromotions, { runId: 't3' });
    expect(outcome.status).toBe('failed');
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed && c.severity === 'error').map((c) => c.name),
    ).toEqual(['campaign_id_references_marketing_campaigns', 'discount_pct_range']);
    await loadRows(warehouse, promotions, codes);
  });
});
