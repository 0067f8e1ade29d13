import {
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBVector,
  JSDuckDBValueConverter,
} from '@duckdb/node-api';
import {
  type DataProduct,
  defineDataProduct,
  defineDomain,
  isMeshError,
  readProduct,
  type SqlRow,
  sql,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnReader, rowBuilder } from './duckdb-vectors.js';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** What the stream gave before it read vectors itself: the driver's items, made canonical. */
function expected(vector: DuckDBVector, r: number): unknown {
  const item = vector.getItem(r);
  if (item == null) return null;
  const value = JSDuckDBValueConverter(item, vector.type, JSDuckDBValueConverter);
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (vector.type.typeId === DuckDBTypeId.DATE) return (value as Date).toISOString().slice(0, 10);
  return value;
}

/** Every column of the query read by its reader and by the driver, chunk by chunk. */
async function readBoth(query: string) {
  const result = await connection.stream(query);
  const readers = result.columnTypes().map(columnReader);
  const ours: unknown[][] = readers.map(() => []);
  const driver: unknown[][] = readers.map(() => []);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    readers.forEach((read, c) => {
      const vector = chunk.getColumnVector(c);
      const out: unknown[] = [];
      read(vector, chunk.rowCount, out);
      ours[c]!.push(...out);
      for (let r = 0; r < chunk.rowCount; r++) driver[c]!.push(expected(vector, r));
    });
  }
  return { names: result.deduplicatedColumnNames(), ours, driver };
}

