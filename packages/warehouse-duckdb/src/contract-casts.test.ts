// A build casts each value its transform gives to the column's contract type. A fraction cast
// to an integer rounds on both warehouses (an average quantity of 2.7 published as 3): the build
// refuses it instead, naming the column and the value, and the published rows stay.
import { buildProduct, defineDataProduct, defineDomain, sql, type Warehouse, z } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';

const domain = defineDomain({
  name: 'basket',
  description: 'Baskets whose transform a test changes.',
  owner: { team: 'basket-data', email: 'basket-data@retail.example' },
});

const schema = z.object({
  basket_id: z.string().describe('Basket').meta({ key: true }),
  items: z.number().int().describe('Items in the basket'),
});

/** A product whose transform gives `items` as the SQL expression given. */
const baskets = (items: string) =>
  defineDataProduct({
    domain,
    name: 'basket_sizes',
    version: '1.0.0',
    description: 'Items per basket.',
    tier: 'bronze',
    refresh: 'daily',
    access: 'public',
    consumers: ['basket'],
    schema,
    inputs: {},
    transform: () => sql.raw(`SELECT 'B1' AS basket_id, ${items} AS items`),
  });

describe('values cast to the contract type', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  });
  afterAll(() => warehouse.close());

  const published = () => warehouse.query('SELECT basket_id, items FROM basket.basket_sizes');

  it.each([
    ['an integer', 'CAST(4 AS INTEGER)'],
    ['a whole double', 'CAST(4 AS DOUBLE)'],
    ['a whole decimal', 'CAST(4.00 AS DECIMAL(10,2))'],
    ['text of a whole number', "'4'"],
  ])('publish %s in an integer column', async (_, items) => {
    const outcome = await buildProduct(warehouse, baskets(items), { runId: 'r' });
    expect(outcome.error).toBeUndefined();
    expect(await published()).toEqual([{ basket_id: 'B1', items: 4 }]);
  });

  it.each([
    ['a double', 'CAST(2.7 AS DOUBLE)', '2.7'],
    ['a decimal', 'CAST(2.50 AS DECIMAL(10,2))', '2.50'],
    ['a float', 'CAST(-1.5 AS FLOAT)', '-1.5'],
  ])(
    'refuse a fraction of %s in an integer column, naming it and keeping the published rows',
    async (_, items, shown) => {
      expect((await buildProduct(warehouse, baskets('4'), { runId: 'r0' })).status).toBe('published');
      const outcome = await buildProduct(warehouse, baskets(items), { runId: 'r1' });
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.subject).toMatchObject({ domain: 'basket', product: 'basket_sizes' });
      expect(outcome.error?.message).toContain(
        `basket.basket_sizes failed: Invalid Input Error: column items: the transform gives ${shown}, which an integer column would round`,
      );
      expect(await published()).toEqual([{ basket_id: 'B1', items: 4 }]);
    },
  );
});
