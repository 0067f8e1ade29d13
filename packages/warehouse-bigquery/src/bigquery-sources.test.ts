import {
  currentRowsSelect,
  defineDomain,
  defineSource,
  EMPTY_MAPPING,
  keysChangedBackSelect,
  LOG_COLUMNS,
  lastLineTakenSelect,
  mapColumns,
  newerRowsSelect,
  repeatedEventsSelect,
  respeltKeysSelect,
  type Source,
  SYNC_MODES,
  sourceTablesOf,
  sql,
  thousandsDotSelect,
  z,
} from '@retail-mesh/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { bigqueryDialect } from './bigquery-dialect.js';
import { type StagedFile, validationStatements } from './bigquery-ingest.js';
import {
  batchLogStatements,
  PLATFORM_TABLES,
  sourceStatements,
  sourceViewStatement,
  tableStatement,
} from './bigquery-sources.js';
import { runLogStatements } from './bigquery-warehouse.js';
import {
  type AnalyzerColumnType,
  type AnalyzerTable,
  closeZetaSqlServer,
  createAnalyzer,
} from './testing/zetasql-analyzer.js';

afterAll(() => closeZetaSqlServer());

const PROJECT = 'retail-mesh-prod';
const dialect = bigqueryDialect({ projectId: PROJECT });
const shop = defineDomain({
  name: 'shop',
  description: 'Shop',
  owner: { team: 't', email: 't@x.example' },
});
const orderSchema = z.object({
  order_id: z.string().describe('Order').meta({ key: true }),
  line_no: z.int().describe('Line of the order').meta({ key: true }),
  quantity: z.int().describe('Units'),
  amount: z.number().meta({ type: 'decimal' }).describe('Amount'),
  discount: z.number().describe('Share given away').nullable(),
  gift: z.boolean().describe('Wrapped as a gift').nullable(),
  status: z.enum(['completed', 'cancelled']).describe("Order's status"),
  sold_on: z.iso.date().describe('Business day'),
  updated_at: z.date().describe('Last change').nullable(),
});
const sources = Object.fromEntries(
  SYNC_MODES.map((mode) => [
    mode,
    defineSource({
      domain: shop,
      name: `orders_${mode}`,
      description: `Order lines (${mode}), as the till's export has them`,
      mode,
      ...(mode === 'append' ? {} : { cursor: 'updated_at' }),
      schema: orderSchema,
    }),
  ]),
) as unknown as Record<(typeof SYNC_MODES)[number], Source>;
const snapshotWithoutCursor = defineSource({
  domain: shop,
  name: 'stock',
  description: 'Stock counts',
  mode: 'snapshot',
  schema: z.object({ sku: z.string().describe('SKU').meta({ key: true }), units: z.int().describe('Units') }),
});
const source = sources.upsert;

const typeOf = (type: string) => dialect.columnType(type as never) as AnalyzerColumnType;
const logTable = (s: Source): AnalyzerTable => ({
  path: [PROJECT, s.log.schema, s.log.name],
  columns: [...s.columns, ...LOG_COLUMNS].map((c) => ({ name: c.name, type: typeOf(c.type) })),
});

