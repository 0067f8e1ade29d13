import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineDomain } from './domain.js';
import { isMeshError } from './errors.js';
import { defineSource } from './source.js';

const product = defineDomain({
  name: 'product',
  description: 'What we sell.',
  owner: { team: 'product-data', email: 'product-data@retail.example' },
});
const schema = z.object({
  product_id: z.string().describe('Catalog id').meta({ key: true }),
  stock: z.int().describe('Units on hand'),
});
const base = {
  domain: product,
  name: 'stock_levels',
  description: 'Stock per product.',
  mode: 'snapshot',
  schema,
} as const;
const withCountedAt = schema.extend({ counted_at: z.date().describe('When the stock was counted') });

/** What `define` throws, failing the test when it throws nothing. */
function thrown(define: () => unknown): unknown {
  try {
    define();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('defineSource', () => {
  it("lands in the domain's schema as raw_<name>, with columns from its schema", () => {
    const source = defineSource(base);
    expect(source).toMatchObject({
      kind: 'source',
      name: 'stock_levels',
      id: 'product.stock_levels',
      system: undefined,
      sample: undefined,
      table: { schema: 'product', name: 'raw_stock_levels' },
    });
    expect(source.columns.map((c) => [c.name, c.type, c.description])).toEqual([
      ['product_id', 'string', 'Catalog id'],
      ['stock', 'integer', 'Units on hand'],
    ]);
    expect(Object.isFrozen(source)).toBe(true);
  });

  it.each<[string, { name?: string; description?: string; system?: string; mode?: string; cursor?: string }]>(
    [
      ['a name that is not snake_case', { name: 'stock-levels' }],
      ['an empty description', { description: '' }],
      ['an empty system', { system: '' }],
      ['an unknown mode', { mode: 'merge' }],
      ['an empty cursor', { cursor: '' }],
    ],
  )('rejects %s as invalid-source', (_label, change) => {
    // A mode outside SYNC_MODES only reaches defineSource from untyped (JavaScript) callers.
    const error = thrown(() => defineSource({ ...base, ...change } as typeof base));
    expect(isMeshError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'invalid-source',
      subject: { domain: 'product', source: change.name ?? 'stock_levels' },
    });
  });

  it('names the source and column of an unsupported column type', () => {
    const error = thrown(() =>
      defineSource({ ...base, schema: schema.extend({ bins: z.array(z.string()) }) }),
    );
    expect(error).toMatchObject({
      code: 'unsupported-column-type',
      subject: { domain: 'product', source: 'stock_levels', column: 'bins' },
    });
  });
});

describe('defineSource: the log of batches', () => {
  it('keeps its batches in raw_<name>_log, its rejects in raw_<name>_rejects, and reads raw_<name>', () => {
    const source = defineSource(base);
    expect(source.log).toEqual({ schema: 'product', name: 'raw_stock_levels_log' });
    expect(source.rejects).toEqual({ schema: 'product', name: 'raw_stock_levels_rejects' });
    expect(source.table).toEqual({ schema: 'product', name: 'raw_stock_levels' });
    expect([source.log, source.rejects, source.table, source.key].every(Object.isFrozen)).toBe(true);
  });

  it('is required, with no cursor, unless it says otherwise', () => {
    expect(defineSource(base)).toMatchObject({ mode: 'snapshot', optional: false, cursor: undefined });
    expect(
      defineSource({ ...base, mode: 'upsert', cursor: 'counted_at', optional: true, schema: withCountedAt }),
    ).toMatchObject({ mode: 'upsert', optional: true, cursor: 'counted_at' });
  });

  it.each(['snapshot', 'upsert', 'append'] as const)('keeps mode %s', (mode) => {
    expect(defineSource({ ...base, mode }).mode).toBe(mode);
  });

  it('takes its key from the columns marked key, in schema order', () => {
    const source = defineSource({
      ...base,
      schema: z.object({
        store_id: z.string().describe('Store').meta({ key: true }),
        stock: z.int().describe('Units on hand'),
        product_id: z.string().describe('Catalog id').meta({ key: true }),
        counted_on: z.iso.date().describe('Day of the count').meta({ key: true }),
      }),
    });
    expect(source.key).toEqual(['store_id', 'product_id', 'counted_on']);
    expect(source.columns.filter((c) => c.key).map((c) => c.name)).toEqual(source.key);
  });

  it('refuses a schema without a key column as source-without-key', () => {
    const error = thrown(() => defineSource({ ...base, schema: z.object({ product_id: z.string() }) }));
    expect(isMeshError(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'definition',
      code: 'source-without-key',
      subject: { domain: 'product', source: 'stock_levels' },
    });
    expect((error as Error).message).toContain('.meta({ key: true })');
  });

  it.each([
    ['nullable', z.string().nullable().meta({ key: true })],
    ['optional', z.string().optional().meta({ key: true })],
  ])('refuses a %s key column as nullable-key, naming it', (_label, field) => {
    const error = thrown(() =>
      defineSource({ ...base, schema: schema.extend({ bin: field.describe('Bin') }) }),
    );
    expect(error).toMatchObject({
      code: 'nullable-key',
      subject: { domain: 'product', source: 'stock_levels', column: 'bin' },
    });
  });

  it.each([
    ['timestamp', z.date()],
    ['ISO timestamp', z.iso.datetime()],
    ['date', z.iso.date()],
    ['integer', z.int()],
    ['number', z.number()],
    ['decimal', z.number().meta({ type: 'decimal' })],
  ])('accepts a %s cursor', (_label, field) => {
    const source = defineSource({
      ...base,
      mode: 'upsert',
      cursor: 'version',
      schema: schema.extend({ version: field }),
    });
    expect(source.cursor).toBe('version');
  });

  it.each([
    ['a column the schema lacks', 'updated_at', schema],
    ['a string column', 'note', schema.extend({ note: z.string() })],
    ['a boolean column', 'active', schema.extend({ active: z.boolean() })],
  ])('refuses %s as cursor with invalid-cursor, naming it', (_label, cursor, cursorSchema) => {
    const error = thrown(() => defineSource({ ...base, mode: 'upsert', cursor, schema: cursorSchema }));
    expect(isMeshError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'invalid-cursor',
      subject: { domain: 'product', source: 'stock_levels', column: cursor },
    });
    expect((error as Error).message).toContain('timestamp, date or numeric');
  });
});
