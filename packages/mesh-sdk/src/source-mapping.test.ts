import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import { defineDomain } from './domain.js';
import { defineSource } from './source.js';
import { EMPTY_MAPPING } from './source-log.js';
import {
  erasableColumns,
  headerInOtherOrder,
  keysGoneFlag,
  keysGoneSelect,
  mapColumns,
  unitsShiftedFlag,
  unmatchedColumns,
} from './source-mapping.js';
import { sql } from './sql.js';

const order = defineDomain({
  name: 'order',
  description: 'Orders',
  owner: { team: 'order', email: 'order@retail.example' },
});
const orders = defineSource({
  domain: order,
  name: 'orders',
  description: 'Orders',
  mode: 'upsert',
  schema: z.object({
    order_id: z.string().describe('Order').meta({ key: true }),
    ordered_at: z.date().describe('When'),
    store_id: z.string().nullable().describe('Store'),
  }),
});
const origins = (columns: string[], mapping = EMPTY_MAPPING) => mapColumns(orders, columns, mapping);

describe('mapColumns', () => {
  it('takes a header spelled another way: case, spaces, dashes, no separator', () => {
    const { origins: found, problems } = origins(['Order ID', 'OrderedAt', 'store-id']);
    expect(problems).toEqual([]);
    expect(Object.fromEntries(found)).toEqual({
      order_id: { kind: 'file', column: 'Order ID' },
      ordered_at: { kind: 'file', column: 'OrderedAt' },
      store_id: { kind: 'file', column: 'store-id' },
    });
  });

  it('prefers the exact name, then the name in another case, and takes no spelling two columns share', () => {
    expect(origins(['ORDER_ID', 'order_id', 'OrderId', 'ordered_at']).origins.get('order_id')).toEqual({
      kind: 'file',
      column: 'order_id',
    });
    expect(origins(['OrderId', 'ORDER_ID', 'ordered_at']).origins.get('order_id')).toEqual({
      kind: 'file',
      column: 'ORDER_ID',
    });
    const twice = origins(['Order ID', 'order-id', 'ordered_at']);
    expect(twice.origins.get('order_id')).toEqual({ kind: 'absent' });
    expect(twice.problems).toEqual([
      expect.stringMatching(/^column order_id \(required\) is not in the file/),
    ]);
  });

  it('drops what is not a letter or a digit, but for a percent or currency sign: such a header is not taken', () => {
    const { origins: found } = origins(['[Order_ID]', 'Ordered.At?', 'Store ID %']);
    expect(Object.fromEntries(found)).toEqual({
      order_id: { kind: 'file', column: '[Order_ID]' },
      ordered_at: { kind: 'file', column: 'Ordered.At?' },
      store_id: { kind: 'absent' },
    });
    expect(origins(['Order ID €', 'ordered_at']).problems).toEqual([
      expect.stringMatching(/^column order_id \(required\) is not in the file/),
    ]);
  });

  it('names the columns taken by their spelling, not those asked for by a rename', () => {
    const mapping = { ...EMPTY_MAPPING, rename: { ordered_at: 'When' } };
    const columns = ['Order ID', 'When', 'store_id'];
    const { origins: found } = mapColumns(orders, columns, mapping);
    expect(unmatchedColumns(orders, columns, found, mapping.rename).respelled).toEqual({
      order_id: 'Order ID',
    });
  });

  it('names the optional columns an upsert export lacks as erasable, none of an event source', () => {
    const { origins: found } = origins(['order_id', 'ordered_at']);
    expect(erasableColumns(orders, found)).toEqual(['store_id']);
    expect(erasableColumns({ ...orders, mode: 'append' }, found)).toEqual([]);
    expect(erasableColumns(orders, origins(['order_id', 'ordered_at', 'Store ID']).origins)).toEqual([]);
  });
});

