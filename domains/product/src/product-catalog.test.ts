import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productCatalog, rawProducts } from './index.js';

const product = (product_id: string, category: string) => ({
  product_id,
  sku: `S-${product_id}`,
  name: 'Kite',
  category,
  brand: 'Acme',
  unit_cost: 1,
  retail_price: 2,
  active: true,
  launched_on: '2024-01-01',
  updated_at: new Date('2026-10-01T00:00:00Z'),
});

describe('product_catalog on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  });
  afterAll(() => warehouse.close());

  // The export holds these products only (loadRows replaces the sample), one per category given.
  const spelt = async (prefix: string, categories: readonly string[]) => {
    await loadRows(
      warehouse,
      rawProducts,
      categories.map((category, i) => product(`${prefix}${i + 1}`, category)),
    );
    const outcome = await buildProduct(warehouse, productCatalog, { runId: 't' });
    expect(outcome.status).toBe('published');
    return outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]);
  };

  it('publishes one spelling of each category with every check green', async () => {
    expect(await spelt('P', ['Apparel', 'Footwear', 'Home & Garden', 'Toys'])).toEqual([]);
  });

  it('warns of categories spelt two ways that look alike: case, a character that shows as nothing, whitespace', async () => {
    expect(
      await spelt('Q', [
        'Apparel',
        'Apparel\u200b', // a zero-width space after it
        'Footwear',
        'FOOTWEAR',
        'Home\u00ad & Garden', // a soft hyphen
        'Home &\u00a0Garden', // a no-break space
        'Home & Garden',
        'Toys\u2060', // a word joiner, but no other Toys: one category
        'Sports\ufeff', // a byte order mark
        'Sports\u200c\u200d', // a non-joiner and a joiner
        'Garden  Tools', // two spaces
        'Garden Tools',
      ]),
    ).toEqual([['categories_spelt_two_ways', 'warn', 5]]);
  });
});