describe('the SQL of sources and batches, through ZetaSQL', () => {
  it("creates each source's log, rejects table and current-rows view, in every mode", async () => {
    const analyzer = await createAnalyzer([]);
    for (const s of [...Object.values(sources), snapshotWithoutCursor]) {
      const [log, rejects, view, replaced] = await analyzer.analyzeAll([
        ...sourceStatements(s, dialect),
        sourceViewStatement(s, dialect, { replace: true }),
      ]);
      expect([log, rejects], s.id).toEqual([{ ok: true }, { ok: true }]);
      const outputColumns = s.columns.map((c) => ({ name: c.name, type: typeOf(c.type) }));
      expect(view, s.id).toEqual({ ok: true, outputColumns });
      expect(replaced, s.id).toEqual({ ok: true, outputColumns });
    }
    const [log, rejects, view] = sourceStatements(source, dialect);
    expect(log).toContain('`_batch_id` INT64 NOT NULL');
    expect(log).toContain('`_line` INT64 OPTIONS');
    expect(log).toContain('CLUSTER BY `_batch_id`');
    expect(rejects).toContain(
      'CREATE TABLE IF NOT EXISTS `retail-mesh-prod`.`shop`.`raw_orders_upsert_rejects` (\n  `_batch_id` INT64 NOT NULL',
    );
    expect(view).toBe(
      `CREATE VIEW IF NOT EXISTS \`retail-mesh-prod\`.\`shop\`.\`raw_orders_upsert\` OPTIONS(description='Order lines (upsert), as the till\\'s export has them')\nAS ${currentRowsSelect(source, dialect)}`,
    );
    await analyzer.close();
  });

  it('finds keys held written otherwise (respeltKeysSelect) in GoogleSQL, a composite key folding its text part', async () => {
    const current = (s: Source): AnalyzerTable => ({
      path: [PROJECT, s.table.schema, s.table.name],
      columns: s.columns.map((c) => ({ name: c.name, type: typeOf(c.type) })),
    });
    const analyzer = await createAnalyzer([
      logTable(source),
      current(source),
      current(snapshotWithoutCursor),
      logTable(snapshotWithoutCursor),
      logTable(sources.append),
    ]);
    const batch = (s: Source) => sql.raw(`(SELECT * FROM ${dialect.tableName(s.log)})`);
    const upsert = respeltKeysSelect(source, batch(source), dialect)!;
    expect(upsert).toContain("LOWER(LTRIM(`b`.`order_id`, '0')) AND `h`.`line_no` = `b`.`line_no`");
    const results = await analyzer.analyzeAll([
      upsert,
      respeltKeysSelect(snapshotWithoutCursor, batch(snapshotWithoutCursor), dialect)!,
      // And, by a cursor, the rows newer than those held (none: an export delivered late).
      newerRowsSelect(source, batch(source), dialect)!,
      // And events held, their times compared to the second.
      repeatedEventsSelect(sources.append, batch(sources.append), dialect),
    ]);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(newerRowsSelect(snapshotWithoutCursor, batch(snapshotWithoutCursor), dialect)).toBeUndefined();
    await analyzer.close();
  });

  it('finds, for an upsert without a cursor, keys changed back and keys given twice, in GoogleSQL', async () => {
    const uncursored = defineSource({
      domain: shop,
      name: 'orders_uncursored',
      description: 'Orders, without a time of change',
      mode: 'upsert',
      schema: orderSchema,
    });
    const checked = { schema: 'shop', name: '_check_orders' };
    const analyzer = await createAnalyzer([
      logTable(uncursored),
      {
        path: [PROJECT, checked.schema, checked.name],
        columns: [
          { name: '__line', type: 'INT64' },
          { name: '__reason', type: 'STRING' },
          ...uncursored.columns.map((c) => ({ name: c.name, type: typeOf(c.type) })),
        ],
      },
    ]);
    const table = sql.raw(dialect.tableName(checked));
    const back = keysChangedBackSelect(
      uncursored,
      sql.raw(`(SELECT * FROM ${dialect.tableName(checked)})`),
      dialect,
    )!;
    const twice = lastLineTakenSelect(uncursored, table, dialect)!;
    expect((await analyzer.analyzeAll([back, twice])).filter((r) => !r.ok)).toEqual([]);
    // A cursor ranks revisions: nothing to ask.
    expect(keysChangedBackSelect(source, table, dialect)).toBeUndefined();
    expect(lastLineTakenSelect(source, table, dialect)).toBeUndefined();
    await analyzer.close();
  });

  it('counts amounts written as thousands grouped by dots (thousandsDotSelect) in GoogleSQL', async () => {
    const staged = { schema: 'shop', name: '_load_orders' };
    const analyzer = await createAnalyzer([
      {
        path: [PROJECT, staged.schema, staged.name],
        columns: [
          { name: 'c1', type: 'STRING' },
          { name: 'c2', type: 'STRING' },
        ],
      },
    ]);
    const numbers = [
      ['amount', sql.raw('`t`.`c1`')],
      ['discount', sql.raw('`t`.`c2`')],
    ] as const;
    const select = thousandsDotSelect(numbers, sql.raw(dialect.tableName(staged)), dialect)!;
    expect(select).toContain("REGEXP_CONTAINS(`t`.`c1`, '^\\\\s*[+-]?[0-9]{1,3}(\\\\.[0-9]{3})+\\\\s*$')");
    expect((await analyzer.analyzeAll([select])).filter((r) => !r.ok)).toEqual([]);
    await analyzer.close();
  });

  it('keeps the current rows of each mode: the SELECT of the view analyzes on its own', async () => {
    const analyzer = await createAnalyzer(Object.values(sources).map(logTable));
    for (const s of Object.values(sources)) {
      expect(await analyzer.analyze(currentRowsSelect(s, dialect)), s.id).toMatchObject({ ok: true });
    }
    expect(currentRowsSelect(sources.snapshot, dialect)).toContain(
      'WHERE `_batch_id` = (SELECT MAX(`_batch_id`) FROM `retail-mesh-prod`.`shop`.`raw_orders_snapshot_log`)',
    );
    await analyzer.close();
  });

  it('creates the run log and the batch log, and reads, reverts and samples batches', async () => {
    const analyzer = await createAnalyzer([logTable(source)]);
    const batchLog = batchLogStatements(dialect);
    const results = await analyzer.analyzeAll([
      runLogStatements(dialect).create,
      batchLog.create,
      ...sourceStatements(source, dialect),
      batchLog.list(),
      batchLog.list({ source: source.id, includeReverted: true }),
      batchLog.get(7),
      ...batchLog.revert(7, sourceTablesOf(source.id)),
      ...batchLog.sample(
        source,
        "SELECT 'o1' AS order_id, 1 AS line_no, 2 AS quantity, NUMERIC '9.5' AS amount, 0.1 AS discount, TRUE AS gift, 'completed' AS status, DATE '2026-01-02' AS sold_on, CURRENT_TIMESTAMP() AS updated_at",
        'fixture rows',
        'mesh-ci',
      ),
    ]);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(batchLog.create).toContain('`rows` INT64 NOT NULL');
    expect(batchLog.create).toContain('`reverted_at` TIMESTAMP OPTIONS');
    expect(tableStatement(dialect, PLATFORM_TABLES.runs)).toContain(
      'PARTITION BY TIMESTAMP_TRUNC(`finished_at`, DAY)\nCLUSTER BY `domain`, `product`',
    );
    expect(batchLog.list({ source: source.id })).toBe(
      "SELECT * FROM `retail-mesh-prod`.`_mesh`.`batches` WHERE `source` = 'shop.orders_upsert' AND `reverted_at` IS NULL ORDER BY `batch_id`",
    );
    await analyzer.close();
  });

  it('validates a staged CSV and a staged Parquet file, then appends a batch, in SQL that analyzes', async () => {
    const fileColumns = [
      'Order No',
      'line_no',
      'Qty',
      'amount',
      'discount',
      'gift',
      'STATUS',
      'sold_on',
      'extra',
    ];
    const mapping = {
      ...EMPTY_MAPPING,
      rename: { order_id: 'Order No', quantity: 'Qty' },
      values: { status: { done: 'completed' } },
    };
    const { origins: columns, problems } = mapColumns(source, fileColumns, mapping);
    expect(problems).toEqual([]);
    expect(columns.get('status')).toEqual({ kind: 'file', column: 'STATUS' });
    expect(columns.get('updated_at')).toEqual({ kind: 'absent' });
    const csv: StagedFile = {
      table: { schema: 'shop', name: '_load_orders_upsert_1' },
      format: 'csv',
      columns: fileColumns,
    };
    const parquet: StagedFile = {
      ...csv,
      table: { schema: 'shop', name: '_load_orders_upsert_2' },
      format: 'parquet',
    };
    const parquetTypes: AnalyzerColumnType[] = [
      'STRING',
      'INT64',
      'INT64',
      'NUMERIC',
      'FLOAT64',
      'BOOL',
      'STRING',
      'DATE',
      'TIMESTAMP',
    ];
    const analyzer = await createAnalyzer([
      logTable(source),
      {
        path: [PROJECT, 'shop', csv.table.name],
        columns: [
          { name: '__line', type: 'INT64' },
          { name: '__reason', type: 'STRING' },
          { name: '__record', type: 'STRING' },
          ...fileColumns.map((_, i) => ({ name: `c${i + 1}`, type: 'STRING' as const })),
        ],
      },
      {
        path: [PROJECT, 'shop', parquet.table.name],
        columns: fileColumns.map((name, i) => ({ name, type: parquetTypes[i]! })),
      },
    ]);
    const batchLog = batchLogStatements(dialect);
    const checked = { schema: 'shop', name: '_check_orders_upsert_1' };
    const batch = {
      source: source.id,
      kind: 'ingest' as const,
      file: 'exports/orders.csv',
      sha256: 'ab12',
      mapping: '{}',
      rows: 10,
      loaded: 8,
      rejected: 2,
      author: 'mesh-ci',
    };
    for (const staged of [csv, parquet]) {
      // The table of checked rows, the updates of its reasons (an upsert's revisions stamped
      // midnight, here), then the summary.
      const statements = validationStatements(source, staged, checked, mapping, columns, dialect);
      const [validate] = statements;
      const updates = statements.slice(1, -1);
      const summary = statements.at(-1);
      expect(updates.every((u) => u.startsWith('UPDATE'))).toBe(true);
      const results = await analyzer.analyzeAll([
        batchLog.create,
        ...sourceStatements(source, dialect),
        validate!,
        ...updates,
        summary!,
        ...batchLog.append(source, checked, batch, { replaceSample: true }),
        `DROP TABLE ${dialect.tableName(checked)}`,
      ]);
      expect(
        results.filter((r) => !r.ok),
        staged.format,
      ).toEqual([]);
      expect(results[4], staged.format).toEqual({
        ok: true,
        outputColumns: [
          { name: '__line', type: 'INT64' },
          { name: '__reason', type: 'STRING' },
          { name: '__record', type: 'STRING' },
          ...source.columns.map((c) => ({ name: c.name, type: typeOf(c.type) })),
        ],
      });
      expect(results[5 + updates.length], staged.format).toEqual({
        ok: true,
        outputColumns: [
          { name: 'rows', type: 'INT64' },
          { name: 'rejected', type: 'INT64' },
          // A CSV's records that begin as its header does (see headerInOtherOrder).
          ...(staged.format === 'csv'
            ? [{ name: 'header_like', type: 'ARRAY<STRUCT<line INT64, values ARRAY<STRING>>>' }]
            : []),
          // A CSV's amounts written as thousands grouped by dots (see thousandsDotFlag).
          ...(staged.format === 'csv'
            ? [{ name: 'dots', type: 'STRUCT<d0 INT64, g0 INT64, e0 STRING, d1 INT64, g1 INT64, e1 STRING>' }]
            : []),
          // Its cursor's times later than the load (see aheadOfLoadFlag).
          { name: 'ahead', type: 'STRUCT<a0 INT64, l0 INT64>' },
          { name: 'sample', type: 'ARRAY<STRUCT<line INT64, reason STRING>>' },
        ],
      });
    }
    await analyzer.close();
  });
});
