import { describe, expect, it } from 'vitest';
import { inDayOrder } from './files.js';

/** The order `inDayOrder` gives, or `ambiguous` where it cannot tell one. */
const order = (...files: string[]) => {
  const found = inDayOrder(files);
  return found.ambiguous ? 'ambiguous' : found.files;
};

describe('inDayOrder', () => {
  it('orders names by the day they give, however they write it', () => {
    // By name each pair would put 3 December first, and 30 November's export would be current.
    expect(order('orders-03-Dec-2026.csv', 'orders-30-Nov-2026.csv')).toEqual([
      'orders-30-Nov-2026.csv',
      'orders-03-Dec-2026.csv',
    ]);
    expect(order('orders_03122026.csv', 'orders_30112026.csv')).toEqual([
      'orders_30112026.csv',
      'orders_03122026.csv',
    ]);
    expect(order('orders December 3 2026.csv', 'orders November 30 2026.csv')).toEqual([
      'orders November 30 2026.csv',
      'orders December 3 2026.csv',
    ]);
    expect(order('orders_2026Dec03.csv', 'orders_2026Nov30.csv')).toEqual([
      'orders_2026Nov30.csv',
      'orders_2026Dec03.csv',
    ]);
    expect(order('orders-01-12-2026.csv', 'orders-29-11-2026.csv', 'orders-30-11-2026.csv')).toEqual([
      'orders-29-11-2026.csv',
      'orders-30-11-2026.csv',
      'orders-01-12-2026.csv',
    ]);
    // Day or month first, the order is the same: no need to know which.
    expect(order('03-01-2027.csv', '02-01-2027.csv')).toEqual(['02-01-2027.csv', '03-01-2027.csv']);
  });

  it('refuses to guess where the readings disagree, a name gives no year, or some give no date', () => {
    // 1 February and 2 January, or 2 January and 1 February.
    expect(order('01-02-2027.csv', '02-01-2027.csv')).toBe('ambiguous');
    // 30 November 2026 or 26 November 2030.
    expect(order('orders_301126.csv', 'orders_031226.csv')).toBe('ambiguous');
    expect(order('orders-30-11-26.csv', 'orders-03-12-26.csv')).toBe('ambiguous');
    // December of which year?
    expect(order('orders_Nov30.csv', 'orders_Dec03.csv')).toBe('ambiguous');
    expect(order('orders-29-11-2026.csv', 'orders-latest.csv')).toBe('ambiguous');
  });

  it('keeps the order by name where no name gives a date, or every date is written year first', () => {
    expect(order('export-10.csv', 'export-9.csv')).toEqual(['export-9.csv', 'export-10.csv']);
    expect(order('orders-initial.csv', 'orders-2026-12-01.csv', 'orders-2026-11-30.csv')).toEqual([
      'orders-2026-11-30.csv',
      'orders-2026-12-01.csv',
      'orders-initial.csv',
    ]);
    expect(order('orders_20261201.csv', 'orders_20261130.csv')).toEqual([
      'orders_20261130.csv',
      'orders_20261201.csv',
    ]);
    // Six digits that are not all dates are a counter; a word holding a month's letters is none.
    expect(order('export_000200.csv', 'export_000131.csv', 'export_000199.csv')).toEqual([
      'export_000131.csv',
      'export_000199.csv',
      'export_000200.csv',
    ]);
    expect(order('market20.csv', 'market3.csv')).toEqual(['market3.csv', 'market20.csv']);
  });
});