describe('columnReader', () => {
  it.each([
    [
      'BIGINT',
      `SELECT CAST(v AS BIGINT) AS v FROM (VALUES (0), (-1), (1), (9007199254740991), (-9007199254740991),
      (9007199254740992), (-9007199254740992), (9223372036854775807), (-9223372036854775808), (NULL), (4294967296), (-4294967297)) AS t(v)`,
    ],
    [
      'UBIGINT',
      `SELECT CAST(v AS UBIGINT) AS v FROM (VALUES (0), (4294967295), (4294967296), (9007199254740991),
      (9007199254740992), (18446744073709551615), (NULL)) AS t(v)`,
    ],
    [
      'narrow integers and floats',
      `SELECT CAST(i - 60 AS TINYINT) AS a, CAST(i * 7 AS SMALLINT) AS b, CAST(i * -100003 AS INTEGER) AS c,
      CAST(i AS UTINYINT) AS d, CAST(i * 300 AS USMALLINT) AS e, CAST(i * 40000000 AS UINTEGER) AS f,
      CAST(i / 3 AS FLOAT) AS g, i / 7 - 3 AS h FROM range(100) AS t(i)`,
    ],
    [
      'DECIMAL',
      `SELECT CAST(v AS DECIMAL(4, 1)) AS d4, CAST(v AS DECIMAL(9, 3)) AS d9, CAST(v AS DECIMAL(18, 2)) AS d18,
      CAST(v * 1000000000000 AS DECIMAL(18, 0)) AS big18, CAST(v AS DECIMAL(38, 10)) AS d38
      FROM (VALUES (0.0), (-0.05), (1.25), (-123.4), (999.9), (NULL), (0.1), (0.3), (-999.9), (12.345)) AS t(v)`,
    ],
    [
      'DECIMAL beyond 2^53 whose whole part a number keeps',
      `SELECT CAST(v AS DECIMAL(18, 2)) AS d, CAST(v AS DECIMAL(38, 9)) AS w FROM (VALUES (90071992547409.93),
      (-90071992547409.93), (123456789012345.67), (-123456789.123456789)) AS t(v)`,
    ],
    [
      'VARCHAR',
      `SELECT v FROM (VALUES (''), ('a'), ('twelve bytes'), ('thirteen byte'), ('é'), ('Zürich 12'), ('🛒 cart'),
      (NULL), ('a somewhat longer string that lives behind a pointer'), ('日本語のテキスト'), (repeat('x', 4000)), ('tab\tnew\nline')) AS t(v)`,
    ],
    [
      'ENUM',
      `SELECT CAST(v AS ENUM('OPEN', 'SHIPPED', 'RETURNED')) AS v FROM (VALUES ('OPEN'), (NULL), ('RETURNED'), ('SHIPPED')) AS t(v)`,
    ],
    [
      'DATE',
      `SELECT DATE '1970-01-01' + CAST(i * 97 - 5000 AS INTEGER) AS d, CASE WHEN i % 5 = 0 THEN NULL ELSE DATE '0001-01-01' + CAST(i AS INTEGER) END AS early,
      DATE '9999-12-31' - CAST(i AS INTEGER) AS late FROM range(300) AS t(i)`,
    ],
    [
      'TIMESTAMP',
      `SELECT TIMESTAMP '1970-01-01 00:00:00' + to_microseconds(CAST(i * 999999937 - 50000000000 AS BIGINT)) AS ts,
      CASE WHEN i % 3 = 0 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:59.9995' - to_microseconds(i) END AS before_epoch,
      CAST(TIMESTAMP '2024-05-01 12:00:00.123456' AS TIMESTAMPTZ) + to_microseconds(i) AS tz,
      TIMESTAMP '2250-06-01 00:00:00.999999' + to_days(CAST(i AS INTEGER)) AS late FROM range(300) AS t(i)`,
    ],
    [
      'types read through the driver',
      `SELECT i % 2 = 0 AS flag, CAST(i AS HUGEINT) * 170141183460469231731687303715884105 AS huge,
      [i, i + 1] AS list, {'a': i} AS struct, CAST(i AS VARCHAR)::BLOB AS bytes, INTERVAL 1 DAY * i AS span,
      TIME '12:00:00' AS at, CAST(NULL AS INTEGER) AS nothing FROM range(5) AS t(i)`,
    ],
  ])('reads %s as the driver does, made canonical', async (_label, query) => {
    const { ours, driver } = await readBoth(query);
    expect(ours).toEqual(driver);
    expect(ours[0]!.length).toBeGreaterThan(0);
  });

  it('reads a DECIMAL whose whole part a number would not keep as its exact text', async () => {
    // The SDK refuses such text in a typed read (unsafe-decimal) rather than hand out another
    // figure: 9999999999999999.99 is the number 1e16, 9007199254740990.75 is ...991.
    const { ours } = await readBoth(
      `SELECT CAST(v AS DECIMAL(18, 2)) AS d, CAST(v AS DECIMAL(38, 2)) AS w FROM (VALUES (9999999999999999.99),
      (-9999999999999999.99), (9007199254740990.75), (12.5)) AS t(v)`,
    );
    const exact = ['9999999999999999.99', '-9999999999999999.99', '9007199254740990.75', 12.5];
    expect(ours).toEqual([exact, exact]);
  });

  it('reads nulls from the validity mask at every position of a full chunk', async () => {
    const { ours, driver } = await readBoth(
      `SELECT CASE WHEN i % 7 = 3 THEN NULL ELSE i END AS n, CASE WHEN i % 5 = 1 THEN NULL ELSE 'v' || i END AS s,
       CASE WHEN i % 3 = 2 THEN NULL ELSE DATE '2024-01-01' + CAST(i % 400 AS INTEGER) END AS d FROM range(10000) AS t(i)`,
    );
    expect(ours).toEqual(driver);
    expect(ours[0]!.filter((v) => v === null)).toHaveLength(Math.floor(10000 / 7) + 1);
  });

  it('reads the common types from the vector memory, not item by item', async () => {
    const result = await connection.stream(
      `SELECT i AS id, 'O' || i AS code, CAST(i % 7 AS INTEGER) AS qty, CAST(i / 100 AS DECIMAL(12, 2)) AS price,
       DATE '2024-01-01' AS day, TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i) AS at, i / 3 AS ratio FROM range(3000) AS t(i)`,
    );
    const readers = result.columnTypes().map(columnReader);
    let itemCalls = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      readers.forEach((read, c) => {
        const vector = chunk.getColumnVector(c);
        const getItem = vector.getItem.bind(vector);
        vector.getItem = (r: number) => {
          itemCalls++;
          return getItem(r);
        };
        read(vector, chunk.rowCount, []);
      });
    }
    // Once: the first time the day is seen.
    expect(itemCalls).toBe(1);
  });

  it('reads a vector of another shape through the driver', () => {
    const reader = columnReader({ typeId: DuckDBTypeId.BIGINT } as never);
    const items = [1n, null, 2n ** 60n];
    const vector = { getItem: (r: number) => items[r] } as unknown as DuckDBVector;
    const out: unknown[] = [];
    reader(vector, 3, out);
    expect(out).toEqual([1, null, '1152921504606846976']);
  });
});

