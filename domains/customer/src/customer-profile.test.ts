import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, ingestRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerProfile, rawCustomers } from './index.js';

const at = (iso: string) => new Date(iso);

const crm = (id: string, fields: Record<string, unknown>): Record<string, unknown> => ({
  customer_id: id,
  first_name: 'Ann',
  last_name: 'Lee',
  email: `${id.toLowerCase()}@mail.example`,
  phone: '+44 700000000',
  segment: 'consumer',
  loyalty_tier: 'bronze',
  signup_date: '2024-01-15',
  country: 'United Kingdom',
  city: 'Leeds',
  marketing_opt_in: true,
  updated_at: at('2026-10-01T00:00:00Z'),
  ...fields,
});

// One CRM export, revisions in the order they were saved. The source is an upsert on customer_id
// by updated_at, so the product sees each customer's current revision only.
// C1: an older revision loses to a newer one that also needs trimming and lower-casing.
// C2: one revision, no phone. C3: two revisions saved in the same second: the later line of the
// export wins (the product's own tie-break, the greater email, can no longer be reached).
// C4: three revisions, the newest withdraws consent and moves city.
const customers = [
  crm('C1', { first_name: 'Ann', email: 'ann.old@mail.example', updated_at: at('2026-09-01T00:00:00Z') }),
  crm('C1', {
    first_name: ' Ann ',
    last_name: 'Lee ',
    email: ' Ann.Lee@Mail.Example ',
    loyalty_tier: 'silver',
    updated_at: at('2026-10-01T00:00:00Z'),
  }),
  crm('C2', {
    first_name: 'Bo',
    last_name: 'Berg',
    phone: null,
    segment: 'corporate',
    loyalty_tier: 'platinum',
    country: 'Germany',
    city: 'Berlin',
    marketing_opt_in: false,
    signup_date: '2020-11-02',
  }),
  crm('C3', { first_name: 'Cy', email: 'b@mail.example', updated_at: at('2026-10-05T12:00:00Z') }),
  crm('C3', { first_name: 'Cyd', email: 'c@mail.example', updated_at: at('2026-10-05T12:00:00Z') }),
  crm('C4', { segment: 'small_business', loyalty_tier: 'gold', updated_at: at('2026-08-01T00:00:00Z') }),
  crm('C4', {
    segment: 'small_business',
    loyalty_tier: 'gold',
    city: ' Manchester ',
    marketing_opt_in: false,
    updated_at: at('2026-10-30T23:59:59Z'),
  }),
  crm('C4', { segment: 'small_business', loyalty_tier: 'silver', updated_at: at('2026-10-30T23:59:58Z') }),
];

const expected = [
  {
    customer_id: 'C1',
    full_name: 'Ann Lee',
    email: 'ann.lee@mail.example',
    segment: 'consumer',
    tier: 'silver',
    signup_date: '2024-01-15',
    country: 'United Kingdom',
    city: 'Leeds',
    marketing_opt_in: true,
  },
  {
    customer_id: 'C2',
    full_name: 'Bo Berg',
    email: 'c2@mail.example',
    segment: 'corporate',
    tier: 'platinum',
    signup_date: '2020-11-02',
    country: 'Germany',
    city: 'Berlin',
    marketing_opt_in: false,
  },
  {
    customer_id: 'C3',
    full_name: 'Cyd Lee',
    email: 'c@mail.example',
    segment: 'consumer',
    tier: 'bronze',
    signup_date: '2024-01-15',
    country: 'United Kingdom',
    city: 'Leeds',
    marketing_opt_in: true,
  },
  {
    customer_id: 'C4',
    full_name: 'Ann Lee',
    email: 'c4@mail.example',
    segment: 'small_business',
    tier: 'gold',
    signup_date: '2024-01-15',
    country: 'United Kingdom',
    city: 'Manchester',
    marketing_opt_in: false,
  },
];

/**
 * Delivers CRM rows as the CRM does: one CSV export per call, ingested as one batch whose lines
 * keep the given order, so the source's upsert (cursor, batch, line) decides. Returns the batch.
 */
