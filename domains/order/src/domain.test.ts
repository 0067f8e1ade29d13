import { productCatalog } from '@retail-mesh/domain-product';
import { checkMesh } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { domain, orderDailySales, orderItems, orderTransactions, products, sources } from './index.js';

describe('order domain definition', () => {
  it('meets every global governance policy, warnings included', () => {
    const findings = checkMesh({
      domains: [domain, productCatalog.domain],
      sources: [...sources],
      products: [...products, productCatalog],
    });
    expect(findings).toEqual([]);
  });

  it('keeps the fixed contracts other domains build on', () => {
    expect(orderTransactions.columns.map((c) => c.name)).toEqual([
      'order_id',
      'customer_id',
      'store_id',
      'channel',
      'status',
      'ordered_at',
      'order_date',
      'item_count',
      'gross_amount',
      'discount_amount',
      'net_amount',
      'returned_amount',
    ]);
    expect(orderItems.columns.map((c) => c.name)).toEqual([
      'order_id',
      'line_number',
      'product_id',
      'category',
      'quantity',
      'unit_price',
      'discount_amount',
      'line_amount',
      'returned_quantity',
      'order_date',
    ]);
    expect(orderDailySales.columns.map((c) => c.name)).toEqual([
      'order_date',
      'channel',
      'store_id',
      'orders',
      'items',
      'gross_revenue',
      'net_revenue',
      'returned_amount',
      'average_order_value',
    ]);
    expect(
      [orderTransactions, orderItems, orderDailySales].map((p) => [
        p.name,
        p.tier,
        p.access,
        p.refresh,
        p.partitionBy,
        p.clusterBy,
        p.columns.filter((c) => c.key).map((c) => c.name),
      ]),
    ).toEqual([
      [
        'order_transactions',
        'gold',
        'public',
        'hourly',
        { column: 'order_date', granularity: 'day' },
        ['channel', 'store_id', 'status'],
        ['order_id'],
      ],
      [
        'order_items',
        'gold',
        'public',
        'hourly',
        { column: 'order_date', granularity: 'day' },
        ['product_id'],
        ['order_id', 'line_number'],
      ],
      [
        'order_daily_sales',
        'silver',
        'public',
        'daily',
        { column: 'order_date', granularity: 'day' },
        ['channel', 'store_id'],
        ['order_date', 'channel', 'store_id'],
      ],
    ]);
    expect(Object.fromEntries(orderTransactions.columns.map((c) => [c.name, c.type]))).toMatchObject({
      store_id: 'string',
      ordered_at: 'timestamp',
      order_date: 'date',
      item_count: 'integer',
      gross_amount: 'decimal',
      returned_amount: 'decimal',
    });
    expect(orderTransactions.columns.find((c) => c.name === 'status')?.values).toEqual([
      'completed',
      'cancelled',
      'returned',
      'partially_returned',
    ]);
  });
});
