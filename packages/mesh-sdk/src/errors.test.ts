import { describe, expect, it } from 'vitest';
import {
  BuildError,
  DefinitionError,
  describeSubject,
  isMeshError,
  MeshError,
  UsageError,
  WarehouseError,
} from './errors.js';

describe('isMeshError', () => {
  it('recognises every error class of the SDK', () => {
    for (const error of [
      new MeshError('a', 'a'),
      new DefinitionError('b', 'b'),
      new WarehouseError('c', 'c'),
      new BuildError('d', 'd'),
      new UsageError('e', 'e'),
    ]) {
      expect(isMeshError(error)).toBe(true);
    }
  });

  it('goes by the global symbol brand, not by instanceof', () => {
    // What an error thrown by another installed copy of the SDK looks like from here.
    const foreign = { [Symbol.for('retail-mesh.error')]: true, code: 'unknown-column', message: 'x' };
    expect(foreign).not.toBeInstanceOf(MeshError);
    expect(isMeshError(foreign)).toBe(true);
  });

  it('rejects look-alikes without the brand', () => {
    expect(isMeshError(new Error('plain'))).toBe(false);
    expect(isMeshError({ code: 'unknown-column', kind: 'definition', subject: {} })).toBe(false);
    expect(isMeshError({ [Symbol('retail-mesh.error')]: true })).toBe(false);
    expect(isMeshError({ [Symbol.for('retail-mesh.error')]: 'yes' })).toBe(false);
    expect(isMeshError(null)).toBe(false);
    expect(isMeshError(undefined)).toBe(false);
    expect(isMeshError('retail-mesh.error')).toBe(false);
  });
});

describe('MeshError', () => {
  it('carries a code, a subject, a kind, its class name and its cause', () => {
    const cause = new Error('driver said no');
    const error = new WarehouseError(
      'query-failed',
      'The warehouse refused.',
      { product: 'sales_orders' },
      { cause },
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('query-failed');
    expect(error.kind).toBe('warehouse');
    expect(error.name).toBe('WarehouseError');
    expect(error.message).toBe('The warehouse refused.');
    expect(error.subject).toEqual({ product: 'sales_orders' });
    expect(error.cause).toBe(cause);
  });

  it('gives each class its own kind and an empty subject by default', () => {
    expect(new DefinitionError('x', 'x').kind).toBe('definition');
    expect(new BuildError('x', 'x').kind).toBe('build');
    expect(new UsageError('x', 'x').kind).toBe('usage');
    expect(new MeshError('x', 'x').subject).toEqual({});
  });
});

describe('describeSubject', () => {
  it.each([
    [
      { domain: 'product', product: 'product_inventory', column: 'stock_status' },
      'product.product_inventory, column stock_status',
    ],
    [{ product: 'product_inventory', check: 'row_count' }, 'product_inventory, check row_count'],
    [{ domain: 'sales', source: 'orders' }, 'sales.orders'],
    [{ domain: 'sales' }, 'sales'],
    [{ column: 'sku' }, 'sku'],
    [{ file: 'src/orders.ts', line: 12 }, 'src/orders.ts:12'],
    [{ file: 'src/orders.ts' }, 'src/orders.ts'],
    [{}, ''],
  ])('labels %j as %j', (subject, label) => {
    expect(describeSubject(subject)).toBe(label);
  });
});
