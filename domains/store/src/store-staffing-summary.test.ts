import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeLocations, storeStaff, storeStaffingSummary } from './index.js';

const location = (store_id: string, format: string, status: string) => ({
  store_id,
  name: store_id,
  format,
  city: 'Central City',
  region: 'central',
  opened_on: '2015-01-01',
  closed_on: status === 'closed' ? '2026-01-01' : null,
  status,
  age_years: 10,
  square_meters: 1000,
  manager_staff_id: null,
  as_of_date: '2026-11-01',
});

const person = (
  staff_id: string,
  store_id: string,
  role: string,
  active: boolean,
  hourly_rate: number,
  tenure_days: number | null,
  is_store_manager = false,
) => ({
  staff_id,
  store_id,
  first_name: 'A',
  last_name: 'B',
  role,
  hired_on: '2024-01-01',
  hourly_rate,
  active,
  tenure_days,
  is_store_manager,
});

const staff = [
  person('E1', 'S1', 'manager', true, 30, 1000, true),
  person('E2', 'S1', 'cashier', true, 15, 100),
  person('E3', 'S1', 'associate', true, 14, 201),
  // Leavers count on record only: their pay and tenure stay out of the averages.
  person('E4', 'S1', 'stock', false, 20, null),
  person('E5', 'S1', 'supervisor', false, 25, null),
  // A closed store whose named manager has left.
  person('E6', 'S2', 'manager', false, 31, null, true),
  // Someone in the manager role who is not the store's named manager.
  person('E7', 'S4', 'manager', true, 29, 10),
  person('E8', 'S4', 'stock', true, 16, 20),
];

const empty = {
  staff_on_record: 0,
  active_staff: 0,
  managers: 0,
  supervisors: 0,
  associates: 0,
  cashiers: 0,
  stock_staff: 0,
  average_hourly_rate: null,
  average_tenure_days: null,
  has_active_manager: false,
};

const expected = [
  // Active: E1, E2, E3. Rate (30 + 15 + 14) / 3 = 19.667 -> 19.67; tenure (1000 + 100 + 201) / 3 = 433.67 -> 433.7.
  {
    store_id: 'S1',
    format: 'flagship',
    status: 'open',
    staff_on_record: 5,
    active_staff: 3,
    managers: 1,
    supervisors: 0,
    associates: 1,
    cashiers: 1,
    stock_staff: 0,
    average_hourly_rate: 19.67,
    average_tenure_days: 433.7,
    has_active_manager: true,
  },
  { store_id: 'S2', format: 'standard', status: 'closed', ...empty, staff_on_record: 1 },
  // Nobody on the list: zeros, no averages.
  { store_id: 'S3', format: 'express', status: 'opening', ...empty },
  // (29 + 16) / 2 = 22.5; (10 + 20) / 2 = 15. A manager by role, but not the named one.
  {
    store_id: 'S4',
    format: 'outlet',
    status: 'open',
    staff_on_record: 2,
    active_staff: 2,
    managers: 1,
    supervisors: 0,
    associates: 0,
    cashiers: 0,
    stock_staff: 1,
    average_hourly_rate: 22.5,
    average_tenure_days: 15,
    has_active_manager: false,
  },
];

describe('store_staffing_summary on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, storeLocations, [
      location('S1', 'flagship', 'open'),
      location('S2', 'standard', 'closed'),
      location('S3', 'express', 'opening'),
      location('S4', 'outlet', 'open'),
    ]);
    await loadRows(warehouse, storeStaff, staff);
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green and matches the hand-computed rows', async () => {
    const outcome = await buildProduct(warehouse, storeStaffingSummary, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
    const rows = [];
    for await (const row of storeStaffingSummary.read(warehouse)) rows.push(row);
    rows.sort((a, b) => a.store_id.localeCompare(b.store_id));
    expect(rows).toEqual(expected);
  });

  it('is public and holds no personal data', () => {
    expect(storeStaffingSummary.access).toBe('public');
    expect(storeStaffingSummary.columns.some((c) => c.pii)).toBe(false);
  });
});