describe('headerInOtherOrder', () => {
  const header = ['order_id', 'Qty', 'status'];
  it('finds the first record that is the header again in another order, whatever its case and spaces', () => {
    expect(
      headerInOtherOrder(header, [
        { line: 9, values: ['qty', 'STATUS', 'order_id'] },
        { line: 3, values: [' status', 'order_id', 'Qty'] },
      ]),
    ).toMatch(/^repeats its header at line 3 with the columns in another order \( status, order_id, Qty\)/);
  });
  it('takes no row whose values only start like it, nor one with a value missing', () => {
    expect(
      headerInOtherOrder(header, [
        { line: 3, values: ['status', 'o2', '1'] },
        { line: 4, values: ['status', 'order_id', null] },
      ]),
    ).toBeUndefined();
  });
});

describe('unitsShiftedFlag', () => {
  const lines = defineSource({
    domain: order,
    name: 'lines',
    description: 'Order lines',
    mode: 'upsert',
    schema: z.object({
      line_id: z.string().describe('Line').meta({ key: true }),
      quantity: z.int().describe('Units'),
      unit_price: z.number().meta({ type: 'decimal' }).describe('Price'),
      discount: z.number().meta({ type: 'decimal' }).describe('Discount'),
    }),
  });
  // Typical amounts as the select gives them: counts and mean logarithms, batch (b) and held (h).
  const typical = (batch: number, held: number, n = 10) => ({
    bn0: n,
    bl0: Math.log(batch),
    hn0: 500,
    hl0: Math.log(held),
    bn1: 0,
    bl1: null,
    hn1: 0,
    hl1: null,
  });

  it('names the decimal column whose typical amount moved 50 times or more, either way', () => {
    expect(unitsShiftedFlag(lines, typical(1299, 12.99))).toBe(
      'holds values of unit_price 100x larger (typically 1,299 against 12.99) than the rows order.lines held before it: written in other units (cents for euros: 1299 for 12.99) or another currency? Every figure built on them would be off as much: revert this batch and export them in the units held',
    );
    expect(unitsShiftedFlag(lines, typical(0.2, 10))).toMatch(
      /^holds values of unit_price 50x smaller \(typically 0\.2 against 10\)/,
    );
  });

  it('says nothing of a move below 50 times, of fewer than 10 values, or of a column with none', () => {
    expect(unitsShiftedFlag(lines, typical(490, 10))).toBeUndefined();
    expect(unitsShiftedFlag(lines, typical(1299, 12.99, 9))).toBeUndefined();
    expect(unitsShiftedFlag(lines, undefined)).toBeUndefined();
  });
});

describe('keysGoneFlag', () => {
  it('flags an export lacking a third or more of the keys held, at least five', () => {
    expect(keysGoneFlag(orders, 621, 311)).toMatch(
      /^lacks 311 of the 621 keys order\.orders held before it \(50%\): an export cut short/,
    );
    expect(keysGoneFlag(orders, 15, 5)).toMatch(/^lacks 5 of the 15 keys/);
  });

  it('says nothing of fewer, of fewer than five, or of keys the export marks deleted', () => {
    expect(keysGoneFlag(orders, 621, 200)).toBeUndefined();
    expect(keysGoneFlag(orders, 6, 4)).toBeUndefined();
    expect(keysGoneFlag(orders, 621, 311, 300)).toBeUndefined();
  });
});

describe('keysGoneSelect', () => {
  const list = (keepsFormerRows: boolean) =>
    defineSource({
      domain: order,
      name: 'stores',
      description: 'Stores',
      mode: 'snapshot',
      keepsFormerRows,
      schema: z.object({ store_id: z.string().describe('Store').meta({ key: true }) }),
    });

  it('counts the keys a snapshot export lacks, not for a list that keeps its former rows', () => {
    const batch = sql`SELECT 'S1' AS store_id`;
    expect(keysGoneSelect(list(false), batch, ansi)).toContain('__present');
    // Any key such a list leaves out is flagged already (droppedKeysFlagOf): not twice.
    expect(keysGoneSelect(list(true), batch, ansi)).toBeUndefined();
    expect(keysGoneSelect(orders, batch, ansi)).toBeUndefined();
  });
});
