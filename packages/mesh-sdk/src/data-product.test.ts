import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type DataProductInput, defineDataProduct, METADATA_COLUMNS } from './data-product.js';
import { defineDomain } from './domain.js';
import { isMeshError, type Subject } from './errors.js';
import { defineSource } from './source.js';
import { isSqlFragment, relationsOf, sql } from './sql.js';

const sales = defineDomain({
  name: 'sales',
  description: 'Orders, returns and receipts.',
  owner: { team: 'sales-data', email: 'sales-data@retail.example' },
});
const rawOrders = defineSource({
  domain: sales,
  name: 'orders',
  description: 'Orders as the web shop exports them.',
  mode: 'append',
  schema: z.object({ order_id: z.string().meta({ key: true }), placed_at: z.date(), channel: z.string() }),
});

const schema = z.object({
  order_id: z.string().describe('Order number').meta({ key: true }),
  placed_at: z.date().describe('When the order was placed'),
  channel: z.enum(['web', 'store']).describe('Where the order was placed'),
});
type Input = DataProductInput<typeof schema, { rawOrders: typeof rawOrders }>;

const valid: Input = {
  domain: sales,
  name: 'sales_orders',
  version: '1.2.0',
  description: 'Every order placed, online and in store.',
  tier: 'silver',
  refresh: 'hourly',
  access: 'restricted',
  schema,
  inputs: { rawOrders },
  transform: ({ rawOrders }) => sql`SELECT order_id, placed_at, channel FROM ${rawOrders}`,
};

/** The DefinitionError `define` throws, failing the test when it throws nothing or something else. */
function definitionError(define: () => unknown): { code: string; subject: Subject; message: string } {
  try {
    define();
  } catch (error) {
    if (!isMeshError(error) || error.kind !== 'definition') throw error;
    return error;
  }
  throw new Error('expected a DefinitionError');
}

