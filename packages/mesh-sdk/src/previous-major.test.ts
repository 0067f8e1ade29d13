import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import { odcsContract } from './contract.js';
import { type DataProductInput, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { previousMajorView, withPreviousMajorChecks } from './previous-major.js';
import type { Relation } from './relation.js';
import { renderSql, sql } from './sql.js';

const sales = defineDomain({
  name: 'sales',
  description: 'What we sold.',
  owner: { team: 'sales-data', email: 'sales-data@retail.example' },
});

const product = (
  version: string,
  columns: Record<string, z.ZodType>,
  previousMajor?: DataProductInput<z.ZodObject, Record<string, Relation>>['previousMajor'],
) =>
  defineDataProduct({
    domain: sales,
    name: 'sales_orders',
    version,
    description: 'Orders.',
    tier: 'gold',
    refresh: 'daily',
    access: 'public',
    schema: z.object(columns),
    inputs: {},
    transform: () => sql`SELECT 1`,
    previousMajor,
  });

const v1 = odcsContract(
  product('1.4.0', {
    order_id: z.string().describe('Order number').meta({ key: true }),
    amount: z.number().meta({ type: 'decimal' }).describe('Amount paid'),
    channel: z.string().describe('Where it was placed'),
  }),
);

describe('previousMajorView', () => {
  it("selects v1's columns from v2's rows: the same column, or the expression given, cast to v1's type", () => {
    const v2 = product(
      '2.0.0',
      {
        order_id: z.string().describe('Order number').meta({ key: true }),
        amount_cents: z.int().describe('Amount paid, in cents'),
        channel: z.string().describe('Where it was placed'),
      },
      { until: '2027-06-30', columns: { amount: 'amount_cents / 100' } },
    );
    const view = previousMajorView(v2, v1, ansi, new Date('2027-06-30T23:00:00Z'))!;
    expect(view).toMatchObject({
      major: 1,
      table: { schema: 'sales', name: 'sales_orders_v1' },
      expired: false,
    });
    expect(view.select).toBe(
      'SELECT "order_id", CAST((amount_cents / 100) AS DECIMAL) AS "amount", "channel", "_domain", "_product", "_version", "_processed_at" FROM "sales"."sales_orders"',
    );
    // Published through the announced day; the day after, dropped.
    expect(previousMajorView(v2, v1, ansi, new Date('2027-07-01T00:00:00Z'))!.expired).toBe(true);
  });

  it('checks the rows for a value wherever v1 promised one and v2 may give NULL', () => {
    const v2 = product(
      '2.0.0',
      {
        order_id: z.string().describe('Order number').meta({ key: true }),
        amount_cents: z.int().describe('Amount paid, in cents'),
        channel: z.string().nullable().describe('Where it was placed, when known'),
      },
      { until: '2027-06-30', columns: { amount: 'amount_cents / 100' } },
    );
    const view = previousMajorView(v2, v1, ansi)!;
    // order_id is required in both: nothing to check. amount is an expression, channel nullable now.
    expect(view.checks.map((c) => [c.name, c.kind, c.severity, renderSql(c.expression!, ansi)])).toEqual([
      ['amount_v1_required', 'expression', 'error', '(amount_cents / 100) IS NOT NULL'],
      ['channel_v1_required', 'expression', 'error', '("channel") IS NOT NULL'],
    ]);
    const built = withPreviousMajorChecks(v2, view);
    expect(built.checks.filter((c) => !c.implied).map((c) => c.name)).toEqual([
      'amount_v1_required',
      'channel_v1_required',
    ]);
    expect(built).toMatchObject({ id: v2.id, version: '2.0.0', columns: v2.columns });
    // Past its date the view is dropped, and promises nothing more.
    expect(previousMajorView(v2, v1, ansi, new Date('2027-07-01T00:00:00Z'))!.checks).toEqual([]);
    // Nothing to promise: the product itself.
    const same = { ...view, checks: [] };
    expect(withPreviousMajorChecks(v2, same)).toBe(v2);
    expect(withPreviousMajorChecks(v2, undefined)).toBe(v2);
  });

  it('is nothing without a new major, without a release or when the product does not keep it', () => {
    const same = product('1.5.0', { order_id: z.string().meta({ key: true }) }, { until: '2027-06-30' });
    expect(previousMajorView(same, v1, ansi)).toBeUndefined();
    const kept = product('2.0.0', { order_id: z.string().meta({ key: true }) }, { until: '2027-06-30' });
    expect(previousMajorView(kept, undefined, ansi)).toBeUndefined();
    const dropped = product('2.0.0', { order_id: z.string().meta({ key: true }) });
    expect(previousMajorView(dropped, v1, ansi)).toBeUndefined();
  });

  it('names the column v1 had that v2 no longer has as v1 typed it, and an expression for no column of v1', () => {
    const retyped = product(
      '2.0.0',
      {
        order_id: z.string().meta({ key: true }),
        amount: z.string().describe('Amount paid, as text'),
        channel: z.string(),
      },
      { until: '2027-06-30' },
    );
    expect(() => previousMajorView(retyped, v1, ansi)).toThrow(
      'sales.sales_orders 2.0.0 keeps version 1.4.0 published until 2027-06-30, whose column amount (decimal(38,9)) it holds as string: give previousMajor.columns.amount',
    );
    const stray = product(
      '2.0.0',
      {
        order_id: z.string().meta({ key: true }),
        amount: z.number().meta({ type: 'decimal' }),
        channel: z.string(),
      },
      { until: '2027-06-30', columns: { region: "'EU'" } },
    );
    expect(() => previousMajorView(stray, v1, ansi)).toThrow(
      'previousMajor.columns names region, which version 1.4.0 does not have',
    );
  });

  it('refuses a deprecation date that is no date', () => {
    expect(() =>
      product('2.0.0', { order_id: z.string().meta({ key: true }) }, { until: 'next spring' }),
    ).toThrow(/previousMajor\.until/);
  });
});
