import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, ingestRows, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyOperations, storeDailyOperations, storeLocations } from './index.js';

const location = (store_id: string, format: string, opened_on: string, closed_on: string | null = null) => ({
  store_id,
  name: store_id,
  format,
  city: 'Central City',
  region: 'central',
  opened_on,
  closed_on,
  status: 'open',
  age_years: 1,
  square_meters: 1000,
  manager_staff_id: null,
  as_of_date: '2026-11-01',
});

const report = (
  store_id: string,
  business_date: string,
  opening_hours: number,
  footfall: number,
  staff_on_shift: number,
  recorded_at: string,
  incidents = 0,
) => ({
  store_id,
  business_date,
  opening_hours,
  footfall,
  staff_on_shift,
  incidents,
  recorded_at: new Date(recorded_at),
});

// One export of the back office. The source is an upsert on (store_id, business_date) by
// recorded_at: the product sees one report per store and day.
const reports = [
  // Sent at closing, corrected the next morning: the correction wins.
  report('S1', '2026-10-30', 10.5, 100, 4, '2026-10-30T21:00:00Z', 2),
  report('S1', '2026-10-30', 10.5, 120, 4, '2026-10-31T08:00:00Z', 1),
  // Nobody on shift: no staff hours, no ratio.
  report('S1', '2026-10-31', 8, 15, 0, '2026-10-31T21:00:00Z'),
  // No visitors: a ratio of 0.
  report('S2', '2026-10-31', 6, 0, 3, '2026-10-31T21:00:00Z'),
  // Two reports at the same second: the later line of the export wins. (The product's own
  // tie-break, the larger count, can no longer be reached: it gets one report.)
  report('S2', '2026-10-30', 12, 50, 5, '2026-10-30T21:00:00Z'),
  report('S2', '2026-10-30', 12, 60, 5, '2026-10-30T21:00:00Z'),
  // A store the store master does not know: left out.
  report('S9', '2026-10-31', 10, 80, 4, '2026-10-31T21:00:00Z'),
];

// staff_hours = staff_on_shift x opening_hours; footfall_per_staff_hour = footfall / staff_hours, 2 decimals.
const expected = [
  // 4 x 10.5 = 42; 120 / 42 = 2.857 -> 2.86.
  {
    store_id: 'S1',
    business_date: '2026-10-30',
    format: 'express',
    opening_hours: 10.5,
    footfall: 120,
    staff_on_shift: 4,
    staff_hours: 42,
    footfall_per_staff_hour: 2.86,
    incidents: 1,
  },
  {
    store_id: 'S1',
    business_date: '2026-10-31',
    format: 'express',
    opening_hours: 8,
    footfall: 15,
    staff_on_shift: 0,
    staff_hours: 0,
    footfall_per_staff_hour: null,
    incidents: 0,
  },
  // 5 x 12 = 60; 60 / 60 = 1.
  {
    store_id: 'S2',
    business_date: '2026-10-30',
    format: 'outlet',
    opening_hours: 12,
    footfall: 60,
    staff_on_shift: 5,
    staff_hours: 60,
    footfall_per_staff_hour: 1,
    incidents: 0,
  },
  // 3 x 6 = 18; 0 / 18 = 0.
  {
    store_id: 'S2',
    business_date: '2026-10-31',
    format: 'outlet',
    opening_hours: 6,
    footfall: 0,
    staff_on_shift: 3,
    staff_hours: 18,
    footfall_per_staff_hour: 0,
    incidents: 0,
  },
];

/**
 * Delivers reports as the back office does: one CSV export per call, ingested as one batch
 * whose lines keep the given order, so the source's upsert (cursor, batch, line) decides.
 */
const deliver = async (warehouse: Warehouse, rows: readonly ReturnType<typeof report>[]) => {
  const result = await ingestRows(warehouse, dailyOperations, rows);
  expect(result).toMatchObject({ status: 'loaded', loaded: rows.length, rejected: 0 });
};

const readAll = async (warehouse: Warehouse) => {
  const rows = [];
  for await (const row of storeDailyOperations.read(warehouse)) rows.push(row);
  return rows.sort(
    (a, b) => a.store_id.localeCompare(b.store_id) || a.business_date.localeCompare(b.business_date),
  );
};

describe('store_daily_operations on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, storeLocations, [
      location('S1', 'express', '2020-01-01'),
      location('S2', 'outlet', '2020-01-01'),
    ]);
    await deliver(warehouse, reports);
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('publishes the hand-computed rows, warning of the reports of a store the list lacks', async () => {
    const outcome = await buildProduct(warehouse, storeDailyOperations, { runId: 't' });
    expect(outcome.status).toBe('published');
    // S9's report is in no row: counted, so the product says it is short of it.
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toMatchObject([
      { name: 'reports_of_stores_the_list_lacks', severity: 'warn', failingRows: 1 },
    ]);
    expect(await readAll(warehouse)).toEqual(expected);
  });

  it('warns, without blocking, about reports of days a store was not trading', async () => {
    // S1 now opens on the 31st, S2 closed on the 31st: the 30th of S1 and the 31st of S2 are suspect.
    await loadRows(warehouse, storeLocations, [
      location('S1', 'express', '2026-10-31'),
      location('S2', 'outlet', '2020-01-01', '2026-10-31'),
    ]);
    const outcome = await buildProduct(warehouse, storeDailyOperations, { runId: 't' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toMatchObject([
      { name: 'reported_while_trading', severity: 'warn', failingRows: 2 },
      { name: 'reports_of_stores_the_list_lacks', severity: 'warn', failingRows: 1 },
    ]);
    expect(await readAll(warehouse)).toHaveLength(4);
  });

  it('is partitioned by day on business_date and clustered by store', async () => {
    expect(storeDailyOperations.partitionBy).toEqual({ column: 'business_date', granularity: 'day' });
    expect(storeDailyOperations.clusterBy).toEqual(['store_id']);
  });
});
