// A typed read hands out what the zod schema's type says, for the shapes a team may write
// beside the common ones: a z.bigint() column is a BigInt (not a number typed bigint), an
// .optional() column's NULL is undefined (typed `?:`), a .nullable() one's stays null.
import { buildProduct, defineDataProduct, defineDomain, sql, type Warehouse, z } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';

const parcels = defineDataProduct({
  domain: defineDomain({
    name: 'parcel',
    description: 'Parcels a test reads back.',
    owner: { team: 'parcel-data', email: 'parcel-data@retail.example' },
  }),
  name: 'parcel_list',
  version: '1.0.0',
  description: 'Every parcel.',
  tier: 'bronze',
  refresh: 'daily',
  access: 'public',
  consumers: ['parcel'],
  schema: z.object({
    parcel_id: z.bigint().describe('Carrier number').meta({ key: true }),
    note: z.string().optional().describe('Courier note'),
    weight: z.number().nullable().describe('Kilograms'),
    tracking: z.bigint().optional().describe('Tracking number'),
  }),
  inputs: {},
  transform: () =>
    sql.raw(
      `SELECT * FROM (VALUES (9007199254740993, 'fragile', 1.5, 12), (2, NULL, NULL, NULL)) AS v(parcel_id, note, weight, tracking)`,
    ),
});

describe('typed reads of bigint, optional and nullable columns', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    expect((await buildProduct(warehouse, parcels, { runId: 'r' })).status).toBe('published');
  });
  afterAll(() => warehouse.close());

  it('hand out BigInts, undefined for an optional NULL and null for a nullable one', async () => {
    const rows = [];
    for await (const row of parcels.read(warehouse)) {
      expectTypeOf(row.parcel_id).toEqualTypeOf<bigint>();
      expectTypeOf(row.note).toEqualTypeOf<string | undefined>();
      rows.push(row);
    }
    rows.sort((a, b) => (a.parcel_id < b.parcel_id ? -1 : 1));
    expect(rows).toStrictEqual([
      { parcel_id: 2n, note: undefined, weight: null, tracking: undefined },
      { parcel_id: 9007199254740993n, note: 'fragile', weight: 1.5, tracking: 12n },
    ]);
  });

  it('find a row by a BigInt key beyond 2^53', async () => {
    const rows = [];
    for await (const row of parcels.read(warehouse, { where: { parcel_id: 9007199254740993n } }))
      rows.push(row);
    expect(rows.map((r) => r.parcel_id)).toEqual([9007199254740993n]);
  });
});
