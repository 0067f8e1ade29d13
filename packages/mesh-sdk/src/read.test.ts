import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import type { ColumnSpec, LogicalType } from './columns.js';
import { type DataProduct, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { isMeshError } from './errors.js';
import { readProduct, readQuery, toSchemaValue } from './read.js';
import { sql } from './sql.js';
import type { SqlRow, Warehouse } from './warehouse.js';

/**
 * A warehouse that only streams: it hands back `chunks` and keeps the statements it was given.
 * It answers a read's question of the published version with `published`, and streams the
 * view of a previous major only when `views` names it.
 */
function streamingWarehouse(chunks: SqlRow[][] = [], published = '1.0.0', views: readonly string[] = []) {
  const statements: Array<{ text: string; chunkSize: number | undefined }> = [];
  const probes: string[] = [];
  const unused = () => Promise.reject(new Error('not used by reads'));
  const warehouse: Warehouse = {
    name: 'streaming',
    dialect: ansi,
    capabilities: {
      transactionalDdl: false,
      maxConcurrentBuilds: 1,
      partitioning: false,
      dryRun: false,
      sampleData: false,
      publishInPlace: false,
    },
    ensureDomain: unused,
    ensureTable: unused,
    replaceTable: unused,
    describeQuery: unused,
    promote: unused,
    dropTable: unused,
    listTables: unused,
    async query(text) {
      if (!text.startsWith('SELECT "_version" AS "v" FROM ')) return unused();
      probes.push(text);
      return [{ v: published }];
    },
    async *stream(text, options) {
      statements.push({ text, chunkSize: options?.chunkSize });
      const view = /FROM "\w+"\."(\w+_v\d+)"/.exec(text)?.[1];
      if (view && !views.includes(view))
        throw new Error(`Catalog Error: Table with name ${view} does not exist!`);
      yield* chunks;
    },
    tableStats: unused,
    storageBytes: unused,
    checkpoint: unused,
    recordRun: unused,
    appendHealthHistory: unused,
    healthHistory: unused,
    latestRuns: unused,
    listRuns: unused,
    ensureSource: unused,
    listBatches: unused,
    revertBatch: unused,
    writeSampleBatch: unused,
    close: unused,
  };
  return { warehouse, statements, probes };
}

const inventory = defineDataProduct({
  domain: defineDomain({
    name: 'product',
    description: 'What we sell.',
    owner: { team: 'product-data', email: 'product-data@retail.example' },
  }),
  name: 'product_inventory',
  version: '1.0.0',
  description: 'Stock on hand per product.',
  tier: 'gold',
  refresh: 'hourly',
  access: 'public',
  schema: z.object({
    product_id: z.string().describe('Catalog id'),
    stock: z.int().describe('Units on hand'),
    value: z.number().meta({ type: 'decimal' }).describe('Stock value'),
    status: z.enum(['IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK']).describe('Stock status'),
    counted_on: z.iso.date().nullable().describe('Day of the last count'),
    updated_at: z.date().describe('Last change'),
    synced_at: z.iso.datetime().describe('Last sync'),
    active: z.boolean().describe('Still sold'),
  }),
  inputs: {},
  transform: () => sql`SELECT 1`,
});
const { warehouse } = streamingWarehouse();

describe('readQuery', () => {
  it('selects every contract column of the published table by default', () => {
    expect(readQuery(inventory, warehouse).text).toBe(
      'SELECT "product_id", "stock", "value", "status", "counted_on", "updated_at", "synced_at", "active" FROM "product"."product_inventory"',
    );
  });

  it('projects, filters with typed literals and limits', () => {
    const { text, columns } = readQuery(inventory, warehouse, {
      columns: ['product_id', 'stock'],
      where: {
        status: ['LOW_STOCK', 'OUT_OF_STOCK'],
        product_id: "P'1",
        counted_on: null,
        active: undefined,
      },
      limit: 10,
    });
    expect(columns.map((c) => c.name)).toEqual(['product_id', 'stock']);
    expect(text).toBe(
      `SELECT "product_id", "stock" FROM "product"."product_inventory" WHERE "status" IN (CAST('LOW_STOCK' AS TEXT), ` +
        `CAST('OUT_OF_STOCK' AS TEXT)) AND "product_id" = CAST('P''1' AS TEXT) AND "counted_on" IS NULL LIMIT 10`,
    );
  });

  it('matches nothing for an empty list', () => {
    expect(
      readQuery(inventory, warehouse, { where: { status: [] }, columns: ['stock'], limit: 0 }).text,
    ).toBe('SELECT "stock" FROM "product"."product_inventory" WHERE FALSE LIMIT 0');
  });

  it.each([
    ['limit', { limit: -3 }],
    ['limit', { limit: 10.7 }],
    ['limit', { limit: Number.NaN }],
    ['limit', { limit: '5 OFFSET 3' }],
    ['limit', { limit: 1e21 }],
    ['limit', { limit: 5n }],
    ['chunkSize', { chunkSize: 1.5 }],
    ['chunkSize', { chunkSize: 0 }],
    ['chunkSize', { chunkSize: 1000n }],
    ['where', { where: 7n }],
    ['columns', { columns: [] }],
    ['where', { where: 'x' }],
    ['where', { where: ['stock'] }],
  ])('refuses a %s it cannot mean, naming it: %s', (option, options) => {
    expect(() => readQuery(inventory, warehouse, options as never)).toThrow(
      expect.objectContaining({
        kind: 'usage',
        code: 'invalid-option',
        subject: { domain: 'product', product: 'product_inventory', option },
      }),
    );
  });

  it('shows a BigInt option as written', () => {
    expect(() => readQuery(inventory, warehouse, { limit: 5n } as never)).toThrow(
      'product.product_inventory: limit is 5n: give a whole number of rows (a number), 0 or more.',
    );
  });

  it('refuses a filter value no row of its column could hold, rather than cast it to one', () => {
    const refused = (where: Record<string, unknown>, column: string, words: RegExp) =>
      expect(() => readQuery(inventory, warehouse, { where } as never)).toThrow(
        expect.objectContaining({
          code: 'invalid-value',
          subject: { domain: 'product', product: 'product_inventory', column },
          message: expect.stringMatching(words),
        }),
      );
    // 2.5 was cast to an integer, and found the rows of 2.
    refused({ stock: 2.5 }, 'stock', /holds whole numbers/);
    refused({ stock: [1, Number.NaN] }, 'stock', /holds whole numbers/);
    refused({ value: 96.66000000049 }, 'value', /keeps 9 places/);
    refused({ value: Number.POSITIVE_INFINITY }, 'value', /finite number/);
    refused({ value: '96,66' }, 'value', /no decimal/);
    refused({ counted_on: '2025-02-30' }, 'counted_on', /no day of the calendar/);
    // A Date's day depends on the zone it is read in.
    refused({ counted_on: new Date(2025, 10, 1) }, 'counted_on', /give the day as 'YYYY-MM-DD'/);
    refused({ updated_at: 'yesterday' }, 'updated_at', /no time/);
  });

  it('filters a time written with an offset as the instant it names, and a decimal by its exact text', () => {
    // DuckDB's cast to TIMESTAMP drops an offset: +01:00 found the row of an hour later.
    expect(
      readQuery(inventory, warehouse, {
        columns: ['stock'],
        where: {
          updated_at: ['2025-11-01T20:49:56+01:00', '2025-11-01 14:49:56.123456-0500', '2025-11-01 19:49'],
        },
        limit: 1,
      }).text,
    ).toBe(
      `SELECT "stock" FROM "product"."product_inventory" WHERE "updated_at" IN (CAST('2025-11-01 19:49:56' AS TIMESTAMP), ` +
        `CAST('2025-11-01 19:49:56.123456' AS TIMESTAMP), CAST('2025-11-01 19:49:00' AS TIMESTAMP)) LIMIT 1`,
    );
    expect(
      readQuery(inventory, warehouse, { columns: ['stock'], where: { value: '96.660000000' } }).text,
    ).toBe(
      `SELECT "stock" FROM "product"."product_inventory" WHERE "value" = CAST('96.660000000' AS DECIMAL)`,
    );
  });

  it.each([
    ['a projected column', { columns: ['sku'] }],
    ['a filtered column', { where: { sku: 'x' } }],
  ])('rejects %s the product does not have', (_label, options) => {
    let caught: unknown;
    try {
      readQuery(inventory, warehouse, options);
    } catch (error) {
      caught = error;
    }
    expect(isMeshError(caught)).toBe(true);
    expect(caught).toMatchObject({
      kind: 'usage',
      code: 'unknown-column',
      subject: { domain: 'product', product: 'product_inventory', column: 'sku' },
    });
  });

  it('selects a column asked for twice once', () => {
    expect(readQuery(inventory, warehouse, { columns: ['stock', 'product_id', 'stock'] }).text).toBe(
      'SELECT "stock", "product_id" FROM "product"."product_inventory"',
    );
  });

  it('rejects a filter value an enumeration never holds, which would find no row', () => {
    expect(() => readQuery(inventory, warehouse, { where: { status: 'low_stock' } })).toThrow(
      expect.objectContaining({
        code: 'unknown-value',
        subject: { product: 'product_inventory', column: 'status' },
        message:
          'Value "low_stock" is not one of column status\'s values (IN_STOCK, LOW_STOCK, OUT_OF_STOCK): did you mean LOW_STOCK? A filter on it would find no row.',
      }),
    );
    expect(() => readQuery(inventory, warehouse, { where: { status: ['IN_STOCK', 'GONE'] } })).toThrow(
      /Value "GONE" is not one of column status's values \(IN_STOCK, LOW_STOCK, OUT_OF_STOCK\)\. A filter/,
    );
    expect(readQuery(inventory, warehouse, { where: { status: ['IN_STOCK', 'LOW_STOCK'] } }).text).toContain(
      `WHERE "status" IN (CAST('IN_STOCK' AS TEXT), CAST('LOW_STOCK' AS TEXT))`,
    );
  });

  it('matches a Date as the span of microseconds that read back as it, alone or among others', () => {
    const at = new Date('2024-03-01T10:00:00.123Z');
    expect(readQuery(inventory, warehouse, { columns: ['stock'], where: { updated_at: at } }).text).toBe(
      `SELECT "stock" FROM "product"."product_inventory" WHERE "updated_at" BETWEEN CAST('2024-03-01 10:00:00.123000' AS TIMESTAMP) AND CAST('2024-03-01 10:00:00.123999' AS TIMESTAMP)`,
    );
    // Before 1970 a read cuts toward zero too: the span lies below the instant.
    expect(
      readQuery(inventory, warehouse, { where: { updated_at: new Date('1969-12-31T23:59:59.999Z') } }).text,
    ).toContain(
      `BETWEEN CAST('1969-12-31 23:59:59.998001' AS TIMESTAMP) AND CAST('1969-12-31 23:59:59.999000' AS TIMESTAMP)`,
    );
    // The ISO text of a timestamp read as text is the same instant; other text stays equality.
    const text = readQuery(inventory, warehouse, {
      columns: ['stock'],
      where: { synced_at: ['2024-03-01T10:00:00.123Z', '2024-03-01 10:00:00'] } as never,
    }).text;
    expect(text).toBe(
      `SELECT "stock" FROM "product"."product_inventory" WHERE ("synced_at" = CAST('2024-03-01 10:00:00' AS TIMESTAMP) OR "synced_at" BETWEEN CAST('2024-03-01 10:00:00.123000' AS TIMESTAMP) AND CAST('2024-03-01 10:00:00.123999' AS TIMESTAMP))`,
    );
    expect(() => readQuery(inventory, warehouse, { where: { updated_at: new Date('nope') } })).toThrow(
      expect.objectContaining({
        code: 'invalid-value',
        subject: { domain: 'product', product: 'product_inventory', column: 'updated_at' },
      }),
    );
  });

  it('finds NULL among a list of values as IS NULL, which IN never matches', () => {
    expect(
      readQuery(inventory, warehouse, { columns: ['stock'], where: { counted_on: [null, '2024-01-01'] } })
        .text,
    ).toBe(
      `SELECT "stock" FROM "product"."product_inventory" WHERE ("counted_on" IS NULL OR "counted_on" = CAST('2024-01-01' AS DATE))`,
    );
    expect(readQuery(inventory, warehouse, { columns: ['stock'], where: { counted_on: [null] } }).text).toBe(
      `SELECT "stock" FROM "product"."product_inventory" WHERE "counted_on" IS NULL`,
    );
  });

  it('rejects a filter value of the wrong type', () => {
    expect(() => readQuery(inventory, warehouse, { where: { stock: '3' } })).toThrow(
      expect.objectContaining({ code: 'literal-type-mismatch' }),
    );
  });
});

describe('toSchemaValue', () => {
  const column = (type: LogicalType, asString = false): ColumnSpec => ({
    name: 'c',
    type,
    nullable: true,
    description: undefined,
    pii: false,
    key: false,
    values: undefined,
    asString,
  });
  const at = new Date('2024-05-01T12:00:00.000Z');

  it.each([
    ['integer', 3n, 3],
    ['number', '2.5', 2.5],
    ['decimal', '19.990000000', 19.99],
    ['timestamp', '2024-05-01T12:00:00.000Z', at],
    ['date', new Date('2024-05-01T00:00:00.000Z'), '2024-05-01'],
    ['date', '2024-05-01', '2024-05-01'],
    ['boolean', true, true],
    ['string', 42, '42'],
  ] as const)('turns a %s value %s into %s', (type, raw, expected) => {
    expect(toSchemaValue(column(type), raw)).toEqual(expected);
  });

  it('keeps an ISO datetime column a string', () => {
    expect(toSchemaValue(column('timestamp', true), at)).toBe('2024-05-01T12:00:00.000Z');
  });

  it('refuses an integer beyond 2^53 rather than round it, naming the product and column', () => {
    expect(toSchemaValue(column('integer'), '9007199254740991')).toBe(9007199254740991);
    expect(toSchemaValue(column('integer'), -9007199254740991n)).toBe(-9007199254740991);
    expect(() => toSchemaValue(column('integer'), '9007199254740993')).toThrow(
      expect.objectContaining({ code: 'unsafe-integer', subject: { column: 'c' } }),
    );
    expect(() => toSchemaValue(column('integer'), -9007199254740993n)).toThrow(
      /^c holds -9007199254740993, beyond/,
    );
  });

  it('refuses a decimal past 2^53, whose whole part a JS number does not hold exactly', () => {
    expect(toSchemaValue(column('decimal'), 4503599627370495.5)).toBe(4503599627370495.5);
    expect(toSchemaValue(column('decimal'), 96.66)).toBe(96.66);
    expect(() => toSchemaValue(column('decimal'), '12345678901234567.123456789')).toThrow(
      expect.objectContaining({ code: 'unsafe-decimal', subject: { column: 'c' } }),
    );
    expect(() => toSchemaValue(column('decimal'), '-99999999999999999999.999999999')).toThrow(
      /^c holds -9999/,
    );
    // Below 2^53, but with a fraction its whole part does not survive: 9007199254740991.
    expect(() => toSchemaValue(column('decimal'), '9007199254740990.750000000')).toThrow(
      expect.objectContaining({ code: 'unsafe-decimal' }),
    );
    expect(toSchemaValue(column('decimal'), '4503599627370495.500000000')).toBe(4503599627370495.5);
    expect(toSchemaValue(column('decimal'), '-123456789.123456789')).toBe(-123456789.12345679);
    // A floating-point number promises no exactness.
    expect(toSchemaValue(column('number'), 1e20)).toBe(1e20);
  });

  it('turns missing values into null', () => {
    expect(toSchemaValue(column('integer'), null)).toBeNull();
    expect(toSchemaValue(column('string'), undefined)).toBeNull();
  });
});

describe('DataProduct.read', () => {
  it('streams rows in chunks, typed as the schema promises', async () => {
    const { warehouse, statements } = streamingWarehouse([
      [{ product_id: 'P1', stock: 3n, synced_at: new Date('2024-05-01T12:00:00Z') }],
      [{ product_id: 'P2', stock: 0n, synced_at: new Date('2024-05-01T13:00:00Z') }],
    ]);
    const rows = [];
    const reading = inventory.read(warehouse, {
      columns: ['product_id', 'stock', 'synced_at'],
      chunkSize: 100,
    });
    for await (const row of reading) {
      expectTypeOf(row).toEqualTypeOf<{ product_id: string; stock: number; synced_at: string }>();
      rows.push(row);
    }
    expect(rows).toEqual([
      { product_id: 'P1', stock: 3, synced_at: '2024-05-01T12:00:00.000Z' },
      { product_id: 'P2', stock: 0, synced_at: '2024-05-01T13:00:00.000Z' },
    ]);
    expect(statements).toEqual([
      {
        text: 'SELECT "product_id", "stock", "synced_at" FROM "product"."product_inventory"',
        chunkSize: 100,
      },
    ]);
  });

  it('asks which version published the rows, once, beside the first chunk', async () => {
    const { warehouse, probes } = streamingWarehouse([[{ stock: 1 }], [{ stock: 2 }]], '1.4.2');
    const rows = [];
    for await (const row of inventory.read(warehouse, { columns: ['stock'] })) rows.push(row);
    // Another minor of the same major: the same columns and meanings, read as they are.
    expect(rows).toEqual([{ stock: 1 }, { stock: 2 }]);
    expect(probes).toEqual(['SELECT "_version" AS "v" FROM "product"."product_inventory" LIMIT 1']);
  });

  it('reads rows a newer major published through the view that keeps its own major', async () => {
    const { warehouse, statements } = streamingWarehouse([[{ stock: 1 }]], '2.0.0', ['product_inventory_v1']);
    const rows = [];
    for await (const row of inventory.read(warehouse, { columns: ['stock'], where: { stock: 1 } }))
      rows.push(row);
    expect(rows).toEqual([{ stock: 1 }]);
    expect(statements.map((s) => s.text)).toEqual([
      'SELECT "stock" FROM "product"."product_inventory" WHERE "stock" = CAST(1 AS BIGINT)',
      'SELECT "stock" FROM "product"."product_inventory_v1" WHERE "stock" = CAST(1 AS BIGINT)',
    ]);
  });

  it('refuses rows another major published when nothing keeps its own', async () => {
    const read = async (published: string) => {
      const { warehouse } = streamingWarehouse([[{ stock: 1 }]], published);
      const rows = [];
      for await (const row of inventory.read(warehouse)) rows.push(row);
      return rows;
    };
    await expect(read('2.1.0')).rejects.toMatchObject({
      code: 'version-mismatch',
      subject: { domain: 'product', product: 'product_inventory' },
      message: expect.stringContaining(
        'product.product_inventory: the warehouse holds version 2.1.0, a newer major than this reader\'s 1.0.0, and no "product"."product_inventory_v1" keeps version 1 published beside it',
      ),
    });
    const older = { ...inventory, version: '3.0.0' } as DataProduct;
    const { warehouse } = streamingWarehouse([[{ stock: 1 }]], '2.1.0');
    await expect(readProduct(older, warehouse)[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'version-mismatch',
      message: expect.stringContaining(
        "the warehouse holds version 2.1.0, an older major than this reader's 3.0.0: build it with this version (mesh build product.product_inventory)",
      ),
    });
  });

  it('asks for chunks of 2048 rows unless told otherwise', async () => {
    const { warehouse, statements } = streamingWarehouse([]);
    for await (const _ of inventory.read(warehouse)) throw new Error('no rows expected');
    expect(statements[0]?.chunkSize).toBe(2048);
  });
});

describe('DataProduct.read, row by row', () => {
  /** A warehouse whose stream is the generator given, so a test sees when it starts, fails or ends. */
  function warehouseStreaming(stream: () => AsyncGenerator<SqlRow[]>): Warehouse {
    return { ...streamingWarehouse().warehouse, stream };
  }

  it('converts every column, a value only when it is not already the promised type', async () => {
    const at = new Date('2024-05-01T12:00:00.000Z');
    const { warehouse } = streamingWarehouse([
      [
        {
          product_id: 'P1',
          stock: 3,
          value: 19.99,
          status: 'IN_STOCK',
          counted_on: '2024-05-01',
          updated_at: at,
          synced_at: at,
          active: true,
        },
        {
          product_id: 42,
          stock: '12',
          value: '2.50',
          status: 'LOW_STOCK',
          counted_on: null,
          updated_at: '2024-05-01T12:00:00Z',
          synced_at: '2024-05-01T12:00:00Z',
          active: 0,
        },
      ],
    ]);
    const rows = [];
    for await (const row of inventory.read(warehouse)) rows.push(row);
    expect(rows).toEqual([
      {
        product_id: 'P1',
        stock: 3,
        value: 19.99,
        status: 'IN_STOCK',
        counted_on: '2024-05-01',
        updated_at: at,
        synced_at: '2024-05-01T12:00:00.000Z',
        active: true,
      },
      {
        product_id: '42',
        stock: 12,
        value: 2.5,
        status: 'LOW_STOCK',
        counted_on: null,
        updated_at: at,
        synced_at: '2024-05-01T12:00:00.000Z',
        active: false,
      },
    ]);
    expect(rows[0]!.updated_at).toBe(at);
  });

  it('reads a column of any name as the row own property, __proto__ and constructor among them', async () => {
    const spec = (name: string, type: LogicalType): ColumnSpec => ({
      name,
      type,
      nullable: true,
      description: undefined,
      pii: false,
      key: false,
      values: undefined,
      asString: false,
    });
    // A definition refuses names that start with "_"; the read itself holds any name.
    const odd = {
      ...inventory,
      columns: [
        spec('__proto__', 'integer'),
        spec('constructor', 'timestamp'),
        spec('toString', 'string'),
        spec('valueOf', 'integer'),
      ],
    } as unknown as DataProduct;
    const at = new Date('2024-05-01T12:00:00.000Z');
    const { warehouse, statements } = streamingWarehouse([
      [
        // As a warehouse builds them: computed keys make own properties, even `__proto__`.
        { ['__proto__']: 3n, constructor: '2024-05-01T12:00:00Z', toString: 'P1', valueOf: 7 },
        { ['__proto__']: 4 },
        JSON.parse('{"__proto__": "12", "valueOf": null}') as SqlRow,
      ],
    ]);
    const rows: SqlRow[] = [];
    for await (const row of readProduct<SqlRow>(odd, warehouse)) rows.push(row);
    expect(statements[0]?.text).toBe(
      'SELECT "__proto__", "constructor", "toString", "valueOf" FROM "product"."product_inventory"',
    );
    for (const row of rows) {
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(Object.keys(row).sort()).toEqual(['__proto__', 'constructor', 'toString', 'valueOf']);
    }
    // A name the row lacks is null, never what every object inherits.
    expect(rows.map((row) => Object.entries(row))).toEqual([
      [
        ['__proto__', 3],
        ['constructor', at],
        ['toString', 'P1'],
        ['valueOf', 7],
      ],
      [
        ['__proto__', 4],
        ['constructor', null],
        ['toString', null],
        ['valueOf', null],
      ],
      [
        ['__proto__', 12],
        ['valueOf', null],
        ['constructor', null],
        ['toString', null],
      ],
    ]);
  });

  it('hands the rows of several chunks over in order, skipping empty chunks', async () => {
    const { warehouse } = streamingWarehouse([
      [{ stock: 1 }, { stock: 2 }],
      [],
      [{ stock: 3n }],
      [{ stock: 4 }, { stock: 5 }, { stock: 6 }],
    ]);
    const seen: number[] = [];
    for await (const row of inventory.read(warehouse, { columns: ['stock'] })) seen.push(row.stock);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('answers calls of next that overlap in the order they were made', async () => {
    const { warehouse } = streamingWarehouse([[{ stock: 1 }], [{ stock: 2 }, { stock: 3 }]]);
    const iterator = inventory.read(warehouse, { columns: ['stock'] })[Symbol.asyncIterator]();
    const results = await Promise.all([iterator.next(), iterator.next(), iterator.next(), iterator.next()]);
    expect(results).toEqual([
      { value: { stock: 1 }, done: false },
      { value: { stock: 2 }, done: false },
      { value: { stock: 3 }, done: false },
      { value: undefined, done: true },
    ]);
  });

  it('starts the read only when iterated, and again for each iteration', async () => {
    let started = 0;
    const warehouse = warehouseStreaming(async function* () {
      started++;
      yield [{ stock: 1 }];
    });
    const reading = inventory.read(warehouse, { columns: ['stock'] });
    expect(started).toBe(0);
    for await (const _ of reading) break;
    for await (const _ of reading) break;
    expect(started).toBe(2);
  });

  it('raises a failure part-way after the rows before it, never a short result', async () => {
    const warehouse = warehouseStreaming(async function* () {
      yield [{ stock: 1 }, { stock: 2 }];
      throw new Error('the query failed part-way');
    });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const row of inventory.read(warehouse, { columns: ['stock'] })) seen.push(row.stock);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1, 2]);
    expect((error as Error).message).toBe('the query failed part-way');
  });

  it('raises a bad column when iterated, without starting a read', async () => {
    let started = false;
    const warehouse = warehouseStreaming(async function* () {
      started = true;
      yield [];
    });
    const error = await (async () => {
      // @ts-expect-error: not a column of the product
      for await (const _ of inventory.read(warehouse, { columns: ['sku'] }))
        throw new Error('no rows expected');
    })().catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('unknown-column');
    expect(started).toBe(false);
  });

  it('hands over nothing more once stopped, even a chunk that was on its way', async () => {
    let arrive: () => void = () => undefined;
    const warehouse = warehouseStreaming(async function* () {
      await new Promise<void>((resolve) => {
        arrive = resolve;
      });
      yield [{ stock: 1 }];
    });
    const iterator = inventory.read(warehouse, { columns: ['stock'] })[Symbol.asyncIterator]();
    const pending = iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const stopped = iterator.return?.();
    arrive();
    await stopped;
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('lets the warehouse release its stream when the reader stops early', async () => {
    let released = false;
    const warehouse = warehouseStreaming(async function* () {
      try {
        for (let i = 0; ; i++) yield [{ stock: i }, { stock: i + 0.5 }];
      } finally {
        released = true;
      }
    });
    for await (const row of inventory.read(warehouse, { columns: ['stock'] })) {
      if (row.stock >= 2) break;
    }
    expect(released).toBe(true);
  });
});
