import {
  type BatchRecord,
  type Duration,
  defineDomain,
  defineSource,
  EMPTY_MAPPING,
  z,
} from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { datedAsNewest, datesOfPair, exportDays, inDayOrder, missedExports } from './files.js';

/** The order `inDayOrder` gives, or `ambiguous` where it cannot tell one. */
const order = (files: string[]) => {
  const found = inDayOrder(files);
  return found.ambiguous ? 'ambiguous' : found.files;
};

describe('inDayOrder', () => {
  // Each set as listed, and the order in time: by name each dated pair would put 3 December
  // first, and 30 November's export would be current.
  it.each([
    ['a month by its name', ['orders-03-Dec-2026.csv', 'orders-30-Nov-2026.csv'], [1, 0]],
    ['eight digits, day first', ['orders_03122026.csv', 'orders_30112026.csv'], [1, 0]],
    ['a month spelt out', ['orders December 3 2026.csv', 'orders November 30 2026.csv'], [1, 0]],
    ['year, month name, day', ['orders_2026Dec03.csv', 'orders_2026Nov30.csv'], [1, 0]],
    [
      'day-month-year',
      ['orders-01-12-2026.csv', 'orders-29-11-2026.csv', 'orders-30-11-2026.csv'],
      [1, 2, 0],
    ],
    // Day or month first, the order is the same: no need to know which.
    ['either reading alike', ['03-01-2027.csv', '02-01-2027.csv'], [1, 0]],
    ['no date', ['export-10.csv', 'export-9.csv'], [1, 0]],
    [
      'year first, one undated',
      ['orders-initial.csv', 'orders-2026-12-01.csv', 'orders-2026-11-30.csv'],
      [2, 1, 0],
    ],
    ['eight digits, year first', ['orders_20261201.csv', 'orders_20261130.csv'], [1, 0]],
    // Six digits that are not all dates are a counter; a word holding a month's letters is none.
    ['a counter of six digits', ['export_000200.csv', 'export_000131.csv', 'export_000199.csv'], [1, 2, 0]],
    ['a word, not a month', ['market20.csv', 'market3.csv'], [1, 0]],
    // Dates in the folders when the names are alike: 30 November's folder first.
    [
      'dates in folders',
      ['drops/01-12-2026/orders.csv', 'drops/30-11-2026/orders.csv', 'drops/29-11-2026/orders.csv'],
      [2, 1, 0],
    ],
    // A number that grows is no copy.
    ['numbers that grow', ['export-1.csv', 'export-10.csv', 'export-2.csv'], [0, 2, 1]],
  ])('orders names by the day they give: %s', (_, files, expected) => {
    expect(order(files)).toEqual(expected.map((i) => files[i]));
  });

  it.each([
    // 1 February and 2 January, or 2 January and 1 February.
    ['readings that disagree', ['01-02-2027.csv', '02-01-2027.csv']],
    // 30 November 2026 or 26 November 2030.
    ['a two-digit year first or last', ['orders_301126.csv', 'orders_031226.csv']],
    ['the same, written apart', ['orders-30-11-26.csv', 'orders-03-12-26.csv']],
    // December of which year?
    ['no year', ['orders_Nov30.csv', 'orders_Dec03.csv']],
    ['a name without a date', ['orders-29-11-2026.csv', 'orders-latest.csv']],
    // A corrected copy or a second download: by name it comes first, and the original wins.
    ['a copy named _v2', ['oms-orders-2026-12-01.csv', 'oms-orders-2026-12-01_v2.csv']],
    ['a copy named -corrected', ['orders.csv', 'orders-corrected.csv']],
    ['a second download', ['stores.csv', 'stores (1).csv']],
    ['a copy numbered', ['stock.csv', 'stock_2.csv']],
    ['a copy with a dot', ['orders.csv', 'orders.1.csv']],
  ])('refuses to guess: %s', (_, files) => {
    expect(order(files)).toBe('ambiguous');
  });
});

describe('datesOfPair', () => {
  it.each([
    ['year first', 'orders-2026-11-30.csv', 'orders-2026-12-01.csv', [20261130, 20261201]],
    [
      'day first, either reading alike',
      'orders-30-11-2026.csv',
      'orders-01-12-2026.csv',
      [20261130, 20261201],
    ],
    ['a month by its name', 'orders_30Nov2026.csv', 'orders_03Dec2026.csv', [20261130, 20261203]],
    [
      'folders, paths given otherwise',
      'drops/2026-11-30/orders.csv',
      '/srv/exports/2026-12-01/orders.csv',
      [20261130, 20261201],
    ],
    ['the same day', 'orders-2026-12-01.csv', 'exports/orders-2026-12-01.csv', [20261201, 20261201]],
  ])('reads the days of two names: %s', (_, file, other, expected) => {
    expect(datesOfPair(file, other)).toEqual(expected);
  });

  it.each([
    ['no date', 'orders.csv', 'orders-2026-12-01.csv'],
    ['a counter', 'export_000131.csv', 'export_000200.csv'],
    ['no year', 'orders_Nov30.csv', 'orders_Dec03.csv'],
    ['readings that disagree', '01-02-2027.csv', '02-01-2027.csv'],
  ])('tells nothing where the names do not: %s', (_, file, other) => {
    expect(datesOfPair(file, other)).toBeUndefined();
  });
});

describe('datedAsNewest', () => {
  const held = ['exports/orders-2026-11-29.csv', 'exports/orders-2026-12-01.csv'];
  it('is the newest export held, loaded again', () => {
    expect(datedAsNewest('exports/orders-2026-12-01.csv', held)).toBe(true);
  });
  it('is not an older day, a day none held (older rows under a new name), or an undated name', () => {
    expect(datedAsNewest('exports/orders-2026-11-30.csv', held)).toBe(false);
    expect(datedAsNewest('exports/orders-2026-12-02.csv', held)).toBe(false);
    expect(datedAsNewest('exports/orders-latest.csv', held)).toBe(false);
    expect(datedAsNewest('exports/orders-2026-12-01.csv', [])).toBe(false);
  });
});

