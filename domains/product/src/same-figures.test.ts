// The figures a product publishes on BigQuery (production) are the ones DuckDB publishes in
// every test: built from the same literal rows on DuckDB and on ZetaSQL's reference engine,
// which runs GoogleSQL as BigQuery does. Here, text with Unicode spaces and characters that
// show as nothing.
import { onBothWarehouses } from '@retail-mesh/bigquery/testing';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { defineDataProduct, z } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { productCatalog, productDomain, rawProducts } from './index.js';

const product = (product_id: string, category: string) => ({
  product_id,
  sku: `S-${product_id}`,
  name: 'Kite',
  category,
  brand: 'Acme',
  unit_cost: '1.00',
  retail_price: '2.00',
  active: true,
  launched_on: '2024-01-01',
  updated_at: new Date('2026-10-01T00:00:00Z'),
});

const figures = onBothWarehouses(() => createDuckDbWarehouse({ path: ':memory:' }));

describe('product figures on DuckDB and on BigQuery', () => {
  it('product_catalog: one category however many spaces of whatever kind surround it', async () => {
    // A tab, a line break, a line separator and an ideographic space: BigQuery's TRIM strips
    // them all, DuckDB's kept the first three.
    const inputs = {
      products: [
        product('P1', 'Toys'),
        product('P2', 'Toys\t'),
        product('P3', '\nToys'),
        product('P4', '\u2028Toys\u3000'),
      ],
    };
    const { local, bigquery } = await figures(productCatalog, inputs);
    expect(local.map((r) => r.category)).toEqual(['Toys', 'Toys', 'Toys', 'Toys']);
    expect(bigquery).toEqual(local);
  });

  it('categories_spelt_two_ways: the same categories folded alike, whatever does not show in them', async () => {
    // The check's own query, as the rows of a product: what each warehouse finds spelt two ways.
    const check = productCatalog.checks.find((c) => c.name === 'categories_spelt_two_ways')!;
    const spelt = defineDataProduct({
      domain: productDomain,
      name: 'product_categories_spelt_two_ways',
      version: '1.0.0',
      description: 'The folded categories product_catalog spells two ways.',
      tier: 'bronze',
      refresh: 'daily',
      access: 'public',
      consumers: ['product'],
      schema: z.object({ folded: z.string().describe('Category folded').meta({ key: true }) }),
      inputs: { products: rawProducts },
      transform: ({ products }) => check.query!(products),
    });
    const row = (category: string) => ({ ...product('P', category), product_id: category });
    const inputs = {
      products: [
        'Apparel',
        'Apparel\u200b',
        'Footwear',
        'FOOTWEAR',
        'Home\u00ad & Garden',
        'Home &\u00a0Garden',
        'Sports\ufeff',
        'Sports\u200c\u2060',
        'Toys\u200d',
        'Garden\u3000Tools',
        'Garden Tools',
      ].map(row),
    };
    const { local, bigquery } = await figures(spelt, inputs);
    expect(local.map((r) => r.folded)).toEqual([
      'apparel',
      'footwear',
      'gardentools',
      'home&garden',
      'sports',
    ]);
    expect(bigquery).toEqual(local);
  });
});
