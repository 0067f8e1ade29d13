import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { ColumnSpec, LogicalType } from './columns.js';
import { defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { isMeshError } from './errors.js';
import { readQuery, toSchemaValue } from './read.js';
import { sql } from './sql.js';
import { ansi } from './testing/ansi-dialect.js';
import type { SqlRow, Warehouse } from './warehouse.js';

/** A warehouse that only streams: it hands back `chunks` and keeps the statements it was given. */
function streamingWarehouse(chunks: SqlRow[][] = []) {
  const statements: Array<{ text: string; chunkSize: number | undefined }> = [];
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
    },
    ensureDomain: unused,
    ensureTable: unused,
    replaceTable: unused,
    describeQuery: unused,
    promote: unused,
    dropTable: unused,
    listTables: unused,
    query: unused,
    async *stream(text, options) {
      statements.push({ text, chunkSize: options?.chunkSize });
      yield* chunks;
    },
    tableStats: unused,
    recordRun: unused,
    latestRuns: unused,
    listRuns: unused,
    ensureSource: unused,
    listBatches: unused,
    revertBatch: unused,
    writeSampleBatch: unused,
    close: unused,
  };
  return { warehouse, statements };
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
      limit: 10.7,
    });
    expect(columns.map((c) => c.name)).toEqual(['product_id', 'stock']);
    expect(text).toBe(
      `SELECT "product_id", "stock" FROM "product"."product_inventory" WHERE "status" IN (CAST('LOW_STOCK' AS TEXT), ` +
        `CAST('OUT_OF_STOCK' AS TEXT)) AND "product_id" = CAST('P''1' AS TEXT) AND "counted_on" IS NULL LIMIT 10`,
    );
  });

  it('matches nothing for an empty list and clamps a negative limit', () => {
    expect(
      readQuery(inventory, warehouse, { where: { status: [] }, columns: ['stock'], limit: -3 }).text,
    ).toBe('SELECT "stock" FROM "product"."product_inventory" WHERE FALSE LIMIT 0');
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

  it('asks for chunks of 2048 rows unless told otherwise', async () => {
    const { warehouse, statements } = streamingWarehouse([]);
    for await (const _ of inventory.read(warehouse)) throw new Error('no rows expected');
    expect(statements[0]?.chunkSize).toBe(2048);
  });
});