describe('exportDays', () => {
  it('reads the day of every name where all agree on how', () => {
    expect(exportDays(['in/orders-14-11-2026.csv', 'in/orders-01-12-2026.csv'])).toEqual(
      new Map([
        ['in/orders-14-11-2026.csv', 20261114],
        ['in/orders-01-12-2026.csv', 20261201],
      ]),
    );
    // Folders tell the days apart where the names do not.
    expect([...exportDays(['2026-11-30/orders.csv', '2026-12-01/orders.csv'])!.values()]).toEqual([
      20261130, 20261201,
    ]);
  });

  it.each([
    ['day or month first, never told', ['orders-03-04-2026.csv', 'orders-05-04-2026.csv']],
    ['a name without a date', ['orders-2026-11-14.csv', 'orders-latest.csv']],
    ['no year', ['orders-Nov14.csv', 'orders-Nov15.csv']],
    ['six digits of a counter', ['export_000131.csv', 'export_000132.csv', 'export_7.csv']],
  ])('gives none for %s', (_, files) => {
    expect(exportDays(files)).toBeUndefined();
  });
});

describe('missedExports', () => {
  const domain = defineDomain({
    name: 'till',
    description: 'Tills',
    owner: { team: 't', email: 't@x.example' },
  });
  const schema = z.object({ id: z.string().describe('Id').meta({ key: true }) });
  const source = (mode: 'append' | 'upsert' | 'snapshot', expectedEvery: Duration | undefined = '1d') =>
    defineSource({
      domain,
      name: 'sales',
      description: 'Sales',
      mode,
      ...(expectedEvery ? { expectedEvery } : {}),
      schema,
    });
  let id = 0;
  /** A live export of `till.sales` named for the day, loading `loaded` rows. */
  const batch = (file: string, loaded = 100, revertedAt?: Date): BatchRecord => ({
    batchId: ++id,
    source: 'till.sales',
    kind: 'ingest',
    file,
    sha256: String(id),
    mapping: EMPTY_MAPPING,
    rows: loaded,
    loaded,
    rejected: 0,
    ingestedAt: new Date(Date.UTC(2026, 10, 20, 0, id)),
    ingestedBy: 'test',
    revertedAt,
  });
  const days = (...names: string[]) => names.map((n) => batch(`/in/sales-${n}.csv`));

  it('names the day an event feed missed, between the exports around it', () => {
    const found = missedExports(source('append'), days('2026-11-13', '2026-11-15', '2026-11-16'));
    expect(found).toMatch(
      /^no export dated 2026-11-14 \(between the exports dated 2026-11-13 and 2026-11-15\), where one is expected every 1d: the rows of that day are in no figure built on it\. Ingest the missed export/,
    );
  });

  it('names runs of days and several gaps, in order', () => {
    const found = missedExports(
      source('append'),
      days('2026-11-30', '2026-11-10', '2026-11-14', '2026-11-11'),
    );
    expect(found).toMatch(
      /^no export dated 2026-11-12 to 2026-11-13 \(between the exports dated 2026-11-11 and 2026-11-14\), 2026-11-15 to 2026-11-29 \(between the exports dated 2026-11-14 and 2026-11-30\), where one is expected every 1d: the rows of those days/,
    );
  });

  it('holds a feed to its own cadence, across a month and a year end', () => {
    expect(
      missedExports(source('append', '2d'), days('2026-12-30', '2027-01-01', '2027-01-03')),
    ).toBeUndefined();
    expect(missedExports(source('append'), days('2026-12-31', '2027-01-01', '2027-01-02'))).toBeUndefined();
    expect(missedExports(source('append', '2d'), days('2026-12-30', '2027-01-02'))).toMatch(
      /^no export dated 2026-12-31 to 2027-01-01 /,
    );
  });

  it('counts a missed day delivered late, and not a reverted export', () => {
    const late = [...days('2026-11-13', '2026-11-15'), batch('/late/sales-2026-11-14.csv')];
    expect(missedExports(source('append'), late)).toBeUndefined();
    const reverted = [
      ...days('2026-11-13', '2026-11-15'),
      batch('/in/sales-2026-11-14.csv', 100, new Date()),
    ];
    expect(missedExports(source('append'), reverted)).toMatch(/^no export dated 2026-11-14 /);
  });

  it("flags an upsert's exports of a day's changes, not its full exports", () => {
    const changes = days('2026-11-13', '2026-11-15', '2026-11-16');
    // Three days of 100 new orders each: the source holds 300.
    expect(missedExports(source('upsert'), changes, 300)).toMatch(/^no export dated 2026-11-14 /);
    // Three full exports of the 100 products it holds: the 14th's would have said nothing new.
    expect(missedExports(source('upsert'), changes, 100)).toBeUndefined();
    // Not told where the rows it holds are not known.
    expect(missedExports(source('upsert'), changes, null)).toMatch(/^no export dated 2026-11-14 /);
  });

  it('says nothing of a snapshot, a feed without a cadence, or names without days', () => {
    const gap = days('2026-11-13', '2026-11-15');
    expect(missedExports(source('snapshot'), gap)).toBeUndefined();
    expect(missedExports({ ...source('append'), expectedEvery: undefined }, gap)).toBeUndefined();
    expect(missedExports(source('append'), [batch('/in/a.csv'), batch('/in/b.csv')])).toBeUndefined();
    expect(missedExports(source('append'), days('2026-11-13'))).toBeUndefined();
  });
});
