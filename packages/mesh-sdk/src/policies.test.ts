import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ChecksBuilder } from './checks.js';
import { type DataProduct, type DataProductInput, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { checkMesh, type Finding, globalPolicies, type Policy } from './policies.js';
import { defineSource } from './source.js';
import { sql } from './sql.js';

const owner = { team: 'data', email: 'data@retail.example' };
const sales = defineDomain({ name: 'sales', description: 'What we sold.', owner });
const productDomain = defineDomain({ name: 'product', description: 'What we sell.', owner });
const rawOrders = defineSource({
  domain: sales,
  name: 'orders',
  description: 'Web shop export.',
  mode: 'append',
  schema: z.object({ order_id: z.string().meta({ key: true }) }),
});
const rawProducts = defineSource({
  domain: productDomain,
  name: 'products',
  description: 'PIM export.',
  mode: 'snapshot',
  schema: z.object({ product_id: z.string().meta({ key: true }) }),
});

const schema = z.object({
  order_id: z.string().describe('Order number').meta({ key: true }),
  placed_on: z.iso.date().describe('Day the order was placed'),
  channel: z.string().describe('Where the order was placed'),
});
const keyChecks = (c: ChecksBuilder<typeof schema>) => [c.order_id.unique(), c.order_id.notNull()];

type Inputs = { rawOrders: typeof rawOrders };
type SchemaFields = 'schema' | 'partitionBy' | 'clusterBy' | 'checks';

// A gold product that meets every policy; each test changes one thing about it.
const common: Omit<DataProductInput<z.ZodObject, Inputs>, SchemaFields> = {
  domain: sales,
  name: 'sales_orders',
  version: '1.0.0',
  description: 'Every order placed online, one row per order.',
  tier: 'gold',
  refresh: 'hourly',
  access: 'public',
  consumers: ['finance'],
  sla: { freshness: '2h' },
  inputs: { rawOrders },
  transform: ({ rawOrders }) => sql`SELECT * FROM ${rawOrders}`,
};
const good: DataProductInput<typeof schema, Inputs> = {
  ...common,
  schema,
  partitionBy: { column: 'placed_on' },
  checks: keyChecks,
};
const orders = defineDataProduct(good);

const mesh = (...products: DataProduct[]) => ({
  domains: [sales, productDomain],
  sources: [rawOrders, rawProducts],
  products,
});
const found = (...products: DataProduct[]) =>
  checkMesh(mesh(...products)).map(({ code, severity, subject }) => ({ code, severity, subject }));
const about = (extra: Partial<Finding['subject']> = {}) => ({
  domain: 'sales',
  product: 'sales_orders',
  ...extra,
});

describe('checkMesh', () => {
  it('finds nothing wrong with a product that meets every standard', () => {
    expect(checkMesh(mesh(orders))).toEqual([]);
  });

  it('runs every global policy with a distinct code', () => {
    const codes = globalPolicies.map((p) => p.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toEqual(
      expect.arrayContaining([
        'product-naming',
        'column-description-required',
        'consumers-required',
        'pii-not-public',
        'gold-key-checks',
        'partition-column-temporal',
        'no-foreign-sources',
        'inputs-declared',
      ]),
    );
  });

  it.each(['orders', 'sales_', 'salesorders', 'product_orders'])('wants %s named sales_<entity>', (name) => {
    const product = defineDataProduct({ ...good, name });
    expect(found(product)).toEqual([
      { code: 'product-naming', severity: 'error', subject: about({ product: name }) },
    ]);
  });

  it('wants every column described', () => {
    const product = defineDataProduct({
      ...good,
      schema: schema.extend({ note: z.string().optional(), tag: z.string().describe('   ') }),
    });
    expect(found(product)).toEqual([
      { code: 'column-description-required', severity: 'error', subject: about({ column: 'note' }) },
      { code: 'column-description-required', severity: 'error', subject: about({ column: 'tag' }) },
    ]);
  });

  it('wants a description of at least a sentence', () => {
    const product = defineDataProduct({ ...good, description: 'Orders' });
    expect(found(product)).toEqual([{ code: 'description-required', severity: 'error', subject: about() }]);
  });

  it('wants consumers', () => {
    const product = defineDataProduct({ ...good, consumers: [] });
    expect(found(product)).toEqual([{ code: 'consumers-required', severity: 'error', subject: about() }]);
  });

  it('keeps PII out of public products', () => {
    const withPii = schema.extend({ email: z.email().describe('Buyer email').meta({ pii: true }) });
    const open = defineDataProduct({ ...good, schema: withPii });
    expect(found(open)).toEqual([
      { code: 'pii-not-public', severity: 'error', subject: about({ column: 'email' }) },
    ]);
    const restricted = defineDataProduct({ ...good, schema: withPii, access: 'restricted' });
    expect(found(restricted)).toEqual([]);
  });

  describe('gold-key-checks', () => {
    it('wants a gold product to declare a key', () => {
      const product = defineDataProduct({
        ...common,
        schema: z.object({ order_id: z.string().describe('Order number') }),
      });
      expect(found(product)).toEqual([{ code: 'gold-key-checks', severity: 'error', subject: about() }]);
    });

    it('wants each key column checked unique and not null, blocking', () => {
      const messages = (product: DataProduct) =>
        checkMesh(mesh(product)).map((f) => `${f.code} ${f.subject.column}: ${f.message}`);
      // A key column is required: its not_null check is implied, blocking (see impliedChecks).
      const unchecked = defineDataProduct({ ...good, checks: () => [] });
      expect(messages(unchecked)).toEqual([
        'gold-key-checks order_id: sales.sales_orders is gold: key column order_id needs a blocking unique check.',
      ]);
      const warnOnly = defineDataProduct({
        ...good,
        checks: (c) => [c.order_id.unique().warn(), c.order_id.notNull()],
      });
      expect(messages(warnOnly)).toEqual([
        'gold-key-checks order_id: sales.sales_orders is gold: key column order_id needs a blocking unique check.',
      ]);
    });

    it('does not ask it of silver products', () => {
      expect(found(defineDataProduct({ ...good, tier: 'silver', checks: () => [] }))).toEqual([]);
    });

    const lines = z.object({
      order_id: z.string().describe('Order number').meta({ key: true }),
      line_no: z.int().describe('Line within the order').meta({ key: true }),
      sku: z.string().describe('Product sold'),
    });

    it('accepts a unique combination of a composite key', () => {
      const product = defineDataProduct({
        ...common,
        schema: lines,
        checks: (c) => [
          c.order_id.notNull(),
          c.line_no.notNull(),
          c.table.uniqueCombination(['order_id', 'line_no']),
        ],
      });
      expect(found(product)).toEqual([]);
    });

    it('does not take a unique combination that leaves out a key column for the key check', () => {
      const product = defineDataProduct({
        ...common,
        schema: lines,
        checks: (c) => [
          c.order_id.notNull(),
          c.line_no.notNull(),
          c.table.uniqueCombination(['order_id', 'sku']),
        ],
      });
      expect(found(product).map((f) => [f.code, f.subject.column])).toEqual([
        ['gold-key-checks', 'order_id'],
        ['gold-key-checks', 'line_no'],
      ]);
    });
  });

  it('wants a date or timestamp partition column', () => {
    const product = defineDataProduct({ ...good, partitionBy: { column: 'channel' } });
    expect(found(product)).toEqual([
      { code: 'partition-column-temporal', severity: 'error', subject: about({ column: 'channel' }) },
    ]);
  });

  it('wants cluster columns BigQuery can cluster by, no FLOAT64', () => {
    const product = defineDataProduct({
      ...good,
      schema: schema.extend({ total: z.number().describe('Order total') }),
      transform: () => sql`SELECT 1`,
      clusterBy: ['channel', 'total' as never],
    });
    expect(found(product)).toEqual([
      { code: 'cluster-columns-clusterable', severity: 'error', subject: about({ column: 'total' }) },
    ]);
  });

  it("forbids reading another domain's raw source, even when declared", () => {
    const product = defineDataProduct({
      ...good,
      inputs: { rawOrders, rawProducts },
      transform: (i) => sql`SELECT * FROM ${i.rawOrders} JOIN ${i.rawProducts} USING (order_id)`,
    });
    const findings = checkMesh(mesh(product));
    expect(findings.map(({ code, subject }) => ({ code, subject }))).toEqual([
      { code: 'no-foreign-sources', subject: about() },
    ]);
    expect(findings[0]?.message).toContain("product's raw source products");
  });

  it('wants every relation the transform reads declared as an input', () => {
    const other = defineDataProduct({ ...good, name: 'sales_refunds' });
    const product = defineDataProduct({
      ...good,
      transform: (i) =>
        sql`SELECT * FROM ${i.rawOrders} WHERE order_id NOT IN (SELECT order_id FROM ${other})`,
    });
    const findings = checkMesh(mesh(product, other)).filter((f) => f.subject.product === 'sales_orders');
    expect(findings.map(({ code, subject }) => ({ code, subject }))).toEqual([
      { code: 'inputs-declared', subject: about() },
    ]);
    expect(findings[0]?.message).toContain('sales.sales_refunds');
  });

  it('warns when a gold or silver product declares no freshness SLA', () => {
    const product = defineDataProduct({ ...good, sla: {} });
    expect(found(product)).toEqual([{ code: 'sla-declared', severity: 'warning', subject: about() }]);
    expect(found(defineDataProduct({ ...good, tier: 'bronze', sla: {} }))).toEqual([]);
  });

  it('reports two distinct products of one id', () => {
    const twin = defineDataProduct({ ...good });
    expect(found(orders, twin)).toEqual([{ code: 'unique-product', severity: 'error', subject: about() }]);
    expect(found(orders, orders)).toEqual([]);
  });

  it('reports every finding of every product, not just the first', () => {
    const bad = defineDataProduct({ ...good, name: 'orders', consumers: [], checks: () => [] });
    expect(found(bad, orders).map((f) => `${f.code}:${f.subject.product}:${f.subject.column ?? ''}`)).toEqual(
      ['product-naming:orders:', 'consumers-required:orders:', 'gold-key-checks:orders:order_id'],
    );
  });

  it('runs the policies a domain adds after the global ones', () => {
    const noPublicGold: Policy = {
      code: 'sales-no-public-gold',
      description: 'Sales keeps gold products restricted.',
      check: (m) =>
        m.products
          .filter((p) => p.domain.name === 'sales' && p.tier === 'gold' && p.access === 'public')
          .map((p) => ({
            code: 'sales-no-public-gold',
            severity: 'warning',
            message: `${p.id} is public.`,
            subject: { product: p.name },
          })),
    };
    expect(checkMesh(mesh(orders), [noPublicGold])).toEqual([
      {
        code: 'sales-no-public-gold',
        severity: 'warning',
        message: 'sales.sales_orders is public.',
        subject: { product: 'sales_orders' },
      },
    ]);
  });
});
