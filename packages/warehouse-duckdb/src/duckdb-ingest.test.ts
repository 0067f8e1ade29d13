import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canIngestFiles,
  conflictingEventsFlag,
  defineDomain,
  defineSource,
  degradingFlag,
  ensureSources,
  INGEST_BEFORE_EARLIEST_DAY,
  INGEST_DATE_ONLY_CURSOR,
  INGEST_DECIMAL_COMMA_FILE_REFUSALS,
  INGEST_FLOAT_WRITTEN_ID,
  INGEST_FUTURE_CURSOR,
  INGEST_FUTURE_EVENT,
  INGEST_INEXACT_FLOAT,
  INGEST_INEXACT_SINGLE,
  INGEST_INEXACT_SINGLE_DECIMAL,
  INGEST_INVISIBLE_IN_KEY,
  INGEST_MOJIBAKE,
  INGEST_NONFINITE_TEXT,
  INGEST_NUMBER_REFUSALS,
  INGEST_PLACEHOLDER_DAY,
  INGEST_SCIENTIFIC_TEXT,
  INGEST_SEMICOLON_NUMBER_REFUSALS,
  INGEST_SPREADSHEET_ERROR,
  INGEST_ZONED_TIME,
  isMeshError,
  keysChangedBackFlag,
  lastLineTakenFlag,
  NOTHING_NEW_FLAG,
  respeltKeysFlag,
  type Source,
  sourceStates,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';
import { runThenKill } from './testing/killed-writer.js';

/** Why a date column refuses a time of day or midnight at an offset. */
const TIME_IN_DATE =
  ' holds a time of day or an offset besides its date, which may be another day in UTC (a local midnight written in UTC is the day before): write the date alone (2026-12-01)';

