// What a contract says of every row, checked by every build whether the team declared it or not:
// a required column holds no NULL, an enum column no other value. A transform that broke either
// would publish rows its consumers read typed as the contract says (a string that is null).
import {
  buildProduct,
  type Check,
  type ChecksBuilder,
  defineDataProduct,
  defineDomain,
  odcsContract,
  sql,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';

const domain = defineDomain({
  name: 'shelf',
  description: 'Shelves whose transform a test breaks.',
  owner: { team: 'shelf-data', email: 'shelf-data@retail.example' },
});

const schema = z.object({
  shelf_id: z.string().describe('Shelf').meta({ key: true }),
  zone: z.enum(['front', 'back']).describe('Where the shelf stands'),
  label: z.string().describe('Printed label'),
  note: z.string().nullable().describe('Free text'),
});

/** A product whose transform yields `rows` (SQL of one row each), with the checks given. */
const shelves = (rows: string[], checks?: (c: ChecksBuilder<typeof schema>) => Check[]) =>
  defineDataProduct({
    domain,
    name: 'shelf_list',
    version: '1.0.0',
    description: 'Every shelf.',
    tier: 'bronze',
    refresh: 'daily',
    access: 'public',
    consumers: ['shelf'],
    schema,
    inputs: {},
    transform: () => sql.raw(rows.join(' UNION ALL ')),
    ...(checks ? { checks } : {}),
  });

const good = [`SELECT 'S1' AS shelf_id, 'front' AS zone, 'A' AS label, NULL AS note`];

describe('checks a contract implies', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    expect((await buildProduct(warehouse, shelves(good), { runId: 'r1' })).status).toBe('published');
  });
  afterAll(() => warehouse.close());

  const published = () => warehouse.query('SELECT shelf_id, zone, label FROM shelf.shelf_list ORDER BY 1');

  it('are run on every required and enum column the checks do not cover, and not listed in the contract', () => {
    const product = shelves(good, (c) => [c.shelf_id.unique(), c.label.notNull().warn()]);
    expect(product.checks.map((c) => [c.name, c.severity, c.implied === true])).toEqual([
      ['shelf_id_unique', 'error', false],
      ['label_not_null', 'warn', false],
      ['shelf_id_not_null', 'error', true],
      ['zone_not_null', 'error', true],
      ['zone_accepted_values', 'error', true],
    ]);
    const contract = JSON.stringify(odcsContract(product));
    expect(contract).not.toContain('zone_accepted_values');
    expect(contract).toContain('label_not_null');
  });

  it('block a transform that writes NULL in a required column, keeping the published rows', async () => {
    const before = await published();
    const outcome = await buildProduct(warehouse, shelves([...good, `SELECT 'S2', 'back', NULL, NULL`]), {
      runId: 'r2',
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('checks-failed');
    expect(outcome.error?.subject).toMatchObject({
      product: 'shelf_list',
      column: 'label',
      check: 'label_not_null',
    });
    expect(await published()).toEqual(before);
  });

  it('block a value the enum lacks', async () => {
    const outcome = await buildProduct(warehouse, shelves([...good, `SELECT 'S3', 'roof', 'C', NULL`]), {
      runId: 'r3',
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.failingRows])).toEqual([
      ['zone_accepted_values', 1],
    ]);
    expect(await published()).toEqual([{ shelf_id: 'S1', zone: 'front', label: 'A' }]);
  });
});
