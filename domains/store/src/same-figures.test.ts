// The figures a product publishes on BigQuery (production) are the ones DuckDB publishes in
// every test: each product below is built from the same literal rows on DuckDB and on ZetaSQL's
// reference engine, which runs GoogleSQL as BigQuery does. The rows are ties of rounding: a
// double rounds them differently on the two engines, a decimal alike.
import { onBothWarehouses } from '@retail-mesh/bigquery/testing';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { describe, expect, it } from 'vitest';
import { storeLiveSales, storeStaffingSummary } from './index.js';

const figures = onBothWarehouses(() => createDuckDbWarehouse({ path: ':memory:' }));

describe('store figures on DuckDB and on BigQuery', () => {
  it('store_staffing_summary: an average tenure of 10.45 days', async () => {
    const location = {
      store_id: 'S1',
      name: 'North',
      format: 'standard',
      city: 'Leeds',
      region: 'north',
      opened_on: '2020-01-01',
      closed_on: null,
      status: 'open',
      age_years: 6.9,
      square_meters: 100,
      manager_staff_id: null,
      as_of_date: '2026-11-01',
    };
    // 20 active people, 209 days of tenure between them.
    const staff = Array.from({ length: 20 }, (_, i) => ({
      staff_id: `E${i}`,
      store_id: 'S1',
      first_name: 'A',
      last_name: 'B',
      role: 'associate',
      hired_on: '2026-10-01',
      hourly_rate: '15.00',
      active: true,
      tenure_days: i < 9 ? 11 : 10,
      is_store_manager: false,
    }));
    const inputs = { locations: [location], staff };
    const { local, bigquery } = await figures(storeStaffingSummary, inputs);
    expect(local.map((r) => r.average_tenure_days)).toEqual([10.5]);
    expect(bigquery).toEqual(local);
  });

  it('store_live_sales: a card share of 18.99 in 101.28', async () => {
    const receipt = (receipt_id: string, amount: string, payment: string) => ({
      receipt_id,
      store_id: 'S001',
      till: 1,
      sold_at: new Date('2026-11-02T10:00:00Z'),
      items: 1,
      amount,
      payment,
    });
    const inputs = { receipts: [receipt('R1', '18.99', 'card'), receipt('R2', '82.29', 'cash')] };
    const { local, bigquery } = await figures(storeLiveSales, inputs);
    // 18.99 / 101.28 = 0.1875 exactly, rounded away from zero.
    expect(local.map((r) => r.card_share)).toEqual([0.188]);
    expect(bigquery).toEqual(local);
  });
});
