import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import { defineDomain } from './domain.js';
import { defineSource, type SyncMode } from './source.js';
import {
  type BatchRecord,
  batchAuthor,
  batchRecordOf,
  changeBackFlag,
  currentRowsSelect,
  degradingFlag,
  deliveredNothingNew,
  EMPTY_MAPPING,
  isEmptyMapping,
  NOTHING_NEW_FLAG,
  rejectsSelect,
  sameRowsFlag,
  sourceStates,
  volumeFlag,
} from './source-log.js';

const product = defineDomain({
  name: 'product',
  description: 'What we sell.',
  owner: { team: 'product-data', email: 'product-data@retail.example' },
});
const schema = z.object({
  product_id: z.string().describe('Catalog id').meta({ key: true }),
  stock: z.int().describe('Units on hand'),
  counted_at: z.date().describe('When the stock was counted'),
});
const stockLevelsInput = (mode: SyncMode, cursor?: string) => ({
  domain: product,
  name: 'stock_levels',
  description: 'Stock per product.',
  mode,
  cursor,
  schema,
});
const stockLevels = (mode: SyncMode, cursor?: string) => defineSource(stockLevelsInput(mode, cursor));
const prices = defineSource({
  domain: product,
  name: 'prices',
  description: 'Prices per product.',
  mode: 'snapshot',
  schema: z.object({ product_id: z.string().describe('Catalog id').meta({ key: true }) }),
});

/** A live ingest batch of product.stock_levels; `change` sets whatever the test is about. */
function batch(batchId: number, change: Partial<BatchRecord> = {}): BatchRecord {
  return {
    batchId,
    source: 'product.stock_levels',
    kind: 'ingest',
    file: `exports/stock-${batchId}.csv`,
    sha256: `sha-${batchId}`,
    mapping: EMPTY_MAPPING,
    rows: change.loaded ?? 100,
    loaded: 100,
    rejected: 0,
    ingestedAt: new Date(Date.UTC(2024, 4, batchId)),
    ingestedBy: 'ana',
    revertedAt: undefined,
    ...change,
  };
}

describe('volumeFlag', () => {
  it('says nothing with fewer than three earlier batches to compare with', () => {
    expect(volumeFlag(1, [])).toBeUndefined();
    expect(volumeFlag(1, [10_000, 10_000])).toBeUndefined();
  });

  it('flags a batch of no rows after one that held rows, or where none did, however short the history', () => {
    expect(volumeFlag(0, [2_000])).toBe('loaded no rows, where the batch before held rows');
    // A first export of a header alone, and another after it.
    expect(volumeFlag(0, [])).toBe('loaded no rows, and no export before it held any');
    expect(volumeFlag(0, [0])).toBe('loaded no rows, and no export before it held any');
  });

  it.each([34, 100, 300])('says nothing of %d rows next to a median of 100 (within 3x)', (loaded) => {
    expect(volumeFlag(loaded, [90, 100, 110])).toBeUndefined();
  });

  it('flags a batch far below the median, with the factor and the median', () => {
    expect(volumeFlag(120, [10_000, 9_800, 10_150])).toBe(
      'loaded 120 rows, 83x fewer than the median 10,000 of the previous 3 batches',
    );
    expect(volumeFlag(33, [100, 100, 100])).toBe(
      'loaded 33 rows, 3.0x fewer than the median 100 of the previous 3 batches',
    );
  });

  it('flags a batch far above the median, the median of an even count being the mean of the middle two', () => {
    expect(volumeFlag(50_000, [10_000, 12_000, 9_000, 11_000])).toBe(
      'loaded 50,000 rows, 4.8x more than the median 10,500 of the previous 4 batches',
    );
  });

  it('flags a batch that loaded nothing, naming the median', () => {
    const flag = volumeFlag(0, [100, 100, 100]);
    expect(flag).toMatch(/^loaded no rows, against\b/);
    expect(flag).toMatch(/the median 100 of the previous 3 batches$/);
  });

  it('compares with the last ten batches only', () => {
    const previous = [...Array(5).fill(1_000_000), ...Array(10).fill(100)];
    expect(volumeFlag(100, previous)).toBeUndefined();
    expect(volumeFlag(1_000, previous)).toBe(
      'loaded 1,000 rows, 10x more than the median 100 of the previous 10 batches',
    );
  });

  it('says nothing when the median is zero', () => {
    expect(volumeFlag(5, [0, 0, 0])).toBeUndefined();
  });
});

