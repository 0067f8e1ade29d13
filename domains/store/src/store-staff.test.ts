import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawStaff, storeLocations, storeStaff } from './index.js';

const location = (store_id: string, manager_staff_id: string | null, closed_on: string | null = null) => ({
  store_id,
  name: store_id,
  format: 'standard',
  city: 'Central City',
  region: 'central',
  opened_on: '2015-01-01',
  closed_on,
  status: closed_on ? 'closed' : 'open',
  age_years: 10,
  square_meters: 1000,
  manager_staff_id,
  as_of_date: '2026-11-01',
});

const person = (
  staff_id: string,
  store_id: string,
  role: string,
  hired_on: string,
  active: boolean,
  extra: Record<string, unknown> = {},
) => ({
  staff_id,
  store_id,
  first_name: `First ${staff_id}`,
  last_name: `Last ${staff_id}`,
  role,
  hired_on,
  hourly_rate: 15.5,
  active,
  ...extra,
});

// As of 2026-11-01 (store_locations' clock).
const staff = [
  // 2020-11-01 -> 2026-11-01: 6 x 365 + 1 leap day (2024-02-29) = 2191 days.
  person('E1', 'S1', 'manager', '2020-11-01', true, { hourly_rate: 32.25 }),
  // Hired on the as-of day: 0 days.
  person('E2', 'S1', 'cashier', '2026-11-01', true),
  // Starts after the as-of day: 0, not negative.
  person('E3', 'S1', 'associate', '2026-11-15', true),
  // A leaver: tenure unknown.
  person('E4', 'S1', 'stock', '2019-03-01', false),
  // A second person in the manager role, not the one the store master names.
  person('E7', 'S1', 'manager', '2026-10-01', true, { first_name: '  Ana ', last_name: ' Novak  ' }),
  // Manager of a closed store: still its named manager, no longer active.
  person('E5', 'S2', 'manager', '2016-01-01', false),
  // 2026-10-02 -> 2026-11-01 = 30 days.
  person('E6', 'S2', 'supervisor', '2026-10-02', true),
];

const expected = [
  { staff_id: 'E1', first_name: 'First E1', last_name: 'Last E1', tenure_days: 2191, is_store_manager: true },
  { staff_id: 'E2', first_name: 'First E2', last_name: 'Last E2', tenure_days: 0, is_store_manager: false },
  { staff_id: 'E3', first_name: 'First E3', last_name: 'Last E3', tenure_days: 0, is_store_manager: false },
  {
    staff_id: 'E4',
    first_name: 'First E4',
    last_name: 'Last E4',
    tenure_days: null,
    is_store_manager: false,
  },
  { staff_id: 'E5', first_name: 'First E5', last_name: 'Last E5', tenure_days: null, is_store_manager: true },
  { staff_id: 'E6', first_name: 'First E6', last_name: 'Last E6', tenure_days: 30, is_store_manager: false },
  // Names trimmed; 2026-10-01 -> 2026-11-01 = 31 days.
  { staff_id: 'E7', first_name: 'Ana', last_name: 'Novak', tenure_days: 31, is_store_manager: false },
];

const readAll = async (warehouse: Warehouse) => {
  const rows = [];
  for await (const row of storeStaff.read(warehouse)) rows.push(row);
  return rows.sort((a, b) => a.staff_id.localeCompare(b.staff_id));
};

describe('store_staff on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, storeLocations, [location('S1', 'E1'), location('S2', 'E5', '2026-06-30')]);
    await loadRows(warehouse, rawStaff, staff);
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green and matches the hand-computed rows', async () => {
    const outcome = await buildProduct(warehouse, storeStaff, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
    const rows = await readAll(warehouse);
    expect(
      rows.map(({ staff_id, first_name, last_name, tenure_days, is_store_manager }) => ({
        staff_id,
        first_name,
        last_name,
        tenure_days,
        is_store_manager,
      })),
    ).toEqual(expected);
    // Role, dates, pay and status pass through unchanged.
    expect(rows[0]).toEqual({
      staff_id: 'E1',
      store_id: 'S1',
      first_name: 'First E1',
      last_name: 'Last E1',
      role: 'manager',
      hired_on: '2020-11-01',
      hourly_rate: 32.25,
      active: true,
      tenure_days: 2191,
      is_store_manager: true,
    });
  });

  it('warns, without blocking, when the store master names a manager HR does not list there', async () => {
    // S3 names E6, who works at S2; S4 names nobody on any list.
    await loadRows(warehouse, storeLocations, [
      location('S1', 'E1'),
      location('S2', 'E5', '2026-06-30'),
      location('S3', 'E6'),
      location('S4', 'E404'),
    ]);
    const outcome = await buildProduct(warehouse, storeStaff, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toMatchObject([
      { name: 'store_managers_on_staff_list', severity: 'warn', failingRows: 2 },
    ]);
    expect((await readAll(warehouse)).find((r) => r.staff_id === 'E6')?.is_store_manager).toBe(false);
  });

  it('refuses staff of a store the store master does not know', async () => {
    await loadRows(warehouse, rawStaff, [...staff, person('E8', 'S404', 'cashier', '2026-01-01', true)]);
    const outcome = await buildProduct(warehouse, storeStaff, { runId: 't' });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.subject).toMatchObject({ check: 'store_id_references_store_locations' });
    expect((await readAll(warehouse)).map((r) => r.staff_id)).not.toContain('E8');
  });

  it('is restricted: it holds names', () => {
    expect(storeStaff.access).toBe('restricted');
    expect(storeStaff.columns.filter((c) => c.pii).map((c) => c.name)).toEqual(['first_name', 'last_name']);
  });
});
