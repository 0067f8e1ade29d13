import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ColumnSpec, columnsOf } from './columns.js';
import { DefinitionError, isMeshError } from './errors.js';

const spec = (name: string, fields: Partial<ColumnSpec>): ColumnSpec => ({
  name,
  type: 'string',
  nullable: false,
  description: undefined,
  pii: false,
  key: false,
  values: undefined,
  asString: false,
  ...fields,
});

const only = (field: z.ZodType): ColumnSpec => {
  const [column] = columnsOf(z.object({ c: field }));
  if (!column) throw new Error('columnsOf returned no column');
  return column;
};

describe('columnsOf', () => {
  it('derives every column of a contract, in schema order', () => {
    const schema = z.object({
      order_id: z.string().describe('Order number').meta({ key: true }),
      quantity: z.int().describe('Units ordered'),
      weight_kg: z.number().describe('Parcel weight'),
      amount: z.number().meta({ type: 'decimal' }).describe('Order total'),
      gift: z.boolean().describe('Wrapped as a gift'),
      placed_at: z.date().describe('When the order was placed'),
      delivery_date: z.iso.date().describe('Promised delivery day'),
      paid_at: z.iso.datetime().describe('When payment cleared'),
      status: z.enum(['placed', 'shipped', 'returned']).describe('Order status'),
      customer_email: z.email().nullable().describe('Contact address').meta({ pii: true }),
      note: z.string().optional(),
    });
    expect(columnsOf(schema)).toEqual([
      spec('order_id', { description: 'Order number', key: true }),
      spec('quantity', { type: 'integer', description: 'Units ordered' }),
      spec('weight_kg', { type: 'number', description: 'Parcel weight' }),
      spec('amount', { type: 'decimal', description: 'Order total' }),
      spec('gift', { type: 'boolean', description: 'Wrapped as a gift' }),
      spec('placed_at', { type: 'timestamp', description: 'When the order was placed' }),
      spec('delivery_date', { type: 'date', description: 'Promised delivery day' }),
      spec('paid_at', { type: 'timestamp', asString: true, description: 'When payment cleared' }),
      spec('status', { values: ['placed', 'shipped', 'returned'], description: 'Order status' }),
      spec('customer_email', { nullable: true, pii: true, description: 'Contact address' }),
      spec('note', { nullable: true, optional: true }),
    ]);
  });

  it.each([
    ['z.int()', z.int()],
    ['z.number().int()', z.number().int()],
    ['z.int32()', z.int32()],
    ['z.uint32()', z.uint32()],
    ['z.bigint()', z.bigint()],
    ['z.int64()', z.int64()],
  ])('types %s as integer', (_label, field) => {
    expect(only(field).type).toBe('integer');
  });

  it('types non-integer number formats as number', () => {
    expect(only(z.float64()).type).toBe('number');
    expect(only(z.number().min(0)).type).toBe('number');
  });

  it('reads string formats: date and datetime are temporal, others stay strings', () => {
    expect(only(z.string().date())).toMatchObject({ type: 'date', asString: false });
    expect(only(z.string().datetime())).toMatchObject({ type: 'timestamp', asString: true });
    expect(only(z.uuid()).type).toBe('string');
    expect(only(z.iso.time()).type).toBe('string');
  });

  it('treats optional, nullable and nullish as nullable, but not default or catch', () => {
    expect(only(z.string().optional()).nullable).toBe(true);
    expect(only(z.string().nullable()).nullable).toBe(true);
    expect(only(z.string().nullish()).nullable).toBe(true);
    expect(only(z.string().default('x')).nullable).toBe(false);
    expect(only(z.string().catch('x')).nullable).toBe(false);
  });

  it('sees through wrappers and pipes to the inner type', () => {
    expect(only(z.int().nullable().default(null)).type).toBe('integer');
    expect(only(z.iso.date().readonly()).type).toBe('date');
    expect(only(z.string().pipe(z.string().min(1))).type).toBe('string');
  });

  it('refuses a transform, which a read would never run, handing out the stored value', () => {
    for (const field of [z.string().transform((s) => s.length), z.preprocess((v) => String(v), z.string())]) {
      expect(() => only(field)).toThrow(/Column c transforms its value in JS/);
    }
  });

  it('marks what a read hands out for NULL and for a bigint', () => {
    expect(only(z.string().optional()).optional).toBe(true);
    expect(only(z.string().optional().nullable()).optional).toBeUndefined();
    expect(only(z.string().nullable().optional()).optional).toBe(true);
    expect(only(z.string().nullable()).optional).toBeUndefined();
    expect(only(z.bigint())).toMatchObject({ type: 'integer', bigint: true });
    expect(() => only(z.bigint().meta({ type: 'number' }))).toThrow(/Leave the type to the zod schema/);
  });

  it('reads metadata on either side of a wrapper, the outer one winning', () => {
    expect(only(z.string().describe('inner').optional())).toMatchObject({
      description: 'inner',
      nullable: true,
    });
    expect(only(z.string().optional().describe('outer'))).toMatchObject({
      description: 'outer',
      nullable: true,
    });
    expect(only(z.string().describe('inner').optional().describe('outer')).description).toBe('outer');
    expect(only(z.string().meta({ key: true }).nullable().meta({ pii: true }))).toMatchObject({
      key: true,
      pii: true,
    });
  });

  it('refuses a meta type the zod type cannot read as, or no type at all', () => {
    expect(() => only(z.boolean().meta({ type: 'date' }))).toThrow(
      /Column c: \.meta\(\{ type: "date" \}\) cannot hold what its zod type \(boolean\) reads as/,
    );
    expect(() => only(z.string().meta({ type: 'decimal' }))).toThrow(
      /A string column may be typed date or timestamp/,
    );
    expect(() => only(z.number().meta({ type: 'money' as 'decimal' }))).toThrow(/is no column type/);
  });

  it('lets meta override the inferred type', () => {
    expect(only(z.string().meta({ type: 'date' })).type).toBe('date');
    expect(only(z.string().meta({ type: 'timestamp' }))).toMatchObject({ type: 'timestamp', asString: true });
    expect(only(z.number().optional().meta({ type: 'decimal' }))).toMatchObject({
      type: 'decimal',
      nullable: true,
    });
  });

  it('gives a literal column its values', () => {
    expect(only(z.literal(['a', 'b']))).toMatchObject({ type: 'string', values: ['a', 'b'] });
  });

  it("gives a numeric native enum column the values zod accepts, not the enum's member names", () => {
    enum Priority {
      Low,
      High,
    }
    const field = z.enum(Priority);
    expect(field.options).toEqual([0, 1]);
    expect(only(field).values).toEqual(['0', '1']);
  });

  it('throws unsupported-column-type naming the column and its owner', () => {
    const schema = z.object({ id: z.string(), tags: z.array(z.string()) });
    let caught: unknown;
    try {
      columnsOf(schema, { domain: 'sales', product: 'sales_orders' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DefinitionError);
    expect(isMeshError(caught)).toBe(true);
    const error = caught as DefinitionError;
    expect(error.code).toBe('unsupported-column-type');
    expect(error.subject).toEqual({ domain: 'sales', product: 'sales_orders', column: 'tags' });
    expect(error.message).toContain('Column tags');
    expect(error.message).toContain('array');
  });

  it.each([
    ['object', z.object({ a: z.string() })],
    ['record', z.record(z.string(), z.string())],
    ['union', z.union([z.string(), z.number()])],
    ['unknown', z.unknown()],
  ])('rejects a %s column', (_label, field) => {
    expect(() => only(field)).toThrow(expect.objectContaining({ code: 'unsupported-column-type' }));
  });
});