describe('sourceStates', () => {
  const source = stockLevels('snapshot');

  it('says a source expected every day is overdue a day after its newest export, naming it', () => {
    const daily = defineSource({ ...stockLevelsInput('upsert'), expectedEvery: '1d' });
    const at = (id: number) => new Date(Date.UTC(2024, 4, id));
    const batches = [batch(1, { ingestedAt: at(1) }), batch(2, { ingestedAt: at(2) })];
    // 29 hours after the newest export: a little later than a day, within the grace.
    expect(
      sourceStates([daily], batches, new Date(at(2).getTime() + 29 * 3_600_000))[0]?.overdue,
    ).toBeUndefined();
    const [late] = sourceStates([daily], batches, new Date(at(2).getTime() + 31 * 3_600_000));
    expect(late?.overdue).toBe(
      'the newest export it holds was loaded 2024-05-02T00:00:00.000Z (1d7h ago), expected every 1d',
    );
    // A header-only export delivered nothing: the feed is still as late as before it.
    const [empty] = sourceStates(
      [daily],
      [...batches, batch(3, { ingestedAt: new Date(at(2).getTime() + 30 * 3_600_000), loaded: 0 })],
      new Date(at(2).getTime() + 31 * 3_600_000),
    );
    expect(empty?.overdue).toMatch(/^the newest export it holds was loaded 2024-05-02T00:00:00.000Z/);
    // Nor did one of events an earlier batch holds (a feed stuck re-sending its last export).
    const [resent] = sourceStates(
      [daily],
      [
        ...batches,
        batch(3, {
          ingestedAt: new Date(at(2).getTime() + 30 * 3_600_000),
          loaded: 4,
          flag: `${NOTHING_NEW_FLAG}; another flag`,
        }),
      ],
      new Date(at(2).getTime() + 31 * 3_600_000),
    );
    expect(resent?.overdue).toMatch(/^the newest export it holds was loaded 2024-05-02T00:00:00.000Z/);
    // Nor did the rows of the export before it, sent again in other bytes (counts not taken
    // again): it is said as the last batch's flag, without making products degraded.
    const again = batch(3, {
      ingestedAt: new Date(at(2).getTime() + 30 * 3_600_000),
      loaded: 4,
      flag: sameRowsFlag(2),
    });
    const [stuck] = sourceStates([daily], [...batches, again], new Date(at(2).getTime() + 31 * 3_600_000));
    expect(stuck?.overdue).toMatch(/^the newest export it holds was loaded 2024-05-02T00:00:00.000Z/);
    expect(stuck?.lastBatch?.flag).toBe(
      'nothing new: the same rows as batch 2, the newest export before it, sent again',
    );
    expect(degradingFlag(stuck?.lastBatch?.flag)).toBeUndefined();
    expect(degradingFlag(`${sameRowsFlag(2)}; another flag`)).toBe('another flag');
    expect(degradingFlag(NOTHING_NEW_FLAG)).toBe(NOTHING_NEW_FLAG);
    expect(deliveredNothingNew(`another flag; ${sameRowsFlag(2)}`)).toBe(true);
    expect(deliveredNothingNew('another flag')).toBe(false);
    // An older export's rows again, not meant: no delivery either, and it makes products degraded.
    const back = batch(3, {
      ingestedAt: new Date(at(2).getTime() + 30 * 3_600_000),
      loaded: 4,
      flag: changeBackFlag(1),
    });
    const [changedBack] = sourceStates(
      [daily],
      [...batches, back],
      new Date(at(2).getTime() + 31 * 3_600_000),
    );
    expect(changedBack?.overdue).toMatch(/^the newest export it holds was loaded 2024-05-02T00:00:00.000Z/);
    expect(degradingFlag(changedBack?.lastBatch?.flag)).toBe(changeBackFlag(1));
    expect(changedBack?.changedBack).toBeUndefined();
    // A later export does not end it for an upsert, whose exports replace only the keys they
    // list (the budget changed back stays current): said until the batch is reverted. A
    // snapshot's next export replaces every row.
    const next = batch(4, { ingestedAt: new Date(at(2).getTime() + 30.5 * 3_600_000), loaded: 1 });
    const later = new Date(at(2).getTime() + 31 * 3_600_000);
    expect(sourceStates([daily], [...batches, back, next], later)[0]?.changedBack).toMatch(
      /^batch 3 \(.*\) made an older export's rows current again, and later exports replace only the keys they list: mesh ingest --revert 3/,
    );
    expect(
      sourceStates([daily], [...batches, { ...back, revertedAt: later }, next], later)[0]?.changedBack,
    ).toBeUndefined();
    expect(sourceStates([source], [...batches, back, next], later)[0]?.changedBack).toBeUndefined();
    // The exports reverted, in the order they were, the last named apart (health compares each
    // with each product's build).
    const withReverts = [
      batch(1, { ingestedAt: at(1), revertedAt: at(4) }),
      batch(2, { ingestedAt: at(2), revertedAt: at(3) }),
      batch(3, { ingestedAt: at(3) }),
    ];
    const last = { batchId: 1, ingestedAt: at(1).toISOString(), revertedAt: at(4).toISOString() };
    expect(sourceStates([daily], withReverts, at(5))[0]).toMatchObject({
      batches: 1,
      lastReverted: last,
      reverted: [{ batchId: 2, ingestedAt: at(2).toISOString(), revertedAt: at(3).toISOString() }, last],
    });
    expect(sourceStates([daily], batches, at(5))[0]?.lastReverted).toBeUndefined();
    // Without an expectation, or with sample rows only (no system delivers them), nothing is late.
    expect(sourceStates([source], batches, new Date(at(20).getTime()))[0]?.overdue).toBeUndefined();
    const samples = batches.map((b) => ({ ...b, kind: 'sample' as const }));
    expect(sourceStates([daily], samples, at(20))[0]?.overdue).toBeUndefined();
    // A sample batch after the last export does not make the feed current.
    const [stillLate] = sourceStates(
      [daily],
      [...batches, batch(3, { kind: 'sample', ingestedAt: at(4) })],
      at(4),
    );
    expect(stillLate?.overdue).toMatch(
      /^the newest export it holds was loaded 2024-05-02T00:00:00.000Z \(2d ago\)/,
    );
    // Nor does a newer export since reverted: it is not held.
    const reverted = batch(4, { ingestedAt: at(3), revertedAt: at(3) });
    expect(sourceStates([daily], [...batches, reverted], at(4))[0]?.overdue).toMatch(/loaded 2024-05-02T/);
  });

  it('does not let an export recorded ahead of the clock make an overdue feed current, and names it', () => {
    const daily = defineSource({ ...stockLevelsInput('upsert'), expectedEvery: '1d' });
    const at = (id: number) => new Date(Date.UTC(2024, 4, id));
    const now = at(5);
    const batches = [batch(1, { ingestedAt: at(1) }), batch(2, { ingestedAt: at(2) })];
    // Batch 3 ingested on a machine whose clock was set a year ahead.
    const future = batch(3, { ingestedAt: new Date(Date.UTC(2025, 4, 5)) });
    const [state] = sourceStates([daily], [...batches, future], now);
    expect(state?.overdue).toBe(
      'the newest export it holds was loaded 2024-05-02T00:00:00.000Z (3d ago), expected every 1d',
    );
    expect(state?.clockAhead).toBe(
      "its batch 3 (exports/stock-3.csv) is recorded loaded 2025-05-05T00:00:00.000Z, 365 days ahead of this machine's clock: ingested where the clock was set ahead, so it does not count as a delivery; set that clock right",
    );
    // Every export ahead: when the feed last delivered cannot be told, so it is late.
    expect(sourceStates([daily], [future], now)[0]?.overdue).toBe(
      'no export it holds was loaded before now, expected every 1d: when it last delivered cannot be told',
    );
    // Without an expectation it is still said; a clock a few minutes fast is believed.
    expect(sourceStates([source], [future], now)[0]?.clockAhead).toMatch(/^its batch 3 /);
    const fast = batch(3, { ingestedAt: new Date(now.getTime() + 4 * 60_000) });
    expect(sourceStates([daily], [...batches, fast], now)[0]).not.toHaveProperty('clockAhead');
    expect(sourceStates([daily], [...batches, fast], now)[0]?.overdue).toBeUndefined();
  });

  it('refuses an expectation that is no duration, naming the source', () => {
    expect(() => defineSource({ ...stockLevelsInput('upsert'), expectedEvery: 'daily' as '1d' })).toThrow(
      /Source stock_levels is invalid: .*expectedEvery.*a duration such as 1d or 6h/,
    );
  });

  it('reads a source without batches as empty', () => {
    expect(sourceStates([source], [])).toEqual([
      { source: 'product.stock_levels', content: 'empty', batches: 0, rows: 0, lastBatch: undefined },
    ]);
  });

  it('reads a source holding only sample batches as sample, never flagging them', () => {
    const history = [1, 2, 3].map((id) => batch(id, { kind: 'sample', loaded: 10_000 }));
    const [state] = sourceStates(
      [source],
      [...history, batch(4, { kind: 'sample', file: 'sample scale=1 seed=42', loaded: 10 })],
    );
    expect(state).toEqual({
      source: 'product.stock_levels',
      content: 'sample',
      batches: 4,
      rows: 30_010,
      lastBatch: {
        batchId: 4,
        file: 'sample scale=1 seed=42',
        at: '2024-05-04T00:00:00.000Z',
        loaded: 10,
        rejected: 0,
        flag: undefined,
      },
    });
  });

  it('reads a source with any ingested batch as ingested', () => {
    const [state] = sourceStates(
      [source],
      [batch(1, { kind: 'sample' }), batch(2, { loaded: 40, rejected: 2 })],
    );
    expect(state).toMatchObject({
      content: 'ingested',
      batches: 2,
      rows: 140,
      lastBatch: { batchId: 2, file: 'exports/stock-2.csv', loaded: 40, rejected: 2, flag: undefined },
    });
  });

  it('ignores reverted batches and the batches of other sources, in any order', () => {
    const reverted = { revertedAt: new Date(Date.UTC(2024, 5, 1)) };
    const [state, pricesState] = sourceStates(
      [source, prices],
      [
        batch(5, { ...reverted, loaded: 7 }),
        batch(2),
        batch(3, { source: 'product.prices', loaded: 50 }),
        batch(1, { kind: 'sample' }),
        batch(4, { kind: 'ingest', ...reverted }),
      ],
    );
    expect(state).toMatchObject({ content: 'ingested', batches: 2, rows: 200, lastBatch: { batchId: 2 } });
    expect(pricesState).toMatchObject({
      source: 'product.prices',
      batches: 1,
      rows: 50,
      lastBatch: { batchId: 3 },
    });
  });

  it('reads a source whose batches were all reverted as empty', () => {
    const [state] = sourceStates([source], [batch(1, { revertedAt: new Date(0) })]);
    expect(state).toMatchObject({ content: 'empty', batches: 0, rows: 0, lastBatch: undefined });
  });

  it("flags the last batch against the source's earlier live ingest batches only", () => {
    const [state] = sourceStates(
      [source],
      [
        batch(1, { kind: 'sample', loaded: 120 }),
        batch(2, { loaded: 10_000 }),
        batch(3, { loaded: 9_800 }),
        batch(4, { loaded: 120, revertedAt: new Date(0) }),
        batch(5, { loaded: 10_150 }),
        batch(6, { loaded: 120 }),
      ],
    );
    expect(state?.lastBatch).toEqual({
      batchId: 6,
      file: 'exports/stock-6.csv',
      at: '2024-05-06T00:00:00.000Z',
      loaded: 120,
      rejected: 0,
      flag: 'loaded 120 rows, 83x fewer than the median 10,000 of the previous 3 batches',
    });
  });
  it("keeps an event or upsert source's earlier rejects said until their batch is reverted; a snapshot's only while last", () => {
    const batches = [
      batch(1, { kind: 'sample' }),
      batch(2, { rejected: 3 }),
      batch(3),
      batch(4, { rejected: 1, revertedAt: new Date(0) }),
      batch(5),
    ];
    for (const mode of ['append', 'upsert'] as const) {
      const [state] = sourceStates(
        [stockLevels(mode, mode === 'upsert' ? 'counted_at' : undefined)],
        batches,
      );
      expect(state?.earlierRejects).toBe(
        '3 rows rejected by batch #2 (exports/stock-2.csv) are in no figure, whatever came after (later exports add or replace only the rows they hold): mesh ingest --rejects 2 lists them; revert the batch and ingest it again corrected',
      );
    }
    // Reverted, it is no longer said; the last batch's rejects are said as the last batch's.
    const reverted = batches.map((b) => (b.batchId === 2 ? { ...b, revertedAt: new Date(0) } : b));
    expect(sourceStates([stockLevels('append')], reverted)[0]?.earlierRejects).toBeUndefined();
    expect(
      sourceStates([stockLevels('append')], [batch(2), batch(3, { rejected: 2 })])[0]?.earlierRejects,
    ).toBeUndefined();
    // Several, summed, the first named for --rejects.
    expect(
      sourceStates(
        [stockLevels('append')],
        [batch(2, { rejected: 1 }), batch(3, { rejected: 1 }), batch(5)],
      )[0]?.earlierRejects,
    ).toMatch(
      /^2 rows rejected by batches #2 \(exports\/stock-2\.csv\), #3 \(exports\/stock-3\.csv\) are in no figure.*--rejects 2 /,
    );
    // A snapshot's next export replaces every row: an earlier one's rejects are no row of it.
    expect(sourceStates([stockLevels('snapshot')], batches)[0]?.earlierRejects).toBeUndefined();
  });
});

