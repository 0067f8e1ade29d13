import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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
    access?: 'public' | 'restricted';
    partition?: string;
    checks?: boolean;
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
    tier: 'silver',
    refresh: 'daily',
    access: edit.access ?? 'public',
    consumers: ['finance'],
    schema,
    partitionBy: edit.partition ? { column: edit.partition } : undefined,
    inputs: {},
    transform: () => (edit.transform ? sql.raw(edit.transform) : sql`SELECT 1`),
    checks: (c: ChecksBuilder<typeof schema>) => (edit.checks ? [c.table.rowCount({ min: 1 })] : []),
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
  ];

  it.each(matrix)('classifies %s', (_, changed, kind, breaking) => {
    const diff = diffContract(odcsContract(released), odcsContract(changed));
    expect(diff.changes.map((c) => c.kind)).toContain(kind);
    expect(diff.changes.find((c) => c.kind === kind)!.breaking).toBe(breaking);
    // Under the same major version, a breaking change needs a major release; a safe one not.
    expect(diff.needsMajor).toBe(diff.changes.some((c) => c.breaking));
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
