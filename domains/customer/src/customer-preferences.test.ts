import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, ingestRows, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerPreferences, customerProfile, rawPreferences } from './index.js';

const at = (iso: string) => new Date(iso);

const profile = (id: string, marketing_opt_in: boolean) => ({
  customer_id: id,
  full_name: 'Ann Lee',
  email: `${id.toLowerCase()}@mail.example`,
  segment: 'consumer',
  tier: 'bronze',
  signup_date: '2024-01-01',
  country: 'United Kingdom',
  city: 'Leeds',
  marketing_opt_in,
});

const saved = (id: string, channel: string, category: string, newsletter: boolean, when: string) => ({
  customer_id: id,
  preferred_channel: channel,
  preferred_category: category,
  newsletter,
  updated_at: at(when),
});

// One export of the preference centre, which lists every save in the order it was made. The
// source is an upsert on customer_id by updated_at, so the product sees each customer's current
// save only: the newest, and of two saves in the same second the later line of the export.
const revisions = [
  // C1 changed its mind: the newer save wins, its category trimmed.
  saved('C1', 'sms', 'Toys', false, '2026-09-01T00:00:00Z'),
  saved('C1', 'email', ' Books ', true, '2026-10-01T00:00:00Z'),
  // C2 opted out of contact in the preference centre, though it consents in the CRM.
  saved('C2', 'email', 'Home', true, '2026-09-01T00:00:00Z'),
  saved('C2', 'none', 'Home', false, '2026-10-15T00:00:00Z'),
  // C3 names a channel but never consented in the CRM.
  saved('C3', 'sms', 'Garden', false, '2026-10-02T00:00:00Z'),
  // C4 saved twice in the same second, opting out last: the later line wins the tie. (The
  // product's own rule that an opt-out wins a tie can no longer be reached: it gets one row.)
  saved('C4', 'push', 'Pets', true, '2026-10-03T12:00:00Z'),
  saved('C4', 'none', 'Pets', true, '2026-10-03T12:00:00Z'),
  // A customer the CRM does not know: left out. (C5 is known but never saved preferences.)
  saved('C9', 'email', 'Toys', true, '2026-10-04T00:00:00Z'),
];

const row = (
  customer_id: string,
  preferred_channel: string,
  preferred_category: string,
  newsletter: boolean,
  marketing_opt_in: boolean,
  contactable: boolean,
  updated_at: string,
) => ({
  customer_id,
  preferred_channel,
  preferred_category,
  newsletter,
  marketing_opt_in,
  contactable,
  updated_at: at(updated_at),
});

// contactable = opted in AND channel <> 'none'.
const expected = [
  row('C1', 'email', 'Books', true, true, true, '2026-10-01T00:00:00Z'),
  row('C2', 'none', 'Home', false, true, false, '2026-10-15T00:00:00Z'),
  row('C3', 'sms', 'Garden', false, false, false, '2026-10-02T00:00:00Z'),
  row('C4', 'none', 'Pets', true, true, false, '2026-10-03T12:00:00Z'),
];

/**
 * Delivers saves as the preference centre does: one CSV export per call, ingested as one batch
 * whose lines keep the order given, so the source's upsert (cursor, batch, line) decides.
 */
const deliver = async (warehouse: Warehouse, rows: readonly ReturnType<typeof saved>[]) => {
  const result = await ingestRows(warehouse, rawPreferences, rows);
  expect(result).toMatchObject({ status: 'loaded', loaded: rows.length, rejected: 0 });
};

const readPreferences = async (warehouse: Warehouse) => {
  const rows = [];
  for await (const r of customerPreferences.read(warehouse)) rows.push(r);
  return rows.sort((a, b) => a.customer_id.localeCompare(b.customer_id));
};

describe('customer_preferences on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    // Built alone, so the profile is loaded as if published.
    await loadRows(warehouse, customerProfile, [
      profile('C1', true),
      profile('C2', true),
      profile('C3', false),
      profile('C4', true),
      profile('C5', true),
    ]);
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('keeps the newest save of each known customer, joins consent, and counts those of unknown ones', async () => {
    await deliver(warehouse, revisions);
    const outcome = await buildProduct(warehouse, customerPreferences, { runId: 't1' });
    expect(outcome.status).toBe('published');
    // C9's preferences are left out (the CRM does not know C9), and health hears of it: an
    // opt-out among them would otherwise vanish unseen.
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([['preferences_of_customers_the_profile_lacks', 'warn', 1]]);
    expect(await readPreferences(warehouse)).toEqual(expected);
  });

  it('publishes a category the list does not know yet, with a warning', async () => {
    // The next export carries the one new save.
    await deliver(warehouse, [saved('C3', 'sms', 'Gardening Tools', false, '2026-10-20T00:00:00Z')]);
    const outcome = await buildProduct(warehouse, customerPreferences, { runId: 't2' });
    expect(outcome.status).toBe('published');
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([
      ['preferred_category_accepted_values', 'warn', 1],
      ['preferences_of_customers_the_profile_lacks', 'warn', 1],
    ]);
    const rows = await readPreferences(warehouse);
    expect(rows.find((r) => r.customer_id === 'C3')?.preferred_category).toBe('Gardening Tools');
  });
});