describe('batchRecordOf', () => {
  it('reads a batch-log row back into a record: dates, mapping JSON, numbers', () => {
    const mapping = {
      rename: { product_id: 'SKU' },
      set: { currency: 'EUR' },
      values: { status: { A: 'ACTIVE' } },
    };
    expect(
      batchRecordOf({
        batch_id: 12n,
        source: 'product.stock_levels',
        kind: 'ingest',
        file: 'exports/stock.csv',
        sha256: 'abc',
        mapping: JSON.stringify(mapping),
        rows: '102',
        loaded: 100,
        rejected: 2,
        ingested_at: '2024-05-01T08:30:00.000Z',
        ingested_by: 'ana',
        reverted_at: new Date('2024-05-02T09:00:00.000Z'),
      }),
    ).toEqual({
      batchId: 12,
      source: 'product.stock_levels',
      kind: 'ingest',
      file: 'exports/stock.csv',
      sha256: 'abc',
      mapping,
      rows: 102,
      loaded: 100,
      rejected: 2,
      ingestedAt: new Date('2024-05-01T08:30:00.000Z'),
      ingestedBy: 'ana',
      revertedAt: new Date('2024-05-02T09:00:00.000Z'),
    });
  });

  it('defaults what a row lacks: empty mapping, zero counts, epoch, not reverted', () => {
    expect(
      batchRecordOf({
        batch_id: 3,
        source: 'product.prices',
        kind: 'sample',
        file: 'fixture rows',
        reverted_at: null,
      }),
    ).toEqual({
      batchId: 3,
      source: 'product.prices',
      kind: 'sample',
      file: 'fixture rows',
      sha256: '',
      mapping: { rename: {}, set: {}, values: {} },
      rows: 0,
      loaded: 0,
      rejected: 0,
      ingestedAt: new Date(0),
      ingestedBy: '',
      revertedAt: undefined,
    });
  });

  it('completes a partial mapping and reads any kind but sample as ingest', () => {
    const record = batchRecordOf({
      batch_id: 1,
      source: 's.t',
      kind: 'other',
      file: 'f',
      mapping: '{"rename":{"a":"A"}}',
    });
    expect(record.kind).toBe('ingest');
    expect(record.mapping).toEqual({ rename: { a: 'A' }, set: {}, values: {} });
  });
});

