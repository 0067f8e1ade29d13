import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type DataProduct, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { isMeshError } from './errors.js';
import { downstreamOf, inputsOf, planBuild, upstreamProducts } from './graph.js';
import type { Relation } from './relation.js';
import { defineSource } from './source.js';
import { type SqlFragment, sql } from './sql.js';

const owner = { team: 'data', email: 'data@retail.example' };
const productDomain = defineDomain({ name: 'product', description: 'What we sell.', owner });
const salesDomain = defineDomain({ name: 'sales', description: 'What we sold.', owner });

const rawProducts = defineSource({
  domain: productDomain,
  name: 'products',
  description: 'PIM export.',
  schema: z.object({ product_id: z.string() }),
});
const rawOrders = defineSource({
  domain: salesDomain,
  name: 'orders',
  description: 'Web shop export.',
  schema: z.object({ product_id: z.string() }),
});

const idSchema = z.object({ product_id: z.string() });
const product = <I extends Record<string, Relation>>(
  domain: typeof productDomain,
  name: string,
  inputs: I,
  transform: (inputs: I) => SqlFragment,
  version = '1.0.0',
) =>
  defineDataProduct({
    domain,
    name,
    version,
    description: `${name} for tests.`,
    tier: 'silver',
    refresh: 'daily',
    access: 'restricted',
    schema: idSchema,
    inputs,
    transform,
  });

// product: catalog <- raw; inventory <- catalog. sales: orders <- raw + catalog; daily <- orders + inventory.
const catalog = product(
  productDomain,
  'product_catalog',
  { rawProducts },
  (i) => sql`SELECT * FROM ${i.rawProducts}`,
);
const inventory = product(
  productDomain,
  'product_inventory',
  { catalog },
  (i) => sql`SELECT * FROM ${i.catalog}`,
);
const orders = product(
  salesDomain,
  'sales_orders',
  { rawOrders, catalog },
  (i) => sql`SELECT o.* FROM ${i.rawOrders} AS o JOIN ${i.catalog} AS c USING (product_id)`,
);
const daily = product(
  salesDomain,
  'sales_daily',
  { orders, inventory },
  (i) => sql`SELECT * FROM ${i.orders} JOIN ${i.inventory} USING (product_id)`,
);

const ids = (products: readonly DataProduct[]) => products.map((p) => p.id);

/** The DefinitionError `fn` throws. */
function definitionError(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (!isMeshError(error) || error.kind !== 'definition') throw error;
    return error;
  }
  throw new Error('expected a DefinitionError');
}

describe('inputsOf', () => {
  it('lists declared inputs and interpolated relations once each', () => {
    const extra = product(
      salesDomain,
      'sales_extra',
      { orders },
      (i) => sql`SELECT * FROM ${i.orders}, ${rawOrders}`,
    );
    expect(inputsOf(extra)).toEqual([orders, rawOrders]);
    expect(upstreamProducts(extra)).toEqual([orders]);
    expect(upstreamProducts(daily)).toEqual([orders, inventory]);
  });
});

describe('planBuild', () => {
  it('orders products of two domains in levels that depend only on earlier ones', () => {
    const plan = planBuild([daily, orders, inventory, catalog]);
    expect(plan.levels.map(ids)).toEqual([
      ['product.product_catalog'],
      ['product.product_inventory', 'sales.sales_orders'],
      ['sales.sales_daily'],
    ]);
    expect(ids(plan.order)).toEqual(plan.levels.flat().map((p) => p.id));
    expect(Object.fromEntries(plan.upstream)).toEqual({
      'sales.sales_daily': ['sales.sales_orders', 'product.product_inventory'],
      'sales.sales_orders': ['product.product_catalog'],
      'product.product_inventory': ['product.product_catalog'],
      'product.product_catalog': [],
    });
  });

  it('adds the upstream products it was not given', () => {
    expect(planBuild([daily]).levels.map(ids)).toEqual([
      ['product.product_catalog'],
      ['product.product_inventory', 'sales.sales_orders'],
      ['sales.sales_daily'],
    ]);
    expect(ids(planBuild([inventory]).order)).toEqual([
      'product.product_catalog',
      'product.product_inventory',
    ]);
  });

  it('plans nothing for no products', () => {
    expect(planBuild([])).toMatchObject({ levels: [], order: [] });
  });

  it('plans a product given twice, or defined twice in one version, once', () => {
    const again = product(
      productDomain,
      'product_catalog',
      { rawProducts },
      (i) => sql`SELECT * FROM ${i.rawProducts}`,
    );
    expect(ids(planBuild([catalog, again, catalog]).order)).toEqual(['product.product_catalog']);
  });

  it('rejects one product in two versions', () => {
    const newer = product(
      productDomain,
      'product_catalog',
      { rawProducts },
      (i) => sql`SELECT * FROM ${i.rawProducts}`,
      '2.0.0',
    );
    const error = definitionError(() => planBuild([inventory, newer]));
    expect(error.code).toBe('conflicting-versions');
    expect(error.subject).toEqual({ domain: 'product', product: 'product_catalog' });
    expect(error.message).toContain('1.0.0 and 2.0.0');
  });

  it('names a dependency cycle', () => {
    // Products are frozen once defined, so a cycle needs a relation resolved after both exist.
    const late = (get: () => DataProduct): DataProduct =>
      new Proxy({} as DataProduct, {
        get: (_target, key) => Reflect.get(get(), key),
        has: (_target, key) => key in get(),
      });
    const first = product(
      salesDomain,
      'sales_first',
      {},
      () => sql`SELECT * FROM ${late((): DataProduct => second)}`,
    );
    const second: DataProduct = product(
      salesDomain,
      'sales_second',
      { first },
      (i) => sql`SELECT * FROM ${i.first}`,
    );
    const third = product(salesDomain, 'sales_third', { second }, (i) => sql`SELECT * FROM ${i.second}`);

    for (const start of [first, second, third]) {
      const error = definitionError(() => planBuild([catalog, start]));
      expect(error.code).toBe('dependency-cycle');
      expect(error.message).toContain('sales.sales_first -> sales.sales_second -> sales.sales_first');
      expect(error.message).not.toContain('third');
      expect(error.subject).toEqual({ domain: 'sales', product: 'sales_first' });
    }
  });
});

describe('downstreamOf', () => {
  const plan = planBuild([daily]);

  it('finds every product downstream, across domains and transitively', () => {
    expect(downstreamOf(plan, 'product.product_catalog')).toEqual(
      new Set(['product.product_inventory', 'sales.sales_orders', 'sales.sales_daily']),
    );
    expect(downstreamOf(plan, 'sales.sales_orders')).toEqual(new Set(['sales.sales_daily']));
  });

  it('finds nothing below a leaf or an unknown id', () => {
    expect(downstreamOf(plan, 'sales.sales_daily').size).toBe(0);
    expect(downstreamOf(plan, 'nowhere.nothing').size).toBe(0);
  });
});
