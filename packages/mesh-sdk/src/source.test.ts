import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineDomain } from './domain.js';
import { isMeshError } from './errors.js';
import { defineSource, sampleCode, sampleDraws } from './source.js';

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

/** A draw of `sampleDraws` worked out on a hash as DuckDB does (floor division, modulo). */
function evaluate(draw: string, h: bigint): bigint {
  const m = /^CAST\((?:\(h \/\/ (\d+)\)|h) % (\d+) AS BIGINT\)$/.exec(draw);
  if (!m) throw new Error(`unexpected draw ${draw}`);
  return (h / BigInt(m[1] ?? 1)) % BigInt(m[2]!);
}

describe('sampleDraws', () => {
  it('splits one hash into mixed-radix digits, each a BIGINT below its radix', () => {
    const d = sampleDraws('h', { category: 12, brand: 20, cents: 20000 });
    expect(d).toEqual({
      category: 'CAST(h % 12 AS BIGINT)',
      brand: 'CAST((h // 12) % 20 AS BIGINT)',
      cents: 'CAST((h // 240) % 20000 AS BIGINT)',
    });
  });

  it('gives digits that are the hash written in the radices: every combination once per cycle', () => {
    const radices = { a: 7, b: 100, c: 3, d: 1_000_000 };
    const d = sampleDraws('h', radices);
    const cycle = 7n * 100n * 3n * 1_000_000n;
    for (const h of [0n, 1n, 123_456_789_012n, 18_446_744_073_709_551_615n, 9_876_543_210_987_654_321n]) {
      const [a, b, c, e] = [d.a, d.b, d.c, d.d].map((x) => evaluate(x, h));
      expect(a! < 7n && b! < 100n && c! < 3n && e! < 1_000_000n).toBe(true);
      // The digits rebuild the hash modulo the cycle: distinct hashes in a cycle, distinct draws.
      expect(a! + 7n * (b! + 100n * (c! + 3n * e!))).toBe(h % cycle);
    }
  });

  it('refuses radices whose product one hash does not split evenly, or that are not whole', () => {
    const refused: Record<string, number>[] = [{ a: 1e9, b: 1e7 }, { a: 1.5 }, { a: 1 }];
    for (const radices of refused) {
      const error = thrown(() => sampleDraws('h', radices));
      expect(error).toMatchObject({ code: 'invalid-sample-draws' });
    }
    expect(() => sampleDraws('h', { a: 1e9, b: 1e6 })).not.toThrow();
  });
});

describe('sampleCode', () => {
  it('pads through the digits of 10^n, with printf for numbers that do not fit', () => {
    expect(sampleCode('P', 7, 'i')).toBe(
      "CASE WHEN i BETWEEN 0 AND 9999999 THEN 'P' || substr(CAST(10000000 + i AS VARCHAR), 2) ELSE printf('P%07d', i) END",
    );
    expect(sampleCode("O'%", 2, 'n')).toContain("ELSE printf('O''%%%02d', n)");
    expect(thrown(() => sampleCode('P', 0, 'i'))).toMatchObject({ code: 'invalid-sample-code' });
  });
});

describe('defineSource: drop zones', () => {
  it('has none unless it names one', () => {
    expect(defineSource(base).dropZone).toBeUndefined();
  });

  it('takes a folder relative to the root of the mesh, or a Cloud Storage prefix', () => {
    for (const zone of [
      'drops/store/sales',
      'drops/store/sales/',
      'exports',
      'gs://retail-drops/store/sales',
    ]) {
      expect(defineSource({ ...base, dropZone: zone }).dropZone).toBe(zone);
    }
  });

  it('refuses an absolute path, a path out of the mesh, another scheme or an empty name', () => {
    for (const zone of [
      '/var/drops',
      '../drops',
      'drops/../../etc',
      'C:\\drops',
      's3://bucket/x',
      'gs://',
      '',
    ]) {
      const error = thrown(() => defineSource({ ...base, dropZone: zone }));
      expect(isMeshError(error), zone).toBe(true);
      expect(error).toMatchObject({ code: 'invalid-source', subject: { source: 'stock_levels' } });
      expect((error as Error).message).toMatch(/dropZone/);
    }
  });
});
