import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import { type Check, checkSpec, checksBuilder, checksNotRun, compileChecks } from './checks.js';
import { columnsOf } from './columns.js';
import { defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import type { Duration } from './duration.js';
import { isMeshError } from './errors.js';
import type { Relation } from './relation.js';
import { defineSource } from './source.js';
import { sql } from './sql.js';

/** Calls `fn` and returns what it threw, failing the test when it throws nothing. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const sales = defineDomain({
  name: 'sales',
  description: 'Orders, returns and receipts.',
  owner: { team: 'sales-data', email: 'sales-data@retail.example' },
});
const customers = defineSource({
  domain: sales,
  name: 'customers',
  description: 'Customer accounts of the web shop.',
  mode: 'snapshot',
  schema: z.object({ customer_id: z.string().meta({ key: true }) }),
});

const orderSchema = z.object({
  order_id: z.string().describe('Order number').meta({ key: true }),
  status: z.enum(['placed', 'shipped', "o'clock"]).describe('Order status'),
  amount: z.number().describe('Order total'),
  customer_id: z.string().nullable().describe('Buyer, when logged in'),
  ordered_at: z.date().describe('When the order was placed'),
});
const c = checksBuilder<typeof orderSchema>(columnsOf(orderSchema), 'sales_orders');

describe('checksBuilder', () => {
  it('names each check after its column and kind, blocking by default', () => {
    const checks = [
      c.order_id.unique(),
      c.order_id.notNull(),
      c.amount.range({ min: 0 }),
      c.order_id.matches('^O[0-9]+$'),
      c.table.rowCount({ min: 1 }),
      c.table.uniqueCombination(['order_id', 'status']),
      c.table.expect('positive_total', sql`amount > 0`),
    ];
    expect(checks.map((k) => [k.name, k.kind, k.dimension, k.severity, k.column])).toEqual([
      ['order_id_unique', 'unique', 'uniqueness', 'error', 'order_id'],
      ['order_id_not_null', 'not_null', 'completeness', 'error', 'order_id'],
      ['amount_range', 'range', 'validity', 'error', 'amount'],
      ['order_id_matches', 'regex', 'validity', 'error', 'order_id'],
      ['row_count', 'row_count', 'volume', 'error', undefined],
      ['order_id_status_unique', 'unique_combination', 'uniqueness', 'error', undefined],
      ['positive_total', 'expression', 'validity', 'error', undefined],
    ]);
  });

  it('makes warn and renamed copies without changing the original', () => {
    const check = c.amount.range({ min: 0, max: 10_000 });
    const warned = check.warn();
    const renamed = warned.named('amount_plausible');
    expect([check.severity, warned.severity, renamed.severity]).toEqual(['error', 'warn', 'warn']);
    expect([check.name, warned.name, renamed.name]).toEqual([
      'amount_range',
      'amount_range',
      'amount_plausible',
    ]);
    expect(renamed).toMatchObject({ kind: 'range', min: 0, max: 10_000 });
    expect(check.named('x').severity).toBe('error');
    expect(Object.isFrozen(check)).toBe(true);
  });

  it("accepts an enum column's own values by default", () => {
    expect(c.status.acceptedValues().values).toEqual(['placed', 'shipped', "o'clock"]);
    expect(c.status.acceptedValues(['placed']).values).toEqual(['placed']);
    expect(c.amount.acceptedValues(['1', '2']).values).toEqual(['1', '2']);
  });

  it('asks for values when the column is not an enum', () => {
    const error = thrown(() => c.customer_id.acceptedValues());
    expect(isMeshError(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'definition',
      code: 'accepted-values-missing',
      subject: { product: 'sales_orders', column: 'customer_id' },
    });
    expect(thrown(() => c.customer_id.acceptedValues([]))).toMatchObject({ code: 'accepted-values-missing' });
  });

  it('reads the freshness duration into seconds and rejects what is not one', () => {
    expect(c.ordered_at.freshness('2h').maxAgeSeconds).toBe(7200);
    expect(c.ordered_at.freshness('1w')).toMatchObject({
      name: 'ordered_at_freshness',
      dimension: 'timeliness',
    });
    const error = thrown(() => c.ordered_at.freshness('soon' as Duration));
    expect(error).toMatchObject({
      code: 'invalid-duration',
      subject: { product: 'sales_orders', column: 'ordered_at' },
    });
  });

  it('checks that a reference names a column of the referenced relation', () => {
    const check = c.customer_id.references(customers, 'customer_id');
    expect(check).toMatchObject({
      name: 'customer_id_references_customers',
      kind: 'relationships',
      dimension: 'integrity',
      reference: { relation: customers, column: 'customer_id' },
    });
    const error = thrown(() => c.customer_id.references(customers, 'id'));
    expect(error).toMatchObject({
      code: 'unknown-column',
      subject: { product: 'sales_orders', column: 'customer_id' },
    });
    expect((error as Error).message).toContain('customers has no column id');
  });

  it('refuses checks no value could pass, or that the column cannot take, when the product is defined', () => {
    const refused = (f: () => unknown) => thrown(f) as { code: string; message: string; subject: object };
    expect(refused(() => c.amount.range({ min: 10, max: 1 }))).toMatchObject({
      code: 'invalid-check',
      message: 'range() on amount: min 10 is above max 1, so no value could pass.',
      subject: { product: 'sales_orders', column: 'amount' },
    });
    expect(refused(() => c.table.rowCount({ min: 5, max: 2 })).code).toBe('invalid-check');
    expect(refused(() => c.order_id.range({ min: 0 })).message).toBe(
      'range() on order_id: the column is string, and range() bounds numbers.',
    );
    expect(refused(() => c.amount.matches('^[0-9]+$')).message).toMatch(
      /the column is number, and matches\(\) tests text/,
    );
    expect(refused(() => c.order_id.matches('([a-z')).message).toMatch(
      /^matches\(\) on order_id: "\(\[a-z" is not a regular expression/,
    );
    expect(refused(() => c.order_id.freshness('1d')).message).toMatch(/needs a date or timestamp column/);
    expect(refused(() => c.amount.references(customers, 'customer_id')).message).toMatch(
      /the column is number, customers\.customer_id is string: values of the two can never be equal/,
    );
    // One row exactly is a bound too.
    expect(c.table.rowCount({ min: 1, max: 1 })).toMatchObject({ min: 1, max: 1 });
  });

  it('rejects a unique combination of no column', () => {
    expect(thrown(() => c.table.uniqueCombination([]))).toMatchObject({
      code: 'unique-combination-empty',
      subject: { product: 'sales_orders' },
    });
  });

  it('rejects a unique combination over a column the schema does not have', () => {
    const error = thrown(() => c.table.uniqueCombination(['order_id', 'sku' as 'status']));
    expect(error).toMatchObject({
      code: 'unknown-column',
      subject: { product: 'sales_orders', column: 'sku' },
    });
  });
});

/** The sales orders product with `checks`. */
const ordersWith = (checks: (b: typeof c) => Check[]) =>
  defineDataProduct({
    domain: sales,
    name: 'sales_orders',
    version: '1.0.0',
    description: 'Every order placed online.',
    tier: 'gold',
    refresh: 'hourly',
    access: 'restricted',
    schema: orderSchema,
    inputs: {},
    transform: () => sql`SELECT 1`,
    checks,
  });

describe('compileChecks', () => {
  const orders = ordersWith((c) => [
    c.order_id.unique(),
    c.order_id.notNull(),
    c.status.acceptedValues(),
    c.amount.range({ min: 0 }),
    c.customer_id.references(customers, 'customer_id'),
    c.ordered_at.freshness('1h'),
    c.table.rowCount({ min: 1, max: 1000 }),
  ]);
  const staging = { schema: 'sales', name: '_staging_sales_orders' };
  const resolve = (r: Relation) => (r === orders ? staging : r.table);
  // The checks declared: those the contract implies compile alike (see impliedChecks).
  const declared = orders.checks.filter((check) => !check.implied);
  const compiled = compileChecks(orders, declared, ansi, resolve, { nullCounting: 'filtered' });
  const now = new Date('2024-05-01T12:00:00.000Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

  const T = '"sales"."_staging_sales_orders" AS t';
  /** The UNION ALL branch that counts the failing rows of `from`, as branch `k`. */
  const branch = (k: number, from: string) => `(SELECT ${k} AS "k", COUNT(*) AS "failing" FROM ${from})`;
  /** The pivot of `n` branches into one row `u`. */
  const pivot = (branches: string[]) =>
    `(SELECT ${branches.map((_, k) => `MAX(CASE WHEN "f"."k" = ${k} THEN "f"."failing" END) AS "p${k}"`).join(', ')} FROM (${branches.join(' UNION ALL ')}) AS f) AS u`;

  it('compiles the whole suite into one SELECT over the resolved table', () => {
    const outputs = [
      '"s"."row_count" AS "row_count"',
      '"s"."nn_0" AS "nn_0"',
      '"s"."nn_1" AS "nn_1"',
      '"s"."nn_2" AS "nn_2"',
      '"s"."nn_3" AS "nn_3"',
      // unique: non-null values minus distinct non-null keys.
      '"s"."nn_0" - "k0"."a0" AS "check_0"',
      // not_null: from the profile's COUNT of the same column.
      '"s"."row_count" - "s"."nn_0" AS "check_1"',
      '"u"."p0" AS "check_2"',
      '"u"."p1" AS "check_3"',
      '"u"."p2" AS "check_4"',
      // freshness: a MAX of its own, so that the shared scan holds COUNTs only.
      '"f5"."latest" AS "check_5"',
      '"s"."row_count" AS "check_6"',
    ];
    // The row count, less each profiled column's NULLs, each counted by a filter of its own
    // (column statistics answer it without reading a column that holds none). customer_id is
    // nullable: its NULLs are data, not gaps, so it is not profiled.
    const profiled = ['order_id', 'status', 'amount', 'ordered_at'];
    const counts =
      `SELECT "c"."row_count" AS "row_count", ${profiled.map((_, i) => `"c"."row_count" - "z"."z${i}" AS "nn_${i}"`).join(', ')}` +
      ` FROM (SELECT COUNT(*) AS "row_count" FROM ${T}) AS c CROSS JOIN (SELECT ${profiled.map((_, i) => `MAX(CASE WHEN "f"."k" = ${i} THEN "f"."n" END) AS "z${i}"`).join(', ')}` +
      ` FROM (${profiled.map((col, i) => `(SELECT ${i} AS "k", COUNT(*) AS "n" FROM ${T} WHERE "t"."${col}" IS NULL)`).join(' UNION ALL ')}) AS f) AS z`;
    expect(compiled.sql).toBe(
      `SELECT ${outputs.join(', ')} FROM (${counts}) AS s` +
        ` CROSS JOIN (SELECT MAX("t"."ordered_at") AS "latest" FROM ${T}) AS "f5"` +
        ` CROSS JOIN (SELECT COUNT("g"."k0") AS "a0" FROM (SELECT DISTINCT "t"."order_id" AS "k0" FROM ${T}) AS g) AS "k0"` +
        ` CROSS JOIN ${pivot([
          branch(
            0,
            `${T} WHERE "t"."status" <> 'placed' AND "t"."status" <> 'shipped' AND "t"."status" <> 'o''clock'`,
          ),
          branch(1, `${T} WHERE "t"."amount" < 0`),
          branch(
            2,
            `${T} WHERE "t"."customer_id" IS NOT NULL AND "t"."customer_id" NOT IN ` +
              '(SELECT "r"."customer_id" FROM "sales"."raw_customers" AS r WHERE "r"."customer_id" IS NOT NULL)',
          ),
        ])}`,
    );
  });

  it('counts the columns in one scan unless asked otherwise, the rest of the suite alike', () => {
    const scanned = compileChecks(orders, declared, ansi, resolve).sql;
    expect(scanned).toContain(
      `FROM (SELECT COUNT(*) AS "row_count", COUNT("t"."order_id") AS "nn_0", COUNT("t"."status") AS "nn_1", COUNT("t"."amount") AS "nn_2", COUNT("t"."ordered_at") AS "nn_3" FROM ${T}) AS s CROSS JOIN`,
    );
    // Everything after the counts is the same suite.
    const suiteAfterCounts = (text: string) => text.slice(text.indexOf(') AS s CROSS JOIN'));
    expect(suiteAfterCounts(scanned)).toBe(suiteAfterCounts(compiled.sql));
  });

  it('compiles table checks with the relation under test in place of self', () => {
    const { sql: text } = compileChecks(
      orders,
      [
        c.table.uniqueCombination(['order_id', 'status']),
        c.table.assert('no_future_orders', (self) => sql`SELECT * FROM ${self} WHERE ordered_at > ${now}`),
        c.table.expect('positive_total', sql`amount > ${0}`),
        c.order_id.matches('^O[0-9]+$'),
        c.amount.range({}),
      ],
      ansi,
      resolve,
    );
    // A unique combination counts rows with NULLs in the key like any other: rows minus keys.
    expect(text).toContain('"s"."row_count" - "k0"."a0" AS "check_0"');
    expect(text).toContain(
      `(SELECT COUNT(*) AS "a0" FROM (SELECT DISTINCT "t"."order_id" AS "k0", "t"."status" AS "k1" FROM ${T}) AS g) AS "k0"`,
    );
    expect(text).toContain(
      pivot([
        branch(
          0,
          `(SELECT * FROM "sales"."_staging_sales_orders" WHERE ordered_at > TIMESTAMP '2024-05-01T12:00:00.000Z') AS a`,
        ),
        branch(1, `${T} WHERE NOT COALESCE((amount > 0), FALSE)`),
        branch(
          2,
          `${T} WHERE "t"."order_id" IS NOT NULL AND NOT REGEXP_MATCHES("t"."order_id", '^O[0-9]+$')`,
        ),
      ]),
    );
    expect(text).toContain(
      '"u"."p0" AS "check_1", "u"."p1" AS "check_2", "u"."p2" AS "check_3", 0 AS "check_4"',
    );
  });

  describe('sharing work between checks', () => {
    const count = (text: string, part: string) => text.split(part).length - 1;

    it('builds the distinct keys once for every uniqueness check on them', () => {
      const { sql: text } = compileChecks(
        orders,
        [
          c.customer_id.unique(),
          c.customer_id.unique().warn().named('customer_id_unique_again'),
          c.table.uniqueCombination(['customer_id']),
        ],
        ansi,
        resolve,
        { nullCounting: 'scan' },
      );
      expect(count(text, 'SELECT DISTINCT')).toBe(1);
      expect(count(text, 'FROM "sales"."_staging_sales_orders"')).toBe(2); // the scan and the keys
      // unique skips NULL (COUNT of the key), a unique combination counts it as a key (COUNT(*)).
      expect(text).toContain(
        `(SELECT COUNT("g"."k0") AS "a0", COUNT(*) AS "a1" FROM (SELECT DISTINCT "t"."customer_id" AS "k0" FROM ${T}) AS g) AS "k0"`,
      );
      // customer_id is nullable, so not profiled: one COUNT of it, shared by both unique checks.
      expect(count(text, 'COUNT("t"."customer_id")')).toBe(1);
      expect(text).toContain(
        '"s"."n_0" - "k0"."a0" AS "check_0", "s"."n_0" - "k0"."a0" AS "check_1", "s"."row_count" - "k0"."a1" AS "check_2"',
      );
    });

    it('shares one aggregate between unique combinations of the same columns in any order', () => {
      const { sql: text } = compileChecks(
        orders,
        [
          c.table.uniqueCombination(['order_id', 'status']),
          c.table.uniqueCombination(['status', 'order_id']).warn(),
        ],
        ansi,
        resolve,
      );
      expect(count(text, 'SELECT DISTINCT')).toBe(1);
      expect(text).toContain('(SELECT COUNT(*) AS "a0" FROM (SELECT DISTINCT');
      expect(text).toContain(
        '"s"."row_count" - "k0"."a0" AS "check_0", "s"."row_count" - "k0"."a0" AS "check_1"',
      );
    });

    it('reads not_null from the profile, and counts a column once when it is not profiled', () => {
      const { sql: text } = compileChecks(
        orders,
        [c.order_id.notNull(), c.customer_id.notNull(), c.customer_id.notNull().warn()],
        ansi,
        resolve,
        { nullCounting: 'scan' },
      );
      expect(count(text, 'COUNT("t"."order_id")')).toBe(1);
      expect(count(text, 'COUNT("t"."customer_id")')).toBe(1);
      expect(text).toContain(
        '"s"."row_count" - "s"."nn_0" AS "check_0", "s"."row_count" - "s"."n_0" AS "check_1", "s"."row_count" - "s"."n_0" AS "check_2"',
      );
      // Without the profile, each column counted for not_null is still counted once.
      const alone = compileChecks(orders, [c.order_id.notNull()], ansi, resolve, {
        profile: false,
        nullCounting: 'scan',
      }).sql;
      expect(alone).toBe(
        'SELECT "s"."row_count" AS "row_count", "s"."row_count" - "s"."n_0" AS "check_0" ' +
          `FROM (SELECT COUNT(*) AS "row_count", COUNT("t"."order_id") AS "n_0" FROM ${T}) AS s`,
      );
    });

    it('checks a reference as an anti-join of the rows, beside a uniqueness check on the same column', () => {
      const { sql: text } = compileChecks(
        orders,
        [c.customer_id.unique(), c.customer_id.references(customers, 'customer_id')],
        ansi,
        resolve,
      );
      expect(text).toContain(
        branch(
          0,
          `${T} WHERE "t"."customer_id" IS NOT NULL AND "t"."customer_id" NOT IN ` +
            '(SELECT "r"."customer_id" FROM "sales"."raw_customers" AS r WHERE "r"."customer_id" IS NOT NULL)',
        ),
      );
      expect(text).toContain('"u"."p0" AS "check_1"');
    });
  });

  it('rejects a check on a column the relation does not have', () => {
    const other = z.object({ sku: z.string() });
    const check = checksBuilder<typeof other>(columnsOf(other), 'sales_orders').sku.notNull();
    const error = thrown(() => compileChecks(orders, [check], ansi, resolve));
    expect(error).toMatchObject({
      code: 'unknown-column',
      subject: { product: 'sales_orders', column: 'sku', check: 'sku_not_null' },
    });
  });

  it('reads one result row into outcomes and scores', () => {
    const result = compiled.evaluate(
      {
        row_count: 10,
        nn_0: 10,
        nn_1: 10,
        nn_2: 9,
        nn_3: '10',
        check_0: 0,
        check_1: 0n,
        check_2: 2,
        check_3: '1',
        check_4: 0,
        check_5: minutesAgo(30),
        check_6: 10,
      },
      now,
    );
    expect(result.rowCount).toBe(10);
    expect(result.outcomes.map((o) => [o.name, o.passed, o.failingRows])).toEqual([
      ['order_id_unique', true, 0],
      ['order_id_not_null', true, 0],
      ['status_accepted_values', false, 2],
      ['amount_range', false, 1],
      ['customer_id_references_customers', true, 0],
      ['ordered_at_freshness', true, 0],
      ['row_count', true, 0],
    ]);
    expect(result.outcomes[2]).toEqual({
      name: 'status_accepted_values',
      kind: 'accepted_values',
      dimension: 'validity',
      severity: 'error',
      column: 'status',
      passed: false,
      failingRows: 2,
      observed: '2 failing of 10',
      spec: checkSpec(orders.checks[2]!, orders),
    });
    // 39 non-null cells of the 4 required columns x 10 rows.
    expect(result.completeness).toBeCloseTo(0.975, 10);
    // Two validity checks over 10 rows with 3 failing rows between them.
    expect(result.validity).toBeCloseTo(0.85, 10);
    expect(result.passRate).toBeCloseTo(5 / 7, 10);
  });

  it('scores an empty table as complete and valid', () => {
    const result = compiled.evaluate({ row_count: 0, check_5: null, check_6: 0 }, now);
    expect(result.completeness).toBe(1);
    expect(result.validity).toBe(1);
    expect(result.outcomes.filter((o) => !o.passed).map((o) => [o.name, o.observed])).toEqual([
      ['ordered_at_freshness', 'no rows'],
      ['row_count', '0'],
    ]);
  });

  describe('row_count', () => {
    it.each([
      [0, false],
      [1, true],
      [1000, true],
      [1001, false],
    ])('with %d rows passes: %s (bounds 1..1000)', (count, passed) => {
      const outcome = compiled.evaluate({ row_count: count, check_6: count }, now).outcomes[6]!;
      expect(outcome).toMatchObject({
        name: 'row_count',
        passed,
        failingRows: passed ? 0 : 1,
        observed: String(count),
      });
    });

    it('accepts any count without bounds', () => {
      const check = c.table.rowCount({});
      const outcome = compileChecks(orders, [check], ansi, resolve).evaluate({ check_0: 0 }, now)
        .outcomes[0]!;
      expect(outcome.passed).toBe(true);
    });
  });

  it("says an assertion's failing rows without the table's rows, which they are not a share of", () => {
    const check = c.table.assert('orders_without_value', (self) => sql`SELECT * FROM ${self}`);
    const compiled = compileChecks(orders, [check], ansi, resolve);
    expect(compiled.evaluate({ row_count: 5000, check_0: 40000 }, now).outcomes[0]).toMatchObject({
      passed: false,
      failingRows: 40000,
      observed: '40000 failing',
    });
  });

  describe('freshness', () => {
    const freshness = (newest: unknown) =>
      compiled.evaluate({ row_count: 1, check_5: newest }, now).outcomes[5]!;

    it.each([
      [59, true],
      [60, true],
      [61, false],
      [-5, true],
    ])('with the newest row %d minutes old passes: %s (max 1h)', (minutes, passed) => {
      expect(freshness(minutesAgo(minutes))).toMatchObject({
        passed,
        failingRows: passed ? 0 : 1,
        observed: minutesAgo(minutes).toISOString(),
      });
    });

    it('fails when there is no row to be fresh', () => {
      expect(freshness(null)).toMatchObject({ passed: false, failingRows: 1, observed: 'no rows' });
      expect(freshness('not a time')).toMatchObject({ passed: false, observed: 'no rows' });
    });

    it('reads ISO strings and dates as well as Date values', () => {
      expect(freshness('2024-05-01T11:30:00.000Z')).toMatchObject({
        passed: true,
        observed: '2024-05-01T11:30:00.000Z',
      });
      expect(freshness('2024-04-30')).toMatchObject({ passed: false, observed: '2024-04-30T00:00:00.000Z' });
    });

    describe('on a host outside UTC', () => {
      const saved = process.env.TZ;
      afterEach(() => {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      });

      // Warehouse timestamps are UTC; a 'YYYY-MM-DD HH:MM:SS' value must not be read in the host's zone.
      it('reads a zone-less timestamp string as UTC', () => {
        process.env.TZ = 'Asia/Tokyo';
        expect(freshness('2024-05-01 11:30:00')).toMatchObject({
          passed: true,
          observed: '2024-05-01T11:30:00.000Z',
        });
      });
    });
  });

  it('reports a failed warn check with its severity', () => {
    const checks: Check[] = [c.amount.range({ min: 0 }).warn()];
    const outcome = compileChecks(orders, checks, ansi, resolve).evaluate({ row_count: 4, check_0: 1 }, now)
      .outcomes[0];
    expect(outcome).toMatchObject({ severity: 'warn', passed: false, observed: '1 failing of 4' });
  });
});

describe('checkSpec', () => {
  const specOf = (checks: (b: typeof c) => Check[]) => {
    const product = ordersWith(checks);
    return checkSpec(product.checks[0]!, product);
  };

  it('is the same for the same check defined again, and differs for whatever changes what it counts', () => {
    const range = specOf((b) => [b.amount.range({ min: 0 })]);
    expect(specOf((b) => [b.amount.range({ min: 0 })])).toBe(range);
    // Each counts other rows or means another status.
    for (const other of [
      specOf((b) => [b.amount.range({ min: 1 })]),
      specOf((b) => [b.amount.range({ min: 0, max: 100 })]),
      specOf((b) => [b.amount.range({ min: 0 }).warn()]),
    ]) {
      expect(other).not.toBe(range);
    }
    // Renamed to its own name: the same check.
    expect(specOf((b) => [b.amount.range({ min: 0 }).named('amount_range')])).toBe(range);
    expect(specOf((b) => [b.status.acceptedValues(['placed'])])).not.toBe(
      specOf((b) => [b.status.acceptedValues(['placed', 'shipped'])]),
    );
    expect(specOf((b) => [b.table.expect('positive', sql`amount > 0`)])).not.toBe(
      specOf((b) => [b.table.expect('positive', sql`amount >= 0`)]),
    );
    expect(
      specOf((b) => [
        b.table.assert('one_order', (self) => sql`SELECT order_id FROM ${self} WHERE amount < 0`),
      ]),
    ).not.toBe(
      specOf((b) => [
        b.table.assert('one_order', (self) => sql`SELECT order_id FROM ${self} WHERE amount < 1`),
      ]),
    );
    expect(specOf((b) => [b.customer_id.references(customers, 'customer_id')])).toBe(
      specOf((b) => [b.customer_id.references(customers, 'customer_id')]),
    );
  });
});

describe('checksNotRun', () => {
  const orders = ordersWith((b) => [b.order_id.unique(), b.amount.range({ min: 0, max: 100 })]);
  const ranWith = (checks: readonly Check[]) =>
    compileChecks(orders, checks, ansi, (r) => r.table).evaluate({ row_count: 4 }).outcomes;

  const implied = orders.checks.filter((check) => check.implied);

  it('names the checks a run did not hold or held as they were', () => {
    expect(checksNotRun(orders, ranWith(orders.checks))).toEqual([]);
    // The run checked a looser bound under the same name, and no uniqueness.
    expect(checksNotRun(orders, ranWith([c.amount.range({ min: 0 }), ...implied]))).toEqual([
      { name: 'order_id_unique', why: 'added' },
      { name: 'amount_range', why: 'changed' },
    ]);
    // A run of an earlier release, before implied checks: they are said to be added.
    expect(checksNotRun(orders, ranWith(orders.checks.filter((check) => !check.implied)))).toEqual(
      implied.map((check) => ({ name: check.name, why: 'added' })),
    );
    // A check the run held and the definition no longer has is no check of the definition.
    expect(checksNotRun(orders, ranWith([...orders.checks, c.status.acceptedValues()]))).toEqual([]);
  });

  it('takes an outcome recorded without a spec (an earlier release) for the check of its name', () => {
    const earlier = ranWith([c.amount.range({ min: 0 }), ...implied]).map(
      ({ spec: _, ...outcome }) => outcome,
    );
    expect(checksNotRun(orders, earlier)).toEqual([{ name: 'order_id_unique', why: 'added' }]);
  });
});
