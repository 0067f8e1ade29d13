import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Check, ChecksBuilder } from './checks.js';
import { type DataProduct, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { isMeshError } from './errors.js';
import { checkedAgainst, downstreamOf, inputsOf, planBuild, sourcesOf, upstreamProducts } from './graph.js';
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
  mode: 'snapshot',
  schema: z.object({ product_id: z.string().meta({ key: true }) }),
});
const rawOrders = defineSource({
  domain: salesDomain,
  name: 'orders',
  description: 'Web shop export.',
  mode: 'append',
  schema: z.object({ product_id: z.string().meta({ key: true }) }),
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

/** A sales product reading `inputs` (or nothing) whose checks are `checks`. */
const checking = (
  name: string,
  inputs: Record<string, Relation>,
  checks: (c: ChecksBuilder<typeof idSchema>) => Check[],
) =>
  defineDataProduct({
    domain: salesDomain,
    name,
    version: '1.0.0',
    description: `${name} for tests.`,
    tier: 'silver',
    refresh: 'daily',
    access: 'restricted',
    schema: idSchema,
    inputs,
    transform: (i) =>
      Object.values(i).length
        ? sql`SELECT * FROM ${sql.join(Object.values(i))}`
        : sql`SELECT 'P1' AS product_id`,
    checks,
  });

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

describe('checkedAgainst', () => {
  it('lists the products its checks reference once each, not sources', () => {
    const audit = checking('sales_audit', { orders }, (c) => [
      c.product_id.references(inventory, 'product_id'),
      c.product_id.references(rawOrders, 'product_id'),
      c.product_id.references(orders, 'product_id'),
      c.product_id.references(inventory, 'product_id').named('again_in_inventory'),
      c.product_id.notNull(),
    ]);
    expect(ids(checkedAgainst(audit))).toEqual(['product.product_inventory', 'sales.sales_orders']);
  });

  it('leaves out the product itself and finds nothing without references', () => {
    const earlier = product(salesDomain, 'sales_self', {}, () => sql`SELECT 'P1' AS product_id`);
    const self = checking('sales_self', {}, (c) => [c.product_id.references(earlier, 'product_id')]);
    expect(checkedAgainst(self)).toEqual([]);
    expect(checkedAgainst(daily)).toEqual([]);
  });
});

describe('sourcesOf', () => {
  const sourceIds = (product: DataProduct) => sourcesOf(product).map((s) => s.id);

  it('finds the sources read directly and through upstream products, across domains, once each', () => {
    expect(sourceIds(catalog)).toEqual(['product.products']);
    // daily reads catalog twice (through orders and inventory): its source is listed once.
    expect(sourceIds(daily).sort()).toEqual(['product.products', 'sales.orders']);
  });

  it('counts a source the transform interpolates and an optional one, and nothing for no inputs', () => {
    const returns = defineSource({
      domain: salesDomain,
      name: 'returns',
      description: 'Returns export.',
      mode: 'append',
      optional: true,
      schema: z.object({ product_id: z.string().meta({ key: true }) }),
    });
    const extra = product(
      salesDomain,
      'sales_extra',
      { inventory },
      (i) => sql`SELECT * FROM ${i.inventory} JOIN ${returns} USING (product_id)`,
    );
    expect(sourceIds(extra).sort()).toEqual(['product.products', 'sales.returns']);
    expect(sourcesOf(product(salesDomain, 'sales_none', {}, () => sql`SELECT 'P1' AS product_id`))).toEqual(
      [],
    );
  });

  it('does not follow check references', () => {
    const audit = checking('sales_audit', {}, (c) => [c.product_id.references(orders, 'product_id')]);
    expect(sourcesOf(audit)).toEqual([]);
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

  it('adds the products its checks reference and orders it after them, without making it their downstream', () => {
    // Without its reference, sales_audit (no inputs) would be built with product_catalog.
    const audit = checking('sales_audit', {}, (c) => [c.product_id.references(inventory, 'product_id')]);
    const plan = planBuild([audit]);
    expect(plan.levels.map(ids)).toEqual([
      ['product.product_catalog'],
      ['product.product_inventory'],
      ['sales.sales_audit'],
    ]);
    expect(plan.upstream.get('sales.sales_audit')).toEqual([]);
    expect(downstreamOf(plan, 'product.product_inventory').has('sales.sales_audit')).toBe(false);
  });

  // A reference that contradicts the inputs needs two definitions of one product (same id and
  // version): definitions are frozen, so one cannot reference a product defined after it.
  it('lets inputs alone decide when references would make the plan impossible', () => {
    const source = () => sql`SELECT 'P1' AS product_id`;
    const firstX = product(salesDomain, 'sales_x', {}, source);
    const y = product(salesDomain, 'sales_y', { firstX }, (i) => sql`SELECT * FROM ${i.firstX}`);
    const x = checking('sales_x', {}, (c) => [c.product_id.references(y, 'product_id')]);
    // x's check wants y first; y reads x.
    expect(planBuild([x]).levels.map(ids)).toEqual([['sales.sales_x'], ['sales.sales_y']]);

    const firstA = product(salesDomain, 'sales_a', {}, source);
    const b = checking('sales_b', {}, (c) => [c.product_id.references(firstA, 'product_id')]);
    const a = checking('sales_a', {}, (c) => [c.product_id.references(b, 'product_id')]);
    // a and b reference each other: one level, no cycle error.
    expect(planBuild([a]).levels.map(ids)).toEqual([['sales.sales_a', 'sales.sales_b']]);
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

  it('rejects one product defined otherwise in one version (changed without a new version)', () => {
    const changed = product(
      productDomain,
      'product_catalog',
      { rawProducts },
      (i) => sql`SELECT * FROM ${i.rawProducts} WHERE 1 = 1`,
    );
    const error = definitionError(() => planBuild([inventory, changed]));
    expect(error.code).toBe('conflicting-definitions');
    expect(error.subject).toEqual({ domain: 'product', product: 'product_catalog' });
    expect(error.message).toMatch(
      /^product\.product_catalog is defined twice in version 1\.0\.0, with other inputs or transform/,
    );
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
