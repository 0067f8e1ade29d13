import { describe, expect, it } from 'vitest';
import { closest, suggestion } from './suggest.js';

describe('closest', () => {
  it('finds the name a typo meant: a swap is one edit, letter case none', () => {
    expect(closest('bulid', ['build', 'test'])).toBe('build');
    expect(closest('ORDER', ['order', 'store'])).toBe('order');
    expect(closest('Order.Order_Items', ['order.order_items', 'order.order_transactions'])).toBe(
      'order.order_items',
    );
  });

  it('suggests nothing for a name far from every known one', () => {
    expect(closest('nosuch', ['build', 'test'])).toBeUndefined();
    expect(suggestion('nosuch', ['build', 'test'], 'Commands')).toBe('Commands: build, test.');
  });
});