describe('currentRowsSelect', () => {
  const columns = '"product_id", "stock", "counted_at"';
  const log = '"product"."raw_stock_levels_log"';
  const select = (order: string, where = '') =>
    `SELECT ${columns} FROM (SELECT ${columns}, ROW_NUMBER() OVER (PARTITION BY "product_id" ORDER BY ${order}) ` +
    `AS "_version_rank" FROM ${log}${where}) AS "l" WHERE "_version_rank" = 1`;

  it('snapshot: keeps the rows of the newest batch, one per key', () => {
    expect(currentRowsSelect(stockLevels('snapshot'), ansi)).toBe(
      select(
        '"_batch_id" DESC, "_line" DESC NULLS LAST, "stock" DESC NULLS LAST, "counted_at" DESC NULLS LAST',
        ` WHERE "_batch_id" = (SELECT MAX("_batch_id") FROM ${log})`,
      ),
    );
  });

  it('upsert: keeps per key the highest cursor, then the newest batch, then the last line', () => {
    expect(currentRowsSelect(stockLevels('upsert', 'counted_at'), ansi)).toBe(
      select(
        '"counted_at" DESC NULLS LAST, "_batch_id" DESC, "_line" DESC NULLS LAST, "stock" DESC NULLS LAST',
      ),
    );
  });

  it('upsert without a cursor: keeps per key the newest batch, then the last line', () => {
    const text = currentRowsSelect(stockLevels('upsert'), ansi);
    expect(text).toContain('ORDER BY "_batch_id" DESC, "_line" DESC NULLS LAST, "stock" DESC NULLS LAST');
    expect(text).not.toContain('MAX(');
  });

  it('append: keeps per key the first copy (oldest batch, first line), ignoring any cursor', () => {
    const expected = select(
      '"_batch_id" ASC, "_line" ASC NULLS LAST, "stock" DESC NULLS LAST, "counted_at" DESC NULLS LAST',
    );
    expect(currentRowsSelect(stockLevels('append'), ansi)).toBe(expected);
    expect(currentRowsSelect(stockLevels('append', 'counted_at'), ansi)).toBe(expected);
  });

  it('partitions by every key column, in schema order', () => {
    const perStore = defineSource({
      domain: product,
      name: 'store_stock',
      description: 'Stock per store and product.',
      mode: 'snapshot',
      schema: z.object({
        store_id: z.string().meta({ key: true }),
        stock: z.int(),
        product_id: z.string().meta({ key: true }),
      }),
    });
    expect(currentRowsSelect(perStore, ansi)).toContain(
      'PARTITION BY "store_id", "product_id" ORDER BY "_batch_id" DESC, "_line" DESC NULLS LAST, "stock" DESC NULLS LAST)',
    );
  });
});