const dir = mkdtempSync(join(tmpdir(), 'mesh-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shop = defineDomain({ name: 'shop', description: 'Shop', owner: { team: 't', email: 't@x.example' } });
const orders = defineSource({
  domain: shop,
  name: 'orders',
  description: 'Orders from the till',
  mode: 'upsert',
  schema: z.object({
    order_id: z.string().describe('Order').meta({ key: true }),
    channel: z.enum(['store', 'online']).describe('Channel'),
    amount: z.number().meta({ type: 'decimal' }).describe('Amount'),
    items: z.int().describe('Items'),
    ordered_at: z.date().describe('When'),
    note: z.string().nullable().describe('Free text'),
  }),
});

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

let warehouse: Warehouse;
beforeEach(async () => {
  warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  return () => warehouse.close();
});

const ingest = (path: string, options = {}) => {
  if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
  return warehouse.ingestFile(orders, path, options);
};

/** A file of store orders of 1 unit and 1, one per [order_id, ordered_at]: how times are written. */
const ordersAt = (name: string, rows: ReadonlyArray<readonly [string, string]>) =>
  file(
    name,
    [
      'order_id,channel,amount,items,ordered_at,note',
      ...rows.map(([id, at]) => `${id},store,1,1,${at},`),
      '',
    ].join('\n'),
  );
/** Each loaded order's time, as text in UTC. */
const orderTimes = () =>
  warehouse.query(
    'SELECT order_id, CAST(ordered_at AS VARCHAR) AS at FROM shop.raw_orders ORDER BY order_id',
  );

describe('ingesting files into a source', () => {
  it('maps differently named columns, loads valid rows and rejects bad ones with file, line and reason', async () => {
    const path = file(
      'till.csv',
      [
        'OrderNo,Channel,Total,Qty,Timestamp,Comment',
        'A1,store,12.50,2,2026-10-01 10:00:00,',
        'A2,phone,3.00,1,2026-10-01T11:00:00Z,wrong channel',
        'A3,online,abc,1,2026-10-01 12:00:00,bad amount',
        ',online,4.00,1,2026-10-02 08:00:00+02:00,no id',
        'A5,online,4.00,two,yesterday,',
        'A6,online,9.99,3,2026-10-02T08:00:00+02:00,"quoted, with comma"',
      ].join('\n'),
    );
    const result = await ingest(path, {
      mapping: {
        rename: {
          order_id: 'OrderNo',
          channel: 'Channel',
          amount: 'Total',
          items: 'Qty',
          ordered_at: 'Timestamp',
          note: 'Comment',
        },
      },
    });
    expect(result).toMatchObject({ file: path, status: 'loaded', rows: 6, loaded: 2, rejected: 4 });
    expect(await warehouse.query('SELECT * FROM shop.raw_orders ORDER BY order_id')).toEqual([
      {
        order_id: 'A1',
        channel: 'store',
        amount: 12.5,
        items: 2,
        ordered_at: new Date('2026-10-01T10:00:00Z'),
        note: null,
      },
      {
        order_id: 'A6',
        channel: 'online',
        amount: 9.99,
        items: 3,
        ordered_at: new Date('2026-10-02T06:00:00Z'),
        note: 'quoted, with comma',
      },
    ]);
    const rejects = await warehouse.query(
      'SELECT file, line, reason FROM shop.raw_orders_rejects ORDER BY line',
    );
    expect(rejects).toEqual([
      { file: path, line: 3, reason: 'channel (file column Channel): "phone" is not one of store, online' },
      { file: path, line: 4, reason: 'amount (file column Total): "abc" is not a valid decimal' },
      { file: path, line: 5, reason: 'order_id (file column OrderNo): missing' },
      {
        file: path,
        line: 6,
        reason:
          'items (file column Qty): "two" is not a valid integer; ordered_at (file column Timestamp): "yesterday" is not a valid timestamp',
      },
    ]);
    expect(result.sampleRejects[0]).toEqual({ line: 3, reason: rejects[0]!.reason });
  });

  it('reads a zone-less time as UTC after a time with a zone name, each value on its own', async () => {
    const times = [
      ['N1', '2026-11-30 20:00:00 America/New_York', '2026-12-01T01:00:00.000Z'],
      ['N2', '2026-11-30 22:00:00', '2026-11-30T22:00:00.000Z'],
      ['N3', '2026-11-30 22:00:00 Europe/Paris', '2026-11-30T21:00:00.000Z'],
      ['N4', '2026-11-30', '2026-11-30T00:00:00.000Z'],
      ['N5', '2026-11-30T23:00', '2026-11-30T23:00:00.000Z'],
      ['N6', '2026-11-30 23:00:00.5-05', '2026-12-01T04:00:00.500Z'],
      ['N7', ' 2026-1-3 9:30:00 ', '2026-01-03T09:30:00.000Z'],
    ];
    const path = file(
      'zones.csv',
      [
        'order_id,channel,amount,items,ordered_at,note',
        ...times.map(([id, at]) => `${id},store,1,1,${at},`),
      ].join('\n'),
    );
    expect(await ingest(path)).toMatchObject({ loaded: times.length, rejected: 0 });
    const rows = await warehouse.query('SELECT order_id, ordered_at FROM shop.raw_orders ORDER BY order_id');
    expect(rows.map((r) => [r.order_id, (r.ordered_at as Date).toISOString()])).toEqual(
      times.map(([id, , utc]) => [id, utc]),
    );
  });

  it('loads text without the spaces an export padded it with: a padded key is the same key', async () => {
    const first = file(
      'first.csv',
      'order_id,channel,amount,items,ordered_at,note\nO1,store,1,1,2026-10-01 10:00:00,\n',
    );
    const padded = file(
      'padded.csv',
      'order_id,channel,amount,items,ordered_at,note\nO1   ,store,2,1,2026-10-01 10:00:00,"  kept inside  "\n" O2",online,3,1,2026-10-01 11:00:00,   \n   ,online,4,1,2026-10-01 12:00:00,\n',
    );
    await ingest(first);
    // Spaces only are no value: a key of spaces is missing, a note of spaces NULL.
    expect((await ingest(padded)).sampleRejects).toEqual([{ line: 4, reason: 'order_id: missing' }]);
    const rows = await warehouse.query(
      'SELECT order_id, amount, note FROM shop.raw_orders ORDER BY order_id',
    );
    expect(rows).toEqual([
      { order_id: 'O1', amount: 2, note: 'kept inside' },
      { order_id: 'O2', amount: 3, note: null },
    ]);
  });

  it('reads a deletion marker padded with a tab or a line break as BigQuery reads it: deleted', async () => {
    // BigQuery's TRIM strips them, DuckDB's trim() kept them: TRUE<tab> deleted the row in
    // production and loaded it here.
    const marked = file(
      'marked.csv',
      'order_id,channel,amount,items,ordered_at,note,is_deleted\nO1,store,1,1,2026-10-01 10:00:00,,"TRUE\t"\nO2,store,1,1,2026-10-01 10:00:00,,"\n1"\nO3,store,1,1,2026-10-01 10:00:00,,false\n',
    );
    const result = await ingest(marked);
    expect(
      result.sampleRejects?.map((r) => [
        r.line,
        r.reason.startsWith('marked deleted by file column is_deleted'),
      ]),
    ).toEqual([
      [2, true],
      [3, true],
    ]);
    expect(await warehouse.query('SELECT order_id FROM shop.raw_orders')).toEqual([{ order_id: 'O3' }]);
  });

  it('loads text in its composed form (NFC): an accent written apart is the same key and text, and an export re-sent so changes nothing', async () => {
    const composed = 'Caf\u00e9';
    const decomposed = 'Cafe\u0301';
    const header = 'order_id,channel,amount,items,ordered_at,note';
    const first = file(
      'nfc.csv',
      `${header}\nO-${composed},store,1,1,2026-10-01 10:00:00,${composed} Utrecht\n`,
    );
    // macOS and some Java exports write the accent as a character of its own.
    const again = file(
      'nfd.csv',
      `${header}\nO-${decomposed},store,1,1,2026-10-01 10:00:00,${decomposed} Utrecht\n`,
    );
    await ingest(first);
    const result = await ingest(again);
    expect(result).toMatchObject({
      loaded: 1,
      rejected: 0,
      flag: expect.stringMatching(/^nothing new: the same rows as batch/),
    });
    expect(
      await warehouse.query('SELECT order_id, note, length(note) AS chars FROM shop.raw_orders'),
    ).toEqual([{ order_id: `O-${composed}`, note: `${composed} Utrecht`, chars: 12 }]);
    expect(await warehouse.query('SELECT DISTINCT order_id FROM shop.raw_orders_log')).toEqual([
      { order_id: `O-${composed}` },
    ]);
  });

  it('flags an export whose keys the source holds written otherwise: leading zeros gone, another letter case', async () => {
    const header = 'order_id,channel,amount,items,ordered_at,note';
    await ingest(
      file(
        'held.csv',
        `${header}\n00123,store,1,1,2026-10-01 10:00:00,\nO-7,store,1,1,2026-10-01 10:00:00,\n`,
      ),
    );
    // Saved through a spreadsheet: 00123 became 123; another system writes o-7.
    const respelt = await ingest(
      file(
        'respelt.csv',
        `${header}\n123,store,2,1,2026-10-01 10:00:00,\no-7,store,2,1,2026-10-01 10:00:00,\n`,
      ),
    );
    expect(respelt).toMatchObject({ loaded: 2, flag: respeltKeysFlag(2, '123', '00123') });
    // The keys as the system writes them again: nothing to say.
    const again = await ingest(
      file(
        'as-written.csv',
        `${header}\n00123,store,3,1,2026-10-01 10:00:00,\nO-8,store,3,1,2026-10-01 10:00:00,\n`,
      ),
    );
    expect(again.flag).toBeUndefined();
    expect(degradingFlag(respelt.flag)).toBe(respeltKeysFlag(2, '123', '00123'));
  });

  it('refuses text converted twice on its way (UTF-8 read as Latin-1 or Windows-1252, saved again), and keeps text that only looks near it', async () => {
    const header = 'order_id,channel,amount,items,ordered_at,note';
    const path = file(
      'mojibake.csv',
      [
        header,
        'M1,store,1,1,2026-10-01 10:00:00,MÃ¼nchen',
        'M2,store,1,1,2026-10-01 10:00:00,Ã‰cole',
        'M3,store,1,1,2026-10-01 10:00:00,costs Â£5',
        'M4,store,1,1,2026-10-01 10:00:00,SÃO PAULO',
        'M5,store,1,1,2026-10-01 10:00:00,São Paulo',
        'M6,store,1,1,2026-10-01 10:00:00,Ã',
        '',
      ].join('\n'),
    );
    const [, says] = INGEST_MOJIBAKE;
    expect(await ingest(path)).toMatchObject({
      loaded: 3,
      rejected: 3,
      sampleRejects: [
        { line: 2, reason: `note: "MÃ¼nchen"${says}` },
        { line: 3, reason: `note: "Ã‰cole"${says}` },
        { line: 4, reason: `note: "costs Â£5"${says}` },
      ],
    });
  });

  it('flags a CSV whose every amount written with a dot groups thousands by it (15.000), and not one that writes decimals', async () => {
    const header = 'order_id,channel,amount,items,ordered_at,note';
    const rows = (amounts: string[]) =>
      amounts.map((a, i) => `T${i},store,${a},1,2026-10-01 10:00:00,`).join('\n');
    // Round amounts of a German spreadsheet saved as tab-free text: 15000, 2500 and 120000.
    const grouped = await ingest(
      file('grouped.csv', `${header}\n${rows(['15.000', '2.500', '120.000', '40'])}\n`),
    );
    expect(grouped).toMatchObject({
      loaded: 4,
      flag: expect.stringMatching(
        /^every value of amount \("120\.000"\) written with a dot has three digits after it/,
      ),
    });
    expect(degradingFlag(grouped.flag)).toBe(grouped.flag);
    // Decimals beside them tell the dot is a decimal point; one value alone tells nothing.
    expect(
      (await ingest(file('decimals.csv', `${header}\n${rows(['15.000', '2.5', '120.000'])}\n`))).flag,
    ).toBeUndefined();
    expect((await ingest(file('one.csv', `${header}\n${rows(['1.250', '3'])}\n`))).flag).toBeUndefined();
  });

  it('flags an export to a list that keeps its former rows which leaves out keys it held, and not one that marks them closed', async () => {
    const sites = defineSource({
      domain: shop,
      name: 'sites',
      description: 'Every site, open or closed, exported whole',
      mode: 'snapshot',
      keepsFormerRows: true,
      schema: z.object({
        site_id: z.string().describe('Site').meta({ key: true }),
        closed_on: z.iso.date().nullable().describe('Closed'),
      }),
    });
    const ingester = warehouse;
    if (!canIngestFiles(ingester)) throw new Error('DuckDB ingests files');
    const load = (name: string, lines: string[]) =>
      ingester.ingestFile(sites, file(name, `site_id,closed_on\n${lines.join('\n')}\n`), {});
    expect((await load('sites-1.csv', ['S1,', 'S2,', 'S3,', 'S4,'])).flag).toBeUndefined();
    // S3 closed: marked, not removed. Nothing left out.
    expect((await load('sites-2.csv', ['S1,', 'S2,', 'S3,2026-11-30', 'S4,'])).flag).toBeUndefined();
    // An export cut at a line's end: S3 and S4 are gone from the current rows, and said so.
    const cut = await load('sites-3.csv', ['S1,', 'S2,']);
    expect(cut).toMatchObject({ status: 'loaded', loaded: 2 });
    expect(cut.flag).toMatch(
      /^leaves out 2 of the 4 keys the rows before it held \(S3 the first\), where shop\.sites keeps its former rows/,
    );
    expect(degradingFlag(cut.flag)).toBe(cut.flag);
    // The whole list again, a new site among it: no key left out.
    expect((await load('sites-4.csv', ['S1,', 'S2,', 'S3,2026-11-30', 'S4,', 'S5,'])).flag).toBeUndefined();
    // Only a snapshot replaces its rows: another mode is refused the option.
    expect(() =>
      defineSource({
        domain: shop,
        name: 'site_events',
        description: 'Sites, by changes',
        mode: 'upsert',
        keepsFormerRows: true,
        schema: sites.schema,
      }),
    ).toThrow(/keepsFormerRows is for a snapshot/);
  });

  it('flags a batch whose every rate of a column in percent is a fraction (0.15 for 15%), and not one in percent', async () => {
    const promotions = defineSource({
      domain: shop,
      name: 'promotions',
      description: 'Discount codes',
      mode: 'upsert',
      schema: z.object({
        promotion_id: z.string().describe('Code').meta({ key: true }),
        discount_pct: z
          .number()
          .min(0)
          .max(100)
          .meta({ type: 'decimal', percent: true })
          .describe('Percent off'),
      }),
    });
    const ingester = warehouse;
    if (!canIngestFiles(ingester)) throw new Error('DuckDB ingests files');
    const load = (name: string, rates: string[]) =>
      ingester.ingestFile(
        promotions,
        file(name, `promotion_id,discount_pct\n${rates.map((r, i) => `P${i},${r}`).join('\n')}\n`),
        {},
      );
    // A campaign manager that holds rates as fractions: 15%, 25% and 50% off, and a code at 0.
    const fractions = await load('fractions.csv', ['0', '0.15', '0.25', '0.5']);
    expect(fractions).toMatchObject({ loaded: 4, rejected: 0 });
    expect(fractions.flag).toMatch(
      /^every value other than 0 of discount_pct \(3 values, line 3 the first\) lies between -1 and 1, where the column is in percent/,
    );
    expect(degradingFlag(fractions.flag)).toBe(fractions.flag);
    // Rates in percent, a half percent among them, are not flagged.
    expect((await load('percent.csv', ['15', '0.5', '0', '50'])).flag).toBeUndefined();
    expect(
      await warehouse.query(
        'SELECT promotion_id, CAST(discount_pct AS VARCHAR) AS pct FROM shop.raw_promotions ORDER BY 1',
      ),
    ).toEqual([
      { promotion_id: 'P0', pct: '15.000000000' },
      { promotion_id: 'P1', pct: '0.500000000' },
      { promotion_id: 'P2', pct: '0.000000000' },
      { promotion_id: 'P3', pct: '50.000000000' },
    ]);
  });

  it('flags events whose key an earlier batch holds with another fraction of a second (a return re-exported), as it flags respelt text', async () => {
    const returns = defineSource({
      domain: shop,
      name: 'returns',
      description: 'Returns of order lines',
      mode: 'append',
      schema: z.object({
        order_id: z.string().describe('Order').meta({ key: true }),
        returned_at: z.date().describe('When').meta({ key: true }),
        amount: z.number().meta({ type: 'decimal' }).describe('Refund'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const header = 'order_id,returned_at,amount';
    await warehouse.ingestFile(
      returns,
      file('portal.csv', `${header}\nO1002,2026-12-02T10:00:00.437Z,223.63\n`),
    );
    const nightly = await warehouse.ingestFile(
      returns,
      file('nightly.csv', `${header}\nO1002,2026-12-02 10:00:00,223.63\nO1003,2026-12-02 11:00:00,10\n`),
    );
    expect(nightly).toMatchObject({ loaded: 2 });
    expect(nightly.flag).toMatch(
      /^1 key is written otherwise than a key it holds \("O1002, 2026-12-02 10:00:00" where it holds "O1002, 2026-12-02 10:00:00\.437"/,
    );
    expect(degradingFlag(nightly.flag)).toBe(nightly.flag);
  });

  it('flags an export whose amounts are in other units than those held (cents), not one of dearer days or an outlier', async () => {
    const header = 'order_id,channel,amount,items,ordered_at,note';
    const day = (name: string, from: number, amount: (i: number) => string) =>
      file(
        name,
        `${header}\n${Array.from({ length: 12 }, (_, i) => `O${from + i},store,${amount(i)},1,2026-10-01 10:00:00,`).join('\n')}\n`,
      );
    await ingest(day('units.csv', 100, (i) => (12.99 + i * 7.5).toFixed(2)));
    // Busier, dearer days and one order of 9,000.00 among them: no other units.
    const dearer = await ingest(
      day('dearer.csv', 200, (i) => (i === 0 ? '9000.00' : (25.98 + i * 15).toFixed(2))),
    );
    expect(dearer.flag).toBeUndefined();
    // The OMS writes cents from today on: 1299 for 12.99.
    const cents = await ingest(day('cents.csv', 300, (i) => String(1299 + i * 750)));
    expect(cents).toMatchObject({ loaded: 12, rejected: 0 });
    expect(cents.flag).toMatch(
      /^holds values of amount \d+x larger \(typically [\d,.]+ against [\d,.]+\) than the rows shop\.orders held before it: written in other units \(cents for euros/,
    );
    expect(degradingFlag(cents.flag)).toBe(cents.flag);
    // Stored with the batch, so health makes the products reading the source degraded.
    const [state] = sourceStates([orders], await warehouse.listBatches({ source: orders.id }));
    expect(state?.lastBatch?.flag).toBe(cents.flag);
  });

  it('flags a snapshot export that lacks a third of the keys held, not a list that lost a few or marks them deleted', async () => {
    const staff = defineSource({
      domain: shop,
      name: 'staff',
      description: 'Everyone on the staff list, current and former',
      mode: 'snapshot',
      schema: z.object({
        staff_id: z.string().describe('Staff').meta({ key: true }),
        store_id: z.string().describe('Store'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const list = (name: string, ids: number[], extra = '') =>
      file(
        name,
        `staff_id,store_id${extra ? ',is_deleted' : ''}\n${ids.map((i) => `E${i},S1${extra ? `,${i > 20 ? 'true' : 'false'}` : ''}`).join('\n')}\n`,
      );
    const all = Array.from({ length: 30 }, (_, i) => i + 1);
    await warehouse.ingestFile(staff, list('staff-1.csv', all));
    // Four leavers taken off the list, two hires: a list as it changes.
    const changed = await warehouse.ingestFile(staff, list('staff-2.csv', [...all.slice(4), 31, 32]));
    expect(changed.flag).toBeUndefined();
    // The exporter died half way: 16 of the 28 keys held are missing.
    const cut = await warehouse.ingestFile(staff, list('staff-3.csv', all.slice(4, 16)));
    expect(cut).toMatchObject({ loaded: 12, rejected: 0 });
    expect(cut.flag).toBe(
      'lacks 16 of the 28 keys shop.staff held before it (57%): an export cut short or filtered on the way? A snapshot replaces every row, so they are in no figure built on it; revert this batch and export the whole list (keys the system deleted: mark them deleted, or the next export confirms it)',
    );
    expect(degradingFlag(cut.flag)).toBe(cut.flag);
    // The whole list, a new hire on it: nothing lacks, the flag is gone with it.
    const current = [...all.slice(4), 31, 32, 33];
    const whole = await warehouse.ingestFile(staff, list('staff-4.csv', current));
    expect(whole.flag).toBeUndefined();
    // Thirteen of the 29 marked deleted by the system: meant, not flagged.
    const deleted = await warehouse.ingestFile(staff, list('staff-5.csv', current, 'deleted'));
    expect(deleted).toMatchObject({ loaded: 16, deletedRows: 13 });
    expect(deleted.flag).toBeUndefined();
  });

  it('flags, where no cursor ranks revisions, a key given twice with other values and keys changed back to an earlier export', async () => {
    const header = 'order_id,channel,amount,items,ordered_at,note';
    const at = '2026-10-01 10:00:00';
    // One order number now two orders: the last line is taken, and said.
    const twice = await ingest(
      file(
        'twice.csv',
        `${header}\nK1,store,1,1,${at},\nK2,store,1,1,${at},\nK1,online,9,3,${at},\nK2,store,1,1,${at},\n`,
      ),
    );
    expect(twice).toMatchObject({ loaded: 4, flag: lastLineTakenFlag(1, 4) });
    expect(
      await warehouse.query(`SELECT channel, amount FROM shop.raw_orders WHERE order_id = 'K1'`),
    ).toEqual([{ channel: 'online', amount: 9 }]);
    // K1 changed, then an undated backfill holds it as the first export had it.
    const cancelled = await ingest(file('changed.csv', `${header}\nK1,online,5,3,${at},\n`));
    expect(cancelled.flag).toBeUndefined();
    const backfill = await ingest(
      file('backfill.csv', `${header}\nK1,online,9,3,${at},\nK2,store,1,1,${at},\nK3,store,2,1,${at},\n`),
    );
    expect(backfill.flag).toBe(keysChangedBackFlag(1, 'K1'));
    const after = await ingest(file('next-day.csv', `${header}\nK4,store,1,1,${at},\n`));
    expect(after.flag).toBeUndefined();
    const batches = await warehouse.listBatches({ source: orders.id });
    const [state] = sourceStates([orders], batches);
    expect(state?.changedBack).toMatch(
      new RegExp(
        `^batch ${backfill.batchId} \\(.*backfill\\.csv\\) made an older export's rows current again`,
      ),
    );
    // Meant (a rollback): said by --allow-older, not flagged.
    const meant = await ingest(
      file('rollback.csv', `${header}\nK1,online,5,3,${at},\nK6,store,1,1,${at},\n`),
      {
        current: true,
      },
    );
    expect(meant.flag).toBeUndefined();
  });

  it('unpads the text an older release stored padded, once, so its keys meet the new exports', async () => {
    const path = join(dir, 'older.duckdb');
    const older = await createDuckDbWarehouse({ path, create: true });
    if (!canIngestFiles(older)) throw new Error('DuckDB ingests files');
    await older.ingestFile(
      orders,
      file('older.csv', 'order_id,channel,amount,items,ordered_at,note\nO1,store,1,1,2026-10-01 10:00:00,\n'),
    );
    // As an older release left it: the key as the fixed-width export padded it, and the
    // current rows recorded as computed from such a log.
    await older.query(`UPDATE shop.raw_orders_log SET order_id = 'O1   '`);
    await older.query(`UPDATE shop.raw_orders SET order_id = 'O1   '`);
    await older.query(
      `UPDATE _mesh.current_rows SET definition = replace(definition, chr(10) || '-- log: unpadded', '')`,
    );
    await older.close();

    const now = await createDuckDbWarehouse({ path });
    try {
      if (!canIngestFiles(now)) throw new Error('DuckDB ingests files');
      await now.ingestFile(
        orders,
        file(
          'newer.csv',
          'order_id,channel,amount,items,ordered_at,note\nO1   ,store,2,1,2026-10-01 10:00:00,\n',
        ),
      );
      expect(await now.query('SELECT order_id, amount FROM shop.raw_orders')).toEqual([
        { order_id: 'O1', amount: 2 },
      ]);
      expect(await now.query('SELECT DISTINCT order_id FROM shop.raw_orders_log')).toEqual([
        { order_id: 'O1' },
      ]);
    } finally {
      await now.close();
    }
  });

  it('keeps a sample with unique keys as a view of its log, and one whose keys repeat as a table of one row a key', async () => {
    const sample = (n: number, keys: number) =>
      (
        warehouse as unknown as { writeSampleBatch: (...a: unknown[]) => Promise<{ rowCount: number }> }
      ).writeSampleBatch(
        orders,
        `SELECT 'S' || (i % ${keys}) AS order_id, 'store' AS channel, i AS amount, 1 AS items, TIMESTAMP '2026-10-01' AS ordered_at, NULL AS note FROM range(${n}) AS t(i)`,
        'sample',
      );
    const current = async () => ({
      kind: (
        await warehouse.query(
          `SELECT table_type FROM information_schema.tables WHERE table_schema = 'shop' AND table_name = 'raw_orders'`,
        )
      )[0]?.table_type,
      counted: (
        await warehouse.query(`SELECT count(*) AS n, count(DISTINCT order_id) AS k FROM shop.raw_orders`)
      )[0],
    });
    expect(await sample(5000, 5000)).toMatchObject({ rowCount: 5000 });
    expect(await current()).toEqual({ kind: 'VIEW', counted: { n: 5000, k: 5000 } });
    // One key twice among thousands: the hashes tell there is a repeat, the keys which.
    expect(await sample(5001, 5000)).toMatchObject({ rowCount: 5001 });
    expect(await current()).toEqual({ kind: 'BASE TABLE', counted: { n: 5000, k: 5000 } });
  });

  it('rebuilds current rows that disagree with the log when it opens a file a process left unclosed', async () => {
    const path = join(dir, 'unclosed.duckdb');
    const first = await createDuckDbWarehouse({ path, create: true });
    if (!canIngestFiles(first)) throw new Error('DuckDB ingests files');
    const rows = Array.from({ length: 500 }, (_, i) => `A${i},store,${i}.50,1,2026-10-01 10:00:00,`);
    await first.ingestFile(
      orders,
      file('recover.csv', ['order_id,channel,amount,items,ordered_at,note', ...rows].join('\n')),
    );
    await first.close();
    // What the kill test once found after a killed ingest, left in a write-ahead log: every
    // current row twice, the log whole (a process killed after its commit, before a checkpoint).
    runThenKill(path, ['CHECKPOINT', 'INSERT INTO shop.raw_orders SELECT * FROM shop.raw_orders']);
    expect(existsSync(`${path}.wal`)).toBe(true);

    const reopened = await createDuckDbWarehouse(path);
    try {
      expect(
        await reopened.query(
          'SELECT count(*) AS n, count(DISTINCT order_id) AS k, sum(amount) AS total FROM shop.raw_orders',
        ),
      ).toEqual([{ n: 500, k: 500, total: 125000 }]);
      // Still the table ingest made, described as before.
      expect(
        await reopened.query(
          `SELECT comment FROM duckdb_tables() WHERE schema_name = 'shop' AND table_name = 'raw_orders'`,
        ),
      ).toEqual([{ comment: 'Orders from the till' }]);
    } finally {
      await reopened.close();
    }
  });

  it('records where the current rows of sources recorded by an older release are', async () => {
    const path = join(dir, 'older-record.duckdb');
    const older = await createDuckDbWarehouse({ path, create: true });
    await ensureSources(older, [orders]);
    // As an older release recorded it: the definition alone.
    await older.query(`UPDATE _mesh.current_rows SET table_schema = NULL, table_name = NULL`);
    await older.close();
    const now = await createDuckDbWarehouse(path);
    try {
      await ensureSources(now, [orders]);
      expect(await now.query(`SELECT source, table_schema, table_name FROM _mesh.current_rows`)).toEqual([
        { source: 'shop.orders', table_schema: 'shop', table_name: 'raw_orders' },
      ]);
    } finally {
      await now.close();
    }
  });

  it('keeps the previous sample, its batch and the settings when a new sample fails part-way', async () => {
    const write = (select: string) =>
      (
        warehouse as unknown as { writeSampleBatch: (...a: unknown[]) => Promise<{ rowCount: number }> }
      ).writeSampleBatch(orders, select, 'sample');
    const rows = (amount: string) =>
      `SELECT 'S' || i AS order_id, 'store' AS channel, ${amount} AS amount, 1 AS items, TIMESTAMP '2026-10-01' AS ordered_at, NULL AS note FROM range(3000) AS t(i)`;
    await write(rows('i'));
    const state = async () => ({
      current: await warehouse.query('SELECT count(*) AS n, sum(amount) AS total FROM shop.raw_orders'),
      batches: await warehouse.query(
        `SELECT batch_id, kind, rows FROM _mesh.batches WHERE source = 'shop.orders' ORDER BY batch_id`,
      ),
      settings: await warehouse.query(
        `SELECT current_setting('preserve_insertion_order') AS ordered, current_setting('disabled_compression_methods') AS methods`,
      ),
    });
    const before = await state();
    // The cast fails on a row in the middle of generating the log, after the transaction began.
    await expect(write(rows(`CASE WHEN i = 2500 THEN error('generator failed') ELSE i END`))).rejects.toThrow(
      /generator failed/,
    );
    expect(await state()).toEqual(before);
    // No transaction left open: the next sample commits.
    expect(await write(rows('i + 1'))).toMatchObject({ rowCount: 3000 });
    expect((await state()).current).toEqual([{ n: 3000, total: 4501500 }]);
  });

  it('writes samples of several sources at once: batch ids of their own, every row, the settings put back after the last', async () => {
    const write = (source: Source, select: string) =>
      (
        warehouse as unknown as {
          writeSampleBatch: (...a: unknown[]) => Promise<{ rowCount: number; batchId: number }>;
        }
      ).writeSampleBatch(source, select, 'sample');
    const refunds = defineSource({
      domain: shop,
      name: 'refunds',
      description: 'Refunds',
      mode: 'append',
      schema: z.object({ refund_id: z.string().describe('Refund').meta({ key: true }) }),
    });
    const settings = () =>
      warehouse.query(
        `SELECT current_setting('preserve_insertion_order') AS ordered, current_setting('disabled_compression_methods') AS methods`,
      );
    await warehouse.query(`SET disabled_compression_methods = 'rle'`);
    const before = await settings();
    const ordersRows = (n: number) =>
      `SELECT 'S' || i AS order_id, 'store' AS channel, i AS amount, 1 AS items, TIMESTAMP '2026-10-01' AS ordered_at, NULL AS note FROM range(${n}) AS t(i)`;
    const refundRows = (n: number) => `SELECT 'R' || i AS refund_id FROM range(${n}) AS t(i)`;
    const written = await Promise.all([
      write(orders, ordersRows(200_000)),
      write(refunds, refundRows(150_000)),
      // Unlike the others, this one fails: nothing of it stays, and the others are whole.
      write(
        defineSource({
          domain: shop,
          name: 'broken',
          description: 'Broken',
          mode: 'append',
          schema: z.object({ id: z.int().describe('Id').meta({ key: true }) }),
        }),
        `SELECT CASE WHEN i = 9000 THEN error('generator failed') ELSE i END AS id FROM range(10000) AS t(i)`,
      ).catch((error: Error) => error.message),
    ]);
    expect(written[0]).toMatchObject({ rowCount: 200_000 });
    expect(written[1]).toMatchObject({ rowCount: 150_000 });
    expect(written[2]).toMatch(/generator failed/);
    const ids = [(written[0] as { batchId: number }).batchId, (written[1] as { batchId: number }).batchId];
    expect(new Set(ids).size).toBe(2);
    expect(await warehouse.query(`SELECT source, batch_id, rows FROM _mesh.batches ORDER BY source`)).toEqual(
      [
        { source: 'shop.orders', batch_id: ids[0], rows: 200_000 },
        { source: 'shop.refunds', batch_id: ids[1], rows: 150_000 },
      ],
    );
    expect(await warehouse.query(`SELECT count(*) AS n FROM shop.raw_orders`)).toEqual([{ n: 200_000 }]);
    expect(await warehouse.query(`SELECT count(DISTINCT refund_id) AS n FROM shop.raw_refunds`)).toEqual([
      { n: 150_000 },
    ]);
    expect(await warehouse.query(`SELECT count(*) AS n FROM shop.raw_broken_log`)).toEqual([{ n: 0 }]);
    expect(await settings()).toEqual(before);
    // The next sample after them takes an id past theirs, as one after a restart would.
    expect((await write(refunds, refundRows(10))).batchId).toBeGreaterThan(Math.max(...ids));
    expect(await settings()).toEqual(before);
  });

  it('lets no ingest in between the check and the write of a sample: the rows it loads stay, numbered in file order', async () => {
    const write = (select: string) =>
      (warehouse as unknown as { writeSampleBatch: (...a: unknown[]) => Promise<unknown> }).writeSampleBatch(
        orders,
        select,
        'sample',
      );
    const lines = Array.from({ length: 3000 }, (_, i) => `X${i},store,${i},1,2026-10-01T00:00:00Z,`);
    // One key twice, far apart: the later line wins, whatever the order rows are read in.
    lines.push('X1,online,999,1,2026-10-02T00:00:00Z,');
    const path = file('real.csv', `order_id,channel,amount,items,ordered_at,note\n${lines.join('\n')}\n`);
    await warehouse.ensureSource(orders);
    for (let round = 0; round < 3; round++) {
      const [sampled, ingested] = await Promise.allSettled([
        write(
          `SELECT 'S' || i AS order_id, 'store' AS channel, i AS amount, 1 AS items, TIMESTAMP '2026-10-01' AS ordered_at, NULL AS note FROM range(300000) AS t(i)`,
        ),
        round === 0 ? ingest(path) : Promise.resolve(),
      ]);
      expect(ingested.status).toBe('fulfilled');
      // The ingest came first and the sample was refused, or the sample first and the ingest
      // replaced it: never a sample written over real rows.
      if (sampled.status === 'rejected') expect(String(sampled.reason)).toMatch(/holds ingested rows/);
      expect(await warehouse.query(`SELECT count(*) AS n FROM shop.raw_orders`)).toEqual([{ n: 3000 }]);
      expect(
        await warehouse.query(`SELECT channel, amount FROM shop.raw_orders WHERE order_id = 'X1'`),
      ).toEqual([{ channel: 'online', amount: 999 }]);
      expect(
        await warehouse.query(
          `SELECT kind, rows FROM _mesh.batches WHERE reverted_at IS NULL AND source = 'shop.orders'`,
        ),
      ).toEqual([{ kind: 'ingest', rows: 3001 }]);
    }
  });

  it('unpads an older sample in its log, leaving its current rows a view of it', async () => {
    const path = join(dir, 'older-sample.duckdb');
    const older = await createDuckDbWarehouse({ path, create: true });
    await (older as unknown as { writeSampleBatch: (...a: unknown[]) => Promise<unknown> }).writeSampleBatch(
      orders,
      `SELECT 'S1   ' AS order_id, 'store' AS channel, 1 AS amount, 1 AS items, TIMESTAMP '2026-10-01' AS ordered_at, '   ' AS note`,
      'sample',
    );
    await older.query(
      `UPDATE _mesh.current_rows SET definition = replace(definition, chr(10) || '-- log: unpadded', '')`,
    );
    await older.close();

    const now = await createDuckDbWarehouse({ path });
    try {
      await now.ensureSource(orders);
      expect(await now.query(`SELECT order_id, note FROM shop.raw_orders`)).toEqual([
        { order_id: 'S1', note: null },
      ]);
      expect(
        await now.query(
          `SELECT table_type FROM information_schema.tables WHERE table_schema = 'shop' AND table_name = 'raw_orders'`,
        ),
      ).toEqual([{ table_type: 'VIEW' }]);
    } finally {
      await now.close();
    }
  });

  it('rejects a fraction in an integer column instead of rounding it', async () => {
    const path = file(
      'fractions.csv',
      'order_id,channel,amount,items,ordered_at,note\nF1,store,1,2.5,2026-10-01 00:00:00,\nF2,store,1,3.0,2026-10-01 00:00:00,\n',
    );
    const result = await ingest(path);
    expect(result).toMatchObject({
      loaded: 1,
      rejected: 1,
      sampleRejects: [{ line: 2, reason: 'items: "2.5" is not a valid integer' }],
    });
    expect(await warehouse.query('SELECT order_id, items FROM shop.raw_orders')).toEqual([
      { order_id: 'F2', items: 3 },
    ]);
  });

  it('rejects what only DuckDB would read as a number: hexadecimal, digit separators, infinity', async () => {
    const path = file(
      'lenient.csv',
      'order_id,channel,amount,items,ordered_at,note\nH1,store,1,0x10,2026-10-01 00:00:00,\nH2,store,1_000,1,2026-10-01 00:00:00,\nH3,store,inf,1,2026-10-01 00:00:00,\nH4,store, 2.5 ,1e1,2026-10-01 00:00:00,\n',
    );
    const result = await ingest(path);
    expect(result.sampleRejects).toEqual([
      { line: 2, reason: 'items: "0x10" is not a valid integer' },
      { line: 3, reason: 'amount: "1_000" is not a valid decimal' },
      { line: 4, reason: 'amount: "inf" is not a valid decimal' },
    ]);
    expect(await warehouse.query('SELECT order_id, amount, items FROM shop.raw_orders')).toEqual([
      { order_id: 'H4', amount: 2.5, items: 10 },
    ]);
  });

  it('adds nothing when the same file is ingested again', async () => {
    const path = file(
      'same.csv',
      'order_id,channel,amount,items,ordered_at,note\nB1,store,1,1,2026-10-01 00:00:00,\n',
    );
    expect((await ingest(path)).status).toBe('loaded');
    expect((await ingest(path)).status).toBe('already-ingested');
    expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_orders')).toEqual([{ n: 1 }]);
  });

  it('loads nothing when rejects exceed --max-rejects, and says why', async () => {
    const path = file(
      'mostly-bad.csv',
      'order_id,channel,amount,items,ordered_at,note\nC1,store,1,1,2026-10-01 00:00:00,\nC2,x,1,1,2026-10-01 00:00:00,\nC3,y,1,1,2026-10-01 00:00:00,\n',
    );
    const error = await ingest(path, { maxRejects: 1 }).catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('too-many-rejects');
    expect(isMeshError(error) && error.subject).toMatchObject({ file: path, line: 3, source: 'orders' });
    expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_orders')).toEqual([{ n: 0 }]);
    expect(await warehouse.query('SELECT count(*) AS n FROM _mesh.batches')).toEqual([{ n: 0 }]);
    // Not recorded as ingested: a fixed limit lets the same file in.
    expect((await ingest(path, { maxRejects: 2 })).loaded).toBe(1);
  });

  it('refuses a file whose every row is invalid, an empty snapshot and a header that repeats a column', async () => {
    const stores = defineSource({
      domain: shop,
      name: 'stores',
      description: 'Every store, exported whole',
      mode: 'snapshot',
      schema: z.object({ store_id: z.string().describe('Store').meta({ key: true }) }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const counts = async () =>
      (await warehouse.query('SELECT count(*) AS n FROM _mesh.batches')).concat(
        await warehouse.query('SELECT count(*) AS n FROM shop.raw_orders_log'),
      );
    await ingest(
      file('first.csv', 'order_id,channel,amount,items,ordered_at,note\nK1,store,1,1,2026-10-01 00:00:00,\n'),
    );
    const before = await counts();

    const allBad = file(
      'all-bad.csv',
      'order_id,channel,amount,items,ordered_at,note\nK2,phone,1,1,2026-10-01 00:00:00,\nK3,fax,1,1,2026-10-01 00:00:00,\n',
    );
    const refused = await ingest(allBad).catch((e: unknown) => e);
    expect(isMeshError(refused) && refused.code).toBe('all-rows-rejected');
    expect(isMeshError(refused) && refused.message).toContain('all 2 rows are invalid for shop.orders');
    expect(isMeshError(refused) && refused.message).toContain('line 2: channel');

    const empty = await warehouse
      .ingestFile(stores, file('stores.csv', 'store_id\n'))
      .catch((e: unknown) => e);
    expect(isMeshError(empty) && empty.code).toBe('empty-snapshot');

    const twice = await ingest(
      file(
        'twice.csv',
        'order_id,channel,amount,items,ordered_at,note,Amount\nK4,store,1,1,2026-10-01 00:00:00,,2\n',
      ),
    ).catch((e: unknown) => e);
    expect(isMeshError(twice) && twice.code).toBe('ingest-mapping');
    expect(isMeshError(twice) && twice.message).toContain(
      'column Amount appears more than once in the header',
    );
    expect(isMeshError(twice) && twice.message).toContain('--map amount=Amount_2');
    expect(await counts()).toEqual(before);
    // Saying which copy is meant loads it.
    const mapped = await ingest(
      file(
        'twice-mapped.csv',
        'order_id,channel,Amount,items,ordered_at,note,amount\nK5,store,1,1,2026-10-01 00:00:00,,2\n',
      ),
      {
        mapping: { rename: { amount: 'amount_2' } },
      },
    );
    expect(mapped.loaded).toBe(1);
    // The copy that keeps the repeated name is not taken on its name (a saved mapping may name
    // it for files without copies); the message offers what loads.
    const first = await ingest(
      file(
        'twice-first.csv',
        'order_id,channel,Amount,items,ordered_at,note,amount\nK6,store,7,1,2026-10-01 00:00:00,,2\n',
      ),
      { mapping: { rename: { amount: 'Amount' } } },
    ).catch((e: unknown) => e);
    expect(isMeshError(first) && first.message).toContain(
      'column amount appears more than once in the header (Amount, amount_2), so which one is amount is unknown: rename the copies in the file, or map amount to a later copy with --map amount=amount_2',
    );
  });

  it('leaves no trace of an unreadable file or one that does not fit', async () => {
    const binary = join(dir, 'garbage.parquet');
    writeFileSync(binary, Buffer.from([0, 1, 2, 3, 4, 5]));
    expect(await ingest(binary).catch((e: unknown) => isMeshError(e) && e.code)).toBe('ingest-unreadable');
    const missing = file('missing-column.csv', 'id,channel\nD1,store\n');
    const error = await ingest(missing).catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('ingest-mapping');
    expect(isMeshError(error) && error.message).toContain(
      'column order_id (required) is not in the file: map it with --map order_id=<file column>',
    );
    expect(isMeshError(error) && error.message).toContain('The file has columns id, channel');
    expect(await ingest(join(dir, 'nope.csv')).catch((e: unknown) => isMeshError(e) && e.code)).toBe(
      'ingest-unreadable',
    );
    expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_orders')).toEqual([{ n: 0 }]);
  });

  it('reads Parquet, numbering rows from 1', async () => {
    const path = join(dir, 'orders.parquet');
    await warehouse.query(
      `COPY (SELECT 'P1' AS order_id, 'online' AS channel, 5.5 AS amount, 2 AS items, TIMESTAMP '2026-10-03 09:00:00' AS ordered_at
             UNION ALL SELECT 'P2', 'mail', 1, 1, TIMESTAMP '2026-10-03 09:00:00') TO '${path}' (FORMAT parquet)`,
    );
    const result = await ingest(path);
    expect(result).toMatchObject({
      rows: 2,
      loaded: 1,
      rejected: 1,
      sampleRejects: [{ line: 2, reason: 'channel: "mail" is not one of store, online' }],
    });
    expect(await warehouse.query('SELECT order_id, amount, note FROM shop.raw_orders')).toEqual([
      { order_id: 'P1', amount: 5.5, note: null },
    ]);
  });

  it('keeps the reason of a file no reader can load', async () => {
    const latin1 = file('latin1.csv', '');
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from('order_id,note\nL1,caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    const error = await ingest(latin1).catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('ingest-unreadable');
    // The first byte that is not UTF-8, where an editor finds it: é in Latin-1 on line 2.
    expect(isMeshError(error) && error.message).toBe(
      `${latin1} is not UTF-8 encoded (line 2, byte 7 of that line): re-export it as UTF-8`,
    );
    const empty = await ingest(file('empty.csv', '')).catch((e: unknown) => e);
    expect(isMeshError(empty) && empty.message).toMatch(/is empty/);
    expect(await warehouse.listBatches()).toEqual([]);
  });

  it('counts physical lines past quoted multi-line fields and blank lines', async () => {
    const path = file(
      'multiline.csv',
      'order_id,channel,amount,items,ordered_at,note\r\nM1,store,1,1,2026-10-01 00:00:00,"first\r\nsecond"\r\n\r\nM2,nowhere,1,1,2026-10-01 00:00:00,\r\nM3,store,1,1,2026-10-01 00:00:00,ok\r\n',
    );
    const result = await ingest(path);
    expect(result).toMatchObject({ rows: 3, loaded: 2, sampleRejects: [{ line: 5 }] });
    expect(
      await warehouse.query('SELECT order_id, note, _line FROM shop.raw_orders_log ORDER BY _line'),
    ).toEqual([
      { order_id: 'M1', note: 'first\r\nsecond', _line: 2 },
      { order_id: 'M3', note: 'ok', _line: 6 },
    ]);
  });

  it('reads exports appended to each other with LF and CRLF line endings', async () => {
    const path = file(
      'mixed.csv',
      'order_id,channel,amount,items,ordered_at,note\r\nX1,store,1,1,2026-10-01 00:00:00,a\r\nX2,store,1,1,2026-10-01 00:00:00,b\nX3,web,1,1,2026-10-01 00:00:00,c\n',
    );
    const result = await ingest(path);
    expect(result).toMatchObject({ rows: 3, loaded: 2, sampleRejects: [{ line: 4 }] });
    expect(await warehouse.query('SELECT order_id, note FROM shop.raw_orders ORDER BY 1')).toEqual([
      { order_id: 'X1', note: 'a' },
      { order_id: 'X2', note: 'b' },
    ]);
  });

  it('adopts a raw table written before sources kept a log, as its first batch', async () => {
    await warehouse.query('CREATE SCHEMA shop');
    await warehouse.query(
      `CREATE TABLE shop.raw_orders AS SELECT 'Z1' AS order_id, 'store' AS channel, CAST(1 AS DECIMAL(38,9)) AS amount,
        CAST(1 AS BIGINT) AS items, TIMESTAMP '2026-10-01 00:00:00' AS ordered_at, CAST(NULL AS VARCHAR) AS note`,
    );
    // A later version of the same order, appended after it, as the old ingest appended rows.
    await warehouse.query(
      `INSERT INTO shop.raw_orders SELECT 'Z1', 'online', 1, 1, TIMESTAMP '2026-10-01 00:00:00', 'later'`,
    );
    await warehouse.ensureSource(orders);
    // The row that arrived last wins, whatever its values (not the one that sorts first).
    expect(await warehouse.query('SELECT order_id, channel, note FROM shop.raw_orders')).toEqual([
      { order_id: 'Z1', channel: 'online', note: 'later' },
    ]);
    expect(await warehouse.listBatches()).toMatchObject([
      { source: 'shop.orders', kind: 'sample', loaded: 2, file: 'rows loaded before batches were recorded' },
    ]);
  });

  it('lists the files a glob names', async () => {
    file('batch-1.csv', 'x\n1\n');
    file('batch-2.csv', 'x\n2\n');
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    expect(await warehouse.listFiles(join(dir, 'batch-*.csv'))).toEqual([
      join(dir, 'batch-1.csv'),
      join(dir, 'batch-2.csv'),
    ]);
  });

  it('decodes Parquet text stored as plain binary as UTF-8, and rejects bytes that are not UTF-8', async () => {
    const path = join(dir, 'binary.parquet');
    // As Hive, Impala and older parquet-mr write text: BINARY without the UTF-8 annotation.
    await warehouse.query(
      `COPY (SELECT encode('B1') AS order_id, encode('store') AS channel, 1 AS amount, 1 AS items, TIMESTAMP '2026-10-03 09:00:00' AS ordered_at, encode('København, O''Brien') AS note
             UNION ALL SELECT encode('B2'), encode('store'), 1, 1, TIMESTAMP '2026-10-03 09:00:00', '\\xFF\\xFEx'::BLOB) TO '${path}' (FORMAT parquet)`,
    );
    const result = await ingest(path);
    expect(result).toMatchObject({
      rows: 2,
      loaded: 1,
      sampleRejects: [{ line: 2, reason: 'note: is not UTF-8 text' }],
    });
    expect(await warehouse.query('SELECT order_id, channel, note FROM shop.raw_orders')).toEqual([
      { order_id: 'B1', channel: 'store', note: "København, O'Brien" },
    ]);
  });

  it('refuses zone abbreviations and offsets beyond 14 hours, and keeps offsets and IANA names', async () => {
    const times = [
      ['T1', '2026-07-02T10:00:00 BST', 'ends in a zone abbreviation'],
      ['T2', '2026-07-02T10:00:00 IST', 'ends in a zone abbreviation'],
      ['T3', '2026-07-02 10:00:00 PST', 'ends in a zone abbreviation'],
      ['T4', '2026-07-02T10:00:00+25:00', 'has an offset beyond ±14:00'],
      ['T5', '2026-07-02T10:00:00-1430', 'has an offset beyond ±14:00'],
      ['T6', '2026-07-02T10:00:00 Europe/London', '2026-07-02T09:00:00.000Z'],
      ['T7', '2026-07-02T10:00:00+14:00', '2026-07-01T20:00:00.000Z'],
      ['T8', '2026-07-02T10:00:00-0330', '2026-07-02T13:30:00.000Z'],
      ['T9', '2026-07-02T10:00:00Z', '2026-07-02T10:00:00.000Z'],
      ['T10', '2026-07-02T10:00:00 UTC', '2026-07-02T10:00:00.000Z'],
      ['T11', '2026-07-02T10:00:00+01', '2026-07-02T09:00:00.000Z'],
    ];
    const path = file(
      'abbreviations.csv',
      [
        'order_id,channel,amount,items,ordered_at,note',
        ...times.map(([id, at]) => `${id},store,1,1,${at},`),
      ].join('\n'),
    );
    await ingest(path);
    const rejects = await warehouse.query('SELECT line, reason FROM shop.raw_orders_rejects ORDER BY line');
    const loaded = await warehouse.query('SELECT order_id, ordered_at FROM shop.raw_orders');
    for (const [i, [id, at, expected]] of times.entries()) {
      if (expected!.endsWith('Z'))
        expect(loaded.find((r) => r.order_id === id)?.ordered_at, at).toEqual(new Date(expected!));
      else
        expect(rejects.find((r) => r.line === i + 2)?.reason, at).toBe(
          `ordered_at: ${JSON.stringify(at)} ${expected}${expected!.includes('abbreviation') ? ', which names several zones: write an offset (+01:00) or an IANA zone name such as Europe/London' : ', which no zone has'}`,
        );
    }
    expect(rejects).toHaveLength(5);
  });

  it("rejects a snapshot's later copy of a key with other values, and loads an identical copy once", async () => {
    const sites = defineSource({
      domain: shop,
      name: 'sites',
      description: 'Every site, exported whole',
      mode: 'snapshot',
      schema: z.object({
        site_id: z.string().describe('Site').meta({ key: true }),
        size: z.int().describe('Square metres'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const path = file('sites.csv', 'site_id,size\nS1,10\nS2,20\nS1,30\nS2,20\n');
    // A snapshot with a reject is refused unless rejects are allowed: loaded without its
    // rejected rows, it would remove their keys from the table.
    await expect(warehouse.ingestFile(sites, path)).rejects.toMatchObject({
      code: 'snapshot-rejects',
      subject: { source: 'sites', line: 4 },
      message: expect.stringContaining(
        "1 of 4 rows are invalid; shop.sites is a snapshot, which replaces the whole table, so loading the others would remove those rows' keys from it. Nothing was loaded: fix them, or pass --max-rejects 1",
      ),
    });
    expect(await warehouse.ingestFile(sites, path, { maxRejects: 1 })).toMatchObject({
      loaded: 3,
      rejected: 1,
      sampleRejects: [
        {
          line: 4,
          reason:
            'site_id S1: the key of line 2 with other values; a snapshot holds each key once, so which copy is current cannot be told: export each key once',
        },
      ],
    });
    expect(await warehouse.query('SELECT site_id, size FROM shop.raw_sites ORDER BY 1')).toEqual([
      { site_id: 'S1', size: 10 },
      { site_id: 'S2', size: 20 },
    ]);
    // With a cursor to rank them, the copies are no conflict: the latest is current.
    const counted = defineSource({
      domain: shop,
      name: 'counted',
      description: 'Stock counts, exported whole',
      mode: 'snapshot',
      cursor: 'counted_at',
      schema: z.object({
        sku: z.string().describe('SKU').meta({ key: true }),
        stock: z.int().describe('Units'),
        counted_at: z.date().describe('When'),
      }),
    });
    const counts = file(
      'counted.csv',
      'sku,stock,counted_at\nK1,5,2026-10-01 08:00:00\nK1,3,2026-10-01 12:00:00\n',
    );
    expect(await warehouse.ingestFile(counted, counts)).toMatchObject({ loaded: 2, rejected: 0 });
    expect(await warehouse.query('SELECT sku, stock FROM shop.raw_counted')).toEqual([
      { sku: 'K1', stock: 3 },
    ]);
  });

  it('refuses a date without its time in the cursor of revisions, and reads one as midnight elsewhere', async () => {
    // A spreadsheet keeps the date of a cell formatted as one: read as midnight, the newer price
    // would rank below the revision saved that evening and silently not become current.
    const prices = defineSource({
      domain: shop,
      name: 'prices',
      description: 'Prices, one row per revision',
      mode: 'upsert',
      cursor: 'updated_at',
      schema: z.object({
        sku: z.string().describe('SKU').meta({ key: true }),
        price: z.number().meta({ type: 'decimal' }).describe('Price'),
        listed_at: z.date().describe('When first listed'),
        updated_at: z.date().describe('When saved'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const first = file(
      'prices-1.csv',
      'sku,price,listed_at,updated_at\nK1,366.59,2026-01-05,2026-10-14 18:26:45\n',
    );
    expect(await warehouse.ingestFile(prices, first)).toMatchObject({ loaded: 1, rejected: 0 });
    const again = file(
      'prices-2.csv',
      'sku,price,listed_at,updated_at\nK1,399.00,2026-01-05,2026-10-14\nK2,5.00,2026-02-01,2026-10-15 09:00:00\n',
    );
    expect(await warehouse.ingestFile(prices, again)).toMatchObject({
      loaded: 1,
      sampleRejects: [{ line: 2, reason: `updated_at: "2026-10-14"${INGEST_DATE_ONLY_CURSOR[1]}` }],
    });
    expect(
      await warehouse.query(
        'SELECT sku, CAST(price AS VARCHAR) AS price, CAST(listed_at AS VARCHAR) AS listed FROM shop.raw_prices ORDER BY sku',
      ),
    ).toEqual([
      { sku: 'K1', price: '366.590000000', listed: '2026-01-05 00:00:00' },
      { sku: 'K2', price: '5.000000000', listed: '2026-02-01 00:00:00' },
    ]);
    // A revision "saved" in the future would stay current over every later one: refused, with a
    // day's grace for clocks set apart; a future time in another column (listed) is data.
    const soon = new Date(Date.now() + 12 * 3_600_000).toISOString();
    const future = file(
      'prices-3.csv',
      `sku,price,listed_at,updated_at\nK1,1.00,2026-01-05,9999-12-31 00:00:00\nK2,6.00,2099-01-01,${soon}\nK3,7.00,2026-01-05,2099-01-01T00:00:00Z\n`,
    );
    expect(await warehouse.ingestFile(prices, future)).toMatchObject({
      loaded: 1,
      sampleRejects: [
        { line: 2, reason: `updated_at: "9999-12-31 00:00:00"${INGEST_FUTURE_CURSOR}` },
        { line: 4, reason: `updated_at: "2099-01-01T00:00:00Z"${INGEST_FUTURE_CURSOR}` },
      ],
    });
    // A column of when something happened is held to the clock too; a planned time is not.
    const visits = defineSource({
      domain: shop,
      name: 'visits',
      description: 'Visits, as a device recorded them',
      mode: 'append',
      schema: z.object({
        visit_id: z.string().describe('Visit').meta({ key: true }),
        started_at: z.date().describe('When the visit started').meta({ happened: true }),
        follow_up_at: z.date().nullable().describe('When to call back'),
      }),
    });
    const clocks = file(
      'visits.csv',
      `visit_id,started_at,follow_up_at\nV1,2036-12-02 10:00:00,\nV2,${soon},2036-01-01 00:00:00\n`,
    );
    expect(await warehouse.ingestFile(visits, clocks)).toMatchObject({
      loaded: 1,
      sampleRejects: [{ line: 2, reason: `started_at: "2036-12-02 10:00:00"${INGEST_FUTURE_EVENT}` }],
    });
  });

  it("rejects a text value in Excel's guard, and keeps leading zeros", async () => {
    const path = file(
      'guarded.csv',
      [
        'order_id,channel,amount,items,ordered_at,note',
        '"=""00123""",store,1,1,2026-02-01 10:00:00,',
        '00124,store,1,1,2026-02-01 10:00:00,',
      ].join('\n'),
    );
    expect(await ingest(path)).toMatchObject({
      loaded: 1,
      rejected: 1,
      sampleRejects: [
        {
          line: 2,
          reason: `order_id: "=\\"00123\\"" is wrapped in Excel's ="…" guard (written to keep leading zeros): export the value itself`,
        },
      ],
    });
    expect(await warehouse.query(`SELECT order_id FROM shop.raw_orders WHERE order_id = '00124'`)).toEqual([
      { order_id: '00124' },
    ]);
  });

  it('reads a timestamp at midnight as its date in a date column (as pandas writes dates)', async () => {
    const openings = defineSource({
      domain: shop,
      name: 'openings',
      description: 'Store openings',
      mode: 'upsert',
      schema: z.object({
        store_id: z.string().describe('Store').meta({ key: true }),
        opened_on: z.iso.date().describe('Opening day'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const path = file(
      'openings.csv',
      'store_id,opened_on\nS1,2025-01-02T00:00:00\nS2,2025-01-03 00:00:00.000\nS3,2025-01-04 10:00:00\nS4,2025-01-05 00:00:00+00:00\nS5,2025-01-06T00:00:00.000+0000\nS6,2025-01-07T00:00:00+01:00\n',
    );
    // Midnight in UTC, however written (pandas writes +00:00 for a zone-aware value), is its
    // date; midnight at another offset is another day in UTC, and no date.
    expect(await warehouse.ingestFile(openings, path)).toMatchObject({
      loaded: 4,
      rejected: 2,
      sampleRejects: [
        { line: 4, reason: `opened_on: "2025-01-04 10:00:00"${TIME_IN_DATE}` },
        { line: 7, reason: `opened_on: "2025-01-07T00:00:00+01:00"${TIME_IN_DATE}` },
      ],
    });
    expect(
      await warehouse.query(
        'SELECT store_id, CAST(opened_on AS VARCHAR) AS d FROM shop.raw_openings ORDER BY 1',
      ),
    ).toEqual([
      { store_id: 'S1', d: '2025-01-02' },
      { store_id: 'S2', d: '2025-01-03' },
      { store_id: 'S4', d: '2025-01-05' },
      { store_id: 'S5', d: '2025-01-06' },
    ]);
  });

  it('holds a receipt re-exported with its time to the second as the event it holds, not a correction', async () => {
    const tills = defineSource({
      domain: shop,
      name: 'till_receipts',
      description: 'Receipts',
      mode: 'append',
      schema: z.object({
        receipt_id: z.string().describe('Receipt').meta({ key: true }),
        sold_at: z.date().describe('Closed at'),
        amount: z.number().meta({ type: 'decimal' }).describe('Paid'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    await warehouse.ingestFile(
      tills,
      file(
        'tills-1.csv',
        'receipt_id,sold_at,amount\nR1,2026-12-01T10:00:00.437Z,10.00\nR2,2026-12-01T11:00:00.120Z,5.00\n',
      ),
    );
    // The nightly export writes whole seconds, at the store's offset: the same two receipts.
    const again = await warehouse.ingestFile(
      tills,
      file(
        'tills-2.csv',
        'receipt_id,sold_at,amount\nR1,2026-12-01 11:00:00+01:00,10.00\nR2,2026-12-01 12:00:00+01:00,5.00\n',
      ),
    );
    expect(again).toMatchObject({ loaded: 2, heldEvents: 2, repeatedEvents: 0, flag: NOTHING_NEW_FLAG });
    // Another amount is no format: said, as before.
    const corrected = await warehouse.ingestFile(
      tills,
      file('tills-3.csv', 'receipt_id,sold_at,amount\nR1,2026-12-01 11:00:00+01:00,12.00\n'),
    );
    expect(corrected).toMatchObject({ repeatedEvents: 1 });
    expect(corrected.flag).toContain(conflictingEventsFlag(1));
  });

  it('says why days written otherwise are refused: day or month first, a Unix time, a day number', async () => {
    const counts = defineSource({
      domain: shop,
      name: 'counts',
      description: 'Stock counts',
      mode: 'upsert',
      schema: z.object({
        count_id: z.string().describe('Count').meta({ key: true }),
        counted_on: z.iso.date().describe('Day of the count').nullable(),
        counted_at: z.date().describe('Time of the count').nullable(),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const path = file(
      'counts.csv',
      [
        'count_id,counted_on,counted_at',
        // 1 December in the US, 12 January elsewhere: no reader can tell.
        'C1,12/01/2026,',
        'C2,01.12.2026,',
        'C3,,12/01/2026 08:00',
        'C4,,26-12-01 08:00',
        // Seconds and milliseconds since 1970, as a POS or JavaScript writes them.
        'C5,,1764576000',
        'C6,,1764576000000',
        // A spreadsheet's day number of a cell not formatted as a date.
        'C7,46357,',
        'C8,2026/12/01,',
        'C9,20261201,',
        // 1 December in Berlin, as JavaScript's toISOString writes a local midnight.
        'C10,2026-11-30T23:00:00Z,',
        'C11,2026-12-01,2026-12-01T08:00:00+01:00',
      ].join('\n'),
    );
    const result = await warehouse.ingestFile(counts, path);
    expect(result).toMatchObject({ loaded: 1, rejected: 10 });
    const first =
      ' writes its day or month first, or its year in two digits (12/01/2026: 1 December or 12 January?): write the date year first, in four digits (2026-12-01)';
    const unix =
      ' is a number of seconds or milliseconds since 1970 (a Unix time), not a date or time written out: export it as text (2026-12-01T08:00:00Z)';
    expect(await warehouse.query('SELECT line, reason FROM shop.raw_counts_rejects ORDER BY line')).toEqual([
      { line: 2, reason: `counted_on: "12/01/2026"${first}` },
      { line: 3, reason: `counted_on: "01.12.2026"${first}` },
      { line: 4, reason: `counted_at: "12/01/2026 08:00"${first}` },
      { line: 5, reason: `counted_at: "26-12-01 08:00"${first}` },
      { line: 6, reason: `counted_at: "1764576000"${unix}` },
      { line: 7, reason: `counted_at: "1764576000000"${unix}` },
      {
        line: 8,
        reason: `counted_on: "46357" is a spreadsheet's day number (days since 1899-12-30), not a date written out: format the column as a date (yyyy-mm-dd) before saving`,
      },
      {
        line: 9,
        reason:
          'counted_on: "2026/12/01" separates the parts of its date by slashes or dots: write them with hyphens (2026-12-01)',
      },
      {
        line: 10,
        reason:
          'counted_on: "20261201" is a date without separators (20261201): write it with hyphens (2026-12-01)',
      },
      { line: 11, reason: `counted_on: "2026-11-30T23:00:00Z"${TIME_IN_DATE}` },
    ]);
  });

  it('refuses a local time in a zone named that its clocks skip or show twice, and reads the others in that zone', async () => {
    // Europe/London skips 01:00-02:00 on 29 March 2026 and shows 01:00-02:00 twice on 25
    // October; Lord Howe Island moves its clocks by half an hour (02:00 to 02:30 on 4 October).
    const path = ordersAt('zoned.csv', [
      ['Z1', '2026-03-29 01:30:00 Europe/London'],
      ['Z2', '2026-10-25 01:30:00 Europe/London'],
      ['Z3', '2026-10-25 02:30:00 Europe/London'],
      ['Z4', '2026-03-29T02:30:00 Europe/London'],
      ['Z5', '2026-06-01 10:00:00 Australia/Lord_Howe'],
      ['Z6', '2026-10-04 02:15:00 Australia/Lord_Howe'],
      ['Z7', '2026-10-25 01:30:00+01:00'],
    ]);
    const { skipped, repeated } = INGEST_ZONED_TIME;
    expect(await ingest(path)).toMatchObject({
      loaded: 4,
      sampleRejects: [
        { line: 2, reason: `ordered_at: "2026-03-29 01:30:00 Europe/London"${skipped}` },
        { line: 3, reason: `ordered_at: "2026-10-25 01:30:00 Europe/London"${repeated}` },
        { line: 7, reason: `ordered_at: "2026-10-04 02:15:00 Australia/Lord_Howe"${skipped}` },
      ],
    });
    expect(await orderTimes()).toEqual([
      { order_id: 'Z3', at: '2026-10-25 02:30:00' },
      { order_id: 'Z4', at: '2026-03-29 01:30:00' },
      { order_id: 'Z5', at: '2026-05-31 23:30:00' },
      // An offset says which of the two: the first, in summer time.
      { order_id: 'Z7', at: '2026-10-25 00:30:00' },
    ]);
  });

  it("holds another source's id (a column named *_id) to what a key is held to: no invisible character, no pandas float", async () => {
    const receipts = defineSource({
      domain: shop,
      name: 'receipts',
      description: 'Receipts of the tills',
      mode: 'append',
      schema: z.object({
        receipt_id: z.string().describe('Receipt').meta({ key: true }),
        store_id: z.string().describe('Store of the till'),
        note: z.string().nullable().describe('Free text'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const path = file(
      'receipts.csv',
      [
        'receipt_id,store_id,note',
        'R1,0012,',
        'R2,0012\u200b,',
        'R3,0013.0,',
        'R4,0013,0013.0 \u200b',
        '',
      ].join('\n'),
    );
    const [, invisible] = INGEST_INVISIBLE_IN_KEY;
    const [, floated] = INGEST_FLOAT_WRITTEN_ID;
    expect(await warehouse.ingestFile(receipts, path)).toMatchObject({
      loaded: 2,
      rejected: 2,
      sampleRejects: [
        { line: 3, reason: `store_id: "0012\u200b"${invisible}` },
        { line: 4, reason: `store_id: "0013.0"${floated}` },
      ],
    });
    // Free text keeps what it was written with.
    expect(
      await warehouse.query('SELECT receipt_id, store_id, note FROM shop.raw_receipts ORDER BY 1'),
    ).toEqual([
      { receipt_id: 'R1', store_id: '0012', note: null },
      { receipt_id: 'R4', store_id: '0013', note: '0013.0 \u200b' },
    ]);
  });

  it('refuses a key holding an invisible character, unpads no-break spaces, and keeps one in free text', async () => {
    // Copied from a web page or a spreadsheet: O1 with a zero-width space is another key that
    // matches nothing, and every row joined on it would vanish from the figures.
    const path = file(
      'invisible.csv',
      [
        'order_id,channel,amount,items,ordered_at,note',
        'I1\u200b,store,1,1,2026-02-01 10:00:00,',
        'I\u00a02,store,1,1,2026-02-01 10:00:00,',
        '\u2060I3,store,1,1,2026-02-01 10:00:00,',
        'I4,store,1,1,2026-02-01 10:00:00,family \u{1F468}\u200d\u{1F469}\u200d\u{1F467}',
        'Ä5,store,1,1,2026-02-01 10:00:00,',
        // Padding of no-break spaces (as exports pad numbers in French formats) is padding.
        'I6\u00a0,store,1,1,2026-02-01 10:00:00,\u202fkept inside\u00a0',
        '"I\t7",store,1,1,2026-02-01 10:00:00,',
        'I\u202f8,store,1,1,2026-02-01 10:00:00,',
        // A direction mark, a line separator, a control code and a line break quoted in a key.
        '\u200eI9,store,1,1,2026-02-01 10:00:00,',
        'I10\u2028,store,1,1,2026-02-01 10:00:00,',
        'I\u000111,store,1,1,2026-02-01 10:00:00,',
        '"I1\n2",store,1,1,2026-02-01 10:00:00,',
        // pandas' id of a column that held a missing value; a decimal key that is no whole number stays.
        '1001.0,store,1,1,2026-02-01 10:00:00,',
        '1001.5,store,1,1,2026-02-01 10:00:00,',
        '',
      ].join('\n'),
    );
    const [, says] = INGEST_INVISIBLE_IN_KEY;
    expect(await ingest(path)).toMatchObject({
      loaded: 4,
      rejected: 10,
      sampleRejects: [
        { line: 2, reason: `order_id: "I1\u200b"${says}` },
        { line: 3, reason: `order_id: "I\u00a02"${says}` },
        { line: 4, reason: `order_id: "\u2060I3"${says}` },
        { line: 8, reason: `order_id: "I\\t7"${says}` },
        { line: 9, reason: `order_id: "I\u202f8"${says}` },
      ],
    });
    expect(
      await warehouse.query(
        'SELECT line, reason FROM shop.raw_orders_rejects WHERE line >= 10 ORDER BY line',
      ),
    ).toEqual([
      { line: 10, reason: `order_id: "\u200eI9"${says}` },
      { line: 11, reason: `order_id: "I10\u2028"${says}` },
      { line: 12, reason: `order_id: "I\\u000111"${says}` },
      { line: 13, reason: `order_id: "I1\\n2"${says}` },
      // Line 15: the line break quoted above makes line 13 two.
      { line: 15, reason: `order_id: "1001.0"${INGEST_FLOAT_WRITTEN_ID[1]}` },
    ]);
    expect(await warehouse.query('SELECT order_id, note FROM shop.raw_orders ORDER BY order_id')).toEqual([
      { order_id: '1001.5', note: null },
      { order_id: 'I4', note: 'family \u{1F468}\u200d\u{1F469}\u200d\u{1F467}' },
      { order_id: 'I6', note: 'kept inside' },
      { order_id: 'Ä5', note: null },
    ]);
  });

  it("refuses a spreadsheet's error cell and a number it showed in scientific notation in text columns", async () => {
    // Excel writes an id of a dozen digits as 1.23457E+11: three orders become one. #N/A is a
    // formula that failed, no customer or note.
    const path = file(
      'sheet.csv',
      [
        'order_id,channel,amount,items,ordered_at,note',
        '1.23457E+11,store,1,1,2026-02-01 10:00:00,',
        'S2,store,1,1,2026-02-01 10:00:00,#N/A',
        'S3,store,1,1,2026-02-01 10:00:00,#REF!',
        '1.23457E+011,store,1,1,2026-02-01 10:00:00,',
        'S5,store,1,1,2026-02-01 10:00:00,#hashtag and 1.5E+3 inside text',
        '1E+11,store,1,1,2026-02-01 10:00:00,',
        // R's write.csv, pandas' float ids; a code with an E in it is no notation.
        '1e+05,store,1,1,2026-02-01 10:00:00,',
        '1.2345678901234568e+17,store,1,1,2026-02-01 10:00:00,',
        '1.001E3,store,1,1,2026-02-01 10:00:00,',
        '3E10,store,1,1,2026-02-01 10:00:00,',
        '',
      ].join('\n'),
    );
    const [, notation] = INGEST_SCIENTIFIC_TEXT;
    expect(await ingest(path)).toMatchObject({
      loaded: 2,
      rejected: 8,
      sampleRejects: [
        { line: 2, reason: `order_id: "1.23457E+11"${notation}` },
        { line: 3, reason: `note: "#N/A"${INGEST_SPREADSHEET_ERROR}` },
        { line: 4, reason: `note: "#REF!"${INGEST_SPREADSHEET_ERROR}` },
        { line: 5, reason: `order_id: "1.23457E+011"${notation}` },
        { line: 7, reason: `order_id: "1E+11"${notation}` },
      ],
    });
    expect(
      (
        await warehouse.query(
          `SELECT reason FROM shop.raw_orders_rejects WHERE file LIKE '%sheet.csv' AND line >= 8 ORDER BY line`,
        )
      ).map((r) => r.reason),
    ).toEqual([
      `order_id: "1e+05"${notation}`,
      `order_id: "1.2345678901234568e+17"${notation}`,
      `order_id: "1.001E3"${notation}`,
    ]);
    expect(await warehouse.query('SELECT order_id FROM shop.raw_orders ORDER BY order_id')).toEqual([
      { order_id: '3E10' },
      { order_id: 'S5' },
    ]);
  });

  it('reads a zoned time without seconds, as ISO 8601 allows', async () => {
    const path = ordersAt('minutes.csv', [
      ['M1', '2026-11-01T10:00Z'],
      ['M2', '2026-11-01 10:00 UTC'],
      ['M3', '2026-11-01 10:00+01:00'],
      ['M4', '2026-11-01 10:00+01'],
      ['M5', '2026-11-01 10:00 Europe/Paris'],
      ['M6', '2026-11-01 10:00'],
    ]);
    expect(await ingest(path)).toMatchObject({ loaded: 6, rejected: 0 });
    expect(await orderTimes()).toEqual([
      { order_id: 'M1', at: '2026-11-01 10:00:00' },
      { order_id: 'M2', at: '2026-11-01 10:00:00' },
      { order_id: 'M3', at: '2026-11-01 09:00:00' },
      { order_id: 'M4', at: '2026-11-01 09:00:00' },
      { order_id: 'M5', at: '2026-11-01 09:00:00' },
      { order_id: 'M6', at: '2026-11-01 10:00:00' },
    ]);
  });

  it('says a date cut before its time is one, not a zone abbreviation', async () => {
    const path = file(
      'cut.csv',
      'order_id,channel,amount,items,ordered_at,note\nX1,store,1,1,2026-02-01T,\nX2,store,1,1,2026-02-01T10:00,\n',
    );
    expect(await ingest(path)).toMatchObject({
      loaded: 1,
      sampleRejects: [
        {
          line: 2,
          reason:
            'ordered_at: "2026-02-01T" ends in a T with no time after it: write the time (2026-11-30T10:00:00) or the date alone',
        },
      ],
    });
  });

  it('says why a 12-hour time, a zone in lower case, a spaced offset and a decimal comma are refused', async () => {
    const path = file(
      'spellings.csv',
      [
        'order_id,channel,amount,items,ordered_at,note',
        'W1,store,1,1,2026-02-01 10:00:00 PM,',
        'W2,store,1,1,2026-02-01 10:00:00 utc,',
        'W3,store,1,1,2026-02-01 10:00:00 +0100,',
        'W4,store,"12,50",1,2026-02-01 10:00:00,',
        'W5,store,1,1,2026-02-01 10:00:00 UTC,',
        'W6,store,"1,234",1,2026-02-01 10:00:00,',
        // An integer with a dot or a comma before three digits: 1.000 is not loaded as 1.
        'W7,store,1,1.000,2026-02-01 10:00:00,',
        'W8,store,1,"3,000",2026-02-01 10:00:00,',
        'W9,store,1,1.250,2026-02-01 10:00:00,',
        'W10,store,1,2.0,2026-02-01 10:00:00,',
        // A leap second, with its Z: no zone abbreviation.
        'W11,store,1,1,2026-12-31T23:59:60Z,',
        // 24:00, which a cast reads as the next day's midnight, with a zone or without.
        'W12,store,1,1,2026-12-01 24:00:00,',
        'W13,store,1,1,2026-12-01T24:00Z,',
        // Z a space away: UTC, no abbreviation of a zone.
        'W14,store,1,1,2026-12-01 10:00:00 Z,',
      ].join('\n'),
    );
    expect(await ingest(path)).toMatchObject({ loaded: 2, rejected: 12 });
    expect(await warehouse.query('SELECT line, reason FROM shop.raw_orders_rejects ORDER BY line')).toEqual([
      {
        line: 2,
        reason:
          'ordered_at: "2026-02-01 10:00:00 PM" is on a 12-hour clock (AM/PM): write the time on a 24-hour clock (22:00:00 for 10:00:00 PM)',
      },
      { line: 3, reason: 'ordered_at: "2026-02-01 10:00:00 utc" names UTC in lower case: write Z or UTC' },
      {
        line: 4,
        reason:
          'ordered_at: "2026-02-01 10:00:00 +0100" has a space before its offset: write the offset straight after the time (10:00:00+01:00)',
      },
      {
        line: 5,
        reason:
          'amount: "12,50" has a decimal comma: write a decimal point (12.50), or export the file with one',
      },
      {
        line: 7,
        reason:
          'amount: "1,234" has a comma before three digits, a thousands separator (1,234 for 1234) or a decimal comma (for 1.234): export numbers without separators and with a decimal point',
      },
      {
        line: 8,
        reason:
          'items: "1.000" has a dot before three digits, a thousands separator (1.000 for 1000) or a decimal point (for 1): export integers without separators',
      },
      {
        line: 9,
        reason:
          'items: "3,000" has a comma before three digits, a thousands separator (1,234 for 1234) or a decimal comma (for 1.234): export numbers without separators and with a decimal point',
      },
      {
        line: 10,
        reason:
          'items: "1.250" has a dot before three digits, a thousands separator (1.000 for 1000) or a decimal point (for 1): export integers without separators',
      },
      {
        line: 12,
        reason:
          'ordered_at: "2026-12-31T23:59:60Z" has an hour, minute or second past the clock (a leap second, 23:59:60, or 24:00): write a time from 00:00:00 to 23:59:59',
      },
      {
        line: 13,
        reason:
          'ordered_at: "2026-12-01 24:00:00" has an hour, minute or second past the clock (a leap second, 23:59:60, or 24:00): write a time from 00:00:00 to 23:59:59',
      },
      {
        line: 14,
        reason:
          'ordered_at: "2026-12-01T24:00Z" has an hour, minute or second past the clock (a leap second, 23:59:60, or 24:00): write a time from 00:00:00 to 23:59:59',
      },
      {
        line: 15,
        reason:
          'ordered_at: "2026-12-01 10:00:00 Z" has a space before its Z: write the Z straight after the time (10:00:00Z), or UTC',
      },
    ]);
    // 2.0 is two (pandas writes integers with gaps so).
    expect(await warehouse.query(`SELECT items FROM shop.raw_orders WHERE order_id = 'W10'`)).toEqual([
      { items: 2 },
    ]);
  });

  it('reads the word NULL in any case, and \\N, as no value in every column, and says a decimal is out of range', async () => {
    const path = file(
      'nulls.csv',
      [
        'order_id,channel,amount,items,ordered_at,note',
        'N1,store,1,1,2026-10-01 00:00:00,NULL',
        'N2,store,1,null,2026-10-01 00:00:00, Null ',
        'N3,store,1e30,1,2026-10-01 00:00:00,N/A',
        'N4,NULL,1,1,NULL,NA',
        // MySQL's, Hive's and PostgreSQL's no value, in text, enumerations and typed columns.
        'N5,store,1,1,2026-10-01 00:00:00,\\N',
        'N6,\\N,1,\\N,2026-10-01 00:00:00, \\N ',
      ].join('\n'),
    );
    await ingest(path);
    expect(await warehouse.query('SELECT order_id, note FROM shop.raw_orders ORDER BY 1')).toEqual([
      { order_id: 'N1', note: null },
      { order_id: 'N5', note: null },
    ]);
    expect(await warehouse.query('SELECT line, reason FROM shop.raw_orders_rejects ORDER BY line')).toEqual([
      { line: 3, reason: 'items: missing' },
      {
        line: 4,
        reason:
          'amount: "1e30" is out of range: a decimal holds up to 29 digits before the point (DECIMAL(38,9))',
      },
      { line: 5, reason: 'channel: missing; ordered_at: missing' },
      { line: 7, reason: 'channel: missing; items: missing' },
    ]);
  });

  it('reads a value mapped to nothing, and spaces only, as no value in every column type', async () => {
    const shops = defineSource({
      domain: shop,
      name: 'shops',
      description: 'Shops',
      mode: 'upsert',
      schema: z.object({
        shop_id: z.string().describe('Shop').meta({ key: true }),
        manager: z.string().nullable().describe('Manager'),
        closed_on: z.iso.date().nullable().describe('Closed'),
        size: z.int().nullable().describe('Square metres'),
        open: z.boolean().nullable().describe('Open'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const path = file(
      'shops.csv',
      [
        'shop_id,manager,closed_on,size,open',
        'S1,N/A,N/A,-,N/A',
        'S2,   ,          ,   ,  ',
        'S3, E1 , 2026-01-02 , 40 , true ',
        'S4,-,2026-01-03,N/A,false',
      ].join('\n'),
    );
    const mapping = {
      values: Object.fromEntries(
        ['manager', 'closed_on', 'size', 'open'].map((c) => [c, { 'N/A': '', '-': 'NULL' }]),
      ),
    };
    expect(await warehouse.ingestFile(shops, path, { mapping })).toMatchObject({ loaded: 4, rejected: 0 });
    expect(await warehouse.query('SELECT * FROM shop.raw_shops ORDER BY 1')).toEqual([
      { shop_id: 'S1', manager: null, closed_on: null, size: null, open: null },
      { shop_id: 'S2', manager: null, closed_on: null, size: null, open: null },
      { shop_id: 'S3', manager: 'E1', closed_on: '2026-01-02', size: 40, open: true },
      { shop_id: 'S4', manager: null, closed_on: '2026-01-03', size: null, open: false },
    ]);
  });

  it('keeps spaces only where the enumeration holds that very text', async () => {
    const marks = defineSource({
      domain: shop,
      name: 'marks',
      description: 'Marks',
      mode: 'upsert',
      schema: z.object({
        mark_id: z.string().describe('Mark').meta({ key: true }),
        blank: z.enum([' ', 'x']).describe('A blank is a value here'),
        other: z.enum(['a', 'b']).nullable().describe('A blank is no value here'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const path = file('marks.csv', 'mark_id,blank,other\nM1, ,  \nM2,x,a\n');
    expect(await warehouse.ingestFile(marks, path)).toMatchObject({ loaded: 2, rejected: 0 });
    expect(await warehouse.query('SELECT * FROM shop.raw_marks ORDER BY 1')).toEqual([
      { mark_id: 'M1', blank: ' ', other: null },
      { mark_id: 'M2', blank: 'x', other: 'a' },
    ]);
  });

  it('rejects Parquet lists and structs instead of loading them as text', async () => {
    const path = join(dir, 'nested.parquet');
    await warehouse.query(
      `COPY (SELECT 'Q1' AS order_id, 'store' AS channel, 1 AS amount, 1 AS items, TIMESTAMP '2026-10-03 09:00:00' AS ordered_at, ['a', 'b'] AS note
             UNION ALL SELECT 'Q2', 'store', 1, 1, TIMESTAMP '2026-10-03 09:00:00', NULL) TO '${path}' (FORMAT parquet)`,
    );
    expect(await ingest(path)).toMatchObject({
      rows: 2,
      loaded: 1,
      sampleRejects: [
        {
          line: 1,
          reason:
            'note: is a list in the file (VARCHAR[]), not one value: export the column as a plain value',
        },
      ],
    });
    const keyed = join(dir, 'nested-key.parquet');
    await warehouse.query(
      `COPY (SELECT {'id': 'Q3'} AS order_id, 'store' AS channel, 1 AS amount, 1 AS items, TIMESTAMP '2026-10-03 09:00:00' AS ordered_at) TO '${keyed}' (FORMAT parquet)`,
    );
    const refused = await ingest(keyed).catch((e: unknown) => e);
    expect(isMeshError(refused) && refused.message).toContain('order_id: is a struct in the file');
    expect(await warehouse.query('SELECT order_id, note FROM shop.raw_orders')).toEqual([
      { order_id: 'Q2', note: null },
    ]);
  });

  it('refuses a dot before three digits in the amounts of a file delimited by semicolons, and reads it as a decimal point elsewhere', async () => {
    // A European export: 1.500 is 1500 there, and read as 1.5 every figure built on it would be
    // a thousand times too small, and healthy.
    const header = 'order_id;channel;amount;items;ordered_at;note';
    const semicolons = file(
      'eu.csv',
      [
        header,
        'E1;store;1.500;2;2026-10-01 10:00:00;',
        'E2;store;25;1;2026-10-01 10:00:00;',
        'E3;store;12.5;1;2026-10-01 10:00:00;',
        '',
      ].join('\n'),
    );
    expect(await ingest(semicolons)).toMatchObject({
      loaded: 2,
      rejected: 1,
      sampleRejects: [{ line: 2, reason: `amount: "1.500"${INGEST_SEMICOLON_NUMBER_REFUSALS[0]![1]}` }],
    });
    const commas = file('us.csv', `${header.replaceAll(';', ',')}\nE4,store,1.500,2,2026-10-01 10:00:00,\n`);
    expect(await ingest(commas)).toMatchObject({ loaded: 1, rejected: 0 });
    expect(
      await warehouse.query(
        'SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM shop.raw_orders ORDER BY 1',
      ),
    ).toEqual([
      { order_id: 'E2', amount: '25.000000000' },
      { order_id: 'E3', amount: '12.500000000' },
      { order_id: 'E4', amount: '1.500000000' },
    ]);
  });

  it('refuses a year cut short and the days systems write for no date, in dates and times, CSV and Parquet', async () => {
    // Loaded, 0026-11-30 lands on a day of its own (2026-11-30 is short a sale), and 1900-01-01
    // makes a customer of a century: figures wrong and healthy.
    const openings = defineSource({
      domain: shop,
      name: 'openings',
      description: 'Store openings',
      mode: 'upsert',
      schema: z.object({
        store_id: z.string().describe('Store').meta({ key: true }),
        opened_on: z.iso.date().nullable().describe('Opening day'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const days = file(
      'openings.csv',
      [
        'store_id,opened_on',
        'S1,0026-11-30',
        'S2,0001-01-01',
        'S3,1899-12-30',
        'S4,1900-01-01',
        'S5,1970-01-01',
        'S6,1000-01-01',
        'S7,',
        '',
      ].join('\n'),
    );
    const cut = (v: string) => `opened_on: "${v}"${INGEST_BEFORE_EARLIEST_DAY}`;
    const placeholder = (v: string) => `opened_on: "${v}"${INGEST_PLACEHOLDER_DAY}`;
    expect(await warehouse.ingestFile(openings, days)).toMatchObject({
      loaded: 3,
      rejected: 4,
      sampleRejects: [
        { line: 2, reason: cut('0026-11-30') },
        { line: 3, reason: cut('0001-01-01') },
        { line: 4, reason: placeholder('1899-12-30') },
        { line: 5, reason: placeholder('1900-01-01') },
      ],
    });
    // A time is refused at midnight UTC of a placeholder day only: 1900-01-01 10:15 was written
    // by someone, and the epoch's zero is one only as a time.
    const times = ordersAt('times.csv', [
      ['T1', '1970-01-01T00:00:00Z'],
      ['T2', '1900-01-01 00:00:00'],
      ['T3', '1900-01-01 10:15:00'],
      ['T4', '0026-11-30 09:00:00'],
      ['T5', '1970-01-01 01:00:00+01:00'],
    ]);
    expect(await ingest(times)).toMatchObject({
      loaded: 1,
      sampleRejects: [
        { line: 2, reason: `ordered_at: "1970-01-01T00:00:00Z"${INGEST_PLACEHOLDER_DAY}` },
        { line: 3, reason: `ordered_at: "1900-01-01 00:00:00"${INGEST_PLACEHOLDER_DAY}` },
        { line: 5, reason: `ordered_at: "0026-11-30 09:00:00"${INGEST_BEFORE_EARLIEST_DAY}` },
        { line: 6, reason: `ordered_at: "1970-01-01 01:00:00+01:00"${INGEST_PLACEHOLDER_DAY}` },
      ],
    });
    // A Parquet file's own DATE reads the same.
    const path = join(dir, 'openings.parquet');
    await warehouse.query(
      `COPY (SELECT 'P1' AS store_id, DATE '0026-11-30' AS opened_on UNION ALL SELECT 'P2', DATE '2026-11-30') TO '${path}' (FORMAT parquet)`,
    );
    expect(await warehouse.ingestFile(openings, path)).toMatchObject({
      loaded: 1,
      sampleRejects: [{ line: 1, reason: cut('0026-11-30') }],
    });
    expect(
      await warehouse.query(
        'SELECT store_id, CAST(opened_on AS VARCHAR) AS d FROM shop.raw_openings ORDER BY 1',
      ),
    ).toEqual([
      { store_id: 'P2', d: '2026-11-30' },
      { store_id: 'S5', d: '1970-01-01' },
      { store_id: 'S6', d: '1000-01-01' },
      { store_id: 'S7', d: null },
    ]);
  });

  it('reads a Parquet decimal without the zeros of its scale, and refuses a 32-bit float id past 2^24', async () => {
    // An Oracle NUMBER through AWS DMS arrives as DECIMAL(38,10): 1001.0000000000 is the id
    // 1001 of every other export. A FLOAT holds 123456789 as 123456792: two ids become one.
    const path = join(dir, 'typed-ids.parquet');
    await warehouse.query(
      `COPY (SELECT CAST(1001 AS DECIMAL(38,10)) AS order_id, 'store' AS channel, CAST(12.5 AS DECIMAL(38,10)) AS amount, 1 AS items, TIMESTAMP '2026-10-03 09:00:00' AS ordered_at, CAST(16777215 AS FLOAT) AS note
             UNION ALL SELECT CAST(2002 AS DECIMAL(38,10)), 'store', CAST(3 AS DECIMAL(38,10)), 1, TIMESTAMP '2026-10-03 09:00:00', CAST(123456789 AS FLOAT)
             UNION ALL SELECT CAST(-7.25 AS DECIMAL(38,10)), 'store', CAST(3 AS DECIMAL(38,10)), 1, TIMESTAMP '2026-10-03 09:00:00', NULL) TO '${path}' (FORMAT parquet)`,
    );
    expect(await ingest(path)).toMatchObject({
      rows: 3,
      loaded: 2,
      sampleRejects: [{ line: 2, reason: `note: "123456790.0"${INGEST_INEXACT_SINGLE}` }],
    });
    expect(
      await warehouse.query(
        'SELECT order_id, CAST(amount AS VARCHAR) AS amount, note FROM shop.raw_orders ORDER BY order_id',
      ),
    ).toEqual([
      { order_id: '-7.25', amount: '3.000000000', note: null },
      { order_id: '1001', amount: '12.500000000', note: '16777215' },
    ]);
  });

  it('refuses a 32-bit float amount too coarse to hold cents, and loads those below 2^17 as written', async () => {
    // 1234567.89 is stored as the FLOAT 1234567.875, whose shortest text is 1234567.9: a cent
    // off, and 1234567.88 would be the same float. 131071.99 and 19.99 keep their cents.
    const path = join(dir, 'float-amounts.parquet');
    await warehouse.query(
      `COPY (SELECT 'A1' AS order_id, 'store' AS channel, CAST(19.99 AS FLOAT) AS amount, 1 AS items, TIMESTAMP '2026-10-03 09:00:00' AS ordered_at
             UNION ALL SELECT 'A2', 'store', CAST(1234567.89 AS FLOAT), 1, TIMESTAMP '2026-10-03 09:00:00'
             UNION ALL SELECT 'A3', 'store', CAST(131071.99 AS FLOAT), 1, TIMESTAMP '2026-10-03 09:00:00'
             UNION ALL SELECT 'A4', 'store', CAST(-131072 AS FLOAT), 1, TIMESTAMP '2026-10-03 09:00:00') TO '${path}' (FORMAT parquet)`,
    );
    expect(await ingest(path)).toMatchObject({
      rows: 4,
      loaded: 2,
      sampleRejects: [
        { line: 2, reason: `amount: "1234567.9"${INGEST_INEXACT_SINGLE_DECIMAL}` },
        { line: 4, reason: `amount: "-131072"${INGEST_INEXACT_SINGLE_DECIMAL}` },
      ],
    });
    expect(
      await warehouse.query(
        `SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM shop.raw_orders WHERE order_id LIKE 'A%' ORDER BY order_id`,
      ),
    ).toEqual([
      { order_id: 'A1', amount: '19.990000000' },
      { order_id: 'A3', amount: '131071.990000000' },
    ]);
  });

  it('refuses a dot before three digits in a file that writes a decimal comma elsewhere, whatever its delimiter', async () => {
    // A German spreadsheet saved as text (tab-delimited): 12,50 is refused, and fixing that row
    // alone by hand must not load 1.500 as 1.5.
    const header = 'order_id\tchannel\tamount\titems\tordered_at\tnote';
    const tabs = file(
      'de.tsv.csv',
      [
        header,
        'D1\tstore\t1.500\t1\t2026-10-01 10:00:00\t',
        'D2\tstore\t12,50\t1\t2026-10-01 10:00:00\t',
        'D3\tstore\t2.5\t1\t2026-10-01 10:00:00\t',
        '',
      ].join('\n'),
    );
    expect(await ingest(tabs)).toMatchObject({
      loaded: 1,
      sampleRejects: [
        { line: 2, reason: `amount: "1.500"${INGEST_DECIMAL_COMMA_FILE_REFUSALS[0]![1]}` },
        {
          line: 3,
          reason:
            'amount: "12,50" has a decimal comma: write a decimal point (12.50), or export the file with one',
        },
      ],
    });
    // Without a decimal comma anywhere, the dot is a decimal point.
    const plain = file('uk.tsv.csv', `${header}\nD4\tstore\t1.500\t1\t2026-10-01 10:00:00\t\n`);
    expect(await ingest(plain)).toMatchObject({ loaded: 1, rejected: 0 });
    expect(
      await warehouse.query(
        'SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM shop.raw_orders ORDER BY 1',
      ),
    ).toEqual([
      { order_id: 'D3', amount: '2.500000000' },
      { order_id: 'D4', amount: '1.500000000' },
    ]);
  });

  it('reads 1.234,56 as a decimal comma that says the file is written with one', async () => {
    // A German export's amounts of a thousand or more are all written so (1.234,56, no bare
    // 12,50): 1.234,56 is refused, and 1.500 beside it must not load as 1.5, whether the row
    // refused is fixed by hand or not.
    const header = 'order_id\tchannel\tamount\titems\tordered_at\tnote';
    const tabs = file(
      'de-grouped.tsv.csv',
      [
        header,
        'G1\tstore\t1.234,56\t1\t2026-10-01 10:00:00\t',
        'G2\tstore\t1.500\t1\t2026-10-01 10:00:00\t',
        'G3\tstore\t-2 500,5\t1\t2026-10-01 10:00:00\t',
        'G4\tstore\t2.5\t1\t2026-10-01 10:00:00\t',
        '',
      ].join('\n'),
    );
    const grouped = INGEST_NUMBER_REFUSALS[1]![1];
    expect(await ingest(tabs)).toMatchObject({
      loaded: 1,
      sampleRejects: [
        { line: 2, reason: `amount: "1.234,56"${grouped}` },
        { line: 3, reason: `amount: "1.500"${INGEST_DECIMAL_COMMA_FILE_REFUSALS[0]![1]}` },
        { line: 4, reason: `amount: "-2 500,5"${grouped}` },
      ],
    });
    // The refused row alone corrected by hand: 1.500 is still refused, not loaded as 1.5.
    const fixed = file(
      'de-grouped-fixed.tsv.csv',
      [
        header,
        'G1\tstore\t1234.56\t1\t2026-10-01 10:00:00\t',
        'G2\tstore\t1.500\t1\t2026-10-01 10:00:00\t',
        'G5\tstore\t10.234,5\t1\t2026-10-01 10:00:00\t',
        '',
      ].join('\n'),
    );
    expect(await ingest(fixed)).toMatchObject({
      loaded: 1,
      sampleRejects: [
        { line: 3, reason: `amount: "1.500"${INGEST_DECIMAL_COMMA_FILE_REFUSALS[0]![1]}` },
        { line: 4, reason: `amount: "10.234,5"${grouped}` },
      ],
    });
    expect(
      await warehouse.query(
        'SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM shop.raw_orders ORDER BY 1',
      ),
    ).toEqual([
      { order_id: 'G1', amount: '1234.560000000' },
      { order_id: 'G4', amount: '2.500000000' },
    ]);
  });

  it('reads a whole number of a floating-point Parquet column without its fraction', async () => {
    // pandas writes an integer column with a gap as float64: the ids must still read as ids.
    const path = join(dir, 'floats.parquet');
    await warehouse.query(
      `COPY (SELECT CAST(1042 AS DOUBLE) AS order_id, 'store' AS channel, 1 AS amount, CAST(3 AS DOUBLE) AS items, TIMESTAMP '2026-10-03 09:00:00' AS ordered_at, CAST(-7 AS FLOAT) AS note
             UNION ALL SELECT 7.5, 'store', 1, 1, TIMESTAMP '2026-10-03 09:00:00', CAST(0.25 AS FLOAT)
             UNION ALL SELECT 1e20, 'store', 1, 1, TIMESTAMP '2026-10-03 09:00:00', CAST('nan' AS FLOAT)
             UNION ALL SELECT 9007199254740991, 'store', 1, 1, TIMESTAMP '2026-10-03 09:00:00', NULL
             UNION ALL SELECT CAST(NULL AS DOUBLE), 'store', 1, 1, TIMESTAMP '2026-10-03 09:00:00', NULL
             UNION ALL SELECT 1043, 'store', 1, 1, TIMESTAMP '2026-10-03 09:00:00', CAST('nan' AS FLOAT)
             UNION ALL SELECT 1044, 'store', 1, 1, TIMESTAMP '2026-10-03 09:00:00', CAST('-inf' AS FLOAT)) TO '${path}' (FORMAT parquet)`,
    );
    // Past 2^53 a float has lost its last digits before it was written (123456789012345678 is
    // 1.2345678901234568e+17): no id of anything, rejected as on BigQuery. NaN and infinity
    // are no text either.
    expect(await ingest(path)).toMatchObject({
      rows: 7,
      loaded: 3,
      sampleRejects: [
        { line: 3, reason: `order_id: "1e+20"${INGEST_INEXACT_FLOAT}; note: "nan"${INGEST_NONFINITE_TEXT}` },
        { line: 5, reason: 'order_id: missing' },
        { line: 6, reason: expect.stringMatching(/^note: "(nan|NaN)"/) },
        { line: 7, reason: expect.stringMatching(/^note: "-(inf|Infinity)"/) },
      ],
    });
    expect(
      (await warehouse.query('SELECT reason FROM shop.raw_orders_rejects WHERE line = 6'))[0]?.reason,
    ).toContain(INGEST_NONFINITE_TEXT);
    expect(
      await warehouse.query('SELECT order_id, items, note FROM shop.raw_orders ORDER BY order_id'),
    ).toEqual([
      { order_id: '1042', items: 3, note: '-7' },
      { order_id: '7.5', items: 1, note: '0.25' },
      { order_id: '9007199254740991', items: 1, note: null },
    ]);
  });

  it('reads a quoted header after a byte order mark, refuses a record split by a bare CR, and numbers a repeated name past those written', async () => {
    const bom = file(
      'bom.csv',
      '\uFEFF"order_id","channel",amount,items,ordered_at,note\r\nC1,store,1,1,2026-10-01 00:00:00,\r\n',
    );
    expect(await ingest(bom)).toMatchObject({ loaded: 1, rejected: 0 });
    // A header alone, without a newline, after the mark.
    const bare = file('bom-bare.csv', '\uFEFF"order_id","channel",amount,items,ordered_at,note');
    expect(await ingest(bare)).toMatchObject({ rows: 0, loaded: 0 });
    // A CR ending a file of LF lines.
    const last = file(
      'cr-last.csv',
      'order_id,channel,amount,items,ordered_at,note\nC6,store,1,1,2026-10-01 00:00:00,\nC7,store,1,1,2026-10-01 00:00:00,x\r',
    );
    expect(await ingest(last)).toMatchObject({ loaded: 1, rejected: 1, sampleRejects: [{ line: 3 }] });
    const cr = file(
      'cr.csv',
      'order_id,channel,amount,items,ordered_at,note\nC2,store,1,1,2026-10-01 00:00:00,North\rSide\nC3,store,1,1,2026-10-01 00:00:00,"South\rSide"\nC4,store,1,1,2026-10-01 00:00:00,\n',
    );
    expect(await ingest(cr)).toMatchObject({
      loaded: 2,
      rejected: 1,
      sampleRejects: [
        {
          line: 2,
          reason: 'has a carriage return (CR) inside unquoted field 6: quote the field or remove the CR',
        },
      ],
    });
    const named = file(
      'named.csv',
      'order_id,channel,amount,items,amount_2,ordered_at,note,amount\nC5,store,1,1,2,2026-10-01 00:00:00,,3\n',
    );
    const twice = await ingest(named).catch((e: unknown) => e);
    expect(isMeshError(twice) && twice.code).toBe('ingest-mapping');
    expect(isMeshError(twice) && twice.message).toContain(
      'column amount appears more than once in the header',
    );
    expect(await warehouse.query('SELECT order_id, note FROM shop.raw_orders ORDER BY 1')).toEqual([
      { order_id: 'C1', note: null },
      { order_id: 'C3', note: 'South\rSide' },
      { order_id: 'C4', note: null },
      { order_id: 'C6', note: null },
    ]);
  });

  it("reads padded booleans, skips lines of spaces as blank, and honours Excel's sep= line", async () => {
    const flags = defineSource({
      domain: shop,
      name: 'flags',
      description: 'Flags',
      mode: 'upsert',
      schema: z.object({
        flag_id: z.string().describe('Flag').meta({ key: true }),
        enabled: z.boolean().describe('Enabled'),
        size: z.enum({ one: 1, two: 2 }).nullable().describe('A numeric enumeration'),
      }),
    });
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    // And a numeric enumeration's NULL is no value, as any column's.
    const padded = file(
      'padded.csv',
      'flag_id,enabled,size\nF1, true,1\n   \nF2,False ,NULL\n \t \nF3,TRUE,\n',
    );
    expect(await warehouse.ingestFile(flags, padded)).toMatchObject({ rows: 3, loaded: 3, rejected: 0 });
    const excel = file('excel.csv', 'sep=;\r\nflag_id;enabled;size\r\nF4;true;2\r\nF5;maybe;2\r\n');
    expect(await warehouse.ingestFile(flags, excel)).toMatchObject({
      rows: 2,
      loaded: 1,
      sampleRejects: [{ line: 4, reason: 'enabled: "maybe" is not a valid boolean' }],
    });
    expect(await warehouse.query('SELECT flag_id, enabled, size FROM shop.raw_flags ORDER BY 1')).toEqual([
      { flag_id: 'F1', enabled: true, size: 1 },
      { flag_id: 'F2', enabled: false, size: null },
      { flag_id: 'F3', enabled: true, size: null },
      { flag_id: 'F4', enabled: true, size: 2 },
    ]);
  });
  it('numbers rows by their place in the file, not by a column of the file named rowid', async () => {
    // An Oracle or SQLite export carries one; DuckDB's own row ids go by the same name.
    const numbered = file(
      'rowid.csv',
      [
        'order_id,channel,amount,items,ordered_at,note,ROWID',
        'R1,store,1,1,2026-10-03 09:00:00,,1003',
        'R2,mail,1,1,2026-10-03 09:00:00,,1001',
        'R3,store,2,1,2026-10-03 09:00:00,,1002',
        '',
      ].join('\n'),
    );
    expect(await ingest(numbered)).toMatchObject({
      rows: 3,
      loaded: 2,
      rejected: 1,
      sampleRejects: [{ line: 3, reason: 'channel: "mail" is not one of store, online' }],
    });
    expect(
      await warehouse.query('SELECT order_id, _line FROM shop.raw_orders_log ORDER BY order_id'),
    ).toEqual([
      { order_id: 'R1', _line: 2 },
      { order_id: 'R3', _line: 4 },
    ]);
    const [reject] = await warehouse.query('SELECT line, record FROM shop.raw_orders_rejects');
    expect(reject?.line).toBe(3);
    expect(JSON.parse(String(reject?.record))).toMatchObject({ order_id: 'R2', ROWID: '1001' });
    // Behind Excel's sep= line (lines counted by the scan), the later of two lines of a key
    // wins, whatever their rowids say; a rowid that is no number is just text.
    const excel = file(
      'rowid-excel.csv',
      'sep=,\norder_id,channel,amount,items,ordered_at,note,rowid\nR4,store,1,2,2026-10-03 09:00:00,,1\nR4,store,1,9,2026-10-03 09:00:00,,0\nR5,store,1,1,2026-10-03 09:00:00,,AAAR3sAAEAAAACXAAA\n',
    );
    expect(await ingest(excel)).toMatchObject({ rows: 3, loaded: 3, rejected: 0 });
    expect(
      await warehouse.query(
        "SELECT order_id, items FROM shop.raw_orders WHERE order_id IN ('R4', 'R5') ORDER BY 1",
      ),
    ).toEqual([
      { order_id: 'R4', items: 9 },
      { order_id: 'R5', items: 1 },
    ]);
    // Parquet alike.
    const path = join(dir, 'rowid.parquet');
    await warehouse.query(
      `COPY (SELECT 'R6' AS order_id, 'online' AS channel, 5.5 AS amount, 2 AS items, TIMESTAMP '2026-10-03 09:00:00' AS ordered_at, 'AAAR3s' AS RowId
             UNION ALL SELECT 'R7', 'mail', 1, 1, TIMESTAMP '2026-10-03 09:00:00', 'AAAR3t') TO '${path}' (FORMAT parquet)`,
    );
    expect(await ingest(path)).toMatchObject({
      rows: 2,
      loaded: 1,
      sampleRejects: [{ line: 2, reason: 'channel: "mail" is not one of store, online' }],
    });
  });
  it('refuses two exports joined whose headers list the columns in other orders, loading nothing', async () => {
    const joined = file(
      'joined.csv',
      [
        'order_id,channel,amount,items,ordered_at,note',
        'J1,store,1,1,2026-10-03 09:00:00,',
        'order_id,channel,items,amount,ordered_at,note',
        'J2,store,2,7.5,2026-10-03 09:00:00,',
        '',
      ].join('\n'),
    );
    await expect(ingest(joined)).rejects.toMatchObject({
      code: 'ingest-unreadable',
      message: `${joined} repeats its header at line 3 with the columns in another order (order_id, channel, items, amount, ordered_at, note), as two exports joined into one file do: the rows after it are in that order, and read by the first line's they would load each value under another column. Ingest each export as it was written, or put its columns in the first header's order.`,
    });
    expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_orders_log')).toEqual([{ n: 0 }]);
    // Joined with the same header: its line is refused, the rows on both sides load.
    const same = file(
      'joined-same.csv',
      'order_id,channel,amount,items,ordered_at,note\nJ1,store,1,1,2026-10-03 09:00:00,\norder_id,channel,amount,items,ordered_at,note\nJ2,store,7.5,2,2026-10-03 09:00:00,\n',
    );
    expect(await ingest(same)).toMatchObject({ rows: 3, loaded: 2, rejected: 1 });
  });
});
