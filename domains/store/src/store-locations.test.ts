import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyOperations, rawStores, storeLocations } from './index.js';

const store = (
  store_id: string,
  opened_on: string,
  closed_on: string | null,
  extra: Record<string, unknown> = {},
) => ({
  store_id,
  name: `${store_id} store`,
  format: 'standard',
  city: 'Central City',
  region: 'central',
  opened_on,
  closed_on,
  square_meters: 1200,
  manager_staff_id: `E-${store_id}`,
  ...extra,
});

const report = (store_id: string, business_date: string) => ({
  store_id,
  business_date,
  opening_hours: 10,
  footfall: 100,
  staff_on_shift: 5,
  incidents: 0,
  recorded_at: new Date(`${business_date}T21:00:00Z`),
});

// The latest business day reported is 2026-10-31, so every status and age is as of 2026-11-01.
const stores = [
  // Opened exactly a year before: 365 days / 365.25 = 0.9993 -> 1.0.
  store('S1', '2025-11-01', null, { name: '  Harbour Express ', format: 'express', city: ' Port Mara ' }),
  // Closed on the as-of day itself: closed. Age to closing: 2024-11-01 -> 2026-11-01 = 730 days -> 1.9986 -> 2.0.
  store('S2', '2024-11-01', '2026-11-01', { format: 'outlet', region: 'south' }),
  // Closing announced for the day after: still open. 2020-01-01 -> 2026-01-01 = 6 x 365 + 2 leap
  // days = 2192, + 304 days to 2026-11-01 = 2496 -> 6.8337 -> 6.8.
  store('S3', '2020-01-01', '2026-11-02', { format: 'flagship', region: 'north', square_meters: 4000 }),
  // Opens the day after the as-of day: opening, no age yet, no manager yet.
  store('S4', '2026-11-02', null, { manager_staff_id: null }),
  // Opens on the as-of day: open, 0 years.
  store('S5', '2026-11-01', null),
  // Closed long ago: 2010-01-01 -> 2015-01-01 = 1826 days, + 182 to 2015-07-02 = 2008 -> 5.4976 -> 5.5.
  store('S6', '2010-01-01', '2015-07-02', { region: 'west', manager_staff_id: null }),
];

const expected = [
  {
    store_id: 'S1',
    name: 'Harbour Express',
    format: 'express',
    city: 'Port Mara',
    region: 'central',
    opened_on: '2025-11-01',
    closed_on: null,
    status: 'open',
    age_years: 1,
    square_meters: 1200,
    manager_staff_id: 'E-S1',
    as_of_date: '2026-11-01',
  },
  {
    store_id: 'S2',
    name: 'S2 store',
    format: 'outlet',
    city: 'Central City',
    region: 'south',
    opened_on: '2024-11-01',
    closed_on: '2026-11-01',
    status: 'closed',
    age_years: 2,
    square_meters: 1200,
    manager_staff_id: 'E-S2',
    as_of_date: '2026-11-01',
  },
  {
    store_id: 'S3',
    name: 'S3 store',
    format: 'flagship',
    city: 'Central City',
    region: 'north',
    opened_on: '2020-01-01',
    closed_on: '2026-11-02',
    status: 'open',
    age_years: 6.8,
    square_meters: 4000,
    manager_staff_id: 'E-S3',
    as_of_date: '2026-11-01',
  },
  {
    store_id: 'S4',
    name: 'S4 store',
    format: 'standard',
    city: 'Central City',
    region: 'central',
    opened_on: '2026-11-02',
    closed_on: null,
    status: 'opening',
    age_years: null,
    square_meters: 1200,
    manager_staff_id: null,
    as_of_date: '2026-11-01',
  },
  {
    store_id: 'S5',
    name: 'S5 store',
    format: 'standard',
    city: 'Central City',
    region: 'central',
    opened_on: '2026-11-01',
    closed_on: null,
    status: 'open',
    age_years: 0,
    square_meters: 1200,
    manager_staff_id: 'E-S5',
    as_of_date: '2026-11-01',
  },
  {
    store_id: 'S6',
    name: 'S6 store',
    format: 'standard',
    city: 'Central City',
    region: 'west',
    opened_on: '2010-01-01',
    closed_on: '2015-07-02',
    status: 'closed',
    age_years: 5.5,
    square_meters: 1200,
    manager_staff_id: null,
    as_of_date: '2026-11-01',
  },
];

const readAll = async (warehouse: Warehouse) => {
  const rows = [];
  for await (const row of storeLocations.read(warehouse)) rows.push(row);
  return rows.sort((a, b) => a.store_id.localeCompare(b.store_id));
};

describe('store_locations on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, rawStores, stores);
    // Reports of two days, out of order: the clock is the latest one.
    await loadRows(warehouse, dailyOperations, [report('S3', '2026-10-31'), report('S1', '2026-10-30')]);
  });
  afterAll(() => warehouse.close());

  it('publishes with every check green', async () => {
    const [outcome] = await buildMesh(warehouse, [storeLocations]);
    expect(outcome?.status).toBe('published');
    expect(outcome?.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('matches the hand-computed rows, row by row', async () => {
    expect(await readAll(warehouse)).toEqual(expected);
  });

  it('falls back to the current date when no operations were reported', async () => {
    await loadRows(warehouse, dailyOperations, []);
    const [outcome] = await buildMesh(warehouse, [storeLocations]);
    expect(outcome?.status).toBe('published');
    const rows = await readAll(warehouse);
    const today = Date.now();
    for (const row of rows) {
      // Within a day of the test's clock, whatever the warehouse's time zone.
      expect(Math.abs(Date.parse(row.as_of_date) - today)).toBeLessThan(2 * 86_400_000);
    }
    // Long after 2026-11-02, S4 has opened and S3 has closed.
    if (today > Date.parse('2026-11-04')) {
      expect(rows.find((r) => r.store_id === 'S4')?.status).toBe('open');
      expect(rows.find((r) => r.store_id === 'S3')?.status).toBe('closed');
    }
    await loadRows(warehouse, dailyOperations, [report('S3', '2026-10-31')]);
  });

  it('refuses to publish a store that closes before it opens, or one without a sales floor', async () => {
    const before = await readAll(warehouse);
    // A second row of S1 can no longer reach the product: the store master is a snapshot keyed
    // on store_id, so its current rows hold one row per store (store_id_unique cannot fail here).
    await loadRows(warehouse, rawStores, [
      ...stores,
      store('S7', '2020-01-01', '2019-12-31'),
      store('S8', '2021-01-01', null, { square_meters: 0 }),
    ]);
    const [outcome] = await buildMesh(warehouse, [storeLocations]);
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error?.code).toBe('checks-failed');
    const failed = outcome?.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.failingRows]);
    expect(failed).toEqual([
      ['square_meters_range', 1],
      ['closes_after_opening', 1],
    ]);
    expect(await readAll(warehouse)).toEqual(before);
    await loadRows(warehouse, rawStores, stores);
  });
});
