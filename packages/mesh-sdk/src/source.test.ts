import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineDomain } from './domain.js';
import { isMeshError } from './errors.js';
import { defineSource } from './source.js';

const product = defineDomain({
  name: 'product',
  description: 'What we sell.',
  owner: { team: 'product-data', email: 'product-data@retail.example' },
});
const schema = z.object({
  product_id: z.string().describe('Catalog id'),
  stock: z.int().describe('Units on hand'),
});

/** What `define` throws, failing the test when it throws nothing. */
function thrown(define: () => unknown): unknown {
  try {
    define();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('defineSource', () => {
  it("lands in the domain's schema as raw_<name>, with columns from its schema", () => {
    const source = defineSource({
      domain: product,
      name: 'stock_levels',
      description: 'Stock per product.',
      schema,
    });
    expect(source).toMatchObject({
      kind: 'source',
      name: 'stock_levels',
      system: undefined,
      sample: undefined,
      table: { schema: 'product', name: 'raw_stock_levels' },
    });
    expect(source.columns.map((c) => [c.name, c.type, c.description])).toEqual([
      ['product_id', 'string', 'Catalog id'],
      ['stock', 'integer', 'Units on hand'],
    ]);
    expect(Object.isFrozen(source)).toBe(true);
  });

  it.each<[string, { name?: string; description?: string; system?: string }]>([
    ['a name that is not snake_case', { name: 'stock-levels' }],
    ['an empty description', { description: '' }],
    ['an empty system', { system: '' }],
  ])('rejects %s as invalid-source', (_label, change) => {
    const error = thrown(() =>
      defineSource({
        domain: product,
        name: 'stock_levels',
        description: 'Stock per product.',
        schema,
        ...change,
      }),
    );
    expect(isMeshError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'invalid-source',
      subject: { domain: 'product', source: change.name ?? 'stock_levels' },
    });
  });

  it('names the source and column of an unsupported column type', () => {
    const error = thrown(() =>
      defineSource({
        domain: product,
        name: 'stock_levels',
        description: 'Stock per product.',
        schema: schema.extend({ bins: z.array(z.string()) }),
      }),
    );
    expect(error).toMatchObject({
      code: 'unsupported-column-type',
      subject: { domain: 'product', source: 'stock_levels', column: 'bins' },
    });
  });
});
