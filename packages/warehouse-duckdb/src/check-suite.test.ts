// A product's check suite (one query sharing work between checks) against each check run alone
// and against the failing rows counted here in plain TypeScript, on clean and corrupted tables:
// duplicate keys, NULLs, orphan references, values out of bounds. Whatever the suite shares, it
// must answer exactly what the checks answer one by one.
import {
  type Check,
  type CheckOutcome,
  compileChecks,
  defineDataProduct,
  defineDomain,
  defineSource,
  type Relation,
  sql,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';

const domain = defineDomain({
  name: 'shop',
  description: 'A shop whose tables a test corrupts.',
  owner: { team: 'shop-data', email: 'shop-data@retail.example' },
});
const customers = defineSource({
  domain,
  name: 'customers',
  description: 'Customer accounts.',
  mode: 'snapshot',
  schema: z.object({ customer_id: z.string().meta({ key: true }) }),
});
const ledger = defineSource({
  domain,
  name: 'ledger',
  description: 'Orders as the ledger knows them.',
  mode: 'snapshot',
  schema: z.object({ order_id: z.string().meta({ key: true }) }),
});

const STATUSES = ['placed', 'shipped', "o'clock"] as const;
const schema = z.object({
  order_id: z.string().describe('Order number').meta({ key: true }),
  line: z.number().int().describe('Line of the order'),
  status: z.enum(STATUSES).describe('Order status'),
  amount: z.number().describe('Line total'),
  customer_id: z.string().nullable().describe('Buyer, when logged in'),
  code: z.string().nullable().describe('Voucher code'),
  ordered_at: z.date().describe('When the order was placed'),
});
const orders = defineDataProduct({
  domain,
  name: 'shop_orders',
  version: '1.0.0',
  description: 'Order lines.',
  tier: 'gold',
  refresh: 'hourly',
  access: 'restricted',
  schema,
  inputs: {},
  transform: () => sql`SELECT 1`,
  checks: (c) => [
    c.order_id.unique(),
    c.order_id.notNull(),
    c.customer_id.unique().warn(),
    c.table.uniqueCombination(['order_id', 'line']),
    // The same key in another order shares the aggregate; NULLs in the key count as values.
    c.table.uniqueCombination(['line', 'order_id']).named('line_order_id_unique'),
    c.table.uniqueCombination(['customer_id', 'status']),
    c.status.notNull(),
    c.status.acceptedValues(),
    c.amount.range({ min: 0, max: 100 }),
    c.code.matches('^C[0-9]+$'),
    c.customer_id.references(customers, 'customer_id'),
    // A unique key that is also a reference: the case where sharing is most tempting.
    c.order_id.references(ledger, 'order_id'),
    c.customer_id.notNull().warn(),
    c.ordered_at.freshness('1d'),
    c.table.rowCount({ min: 1, max: 40 }),
    c.table.expect('positive_amount', sql`amount > 0`),
    c.table.assert('no_large_lines', (self) => sql`SELECT * FROM ${self} WHERE amount > 90`),
  ],
});

interface Row {
  order_id: string | null;
  line: number | null;
  status: string | null;
  amount: number | null;
  customer_id: string | null;
  code: string | null;
  ordered_at: Date | null;
}
interface Tables {
  rows: Row[];
  customers: (string | null)[];
  ledger: (string | null)[];
}

const now = new Date('2024-05-01T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

/** What each check should report, counted row by row. */
function expected(check: Check, t: Tables): number {
  const { rows } = t;
  const values = (column: string) => rows.map((r) => r[column as keyof Row]);
  const nonNull = (column: string) => values(column).filter((v) => v !== null);
  const tuple = (r: Row, cols: readonly string[]) => JSON.stringify(cols.map((c) => r[c as keyof Row]));
  switch (check.kind) {
    case 'unique': {
      const present = nonNull(check.column!).map(String);
      return present.length - new Set(present).size;
    }
    case 'unique_combination':
      return rows.length - new Set(rows.map((r) => tuple(r, check.columns!))).size;
    case 'not_null':
      return rows.length - nonNull(check.column!).length;
    case 'accepted_values':
      return nonNull(check.column!).filter((v) => !check.values!.includes(String(v))).length;
    case 'range':
      return nonNull(check.column!).filter(
        (v) =>
          (check.min !== undefined && Number(v) < check.min) ||
          (check.max !== undefined && Number(v) > check.max),
      ).length;
    case 'regex':
      return nonNull(check.column!).filter((v) => !new RegExp(check.pattern!).test(String(v))).length;
    case 'relationships': {
      const parent = check.reference!.relation === customers ? t.customers : t.ledger;
      const keys = new Set(parent.filter((k) => k !== null));
      return nonNull(check.column!).filter((v) => !keys.has(String(v))).length;
    }
    case 'row_count':
      return rows.length < (check.min ?? -Infinity) || rows.length > (check.max ?? Infinity) ? 1 : 0;
    case 'freshness': {
      const times = rows.flatMap((r) => (r.ordered_at ? [r.ordered_at.getTime()] : []));
      return times.length && now.getTime() - Math.max(...times) <= check.maxAgeSeconds! * 1000 ? 0 : 1;
    }
    case 'expression':
      return rows.filter((r) => !(r.amount !== null && r.amount > 0)).length;
    case 'assertion':
      return rows.filter((r) => r.amount !== null && r.amount > 90).length;
  }
}

function literal(value: unknown): string {
  if (value === null) return 'NULL';
  if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
  if (typeof value === 'number') return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}

describe('check suite on DuckDB: shared work, same answers', () => {
  let warehouse: Warehouse;
  const name = (r: Relation) => warehouse.dialect.tableName(r.table);

  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await warehouse.query('CREATE SCHEMA IF NOT EXISTS shop');
  });
  afterAll(() => warehouse.close());

  async function load(t: Tables): Promise<void> {
    await warehouse.query(
      `CREATE OR REPLACE TABLE ${name(orders)} (order_id VARCHAR, line BIGINT, status VARCHAR, amount DOUBLE, customer_id VARCHAR, code VARCHAR, ordered_at TIMESTAMP)`,
    );
    await warehouse.query(`CREATE OR REPLACE TABLE ${name(customers)} (customer_id VARCHAR)`);
    await warehouse.query(`CREATE OR REPLACE TABLE ${name(ledger)} (order_id VARCHAR)`);
    const insert = async (table: string, tuples: unknown[][]) => {
      if (tuples.length) {
        const list = tuples.map((tuple) => `(${tuple.map(literal).join(', ')})`).join(', ');
        await warehouse.query(`INSERT INTO ${table} VALUES ${list}`);
      }
    };
    await insert(
      name(orders),
      t.rows.map((r) => [r.order_id, r.line, r.status, r.amount, r.customer_id, r.code, r.ordered_at]),
    );
    await insert(
      name(customers),
      t.customers.map((k) => [k]),
    );
    await insert(
      name(ledger),
      t.ledger.map((k) => [k]),
    );
  }

  const resolve = (r: Relation) => r.table;
  const pick = (o: CheckOutcome) => [o.name, o.passed, o.failingRows];

  /** The suite's outcomes, after checking them against each check alone and the counts above. */
  async function verify(t: Tables, checks: readonly Check[] = orders.checks) {
    await load(t);
    const suite = compileChecks(orders, checks, warehouse.dialect, resolve, {
      nullCounting: warehouse.capabilities.nullCounting,
    });
    expect(warehouse.capabilities.nullCounting).toBe('filtered');
    const [row] = await warehouse.query(suite.sql);
    const result = suite.evaluate(row ?? {}, now);
    // Counted by one scan of COUNTs (a small table's form), the same answers.
    const scanned = compileChecks(orders, checks, warehouse.dialect, resolve, { nullCounting: 'scan' });
    expect(scanned.sql).not.toBe(suite.sql);
    const [scanRow] = await warehouse.query(scanned.sql);
    expect(scanned.evaluate(scanRow ?? {}, now)).toEqual(result);
    const alone: CheckOutcome[] = [];
    for (const check of checks) {
      const single = compileChecks(orders, [check], warehouse.dialect, resolve, { profile: false });
      const [one] = await warehouse.query(single.sql);
      alone.push(single.evaluate(one ?? {}, now).outcomes[0]!);
    }
    expect(result.outcomes.map(pick)).toEqual(alone.map(pick));
    expect(result.outcomes.map(pick)).toEqual(
      checks.map((check) => {
        const failing = expected(check, t);
        return [check.name, failing === 0, failing];
      }),
    );
    expect(result.rowCount).toBe(t.rows.length);
    // Completeness: non-null cells of the required columns (all but customer_id and code).
    const required = ['order_id', 'line', 'status', 'amount', 'ordered_at'] as const;
    const filled = t.rows.reduce((n, r) => n + required.filter((c) => r[c] !== null).length, 0);
    expect(result.completeness).toBeCloseTo(
      t.rows.length ? filled / (t.rows.length * required.length) : 1,
      10,
    );
    return result;
  }

  const clean: Tables = {
    rows: Array.from({ length: 12 }, (_, i) => ({
      order_id: `O${i}`,
      line: 1,
      status: STATUSES[i % 3]!,
      amount: 10 + i,
      customer_id: i % 4 === 0 ? null : `C${i}`,
      code: i % 2 ? `C${i}` : null,
      ordered_at: hoursAgo(i),
    })),
    customers: Array.from({ length: 12 }, (_, i) => `C${i}`),
    ledger: Array.from({ length: 12 }, (_, i) => `O${i}`),
  };

  it('passes every check of a clean table', async () => {
    const result = await verify(clean);
    // customer_id is nullable: its NULLs are data, which only the warn check minds.
    expect(result.outcomes.filter((o) => !o.passed).map(pick)).toEqual([['customer_id_not_null', false, 3]]);
    expect(result.completeness).toBe(1);
  });

  it('counts duplicate keys, NULL keys, orphans and bad values as the checks alone do', async () => {
    const rows: Row[] = [
      ...clean.rows,
      // A duplicate order (same line: breaks the combination too), a NULL key, a second NULL key.
      { ...clean.rows[1]!, amount: 95 },
      { ...clean.rows[2]!, order_id: null, line: 2 },
      { ...clean.rows[3]!, order_id: null, line: 2, status: null },
      // Orphans: a customer and an order the parents do not have; a duplicate customer.
      { ...clean.rows[5]!, order_id: 'O99', customer_id: 'C77', status: 'lost', amount: -1 },
      { ...clean.rows[6]!, order_id: 'O98', line: 2, code: 'X1', amount: null },
    ];
    const result = await verify({
      rows,
      // The parents carry NULLs and duplicates of their own: neither may change the answers.
      customers: [...clean.customers, null, 'C1', 'C1'],
      ledger: [...clean.ledger, null, 'O1'],
    });
    expect(result.outcomes.filter((o) => !o.passed).map(pick)).toEqual([
      ['order_id_unique', false, 1],
      ['order_id_not_null', false, 2],
      ['customer_id_unique', false, 4],
      ['order_id_line_unique', false, 2],
      ['line_order_id_unique', false, 2],
      ['customer_id_status_unique', false, 3],
      ['status_not_null', false, 1],
      ['status_accepted_values', false, 1],
      ['amount_range', false, 1],
      ['code_matches', false, 1],
      ['customer_id_references_customers', false, 1],
      ['order_id_references_ledger', false, 2],
      ['customer_id_not_null', false, 3],
      ['positive_amount', false, 2],
      ['no_large_lines', false, 1],
      // Implied by the contract: amount is required, and O98's line has none.
      ['amount_not_null', false, 1],
    ]);
  });

  it('fails row count and freshness on an empty table, and counts nothing else', async () => {
    const result = await verify({ rows: [], customers: [], ledger: [] });
    expect(result.outcomes.filter((o) => !o.passed).map((o) => [o.name, o.observed])).toEqual([
      ['ordered_at_freshness', 'no rows'],
      ['row_count', '0'],
    ]);
  });

  it('answers the same for a suite of one kind of check at a time', async () => {
    const corrupted: Tables = {
      rows: [
        ...clean.rows,
        { ...clean.rows[0]!, customer_id: 'C404' },
        { ...clean.rows[0]!, customer_id: null },
      ],
      customers: clean.customers,
      ledger: clean.ledger.slice(1),
    };
    for (const kind of new Set(orders.checks.map((c) => c.kind))) {
      await verify(
        corrupted,
        orders.checks.filter((c) => c.kind === kind),
      );
    }
  });

  // Random tables: keys that repeat or are NULL, values in and out of bounds, orphans.
  const key = (prefix: string, n: number) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 6, arbitrary: fc.integer({ min: 0, max: n }).map((i) => `${prefix}${i}`) },
    );
  const row = fc.record({
    order_id: key('O', 8),
    line: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 8 }),
    status: fc.option(fc.constantFrom(...STATUSES, 'lost'), { freq: 8 }),
    amount: fc.option(fc.integer({ min: -3, max: 103 }), { freq: 8 }),
    customer_id: key('C', 6),
    code: fc.option(fc.constantFrom('C1', 'C22', 'X1', 'c3', ''), { freq: 3 }),
    ordered_at: fc.option(fc.integer({ min: 0, max: 60 }).map(hoursAgo), { freq: 8 }),
  });
  const tables = fc.record({
    rows: fc.array(row, { maxLength: 45 }),
    customers: fc.array(key('C', 6), { maxLength: 8 }),
    ledger: fc.array(key('O', 8), { maxLength: 10 }),
  });

  it('answers as each check alone does on random corruptions', async () => {
    await fc.assert(
      fc.asyncProperty(tables, async (t) => {
        await verify(t);
      }),
      { numRuns: 60 },
    );
  });

  it('counts checks restricted to some rows on those rows only, and every other check on all of them', async () => {
    // As a rebuild of some days restricts the checks every published day passed.
    const within = new Set(
      orders.checks.filter((c) =>
        ['accepted_values', 'range', 'regex', 'expression', 'unique_combination'].includes(c.kind),
      ),
    );
    await fc.assert(
      fc.asyncProperty(tables, async (t) => {
        await load(t);
        const suite = compileChecks(orders, orders.checks, warehouse.dialect, resolve, {
          within: { where: sql`${sql.id('t', 'line')} = 2`, checks: within },
        });
        const [result] = await warehouse.query(suite.sql);
        const outcomes = suite.evaluate(result ?? {}, now);
        const inside = { ...t, rows: t.rows.filter((r) => r.line === 2) };
        expect(outcomes.outcomes.map(pick)).toEqual(
          orders.checks.map((check) => {
            const failing = expected(check, within.has(check) ? inside : t);
            return [check.name, failing === 0, failing];
          }),
        );
        expect(outcomes.rowCount).toBe(t.rows.length);
      }),
      { numRuns: 40 },
    );
  });

  it('adds the counts of the rows kept, taken before the rows within were written, to those of the rows within', async () => {
    // As a rebuild of some days in place counts the rows it keeps before it inserts the new ones.
    const within = new Set(
      orders.checks.filter((c) =>
        ['accepted_values', 'range', 'regex', 'expression', 'unique_combination'].includes(c.kind),
      ),
    );
    const suite = compileChecks(orders, orders.checks, warehouse.dialect, resolve, {
      within: { where: sql`${sql.id('t', 'line')} = 2`, checks: within },
    });
    await fc.assert(
      fc.asyncProperty(tables, async (t) => {
        await load({ ...t, rows: t.rows.filter((r) => r.line !== 2) });
        const [kept] = await warehouse.query(suite.kept!.sql);
        expect(Number(kept?.row_count)).toBe(t.rows.filter((r) => r.line !== 2).length);
        await load(t);
        const [whole] = await warehouse.query(suite.sql);
        const [added] = await warehouse.query(suite.kept!.suite(kept ?? {}));
        expect(suite.evaluate(added ?? {}, now)).toEqual(suite.evaluate(whole ?? {}, now));
      }),
      { numRuns: 40 },
    );
  });
});
