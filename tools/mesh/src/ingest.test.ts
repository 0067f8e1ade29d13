import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { changeBackFlag } from '@retail-mesh/sdk';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mesh } from './testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-ingest-cli-'));
const db = join(dir, 'mesh.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

// A WMS export with its own column names: the user maps them onto the source.
const wms = join(dir, 'wms-2026-11-01.csv');
writeFileSync(
  wms,
  [
    'SKU_ID;OnHand;Reorder;CountedAt',
    'P0000001;12;5;2026-11-01 06:00:00',
    'P0000002;-;5;2026-11-01 06:00:00',
    'P0000003;7;five;2026-11-01 06:00:00',
    'P0000004;0;3;2026-11-01 06:00:00',
  ].join('\n'),
);
const map = [
  '--map',
  'product_id=SKU_ID',
  '--map',
  'stock=OnHand',
  '--map',
  'reorder_point=Reorder',
  '--map',
  'updated_at=CountedAt',
];

/** A POS export of one receipt, written into `dir` (made when missing). */
function writeReceipt(dir: string, name: string, id: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, name),
    `receipt_id,store_id,till,sold_at,items,amount,payment\n${id},S0001,1,2026-11-30 09:15:00,1,5.00,card\n`,
  );
}

describe('mesh ingest', () => {
  it('maps a differently named CSV onto a source, loads the good rows and reports the bad ones', async () => {
    const r = await mesh('ingest', 'product.stock_levels', '--from', wms, ...map, '--db', db);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wms-2026-11-01\.csv\s+\d+\s+loaded\s+4\s+2\s+2/);
    expect(r.stdout).toContain(`${wms}:3: stock (file column OnHand): "-" is not a valid integer`);
    expect(r.stdout).toContain(
      `${wms}:4: reorder_point (file column Reorder): "five" is not a valid integer`,
    );
    expect(r.stdout).toContain('product.stock_levels: 2 rows loaded, 2 rejected, 0 of 1 files failed.');
    const warehouse = await createDuckDbWarehouse({ path: db });
    expect(
      await warehouse.query('SELECT product_id, stock FROM product.raw_stock_levels ORDER BY product_id'),
    ).toEqual([
      { product_id: 'P0000001', stock: 12 },
      { product_id: 'P0000004', stock: 0 },
    ]);
    expect(await warehouse.query('SELECT line FROM product.raw_stock_levels_rejects ORDER BY line')).toEqual([
      { line: 3 },
      { line: 4 },
    ]);
    await warehouse.close();
  });

  it('skips a file it has ingested, as JSON', async () => {
    const r = await mesh('ingest', 'product.stock_levels', '--from', wms, ...map, '--db', db, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files).toEqual([
      { file: wms, result: expect.objectContaining({ status: 'already-ingested', loaded: 0 }) },
    ]);
  });

  it('fails a file over --max-rejects, loading nothing from it, exit 1', async () => {
    const bad = join(dir, 'wms-bad.csv');
    writeFileSync(bad, 'SKU_ID;OnHand;Reorder;CountedAt\nP9;x;1;2026-11-01 06:00:00\n');
    const r = await mesh(
      'ingest',
      'product.stock_levels',
      '--from',
      bad,
      ...map,
      '--max-rejects',
      '0',
      '--db',
      db,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('too-many-rejects');
    expect(r.stdout).toContain('nothing was loaded');
  });

  it('loads the files a glob names by name, numbers read as numbers: export-9 before export-10', async () => {
    const orders = join(dir, 'orders');
    mkdirSync(orders);
    const db2 = join(dir, 'arrival.duckdb');
    const header = 'order_id,customer_id,store_id,channel,status,ordered_at';
    const write = (name: string, status: string, mtime: number) => {
      const path = join(orders, name);
      writeFileSync(path, `${header}\nX1,C00000001,,online,${status},2026-11-30 10:00:00\n`);
      utimesSync(path, mtime, mtime);
    };
    // Copied in the order a plain sort gives (export-10 first), so times say the same.
    write('export-10.csv', 'completed', 1_700_000_000);
    write('export-9.csv', 'cancelled', 1_700_000_600);
    const r = await mesh(
      'ingest',
      'order.orders',
      '--from',
      join(orders, 'export-*.csv'),
      '--db',
      db2,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().files.map((f: { file: string }) => basename(f.file))).toEqual([
      'export-9.csv',
      'export-10.csv',
    ]);
    const warehouse = await createDuckDbWarehouse({ path: db2 });
    const [row] = await warehouse.query(`SELECT status FROM "order".raw_orders WHERE order_id = 'X1'`);
    await warehouse.close();
    expect(row?.status).toBe('completed');
  });

  it('loads files named by day-month-year in the order of their days, and refuses names whose order in time cannot be told', async () => {
    const orders = join(dir, 'dated');
    mkdirSync(orders);
    const db8 = join(dir, 'dated.duckdb');
    const header = 'order_id,customer_id,store_id,channel,status,ordered_at';
    const write = (name: string, status: string) =>
      writeFileSync(join(orders, name), `${header}\nX1,C00000001,,online,${status},2026-11-29 10:00:00\n`);
    // By name 01-12 would come first, and 30 November's cancellation would be current.
    write('orders-29-11-2026.csv', 'completed');
    write('orders-30-11-2026.csv', 'cancelled');
    write('orders-01-12-2026.csv', 'completed');
    const r = await mesh(
      'ingest',
      'order.orders',
      '--from',
      join(orders, 'orders-*.csv'),
      '--db',
      db8,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().files.map((f: { file: string }) => basename(f.file))).toEqual([
      'orders-29-11-2026.csv',
      'orders-30-11-2026.csv',
      'orders-01-12-2026.csv',
    ]);
    const status = async () => {
      const warehouse = await createDuckDbWarehouse({ path: db8 });
      const [row] = await warehouse.query(`SELECT status FROM "order".raw_orders WHERE order_id = 'X1'`);
      await warehouse.close();
      return row?.status;
    };
    expect(await status()).toBe('completed');

    // 1 February and 2 January, or 2 January and 1 February: no part above 12 says which is the
    // day, and the two readings put them in other orders.
    const ambiguous = join(orders, 'early');
    mkdirSync(ambiguous);
    writeFileSync(
      join(ambiguous, '01-02-2027.csv'),
      `${header}\nX1,C00000001,,online,cancelled,2026-11-29 10:00:00\n`,
    );
    writeFileSync(
      join(ambiguous, '02-01-2027.csv'),
      `${header}\nX1,C00000001,,online,returned,2026-11-29 10:00:00\n`,
    );
    const refused = await mesh(
      'ingest',
      'order.orders',
      '--from',
      join(ambiguous, '*.csv'),
      '--db',
      db8,
      '--json',
    );
    expect(refused.code).toBe(2);
    expect(refused.json().error).toMatchObject({
      code: 'ambiguous-file-order',
      subject: { domain: 'order', source: 'orders' },
    });
    expect(refused.json().error.message).toContain('rename them year first (2026-11-29)');
    expect(await status()).toBe('completed');
    // Where every export counts whatever its order (an append source), they load by name.
    const receipts = join(orders, 'receipts');
    writeReceipt(receipts, '02-01-2027.csv', 'RX1');
    writeReceipt(receipts, '03-01-2027.csv', 'RX2');
    const appended = await mesh('ingest', 'store.receipts', '--from', join(receipts, '*.csv'), '--db', db8);
    expect(appended.code, appended.stderr).toBe(0);
  });

  it('refuses an export dated before the newest one held where the newest wins, and loads it with the later ones or --allow-older', async () => {
    const orders = join(dir, 'late');
    mkdirSync(orders);
    const db9 = join(dir, 'late.duckdb');
    const header = 'order_id,customer_id,store_id,channel,status,ordered_at';
    const write = (name: string, rows: string[]) =>
      writeFileSync(join(orders, name), `${header}\n${rows.join('\n')}\n`);
    write('orders-2026-11-29.csv', ['X1,C00000001,,online,completed,2026-11-29 10:00:00']);
    write('orders-2026-12-01.csv', ['X1,C00000001,,online,cancelled,2026-11-29 10:00:00']);
    // 30 November arrives late: X1 still completed then (cancelled since), X2 only that day.
    const ingest = (...args: string[]) => mesh('ingest', 'order.orders', ...args, '--db', db9, '--json');
    const raw = async () => {
      const warehouse = await createDuckDbWarehouse({ path: db9 });
      const rows = await warehouse.query('SELECT order_id, status FROM "order".raw_orders ORDER BY order_id');
      const batches = (await warehouse.listBatches({ source: 'order.orders' })).length;
      await warehouse.close();
      return { rows, batches };
    };
    expect((await ingest('--from', join(orders, 'orders-2026-1*.csv'))).code).toBe(0);
    write('orders-2026-11-30.csv', [
      'X1,C00000001,,online,completed,2026-11-29 10:00:00',
      'X2,C00000001,,online,completed,2026-11-30 10:00:00',
    ]);
    const before = await raw();
    expect(before.rows).toEqual([{ order_id: 'X1', status: 'cancelled' }]);
    const late = await ingest('--from', join(orders, 'orders-2026-11-30.csv'));
    expect(late.code).toBe(1);
    expect(late.json().error).toMatchObject({
      code: 'ingest-older-export',
      subject: { domain: 'order', source: 'orders', batch: 2 },
    });
    expect(late.json().error.message).toContain('orders-2026-11-30.csv is dated 2026-11-30, before');
    expect(late.json().error.message).toContain('dated 2026-12-01');
    expect(await raw()).toEqual(before);
    // With the exports dated after it, in order: the newest stays current, X2 comes in.
    const together = await ingest('--from', join(orders, 'orders-*.csv'));
    expect(together.code, together.stderr).toBe(0);
    // 29 November again is a change back for the moment; 1 December, dated the newest, is meant.
    const flags = together.json().files.map((f: { result: { flag?: string } }) => f.result.flag);
    expect(flags).toEqual([changeBackFlag(1), undefined, undefined]);
    expect((await raw()).rows).toEqual([
      { order_id: 'X1', status: 'cancelled' },
      { order_id: 'X2', status: 'completed' },
    ]);
    // A rollback, said: the older export current.
    const rollback = await ingest('--from', join(orders, 'orders-2026-11-29.csv'), '--allow-older');
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.json().files[0].result.flag).toBeUndefined();
    expect((await raw()).rows).toContainEqual({ order_id: 'X1', status: 'completed' });
    // An append source keeps every event whatever its order: no refusal.
    const receipts = join(orders, 'receipts');
    writeReceipt(receipts, 'receipts-2026-12-01.csv', 'RX1');
    writeReceipt(receipts, 'receipts-2026-11-30.csv', 'RX2');
    for (const name of ['receipts-2026-12-01.csv', 'receipts-2026-11-30.csv']) {
      const r = await mesh('ingest', 'store.receipts', '--from', join(receipts, name), '--db', db9);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('stops at a file that fails where the newest export wins, and says the files after it were not loaded', async () => {
    const orders = join(dir, 'stopped');
    mkdirSync(orders);
    const db7 = join(dir, 'stopped.duckdb');
    const header = 'order_id,customer_id,store_id,channel,status,ordered_at';
    const write = (name: string, rows: string[]) =>
      writeFileSync(join(orders, name), `${header}\n${rows.join('\n')}\n`);
    write('orders-1.csv', ['X1,C00000001,,online,completed,2026-11-30 10:00:00']);
    write('orders-2.csv', [
      'X1,C00000001,,online,cancelled,2026-11-30 10:00:00',
      'X2,C00000001,,online,completed,not-a-date',
    ]);
    write('orders-10.csv', [
      'X1,C00000001,,online,completed,2026-11-30 10:00:00',
      'X4,C00000001,,online,completed,2026-11-30 11:00:00',
    ]);
    const glob = join(orders, 'orders-*.csv');
    const r = await mesh(
      'ingest',
      'order.orders',
      '--from',
      glob,
      '--max-rejects',
      '0',
      '--db',
      db7,
      '--json',
    );
    expect(r.code, r.stderr).toBe(1);
    const files = r.json().files as Array<{
      file: string;
      result?: { status: string };
      error?: { code: string; message: string };
    }>;
    expect(files.map((f) => [basename(f.file), f.result?.status ?? f.error?.code])).toEqual([
      ['orders-1.csv', 'loaded'],
      ['orders-2.csv', 'too-many-rejects'],
      ['orders-10.csv', 'ingest-stopped'],
    ]);
    expect(files[2]!.error!.message).toContain(
      `orders-2.csv failed before it, and order.orders takes the rows of each export over those before it (an upsert without a cursor)`,
    );
    expect(r.json().error.code).toBe('too-many-rejects');
    const text = await mesh('ingest', 'order.orders', '--from', glob, '--max-rejects', '0', '--db', db7);
    expect(text.stdout).toContain('1 of 3 files failed, 1 after it not loaded');
    // Fixed, the failed file and those after it load in order: the newest export wins.
    write('orders-2.csv', ['X1,C00000001,,online,cancelled,2026-11-30 10:00:00']);
    expect((await mesh('ingest', 'order.orders', '--from', glob, '--db', db7)).code).toBe(0);
    const warehouse = await createDuckDbWarehouse({ path: db7 });
    const rows = await warehouse.query(`SELECT order_id, status FROM "order".raw_orders ORDER BY 1`);
    await warehouse.close();
    expect(rows).toEqual([
      { order_id: 'X1', status: 'completed' },
      { order_id: 'X4', status: 'completed' },
    ]);
  });

  it('says which file columns it read by their spelling', async () => {
    const db8 = join(dir, 'spelled.duckdb');
    const export_ = join(dir, 'orders-spelled.csv');
    writeFileSync(
      export_,
      'Order ID,CUSTOMER_ID,channel,Status,ordered_at\nS1,C00000001,online,completed,2026-11-30 10:00:00\n',
    );
    const r = await mesh(
      'ingest',
      'order.orders',
      '--from',
      export_,
      '--map',
      'status=Status',
      '--db',
      db8,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    // Asked for by --map: not by spelling.
    expect(r.json().files[0].result.respelledColumns).toEqual({
      order_id: 'Order ID',
      customer_id: 'CUSTOMER_ID',
    });
    const again = join(dir, 'orders-spelled-2.csv');
    writeFileSync(
      again,
      'Order ID,customer_id,channel,status,ordered_at\nS2,C00000001,online,completed,2026-11-30 11:00:00\n',
    );
    const text = await mesh('ingest', 'order.orders', '--from', again, '--db', db8);
    expect(text.stdout).toMatch(
      /batch \d+: Order ID read as order_id \(by spelling; --map <column>=<file column> says otherwise\)\./,
    );
  });

  it('says when a resent event carries other values: the first copy counts', async () => {
    const db3 = join(dir, 'events.duckdb');
    const header = 'order_id,line_number,returned_quantity,reason,returned_at,refund_amount';
    const first = join(dir, 'returns-1.csv');
    writeFileSync(first, `${header}\nO1,1,1,damaged,2026-11-30 10:00:00,12.50\n`);
    const corrected = join(dir, 'returns-2.csv');
    writeFileSync(
      corrected,
      `${header}\nO1,1,1,damaged,2026-11-30 10:00:00,15.00\nO2,1,1,damaged,2026-11-30 11:00:00,3.00\n`,
    );
    expect((await mesh('ingest', 'order.returns', '--from', first, '--db', db3)).code).toBe(0);
    const again = await mesh('ingest', 'order.returns', '--from', corrected, '--db', db3);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /! batch \d+: 1 row repeats events: a copy of an earlier line of the file, or a key an earlier batch loaded with other values\. order\.returns keeps the first copy of an event, so they changed nothing\./,
    );
    // Under --json the count rides on the file's result.
    const third = join(dir, 'returns-3.csv');
    writeFileSync(third, `${header}\nO2,1,1,damaged,2026-11-30 11:00:00,4.00\n`);
    const json = await mesh('ingest', 'order.returns', '--from', third, '--db', db3, '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).files[0].result).toMatchObject({ status: 'loaded', repeatedEvents: 1 });
  });

  it('says when an export re-sends events already held, in other bytes: loaded, but no new event', async () => {
    const db9 = join(dir, 'held.duckdb');
    const first = join(dir, 'returns-held-1.csv');
    writeFileSync(
      first,
      'order_id,line_number,returned_quantity,reason,returned_at,refund_amount\nO1,1,1,damaged,2026-11-30 10:00:00,12.50\nO2,1,1,damaged,2026-11-30 11:00:00,5.00\n',
    );
    // The same two returns, re-exported with its columns in another order, a semicolon, a zone
    // and other decimals, and one new return.
    const overlap = join(dir, 'returns-held-2.csv');
    writeFileSync(
      overlap,
      'returned_at;order_id;line_number;returned_quantity;reason;refund_amount\n2026-11-30T10:00:00Z;O1;1;1;damaged;12.5\n2026-11-30T11:00:00Z;O2;1;1;damaged;5\n2026-11-30T12:00:00Z;O3;1;1;damaged;7\n',
    );
    expect((await mesh('ingest', 'order.returns', '--from', first, '--db', db9)).code).toBe(0);
    const again = await mesh('ingest', 'order.returns', '--from', overlap, '--db', db9);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /batch \d+: 2 of its rows are events an earlier batch already holds with the same values \(the export overlaps an earlier one, or was sent again\): they add no event\./,
    );
    expect(again.stdout).toContain(
      'order.returns: 3 rows loaded (2 of them events already held), 0 rejected',
    );
    expect(again.stdout).not.toMatch(/repeats? events/);
    // Reverted, an event batch takes its events out; the last one leaves the source empty.
    const batches = (await mesh('ingest', '--list', 'order.returns', '--db', db9, '--json')).json().batches;
    const [firstBatch, secondBatch] = batches.map((b: { batchId: number }) => b.batchId);
    const out = await mesh('ingest', '--revert', String(secondBatch), '--db', db9);
    expect(out.stdout).toContain(`: its events are no longer in order.returns. Run mesh build`);
    const last = await mesh('ingest', '--revert', String(firstBatch), '--db', db9);
    expect(last.stdout).toContain(': order.returns holds no rows now. Run mesh build');
  });

  it('says when an export delivered again makes older rows current over later batches', async () => {
    const db4 = join(dir, 'twice.duckdb');
    const header = 'order_id,customer_id,store_id,channel,status,ordered_at';
    const monday = join(dir, 'orders-monday.csv');
    writeFileSync(monday, `${header}\nT1,C1,,online,completed,2026-11-30 10:00:00\n`);
    const tuesday = join(dir, 'orders-tuesday.csv');
    writeFileSync(tuesday, `${header}\nT1,C1,,online,cancelled,2026-11-30 10:00:00\n`);
    for (const file of [monday, tuesday])
      expect((await mesh('ingest', 'order.orders', '--from', file, '--db', db4)).code).toBe(0);
    // Monday's export again (a retry upstream): order.orders has no cursor, the latest export
    // wins, so it is loaded, and said.
    const again = await mesh('ingest', 'order.orders', '--from', monday, '--db', db4, '--json');
    expect(again.code, again.stderr).toBe(0);
    const result = again.json().files[0].result;
    expect(result).toMatchObject({ status: 'loaded', batchId: 3, reloads: 1, flag: changeBackFlag(1) });
    const text = await mesh('ingest', 'order.orders', '--from', tuesday, '--db', db4);
    expect(text.stdout).toContain(`! batch 4: ${changeBackFlag(2)}`);
    // Its products are degraded until a newer export comes, or it is reverted.
    const health = await mesh('health', '--db', db4, '--json');
    expect(JSON.stringify(health.json())).toContain(`order.orders: last batch ${changeBackFlag(2)}`);
    // Monday's a third time: it repeats its latest copy, batch 3.
    const third = await mesh('ingest', 'order.orders', '--from', monday, '--db', db4, '--json');
    expect(third.json().files[0].result).toMatchObject({ status: 'loaded', batchId: 5, reloads: 3 });
    // The newest export delivered again is no news: nothing loaded.
    const newest = await mesh('ingest', 'order.orders', '--from', monday, '--db', db4, '--json');
    expect(newest.json().files[0].result).toMatchObject({ status: 'already-ingested', batchId: 5 });
    expect(newest.json().files[0].result.reloads).toBeUndefined();
    // Tuesday's rows again in other bytes (CRLF, columns in another order): said the same way.
    const resent = join(dir, 'orders-tuesday-resent.csv');
    writeFileSync(
      resent,
      'ordered_at,status,channel,store_id,customer_id,order_id\r\n2026-11-30 10:00:00,cancelled,online,,C1,T1\r\n',
    );
    const again2 = await mesh('ingest', 'order.orders', '--from', resent, '--db', db4, '--json');
    expect(again2.json().files[0].result).toMatchObject({ status: 'loaded', batchId: 6, reloads: 4 });
    // The same count of rows, another value: another export, nothing said.
    const other = join(dir, 'orders-wednesday.csv');
    writeFileSync(other, `${header}\nT1,C2,,online,completed,2026-11-30 10:00:00\n`);
    const wednesday = await mesh('ingest', 'order.orders', '--from', other, '--db', db4, '--json');
    expect(wednesday.json().files[0].result.reloads).toBeUndefined();
  });

  it("keeps a mapping file's values as written: 0012 stays 0012, a value-map key 01 is 01", async () => {
    const db5 = join(dir, 'zeros.duckdb');
    const export_ = join(dir, 'orders-zeros.csv');
    writeFileSync(
      export_,
      'order_id,customer_id,channel,status,ordered_at\nZ1,C1,01,completed,2026-11-30 10:00:00\n',
    );
    const mapping = join(dir, 'zeros.yaml');
    writeFileSync(mapping, 'set: { store_id: 0012 }\nvalues:\n  channel: { 01: store, 02: online }\n');
    const r = await mesh('ingest', 'order.orders', '--from', export_, '--mapping', mapping, '--db', db5);
    expect(r.code, r.stdout).toBe(0);
    const warehouse = await createDuckDbWarehouse({ path: db5 });
    const rows = await warehouse.query(`SELECT store_id, channel FROM "order".raw_orders`);
    await warehouse.close();
    expect(rows).toEqual([{ store_id: '0012', channel: 'store' }]);
  });

  it("names the rows of a Parquet file's rejects as rows, not lines", async () => {
    const db6 = join(dir, 'rows.duckdb');
    const parquet = join(dir, 'orders.parquet');
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await warehouse.query(
      `COPY (SELECT 'R1' AS order_id, 'C1' AS customer_id, 'online' AS channel, 'completed' AS status, '2026-11-30 10:00:00' AS ordered_at
             UNION ALL SELECT 'R2', 'C1', 'phone', 'completed', '2026-11-30 10:00:00') TO '${parquet}' (FORMAT parquet)`,
    );
    await warehouse.close();
    const r = await mesh('ingest', 'order.orders', '--from', parquet, '--db', db6);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${parquet} row 2: channel: "phone" is not one of`);
    const { batchId } = (await mesh('ingest', '--list', '--db', db6, '--json')).json().batches.at(-1);
    const rejects = await mesh('ingest', '--rejects', String(batchId), '--db', db6);
    expect(rejects.stdout).toContain(`${parquet} row 2: channel:`);
  });

  it('explains what it needs', async () => {
    expect((await mesh('ingest', 'product.nothing', '--from', wms, '--db', db)).stderr).toContain(
      'No source is named product.nothing',
    );
    expect((await mesh('ingest', 'product.stock_levels', '--db', db)).code).toBe(2);
    expect(
      (await mesh('ingest', 'product.stock_levels', '--from', join(dir, 'none-*.csv'), '--db', db)).stderr,
    ).toContain('No file matches');
    expect(
      (await mesh('ingest', 'product.stock_levels', '--from', wms, '--map', 'oops', '--db', db)).stderr,
    ).toContain('write name=value, e.g. --map order_id=OrderNo');
    expect((await mesh('sources', 'nowhere')).stderr).toContain('No domain or source is named nowhere');
    const unmapped = await mesh(
      'ingest',
      'product.stock_levels',
      '--from',
      join(dir, 'wms-bad.csv'),
      '--db',
      db,
    );
    expect(unmapped.code).toBe(1);
    expect(unmapped.stdout).toContain('column product_id (required) is not in the file');
  });
});
