import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, buildProduct, ingestRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receipts, storeLiveSales } from './index.js';

const receipt = (
  receipt_id: string,
  store_id: string,
  sold_at: string,
  items: number,
  amount: number,
  payment: 'card' | 'cash' | 'mobile',
  till = 1,
) => ({ receipt_id, store_id, till, sold_at: new Date(sold_at), items, amount, payment });

// The first file of the POS: two stores, two days.
const morning = [
  receipt('S1-1', 'S1', '2026-10-30T09:00:00Z', 2, 10.5, 'card'),
  receipt('S1-2', 'S1', '2026-10-30T23:59:59Z', 1, 4.25, 'cash'), // last second of the day
  receipt('S1-3', 'S1', '2026-10-31T00:00:00Z', 3, 30, 'mobile'), // first second of the next
  receipt('S2-1', 'S2', '2026-10-31T10:15:00Z', 1, 0, 'cash'), // a free item: no revenue
];

const row = (
  store_id: string,
  business_date: string,
  receipts: number,
  items: number,
  revenue: number,
  average_basket: number,
  card_share: number | null,
  first_sale_at: string,
  last_sale_at: string,
) => ({
  store_id,
  business_date,
  receipts,
  items,
  revenue,
  average_basket,
  card_share,
  first_sale_at: new Date(first_sale_at),
  last_sale_at: new Date(last_sale_at),
});

const readAll = async (warehouse: Warehouse) => {
  const rows = [];
  for await (const r of storeLiveSales.read(warehouse)) rows.push(r);
  return rows.sort(
    (a, b) => a.store_id.localeCompare(b.store_id) || a.business_date.localeCompare(b.business_date),
  );
};

describe('store_live_sales on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    expect(await ingestRows(warehouse, receipts, morning)).toMatchObject({ status: 'loaded', loaded: 4 });
  });
  afterAll(() => warehouse.close());

  it('is built alone, from the till feed only: nothing upstream is rebuilt with it', async () => {
    const outcomes = await buildMesh(warehouse, [storeLiveSales]);
    expect(outcomes.map((o) => [o.product.id, o.status])).toEqual([['store.store_live_sales', 'published']]);
    expect(outcomes[0]?.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
  });

  it('matches the hand-computed rows', async () => {
    expect(await readAll(warehouse)).toEqual([
      // 10.50 + 4.25 = 14.75 over 2 receipts = 7.375 -> 7.38; card 10.50 / 14.75 = 0.7119 -> 0.712.
      row('S1', '2026-10-30', 2, 3, 14.75, 7.38, 0.712, '2026-10-30T09:00:00Z', '2026-10-30T23:59:59Z'),
      row('S1', '2026-10-31', 1, 3, 30, 30, 1, '2026-10-31T00:00:00Z', '2026-10-31T00:00:00Z'),
      row('S2', '2026-10-31', 1, 1, 0, 0, null, '2026-10-31T10:15:00Z', '2026-10-31T10:15:00Z'),
    ]);
  });

  it('rebuilds only the days a new file touches, and a file sent twice counts once', async () => {
    const noon = [
      receipt('S2-2', 'S2', '2026-10-31T12:00:00Z', 4, 20, 'card', 2),
      receipt('S1-3', 'S1', '2026-10-31T00:00:00Z', 3, 30, 'mobile'), // already in the first file
    ];
    expect(await ingestRows(warehouse, receipts, noon)).toMatchObject({ status: 'loaded', loaded: 2 });
    const outcome = await buildProduct(warehouse, storeLiveSales, { runId: 'noon' });
    expect(outcome.status).toBe('published');
    expect(outcome.incremental).toMatchObject({ mode: 'partitions', partitions: ['2026-10-31'] });
    const rows = await readAll(warehouse);
    expect(rows.find((r) => r.store_id === 'S1' && r.business_date === '2026-10-31')?.receipts).toBe(1);
    expect(rows.find((r) => r.store_id === 'S2')).toEqual(
      row('S2', '2026-10-31', 2, 5, 20, 10, 1, '2026-10-31T10:15:00Z', '2026-10-31T12:00:00Z'),
    );
  });

  it('is real-time, partitioned by day on business_date and fed by a drop zone', () => {
    expect(storeLiveSales.refresh).toBe('real-time');
    expect(storeLiveSales.materialization).toBe('incremental');
    expect(storeLiveSales.partitionBy).toEqual({ column: 'business_date', granularity: 'day' });
    expect(receipts.dropZone).toBe('drops/store/receipts');
  });
});