describe('rowBuilder', () => {
  it('builds plain rows with every column, whatever the names', () => {
    const names = ['id', 'a "quoted" name', '__proto__', 'constructor', 'line\nbreak', 'back`tick'];
    const build = rowBuilder(names);
    const rows = build(
      names.map((_, c) => [c, c * 10]),
      2,
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(Object.keys(row)).toEqual(names);
    }
    expect(Object.getOwnPropertyDescriptor(rows[1], '__proto__')?.value).toBe(20);
    expect(rows[1]!['back`tick']).toBe(50);
  });
});

describe('a warehouse read of values JS cannot hold', () => {
  it.each([
    [
      'DATE',
      "SELECT CASE WHEN i = 3000 THEN DATE 'infinity' ELSE DATE '2024-01-01' END AS d FROM range(5000) AS t(i)",
    ],
    [
      'TIMESTAMP',
      "SELECT CASE WHEN i = 3000 THEN TIMESTAMP '294247-01-01' ELSE TIMESTAMP '2024-01-01' END AS at FROM range(5000) AS t(i)",
    ],
  ])('fails on a %s out of range, never skipping it', async (_type, query) => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    let rows = 0;
    const error = await (async () => {
      for await (const chunk of warehouse.stream(query)) rows += chunk.length;
    })().catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('statement-failed');
    expect((error as Error).message).toMatch(/cannot convert: .*out of range/);
    expect(rows).toBeLessThan(5000);
    expect(await warehouse.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await warehouse.close();
  });
});

describe('a warehouse read of columns named as what every object has', () => {
  const query = `SELECT CAST(i AS BIGINT) AS "__proto__", TIMESTAMP '2024-05-01 12:00:00' AS "constructor",
    'P' || i AS "toString", CAST(i / 4 AS DECIMAL(9, 2)) AS "valueOf" FROM range(3) AS t(i)`;
  const at = new Date('2024-05-01T12:00:00.000Z');
  const expected = [0, 1, 2].map((i) => [
    ['__proto__', i],
    ['constructor', at],
    ['toString', `P${i}`],
    ['valueOf', i / 4],
  ]);

  it('streams each as an own property of a plain row', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const rows: SqlRow[] = [];
    for await (const chunk of warehouse.stream(query)) rows.push(...chunk);
    await warehouse.close();
    expect(rows.map((row) => Object.entries(row))).toEqual(expected);
    for (const row of rows) expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  });

  it('reads them back typed, __proto__ included', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await warehouse.query('CREATE SCHEMA names');
    await warehouse.query(`CREATE TABLE names.odd AS ${query}`);
    const product = defineDataProduct({
      domain: defineDomain({
        name: 'names',
        description: 'Odd names.',
        owner: { team: 'platform', email: 'platform@retail.example' },
      }),
      name: 'odd',
      version: '1.0.0',
      description: 'Columns named as what every object has.',
      tier: 'bronze',
      refresh: 'daily',
      access: 'public',
      schema: z.object({
        constructor: z.date().describe('When'),
        toString: z.string().describe('Text'),
        valueOf: z.number().meta({ type: 'decimal' }).describe('Amount'),
      }),
      inputs: {},
      transform: () => sql`SELECT 1`,
    });
    // A definition refuses names that start with "_"; the read itself holds any name.
    const proto = { ...product.columns[0]!, name: '__proto__', type: 'integer' as const };
    const odd = { ...product, columns: [proto, ...product.columns] } as unknown as DataProduct;
    const rows: SqlRow[] = [];
    for await (const row of readProduct<SqlRow>(odd, warehouse, { chunkSize: 2 })) rows.push(row);
    await warehouse.close();
    expect(rows.map((row) => Object.entries(row))).toEqual(expected);
    for (const row of rows) expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  });
});