describe('defineDataProduct', () => {
  it('returns a frozen product with defaults filled in', () => {
    const product = defineDataProduct(valid);
    expect(product).toMatchObject({
      kind: 'data-product',
      id: 'sales.sales_orders',
      name: 'sales_orders',
      version: '1.2.0',
      owner: sales.owner,
      consumers: [],
      sla: {},
      materialization: 'table',
      partitionBy: undefined,
      clusterBy: [],
      tags: [],
      table: { schema: 'sales', name: 'sales_orders' },
    });
    // None declared: those the contract implies, of its required and enum columns.
    expect(product.checks.map((c) => [c.name, c.severity, c.implied])).toEqual([
      ['order_id_not_null', 'error', true],
      ['placed_at_not_null', 'error', true],
      ['channel_not_null', 'error', true],
      ['channel_accepted_values', 'error', true],
    ]);
    expect(Object.isFrozen(product)).toBe(true);
    expect(Object.isFrozen(product.columns)).toBe(true);
    expect(isSqlFragment(product.query)).toBe(true);
    expect(relationsOf(product.query)).toEqual([rawOrders]);
  });

  it('publishes the contract columns followed by the metadata columns', () => {
    const product = defineDataProduct(valid);
    expect(product.columns.map((c) => c.name)).toEqual(['order_id', 'placed_at', 'channel']);
    expect(product.publishedColumns.map((c) => c.name)).toEqual([
      'order_id',
      'placed_at',
      'channel',
      '_domain',
      '_product',
      '_version',
      '_processed_at',
    ]);
    expect(product.publishedColumns.slice(3)).toEqual(METADATA_COLUMNS);
  });

  it('keeps its own owner, partitioning, clustering and checks', () => {
    const owner = { team: 'checkout', email: 'checkout@retail.example' };
    const product = defineDataProduct({
      ...valid,
      owner,
      partitionBy: { column: 'placed_at' },
      clusterBy: ['channel'],
      sla: { freshness: '2h', completeness: 0.99 },
      checks: (c) => [c.order_id.unique(), c.channel.acceptedValues()],
    });
    expect(product.owner).toEqual(owner);
    expect(product.partitionBy).toEqual({ column: 'placed_at', granularity: 'day' });
    expect(product.clusterBy).toEqual(['channel']);
    expect(product.sla).toEqual({ freshness: '2h', completeness: 0.99 });
    expect(product.checks.filter((c) => !c.implied).map((c) => c.name)).toEqual([
      'order_id_unique',
      'channel_accepted_values',
    ]);
    expect(product.checks[1]?.values).toEqual(['web', 'store']);
  });

  it('types its checks builder and its reads from the schema', () => {
    const product = defineDataProduct({
      ...valid,
      checks: (c) => {
        expectTypeOf(c).toHaveProperty('order_id');
        // @ts-expect-error: the schema has no column sku
        c.sku;
        return [];
      },
    });
    type Row = ReturnType<typeof product.read> extends AsyncIterable<infer R> ? R : never;
    expectTypeOf<Row>().toEqualTypeOf<{ order_id: string; placed_at: Date; channel: 'web' | 'store' }>();
    expect(product.checks.filter((c) => !c.implied)).toEqual([]);
  });

  describe('structural errors', () => {
    it.each<[string, Partial<Input>, string]>([
      ['a version that is not semver', { version: '1.2' }, 'version: a semantic version'],
      ['a name that is not snake_case', { name: 'SalesOrders' }, 'name: lower snake_case'],
      ['an unknown tier', { tier: 'platinum' as never }, 'tier:'],
      ['a freshness SLA that is not a duration', { sla: { freshness: 'hourly' as never } }, 'sla.freshness:'],
      ['a completeness SLA above 1', { sla: { completeness: 1.5 } }, 'sla.completeness:'],
      [
        'more than 4 clustering columns',
        { clusterBy: ['channel', 'channel', 'channel', 'channel', 'channel'] },
        'clusterBy:',
      ],
    ])('rejects %s as invalid-data-product', (_label, change, issue) => {
      const error = definitionError(() => defineDataProduct({ ...valid, ...change }));
      expect(error.code).toBe('invalid-data-product');
      expect(error.subject).toEqual({ domain: 'sales', product: change.name ?? 'sales_orders' });
      expect(error.message).toContain(issue);
    });

    it('rejects a partition column the schema does not have', () => {
      const error = definitionError(() =>
        defineDataProduct({ ...valid, partitionBy: { column: 'order_date' as never } }),
      );
      expect(error.code).toBe('unknown-column');
      expect(error.subject).toEqual({ domain: 'sales', product: 'sales_orders', column: 'order_date' });
    });

    it('rejects a cluster column the schema does not have', () => {
      const error = definitionError(() =>
        defineDataProduct({ ...valid, clusterBy: ['channel', 'store_id' as never] }),
      );
      expect(error.code).toBe('unknown-column');
      expect(error.subject).toEqual({ domain: 'sales', product: 'sales_orders', column: 'store_id' });
    });

    it('rejects a cluster column named twice', () => {
      const error = definitionError(() => defineDataProduct({ ...valid, clusterBy: ['channel', 'channel'] }));
      expect(error.code).toBe('duplicate-column');
      expect(error.message).toBe('clusterBy names channel twice.');
      expect(error.subject).toEqual({ domain: 'sales', product: 'sales_orders', column: 'channel' });
    });

    it('partitions by a date or timestamp and clusters by text, dates and integers', () => {
      const product = defineDataProduct({
        ...valid,
        schema: schema.extend({ units: z.number().int().describe('Units ordered') }),
        transform: () => sql`SELECT 1`,
        partitionBy: { column: 'placed_at', granularity: 'month' },
        clusterBy: ['channel', 'units', 'placed_at'],
      });
      expect(product.clusterBy).toEqual(['channel', 'units', 'placed_at']);
    });

    it("rejects a column starting with '_', reserved for metadata", () => {
      const error = definitionError(() =>
        defineDataProduct({
          ...valid,
          schema: schema.extend({ _loaded_at: z.date().describe('Load time') }),
          transform: () => sql`SELECT 1`,
        }),
      );
      expect(error.code).toBe('reserved-column');
      expect(error.subject).toEqual({ domain: 'sales', product: 'sales_orders', column: '_loaded_at' });
    });

    it('rejects two checks of the same name until one is renamed', () => {
      const error = definitionError(() =>
        defineDataProduct({ ...valid, checks: (c) => [c.order_id.notNull(), c.order_id.notNull().warn()] }),
      );
      expect(error.code).toBe('duplicate-check');
      expect(error.subject).toEqual({ domain: 'sales', product: 'sales_orders', check: 'order_id_not_null' });
      expect(error.message).toContain('.named()');
      const fixed = defineDataProduct({
        ...valid,
        checks: (c) => [c.order_id.notNull(), c.order_id.notNull().warn().named('order_id_present')],
      });
      expect(fixed.checks.filter((c) => !c.implied).map((c) => c.name)).toEqual([
        'order_id_not_null',
        'order_id_present',
      ]);
    });

    it('rejects a transform that does not return a sql fragment', () => {
      const error = definitionError(() =>
        defineDataProduct({ ...valid, transform: () => 'SELECT 1' as never }),
      );
      expect(error.code).toBe('invalid-transform');
      expect(error.subject).toEqual({ domain: 'sales', product: 'sales_orders' });
    });

    it('rejects a column type no warehouse can hold', () => {
      const error = definitionError(() =>
        defineDataProduct({
          ...valid,
          schema: schema.extend({ lines: z.array(z.string()).describe('Order lines') }),
          transform: () => sql`SELECT 1`,
        }),
      );
      expect(error.code).toBe('unsupported-column-type');
      expect(error.subject).toEqual({ domain: 'sales', product: 'sales_orders', column: 'lines' });
    });
  });
});