const deliver = async (warehouse: Warehouse, rows: readonly Record<string, unknown>[]) => {
  const result = await ingestRows(warehouse, rawCustomers, rows);
  expect(result).toMatchObject({ status: 'loaded', loaded: rows.length, rejected: 0 });
  return result.batchId;
};

const readProfile = async (warehouse: Warehouse) => {
  const rows = [];
  for await (const row of customerProfile.read(warehouse)) rows.push(row);
  return rows.sort((a, b) => a.customer_id.localeCompare(b.customer_id));
};

describe('customer_profile on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await deliver(warehouse, customers);
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('publishes with every check green', async () => {
    const [outcome] = await buildMesh(warehouse, [customerProfile]);
    expect(outcome?.status).toBe('published');
    expect(outcome?.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
    expect(outcome?.checks?.outcomes.map((c) => c.name)).toEqual([
      'customer_id_unique',
      'customer_id_not_null',
      'email_not_null',
      'email_matches',
      'segment_accepted_values',
      'tier_accepted_values',
      'row_count',
      // What the contract implies: its other required columns hold a value.
      'full_name_not_null',
      'segment_not_null',
      'tier_not_null',
      'signup_date_not_null',
      'country_not_null',
      'city_not_null',
      'marketing_opt_in_not_null',
    ]);
  });

  it('keeps the newest revision of each customer, trimmed and with a lower-case email', async () => {
    expect(await readProfile(warehouse)).toEqual(expected);
  });

  it('keeps the contract other domains import: these columns, in this order, with these types', async () => {
    expect(
      customerProfile.columns.map((c) => [c.name, c.type, c.key, c.pii, c.nullable, c.values ?? null]),
    ).toEqual([
      ['customer_id', 'string', true, false, false, null],
      ['full_name', 'string', false, true, false, null],
      ['email', 'string', false, true, false, null],
      ['segment', 'string', false, false, false, ['consumer', 'small_business', 'corporate']],
      ['tier', 'string', false, false, false, ['bronze', 'silver', 'gold', 'platinum']],
      ['signup_date', 'date', false, false, false, null],
      ['country', 'string', false, false, false, null],
      ['city', 'string', false, false, false, null],
      ['marketing_opt_in', 'boolean', false, false, false, null],
    ]);
    expect(customerProfile).toMatchObject({
      tier: 'gold',
      access: 'restricted',
      consumers: ['marketing', 'order', 'store'],
    });
    const columns = await warehouse.query(
      "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'customer' AND table_name = 'customer_profile' ORDER BY column_index",
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type}`)).toEqual([
      'customer_id VARCHAR',
      'full_name VARCHAR',
      'email VARCHAR',
      'segment VARCHAR',
      'tier VARCHAR',
      'signup_date DATE',
      'country VARCHAR',
      'city VARCHAR',
      'marketing_opt_in BOOLEAN',
      '_domain VARCHAR',
      '_product VARCHAR',
      '_version VARCHAR',
      '_processed_at TIMESTAMP',
    ]);
  });

  it('refuses to publish a newest revision whose email is not an address, keeping the previous profile', async () => {
    const batch = await deliver(warehouse, [
      crm('C2', { email: 'bo berg at mail.example', updated_at: at('2026-10-31T00:00:00Z') }),
    ]);
    const [outcome] = await buildMesh(warehouse, [customerProfile]);
    expect([outcome?.status, outcome?.error?.code]).toEqual(['failed', 'checks-failed']);
    expect(outcome?.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.failingRows])).toEqual([
      ['email_matches', 1],
    ]);
    expect(await readProfile(warehouse)).toEqual(expected);
    await warehouse.revertBatch(rawCustomers, batch);
  });

  it('keeps one row when the CRM exports the same revision twice', async () => {
    // C3's current revision again, in a later export: the same row, kept once.
    const batch = await deliver(warehouse, [customers[4]!]);
    const [outcome] = await buildMesh(warehouse, [customerProfile]);
    expect(outcome?.status).toBe('published');
    expect(await readProfile(warehouse)).toEqual(expected);
    await warehouse.revertBatch(rawCustomers, batch);
  });
});
