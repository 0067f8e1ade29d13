import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import type { ChecksBuilder } from './checks.js';
import { odcsContract } from './contract.js';
import { type ContractChangeKind, diffContract, diffContracts } from './contract-diff.js';
import { type DataProduct, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { sql } from './sql.js';

const sales = defineDomain({
  name: 'sales',
  description: 'What we sold.',
  owner: { team: 'sales-data', email: 'sales-data@retail.example' },
});

const columns = {
  order_id: z.string().describe('Order number').meta({ key: true }),
  order_date: z.iso.date().describe('Day of the order'),
  channel: z.enum(['web', 'store']).describe('Where it was placed'),
  amount: z.number().meta({ type: 'decimal' }).describe('Amount paid'),
  note: z.string().nullable().describe('Free text'),
  email: z.string().describe('Buyer email'),
};

/** The product as released, then changed by `edit` (its schema columns and other fields). */
function product(
  edit: {
    columns?: Record<string, z.ZodType>;
    version?: string;
    access?: 'public' | 'restricted' | 'confidential';
    consumers?: string[];
    tier?: 'gold' | 'silver' | 'bronze';
    refresh?: 'real-time' | 'hourly' | 'daily';
    sla?: { freshness?: string; completeness?: number; validity?: number };
    partition?: string;
    /** A row-count check at least this many rows (`true`: 1). */
    checks?: boolean | number;
    description?: string;
    transform?: string;
  } = {},
): DataProduct {
  const schema = z.object(edit.columns ?? columns);
  return defineDataProduct({
    domain: sales,
    name: 'sales_orders',
    version: edit.version ?? '1.0.0',
    description: edit.description ?? 'Orders.',
    tier: edit.tier ?? 'silver',
    refresh: edit.refresh ?? 'hourly',
    access: edit.access ?? 'public',
    consumers: edit.consumers ?? ['finance'],
    sla: edit.sla ?? { freshness: '1d', completeness: 0.99 },
    schema,
    partitionBy: edit.partition ? { column: edit.partition } : undefined,
    inputs: {},
    transform: () => (edit.transform ? sql.raw(edit.transform) : sql`SELECT 1`),
    checks: (c: ChecksBuilder<typeof schema>) =>
      edit.checks ? [c.table.rowCount({ min: edit.checks === true ? 1 : edit.checks })] : [],
  } as never);
}

const released = product({ partition: 'order_date' });
const without = (name: keyof typeof columns) =>
  Object.fromEntries(Object.entries(columns).filter(([k]) => k !== name));

describe('contract diff', () => {
  // Every kind of change, alone, against the released contract: its kind and whether it breaks.
  const matrix: Array<[string, DataProduct, ContractChangeKind, boolean]> = [
    [
      'a column removed',
      product({ columns: without('note'), partition: 'order_date' }),
      'column-removed',
      true,
    ],
    [
      'a column renamed',
      product({ columns: { ...without('note'), remark: columns.note }, partition: 'order_date' }),
      'column-removed',
      true,
    ],
    [
      'a column added',
      product({ columns: { ...columns, region: z.string().describe('Region') }, partition: 'order_date' }),
      'column-added',
      false,
    ],
    [
      'a type changed',
      product({
        columns: { ...columns, amount: z.number().describe('Amount paid') },
        partition: 'order_date',
      }),
      'type-changed',
      true,
    ],
    [
      'a nullable column made required',
      product({ columns: { ...columns, note: z.string().describe('Free text') }, partition: 'order_date' }),
      'made-required',
      true,
    ],
    [
      'a required column made nullable',
      product({
        columns: { ...columns, email: z.string().nullable().describe('Buyer email') },
        partition: 'order_date',
      }),
      'made-nullable',
      true,
    ],
    [
      'an enumeration value removed',
      product({
        columns: { ...columns, channel: z.enum(['web']).describe('Where it was placed') },
        partition: 'order_date',
      }),
      'enum-value-removed',
      true,
    ],
    [
      'an enumeration value added',
      product({
        columns: { ...columns, channel: z.enum(['web', 'store', 'app']).describe('Where it was placed') },
        partition: 'order_date',
      }),
      'enum-value-added',
      false,
    ],
    [
      'the key changed',
      product({
        columns: { ...columns, email: z.string().describe('Buyer email').meta({ key: true }) },
        partition: 'order_date',
      }),
      'key-changed',
      true,
    ],
    [
      'a column classified PII',
      product({
        columns: { ...columns, email: z.string().describe('Buyer email').meta({ pii: true }) },
        access: 'restricted',
        partition: 'order_date',
      }),
      'classification-narrowed',
      true,
    ],
    [
      'the access model narrowed',
      product({ access: 'restricted', partition: 'order_date' }),
      'access-narrowed',
      true,
    ],
    ['the partitioning changed', product(), 'partitioning-changed', true],
    [
      'a description changed',
      product({ description: 'All orders.', partition: 'order_date' }),
      'description-changed',
      false,
    ],
    ['a check added', product({ checks: true, partition: 'order_date' }), 'check-added', false],
    [
      'the access model narrowed to its owners',
      product({ access: 'confidential', partition: 'order_date' }),
      'access-narrowed',
      true,
    ],
    [
      'a consumer added',
      product({ consumers: ['finance', 'store'], partition: 'order_date' }),
      'consumer-added',
      false,
    ],
    [
      'the freshness SLA made longer',
      product({ sla: { freshness: '2d', completeness: 0.99 }, partition: 'order_date' }),
      'sla-weakened',
      false,
    ],
    [
      'the freshness SLA dropped',
      product({ sla: { completeness: 0.99 }, partition: 'order_date' }),
      'sla-weakened',
      false,
    ],
    [
      'the freshness SLA made shorter',
      product({ sla: { freshness: '6h', completeness: 0.99 }, partition: 'order_date' }),
      'sla-tightened',
      false,
    ],
    ['a rarer refresh', product({ refresh: 'daily', partition: 'order_date' }), 'sla-weakened', false],
    [
      'a lower completeness SLA',
      product({ sla: { freshness: '1d', completeness: 0.9 }, partition: 'order_date' }),
      'sla-weakened',
      false,
    ],
    [
      'a validity SLA added',
      product({ sla: { freshness: '1d', completeness: 0.99, validity: 0.95 }, partition: 'order_date' }),
      'sla-tightened',
      false,
    ],
    ['the tier changed', product({ tier: 'gold', partition: 'order_date' }), 'tier-changed', false],
  ];

  it.each(matrix)('classifies %s', (_, changed, kind, breaking) => {
    const diff = diffContract(odcsContract(released), odcsContract(changed));
    expect(diff.changes.map((c) => c.kind)).toContain(kind);
    expect(diff.changes.find((c) => c.kind === kind)!.breaking).toBe(breaking);
    // Under the same major version, a breaking change needs a major release; a safe one not.
    expect(diff.needsMajor).toBe(diff.changes.some((c) => c.breaking));
  });

  it('says a consumer of a restricted product no longer named is breaking, of a public one not', () => {
    const restricted = product({
      access: 'restricted',
      consumers: ['finance', 'store'],
      partition: 'order_date',
    });
    const narrowed = product({ access: 'restricted', consumers: ['finance'], partition: 'order_date' });
    const diff = diffContract(odcsContract(restricted), odcsContract(narrowed));
    expect(diff.changes).toEqual([
      {
        product: 'sales.sales_orders',
        kind: 'consumer-removed',
        column: undefined,
        breaking: true,
        detail: 'consumer store no longer named: it may no longer read it',
      },
    ]);
    expect(diff.needsMajor).toBe(true);
    // Of a public product the whole organisation reads, named or not.
    const publicOne = product({ consumers: ['finance', 'store'], partition: 'order_date' });
    expect(diffContract(odcsContract(publicOne), odcsContract(released)).changes).toEqual([]);
  });

  it('names a check changed under its name, and the service levels before and after', () => {
    const checked = product({ checks: 1, partition: 'order_date' });
    const stricter = product({
      checks: 100,
      sla: { freshness: '1h', completeness: 0.99 },
      refresh: 'daily',
      partition: 'order_date',
    });
    expect(diffContract(odcsContract(checked), odcsContract(stricter)).changes.map((c) => c.detail)).toEqual([
      'freshness SLA 1d to 1h',
      'refresh hourly to daily',
      'check row_count changed: it may pass or fail on other rows',
    ]);
    expect(
      diffContract(odcsContract(checked), odcsContract(stricter)).changes.map((c) => [c.kind, c.breaking]),
    ).toEqual([
      ['sla-tightened', false],
      ['sla-weakened', false],
      ['check-changed', false],
    ]);
  });

  it("compares a rule's SQL only where both contracts carry it: an export for a warehouse has it", () => {
    const expecting = (expression: string) =>
      defineDataProduct({
        domain: sales,
        name: 'sales_orders',
        version: '1.0.0',
        description: 'Orders.',
        tier: 'silver',
        refresh: 'hourly',
        access: 'public',
        schema: z.object({ amount: z.number().describe('Amount paid') }),
        inputs: {},
        transform: () => sql`SELECT 1`,
        checks: (c) => [c.table.expect('amount_positive', sql.raw(expression))],
      });
    const positive = expecting('amount > 0');
    const exported = odcsContract(positive, { dialect: ansi });
    expect(diffContract(exported, odcsContract(positive)).changes).toEqual([]);
    expect(
      diffContract(exported, odcsContract(expecting('amount >= 0'), { dialect: ansi })).changes.map(
        (c) => c.detail,
      ),
    ).toEqual(['check amount_positive changed: it may pass or fail on other rows']);
  });

  it('finds nothing between a contract and itself', () => {
    expect(
      diffContract(odcsContract(released), odcsContract(product({ partition: 'order_date' }))).changes,
    ).toEqual([]);
  });

  it('needs no major release once the product is v2, and names what changed', () => {
    const v2 = product({ columns: without('note'), version: '2.0.0', partition: 'order_date' });
    const diff = diffContract(odcsContract(released), odcsContract(v2));
    expect(diff).toMatchObject({ before: '1.0.0', after: '2.0.0', needsMajor: false });
    expect(diff.changes).toEqual([
      {
        product: 'sales.sales_orders',
        kind: 'column-removed',
        column: 'note',
        breaking: true,
        detail: 'column note removed',
      },
    ]);
  });

  it('needs a version of its own when the transform changed under the same version', () => {
    // Revenue net of discounts instead of gross: the same columns, other figures.
    const changed = product({ partition: 'order_date', transform: 'SELECT 2' });
    const diff = diffContract(odcsContract(released), odcsContract(changed));
    expect(diff).toMatchObject({ needsMajor: false, needsVersion: true });
    expect(diff.changes).toEqual([
      {
        product: 'sales.sales_orders',
        kind: 'transform-changed',
        column: undefined,
        breaking: false,
        detail: 'its transform (SQL) changed: it may compute other figures',
      },
    ]);
    const bumped = product({ partition: 'order_date', transform: 'SELECT 2', version: '1.1.0' });
    expect(diffContract(odcsContract(released), odcsContract(bumped))).toMatchObject({ needsVersion: false });
    // A contract released before transforms were fingerprinted carries none: nothing is told.
    const older = odcsContract(released);
    older.customProperties = (older.customProperties as Array<{ property: string }>).filter(
      (p) => p.property !== 'transform',
    );
    expect(diffContract(older, odcsContract(changed))).toMatchObject({ changes: [], needsVersion: false });
    // The same SQL spelled alike fingerprints alike, whatever warehouse builds it.
    expect(
      diffContract(odcsContract(released), odcsContract(product({ partition: 'order_date' }))).needsVersion,
    ).toBe(false);
  });

  it('reports a product removed as breaking and one added as safe', () => {
    const other = defineDataProduct({
      domain: sales,
      name: 'sales_refunds',
      version: '1.0.0',
      description: 'Refunds.',
      tier: 'silver',
      refresh: 'daily',
      access: 'public',
      consumers: ['finance'],
      schema: z.object({ refund_id: z.string().describe('Refund').meta({ key: true }) }),
      inputs: {},
      transform: () => sql`SELECT 1`,
    });
    const diffs = diffContracts([odcsContract(released)], [odcsContract(other)]);
    expect(diffs.map((d) => [d.product, d.changes.map((c) => c.kind), d.needsMajor])).toEqual([
      ['sales.sales_refunds', ['product-added'], false],
      ['sales.sales_orders', ['product-removed'], true],
    ]);
  });
});