describe('rejectsSelect', () => {
  it("selects one batch's rejects in line order", () => {
    expect(rejectsSelect(stockLevels('snapshot'), 4, ansi, 50)).toBe(
      'SELECT "line", "reason", "record" FROM "product"."raw_stock_levels_rejects" WHERE "_batch_id" = 4 ORDER BY "line" LIMIT 50',
    );
  });
});

describe('batchAuthor', () => {
  it('prefers MESH_USER, then the OS user, then USER', () => {
    expect(batchAuthor({ MESH_USER: 'ci', USER: 'ana' }, () => 'os')).toBe('ci');
    expect(batchAuthor({ USER: 'ana' }, () => 'os')).toBe('os');
    expect(batchAuthor({ USERNAME: 'bo' })).toBe('bo');
  });

  it('falls back to unknown when the OS user cannot be read', () => {
    expect(
      batchAuthor({}, () => {
        throw new Error('no passwd entry');
      }),
    ).toBe('unknown');
    expect(batchAuthor({})).toBe('unknown');
  });
});

describe('isEmptyMapping', () => {
  it('is true only for a mapping that changes nothing', () => {
    expect(isEmptyMapping(EMPTY_MAPPING)).toBe(true);
    expect(isEmptyMapping({ ...EMPTY_MAPPING, set: { currency: 'EUR' } })).toBe(false);
    expect(isEmptyMapping({ ...EMPTY_MAPPING, values: { status: { A: 'ACTIVE' } } })).toBe(false);
  });
});
