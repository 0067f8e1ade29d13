// The figures a product publishes on BigQuery (production) are the ones DuckDB publishes in
// every test: built from the same literal rows on DuckDB and on ZetaSQL's reference engine,
// which runs GoogleSQL as BigQuery does. Here, text with Unicode spaces around it.
import { onBothWarehouses } from '@retail-mesh/bigquery/testing';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { describe, expect, it } from 'vitest';
import { productCatalog } from './index.js';

const figures = onBothWarehouses(() => createDuckDbWarehouse({ path: ':memory:' }));

describe('product figures on DuckDB and on BigQuery', () => {
  it('product_catalog: one category however many spaces of whatever kind surround it', async () => {
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
});
