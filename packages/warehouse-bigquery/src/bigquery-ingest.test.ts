import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeKind, ZetaSQLClient } from '@fivetrandevelopers/zetasql';
import type { LanguageOptionsProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/LanguageOptionsProto.js';
import type { EvaluateQueryRequest } from '@fivetrandevelopers/zetasql/lib/types/zetasql/local_service/EvaluateQueryRequest.js';
import type { EvaluateQueryResponse__Output } from '@fivetrandevelopers/zetasql/lib/types/zetasql/local_service/EvaluateQueryResponse.js';
import type { ValueProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/ValueProto.js';
import {
  canonicalMapping,
  conflictingEventsSelect,
  currentRowsSelect,
  defineDomain,
  defineSource,
  deletedRowReason,
  deletionMarkers,
  EMPTY_MAPPING,
  type FileIngester,
  INGEST_BEFORE_EARLIEST_DAY,
  INGEST_DATE_ONLY_CURSOR,
  INGEST_DECIMAL_COMMA_FILE_REFUSALS,
  INGEST_FLOAT_WRITTEN_ID,
  INGEST_INEXACT_FLOAT,
  INGEST_INVISIBLE_IN_KEY,
  INGEST_MIDNIGHT_CURSOR,
  INGEST_MOJIBAKE,
  INGEST_NONFINITE_TEXT,
  INGEST_NUMBER_REFUSALS,
  INGEST_PLACEHOLDER_DAY,
  INGEST_SCIENTIFIC_TEXT,
  INGEST_SEMICOLON_NUMBER_REFUSALS,
  INGEST_SPREADSHEET_ERROR,
  INGEST_ZONED_TIME,
  type IngestMapping,
  keysGoneFlag,
  mapColumns,
  percentAsFractionFlag,
  percentAsFractionSelect,
  type Source,
  sameRowsFlag,
  scanCsv,
  sourceTablesOf,
  sql,
  TEXT_PADDING,
  unitsShiftedFlag,
  unmatchedColumns,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bigqueryDialect } from './bigquery-dialect.js';
import { csvStagingColumns, validationStatements } from './bigquery-ingest.js';
import {
  batchLogStatements,
  PLATFORM_TABLES,
  script,
  sourceStatements,
  sourceViewStatement,
  tableStatement,
} from './bigquery-sources.js';
import { createBigQueryWarehouse, runLogStatements } from './bigquery-warehouse.js';
import {
  type BigQueryStandIn,
  STAND_IN_TOKEN,
  type StandInQueryOutcome,
  startBigQueryStandIn,
} from './testing/bigquery-stand-in.js';
import {
  type AnalyzerColumnType,
  type AnalyzerTable,
  closeZetaSqlServer,
  createAnalyzer,
} from './testing/zetasql-analyzer.js';

/** Why a date column refuses a time of day or midnight at an offset. */
const TIME_IN_DATE =
  ' holds a time of day or an offset besides its date, which may be another day in UTC (a local midnight written in UTC is the day before): write the date alone (2026-12-01)';

const PROJECT = 'retail-mesh-test';
const API = `/bigquery/v2/projects/${PROJECT}`;
const dialect = bigqueryDialect({ projectId: PROJECT });
const batchLog = batchLogStatements(dialect);
const dir = mkdtempSync(join(tmpdir(), 'bigquery-ingest-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeZetaSqlServer();
});

const shop = defineDomain({
  name: 'shop',
  description: 'Point of sale',
  owner: { team: 'Shop Data', email: 'shop-data@retail.example' },
});
const orders = defineSource({
  domain: shop,
  name: 'orders',
  description: 'Orders from the tills',
  mode: 'upsert',
  schema: z.object({
    order_id: z.string().describe('Order').meta({ key: true }),
    quantity: z.int().describe('Units'),
    status: z.enum(['completed', 'cancelled']).describe('Status'),
  }),
});

// A blank line (4), a quoted field over two lines (5-6), a malformed quote (7), no final newline (8).
const CSV =
  'order_id,Qty,status\no1,2,completed\no2,2.5,open\n\no3,1,"cancel\nled"\no4,x"y,completed\no5,3,COMPLETED';
const csvFile = join(dir, 'orders.csv');
writeFileSync(csvFile, CSV);
const MAPPING: IngestMapping = { ...EMPTY_MAPPING, rename: { quantity: 'Qty' } };
const mappingJson = (mapping: IngestMapping) => JSON.stringify(canonicalMapping(mapping));

/** The batch log as the test's BigQuery holds it: the stand-in runs no SQL, so scripts are answered here. */
type BatchRow = {
  batch_id: number;
  source: string;
  kind: string;
  file: string;
  sha256: string;
  mapping: string;
  rows: number;
  loaded: number;
  rejected: number;
  ingested_at: Date;
  ingested_by: string;
  reverted_at: Date | null;
};
const BATCH_SCHEMA = PLATFORM_TABLES.batches.layout.columns.map((c) => ({
  name: c.name,
  type: dialect.columnType(c.type),
}));
const batch = (row: Partial<BatchRow> & { batch_id: number }): BatchRow => ({
  source: orders.id,
  kind: 'ingest',
  file: `exports/${row.batch_id}.csv`,
  sha256: `sha-${row.batch_id}`,
  mapping: mappingJson(EMPTY_MAPPING),
  rows: 100,
  loaded: 100,
  rejected: 0,
  ingested_at: new Date('2026-03-01T10:00:00Z'),
  ingested_by: 'ana',
  reverted_at: null,
  ...row,
});

let standIn: BigQueryStandIn;
let warehouse: Warehouse & FileIngester;
let batches: BatchRow[];
/** What the validation query finds wrong, by line, beyond what the scan refused. */
let invalid: Record<number, string>;

function respond(query: string): StandInQueryOutcome {
  const batchesTable = dialect.tableName(PLATFORM_TABLES.batches.ref);
  const rowsOf = (list: BatchRow[]) => ({ schema: BATCH_SCHEMA, rows: list });
  if (query.startsWith(`SELECT * FROM ${batchesTable}`)) {
    const id = /`batch_id` = (\d+)/.exec(query)?.[1];
    const source = /`source` = '([^']+)'/.exec(query)?.[1];
    return rowsOf(
      batches.filter(
        (b) =>
          (id === undefined || b.batch_id === Number(id)) &&
          (source === undefined || b.source === source) &&
          (!query.includes('`reverted_at` IS NULL') || !b.reverted_at),
      ),
    );
  }
  const validation =
    /^CREATE TABLE `[^`]+`\.`shop`\.`_check_\w+`[\s\S]*FROM `[^`]+`\.`shop`\.`(_load_\w+)`/.exec(query);
  if (validation) {
    const table = standIn.table('shop', validation[1]!)!;
    const csv = (table.resource.schema as { fields: Array<{ name: string }> }).fields[0]?.name === '__line';
    const staged = table.rows;
    // A CSV carries its lines and the scan's reasons; Parquet rows are numbered.
    const rejects = staged
      .map((r, i) =>
        csv
          ? { line: Number(r[0]), reason: (r[1] as string | null) ?? invalid[Number(r[0])] }
          : { line: i + 1, reason: invalid[i + 1] },
      )
      .filter((r) => r.reason)
      .sort((a, b) => a.line - b.line);
    // The records whose first value is one of the header's names (the query lists them).
    const names = /LOWER\(TRIM\(`c1`\)\) IN \(([^)]*)\)/
      .exec(query)?.[1]
      ?.split(', ')
      .map((n) => n.slice(1, -1));
    const headerLike = staged
      .filter(
        (r) =>
          csv &&
          !r[1] &&
          names?.includes(
            String(r[3] ?? '')
              .trim()
              .toLowerCase(),
          ),
      )
      .map((r) => ({ line: Number(r[0]), values: r.slice(3).map((v) => v ?? '') }));
    return {
      schema: [
        { name: 'rows', type: 'INT64' },
        { name: 'rejected', type: 'INT64' },
        {
          name: 'header_like',
          type: 'RECORD',
          mode: 'REPEATED',
          fields: [
            { name: 'line', type: 'INT64' },
            { name: 'values', type: 'STRING', mode: 'REPEATED' },
          ],
        },
        {
          name: 'sample',
          type: 'RECORD',
          mode: 'REPEATED',
          fields: [
            { name: 'line', type: 'INT64' },
            { name: 'reason', type: 'STRING' },
          ],
        },
      ],
      rows: [[staged.length, rejects.length, headerLike, rejects.slice(0, 5)]],
    };
  }
  if (query.startsWith('BEGIN TRANSACTION')) {
    const sample =
      /SELECT COALESCE\(MAX\(`batch_id`\), 0\) \+ 1, '([\w.]+)', '(\w+)', '([^']*)', '(\w*)', '([^']*)', (\d+), (\d+), (\d+)/.exec(
        query,
      );
    const revert = /`batch_id` = (\d+) AND `reverted_at` IS NULL;/.exec(query);
    if (revert) for (const b of batches) if (b.batch_id === Number(revert[1])) b.reverted_at = new Date();
    const kind = query.includes("'sample', 'fixture rows'") ? 'sample' : sample?.[2];
    if (!kind) return undefined;
    const created = batch({
      batch_id: Math.max(0, ...batches.map((b) => b.batch_id)) + 1,
      kind,
      ...(sample
        ? {
            file: sample[3]!,
            sha256: sample[4]!,
            mapping: sample[5]!,
            rows: Number(sample[6]),
            loaded: Number(sample[7]),
            rejected: Number(sample[8]),
          }
        : { file: 'fixture rows', sha256: '', mapping: '{}', rows: 2, loaded: 2 }),
    });
    batches.push(created);
    // The older samples go after the new batch is recorded.
    if (
      query.includes(`DELETE FROM ${batchesTable} WHERE \`source\` = 'shop.orders' AND \`kind\` = 'sample'`)
    )
      batches = batches.filter((b) => b.kind !== 'sample' || b.batch_id === created.batch_id);
    return rowsOf([created]);
  }
  return undefined;
}

beforeEach(async () => {
  standIn = await startBigQueryStandIn({ projectId: PROJECT, location: 'EU' });
  standIn.onQuery(respond);
  batches = [];
  invalid = {};
  warehouse = (await createBigQueryWarehouse({
    projectId: PROJECT,
    location: 'EU',
    apiEndpoint: standIn.url,
    accessToken: STAND_IN_TOKEN,
  })) as Warehouse & FileIngester;
  process.env.MESH_USER = 'mesh-ci';
});

afterEach(async () => {
  delete process.env.MESH_USER;
  await warehouse.close();
  await standIn.close();
});

/** The query jobs sent, as their configuration. */
/** The query jobs run (the dry runs that price some of them first are left out). */
const jobs = () =>
  standIn
    .find('POST', `${API}/jobs`)
    .map(
      (r) =>
        (r.body as { configuration: { query?: { query: string; scriptOptions?: object }; dryRun?: boolean } })
          .configuration,
    )
    .filter((c) => c.query && !c.dryRun);
const statements = () => jobs().map((c) => c.query!.query);

type BatchColumns = AnalyzerTable['columns'];

/** Answers the queries that set a batch against its source (`WHERE EXISTS`) with one count; they are kept. */
function answerBatchQueries(column: string, n: number): string[] {
  const seen: string[] = [];
  standIn.onQuery((query) => {
    if (!query.includes('WHERE EXISTS (SELECT 1 FROM')) return respond(query);
    seen.push(query);
    return { schema: [{ name: column, type: 'INT64' }], rows: [[n]] };
  });
  return seen;
}

/**
 * ZetaSQL's verdict on such a query, over the table it reads in `shop` (`columns`, or `read`
 * where it has more) and the file's validated rows (`_check_*`, the columns and the reason).
 */
async function analyzeBatchQuery(query: string, table: string, columns: BatchColumns, read = columns) {
  const checked = /`(_check_\w+)`/.exec(query)?.[1] ?? '_check_missing';
  const analyzer = await createAnalyzer([
    { path: [PROJECT, 'shop', table], columns: read },
    { path: [PROJECT, 'shop', checked], columns: [...columns, { name: '__reason', type: 'STRING' }] },
  ]);
  try {
    return await analyzer.analyze(query);
  } finally {
    await analyzer.close();
  }
}

describe('sources on BigQuery, against the REST stand-in', () => {
  it('creates the platform tables, the log, the rejects table and the view of a source once', async () => {
    await warehouse.ensureSource(orders);
    expect(
      standIn
        .find('POST', `${API}/datasets`)
        .map((r) => (r.body as { datasetReference: object }).datasetReference),
    ).toEqual([{ datasetId: '_mesh' }, { datasetId: 'shop' }]);
    expect(statements()).toEqual([
      script([
        runLogStatements(dialect).create,
        runLogStatements(dialect).migrate,
        batchLog.create,
        batchLog.migrate,
        tableStatement(dialect, PLATFORM_TABLES.healthHistory),
      ]),
      script(sourceStatements(orders, dialect)),
    ]);
    await expect(statements()[1]).toMatchFileSnapshot('__snapshots__/ensure-source.sql');
    await warehouse.ensureSource(orders);
    expect(statements()).toHaveLength(2);
  });

  it('replaces the view of current rows when its definition changed, and only then', async () => {
    // The view as an older release of the domain defined it (another mode).
    standIn.putTable('shop', 'raw_orders', {
      schema: [],
      metadata: {
        type: 'VIEW',
        view: { query: 'SELECT order_id FROM shop.raw_orders_log', useLegacySql: false },
      },
    });
    await warehouse.ensureSource(orders);
    expect(statements().at(-1)).toBe(sourceViewStatement(orders, dialect, { replace: true }));
    expect(statements().at(-1)).toMatch(/^CREATE OR REPLACE VIEW `[^`]+`\.`shop`\.`raw_orders`/);

    const again = await createBigQueryWarehouse({
      projectId: PROJECT,
      location: 'EU',
      apiEndpoint: standIn.url,
      accessToken: STAND_IN_TOKEN,
    });
    standIn.putTable('shop', 'raw_orders', {
      schema: [],
      metadata: { type: 'VIEW', view: { query: currentRowsSelect(orders, dialect), useLegacySql: false } },
    });
    standIn.clear();
    await again.ensureSource(orders);
    expect(statements().some((s) => s.startsWith('CREATE OR REPLACE VIEW'))).toBe(false);
    await again.close();
  });

  it('lists batches oldest first, of one source, with or without the reverted ones', async () => {
    batches = [
      batch({ batch_id: 1, reverted_at: new Date('2026-03-02T00:00:00Z') }),
      batch({ batch_id: 2, mapping: mappingJson(MAPPING) }),
    ];
    const live = await warehouse.listBatches({ source: orders.id });
    expect(live).toEqual([
      {
        batchId: 2,
        source: 'shop.orders',
        kind: 'ingest',
        file: 'exports/2.csv',
        sha256: 'sha-2',
        mapping: MAPPING,
        rows: 100,
        loaded: 100,
        rejected: 0,
        ingestedAt: new Date('2026-03-01T10:00:00Z'),
        ingestedBy: 'ana',
        revertedAt: undefined,
      },
    ]);
    expect((await warehouse.listBatches({ includeReverted: true })).map((b) => b.batchId)).toEqual([1, 2]);
    expect(statements().slice(-2)).toEqual([
      "SELECT * FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `source` = 'shop.orders' AND `reverted_at` IS NULL ORDER BY `batch_id`",
      'SELECT * FROM `retail-mesh-test`.`_mesh`.`batches` ORDER BY `batch_id`',
    ]);
  });

  it('reverts a batch in one transaction, and refuses an unknown or reverted one', async () => {
    batches = [batch({ batch_id: 3 })];
    const reverted = await warehouse.revertBatch(orders, 3);
    expect(reverted).toMatchObject({ batchId: 3, source: 'shop.orders', revertedAt: expect.any(Date) });
    expect(statements().slice(-3)).toEqual([
      'SELECT * FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `batch_id` = 3',
      `BEGIN TRANSACTION;
DELETE FROM \`retail-mesh-test\`.\`shop\`.\`raw_orders_log\` WHERE \`_batch_id\` = 3;
DELETE FROM \`retail-mesh-test\`.\`shop\`.\`raw_orders_rejects\` WHERE \`_batch_id\` = 3;
UPDATE \`retail-mesh-test\`.\`_mesh\`.\`batches\` SET \`reverted_at\` = CURRENT_TIMESTAMP() WHERE \`batch_id\` = 3 AND \`reverted_at\` IS NULL;
COMMIT TRANSACTION;`,
      'SELECT * FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `batch_id` = 3',
    ]);
    expect(sourceTablesOf(orders.id)).toEqual({ log: orders.log, rejects: orders.rejects });
    await expect(warehouse.revertBatch(orders, 3)).rejects.toMatchObject({
      kind: 'usage',
      code: 'batch-reverted',
      message: expect.stringContaining('Batch 3 (shop.orders, exports/3.csv) was already reverted'),
    });
    await expect(warehouse.revertBatch(orders, 9)).rejects.toMatchObject({
      kind: 'usage',
      code: 'unknown-batch',
    });
  });

  it('replaces the sample with a new sample batch, and refuses a source holding ingested rows', async () => {
    batches = [batch({ batch_id: 1, kind: 'sample', file: 'sample scale=1 seed=42' })];
    const select = "SELECT 'o1' AS `order_id`, 2 AS `quantity`, 'completed' AS `status`";
    expect(await warehouse.writeSampleBatch(orders, select, 'fixture rows')).toEqual({
      rowCount: 2,
      batchId: 2,
    });
    const [job] = jobs().slice(-1);
    expect(job?.query).toMatchObject({
      query: script(batchLog.sample(orders, select, 'fixture rows', 'mesh-ci')),
      scriptOptions: { keyResultStatement: 'FIRST_SELECT' },
    });
    await expect(job?.query?.query).toMatchFileSnapshot('__snapshots__/sample-batch.sql');
    // The old sample is gone, rows and record: a sample is replaced, not kept as history.
    expect(batches.map((b) => [b.batch_id, b.kind])).toEqual([[2, 'sample']]);

    batches.push(batch({ batch_id: 3 }));
    await expect(warehouse.writeSampleBatch(orders, select, 'fixture rows')).rejects.toMatchObject({
      kind: 'usage',
      code: 'source-holds-ingested-rows',
      message:
        'shop.orders holds ingested rows: sample rows are never mixed with them. Revert its batches (mesh ingest --list shop.orders) or use another warehouse.',
    });
  });
});

describe('ingesting a CSV file on BigQuery', () => {
  it('uploads the loadable records with their lines, validates them in one query and appends in one transaction', async () => {
    batches = [batch({ batch_id: 1, kind: 'sample' })];
    invalid = {
      3: 'quantity (file column Qty): "2.5" is not a valid integer; status: "open" is not one of completed, cancelled',
    };
    const result = await warehouse.ingestFile(orders, csvFile, { mapping: MAPPING });
    const scan = await scanCsv(csvFile);
    expect(result).toEqual({
      file: csvFile,
      sha256: scan.sha256,
      status: 'loaded',
      batchId: 2,
      rows: 5,
      loaded: 3,
      rejected: 2,
      replacedSample: true,
      flag: undefined,
      sampleRejects: [
        { line: 3, reason: invalid[3] },
        { line: 7, reason: 'malformed quote: a quote inside unquoted field 2' },
      ],
      rejectsTable: orders.rejects,
    });

    // The staging table: created first, with an expiry, then loaded, then dropped.
    const [created] = standIn.find('POST', `${API}/datasets/shop/tables`);
    const staging = (created!.body as { tableReference: { tableId: string } }).tableReference.tableId;
    expect(staging).toMatch(/^_load_orders_[0-9a-f]{8}$/);
    expect(created!.body).toMatchObject({
      schema: { fields: csvStagingColumns(['order_id', 'Qty', 'status']) },
      expirationTime: expect.stringMatching(/^\d+$/),
    });
    const hours =
      (Number((created!.body as { expirationTime: string }).expirationTime) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(5.9);
    expect(hours).toBeLessThanOrEqual(6);

    const [upload] = standIn.find('POST', `/upload${API}/jobs`);
    expect(upload!.query.uploadType).toBe('multipart');
    expect((upload!.body as { configuration: object }).configuration).toEqual({
      load: {
        destinationTable: { projectId: PROJECT, datasetId: 'shop', tableId: staging },
        sourceFormat: 'CSV',
        schema: {
          fields: [
            { name: '__line', type: 'INTEGER', mode: 'REQUIRED' },
            { name: '__reason', type: 'STRING' },
            { name: '__record', type: 'STRING' },
            { name: 'c1', type: 'STRING' },
            { name: 'c2', type: 'STRING' },
            { name: 'c3', type: 'STRING' },
          ],
        },
        skipLeadingRows: 1,
        fieldDelimiter: ',',
        quote: '"',
        allowQuotedNewlines: true,
        allowJaggedRows: true,
        encoding: 'UTF-8',
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_NEVER',
        location: 'EU',
      },
    });
    // Each loadable record with its physical line; the refused one at the end with its reason and text.
    expect(upload!.media?.toString()).toBe(
      [
        '__line,__reason,__record,order_id,Qty,status',
        '2,,,o1,2,completed',
        '3,,,o2,2.5,open',
        '5,,,o3,1,"cancel\nled"',
        '8,,,o5,3,COMPLETED',
        '7,"malformed quote: a quote inside unquoted field 2","{""text"":""o4,x\\""y,completed""}"',
        '',
      ].join('\n'),
    );

    const checked = { schema: 'shop', name: staging.replace('_load_', '_check_') };
    const staged = { table: { schema: 'shop', name: staging }, format: 'csv' as const, columns: scan.header };
    const { origins: columns } = mapColumns(orders, scan.header, MAPPING);
    const [, , , validation, append] = jobs();
    expect(validation?.query).toMatchObject({
      query: script(validationStatements(orders, staged, checked, MAPPING, columns, dialect)),
      scriptOptions: { keyResultStatement: 'LAST' },
    });
    expect(append?.query).toMatchObject({
      query: script(
        batchLog.append(
          orders,
          checked,
          {
            source: 'shop.orders',
            kind: 'ingest',
            file: csvFile,
            sha256: scan.sha256,
            mapping: '{"rename":{"quantity":"Qty"},"set":{},"values":{}}',
            rows: 5,
            loaded: 3,
            rejected: 2,
            author: 'mesh-ci',
          },
          { replaceSample: true },
        ),
      ),
      scriptOptions: { keyResultStatement: 'FIRST_SELECT' },
    });
    const pinned = (text: string) =>
      text.replaceAll(staging.slice('_load_'.length), 'x').replaceAll(csvFile, 'orders.csv');
    await expect(pinned(`${validation?.query?.query}\n\n${append?.query?.query}\n`)).toMatchFileSnapshot(
      '__snapshots__/ingest-csv.sql',
    );
    expect(
      standIn.find('DELETE', `${API}/datasets/shop/tables/*`).map((r) => r.path.split('/').at(-1)),
    ).toEqual([checked.name, staging]);
    expect(standIn.table('shop', staging)).toBeUndefined();
  });

  it('answers already-ingested for the same bytes with the same mapping, uploading nothing', async () => {
    const { sha256 } = await scanCsv(csvFile);
    batches = [
      batch({
        batch_id: 4,
        file: 'old/orders.csv',
        sha256,
        mapping: mappingJson(MAPPING),
        rows: 5,
        loaded: 3,
        rejected: 2,
      }),
    ];
    const result = await warehouse.ingestFile(orders, csvFile, { mapping: MAPPING });
    expect(result).toMatchObject({
      status: 'already-ingested',
      batchId: 4,
      rows: 0,
      loaded: 0,
      replacedSample: false,
    });
    expect(standIn.find('POST', `/upload${API}/jobs`)).toEqual([]);
    // Another mapping is another batch.
    const again = await warehouse.ingestFile(orders, csvFile, {
      mapping: { ...MAPPING, values: { status: { done: 'completed' } } },
    });
    expect(again).toMatchObject({ status: 'loaded', batchId: 5, replacedSample: false });
    expect(again.reloads).toBeUndefined();
  });

  it('loads an export delivered again after later ones, and says which batch it repeats', async () => {
    const { sha256 } = await scanCsv(csvFile);
    const earlier = { sha256, mapping: mappingJson(MAPPING), rows: 5, loaded: 5, rejected: 0 };
    batches = [
      batch({ batch_id: 4, file: 'monday/orders.csv', ...earlier }),
      batch({ batch_id: 5, file: 'tuesday/orders.csv', ...earlier, sha256: 'sha-tuesday' }),
    ];
    // No cursor: the latest export wins, so Monday's again is loaded over Tuesday's, and said.
    const result = await warehouse.ingestFile(orders, csvFile, { mapping: MAPPING });
    expect(result).toMatchObject({ status: 'loaded', batchId: 6, reloads: 4 });
  });

  it('loads nothing when rejects exceed --max-rejects, and drops its staging tables', async () => {
    invalid = { 3: 'quantity (file column Qty): "2.5" is not a valid integer' };
    await expect(
      warehouse.ingestFile(orders, csvFile, { mapping: MAPPING, maxRejects: 1 }),
    ).rejects.toMatchObject({
      kind: 'build',
      code: 'too-many-rejects',
      subject: { source: 'orders', file: csvFile, line: 3 },
      message: expect.stringContaining(
        '2 of 5 rows are invalid, more than --max-rejects 1; nothing was loaded',
      ),
    });
    expect(statements().some((s) => s.startsWith('BEGIN TRANSACTION'))).toBe(false);
    expect(batches).toEqual([]);
    expect(standIn.find('DELETE', `${API}/datasets/shop/tables/*`)).toHaveLength(2);
  });

  it('refuses two exports joined whose headers list the columns in other orders, appending nothing', async () => {
    const joined = join(dir, 'joined.csv');
    writeFileSync(joined, 'order_id,Qty,status\no1,2,completed\nstatus,order_id,Qty\ncompleted,o2,1\n');
    await expect(warehouse.ingestFile(orders, joined, { mapping: MAPPING })).rejects.toMatchObject({
      code: 'ingest-unreadable',
      message: expect.stringContaining(
        `${joined} repeats its header at line 3 with the columns in another order (status, order_id, Qty)`,
      ),
    });
    expect(jobs().some((j) => j.query?.query.startsWith('BEGIN TRANSACTION'))).toBe(false);
  });

  it('refuses a file that does not fit the source before uploading it', async () => {
    await expect(warehouse.ingestFile(orders, csvFile)).rejects.toMatchObject({
      kind: 'build',
      code: 'ingest-mapping',
      message: expect.stringContaining('column quantity (required) is not in the file'),
    });
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    await expect(warehouse.ingestFile(orders, empty)).rejects.toMatchObject({ code: 'ingest-unreadable' });
    expect(standIn.find('POST', `/upload${API}/jobs`)).toEqual([]);
  });

  it('refuses an export without an optional column whose known values it would erase, in a query that analyzes', async () => {
    const customers = defineSource({
      domain: shop,
      name: 'customers',
      description: 'Customers from the CRM',
      mode: 'upsert',
      schema: z.object({
        customer_id: z.string().describe('Customer').meta({ key: true }),
        country: z.string().nullable().describe('Country'),
      }),
    });
    batches = [batch({ batch_id: 1, source: 'shop.customers' })];
    const erasing = answerBatchQueries('n0', 2);
    const lacking = join(dir, 'customers.csv');
    writeFileSync(lacking, 'customer_id\nc1\nc2\n');
    await expect(warehouse.ingestFile(customers, lacking)).rejects.toMatchObject({
      code: 'ingest-would-erase',
      subject: { source: 'customers', file: lacking, column: 'country' },
      message: expect.stringContaining(
        'has no column country, which shop.customers holds for 2 of the rows it updates',
      ),
    });
    expect(statements().some((q) => q.startsWith('BEGIN TRANSACTION'))).toBe(false);
    // Priced by a dry run, then run.
    expect(erasing).toHaveLength(2);
    const columns: BatchColumns = [
      { name: 'customer_id', type: 'STRING' },
      { name: 'country', type: 'STRING' },
    ];
    expect(await analyzeBatchQuery(erasing[0]!, 'raw_customers', columns)).toMatchObject({ ok: true });
  });

  it('rejects a revision stamped midnight of a day a later one was saved, in a query that analyzes', async () => {
    const crm = defineSource({
      domain: shop,
      name: 'crm',
      description: 'Customer revisions',
      mode: 'upsert',
      cursor: 'updated_at',
      schema: z.object({
        customer_id: z.string().describe('Customer').meta({ key: true }),
        opt_in: z.boolean().describe('Opted in'),
        updated_at: z.date().describe('Saved at'),
      }),
    });
    const checked = { schema: 'shop', name: '_check_crm_1' };
    const staged = {
      table: { schema: 'shop', name: '_load_crm_1' },
      format: 'csv' as const,
      columns: ['customer_id', 'opt_in', 'updated_at'],
    };
    const statements = validationStatements(
      crm,
      staged,
      checked,
      EMPTY_MAPPING,
      mapColumns(crm, staged.columns, EMPTY_MAPPING).origins,
      dialect,
    );
    const update = statements.find((q) => q.startsWith('UPDATE') && q.includes('raw_crm'))!;
    expect(update).toContain(INGEST_MIDNIGHT_CURSOR.slice(0, 60));
    const columns: BatchColumns = [
      { name: '__line', type: 'INT64' },
      { name: 'customer_id', type: 'STRING' },
      { name: 'opt_in', type: 'BOOL' },
      { name: 'updated_at', type: 'TIMESTAMP' },
    ];
    expect(await analyzeBatchQuery(update, 'raw_crm', columns, columns.slice(1))).toMatchObject({ ok: true });
  });

  it('counts the events a batch repeats with other values, in a query that analyzes', async () => {
    const returns = defineSource({
      domain: shop,
      name: 'returns',
      description: 'Returns, as events',
      mode: 'append',
      schema: z.object({
        return_id: z.string().describe('Return').meta({ key: true }),
        refund: z.number().meta({ type: 'decimal' }).describe('Refund'),
      }),
    });
    batches = [batch({ batch_id: 1, source: 'shop.returns' })];
    const counted = answerBatchQueries('n', 1);
    const resent = join(dir, 'returns.csv');
    writeFileSync(resent, 'return_id,refund\nr1,12.50\nr2,3\n');
    expect(await warehouse.ingestFile(returns, resent)).toMatchObject({
      status: 'loaded',
      repeatedEvents: 1,
    });
    expect(counted[0]).toMatch(/IS NOT DISTINCT FROM `b`\.`refund`/);
    const columns: BatchColumns = [
      { name: 'return_id', type: 'STRING' },
      { name: 'refund', type: 'NUMERIC' },
    ];
    // It reads the source's log: every live copy, with its batch and line.
    const log: BatchColumns = [
      ...columns,
      { name: '_batch_id', type: 'INT64' },
      { name: '_line', type: 'INT64' },
    ];
    expect(await analyzeBatchQuery(counted[0]!, 'raw_returns_log', columns, log)).toMatchObject({ ok: true });
  });

  it("says when a snapshot's older export comes again in other bytes, in a query that analyzes", async () => {
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
    // Two exports of two rows each: the first one's rows, sent again in CRLF.
    batches = [1, 2].map((id) => batch({ batch_id: id, source: sites.id, rows: 2, loaded: 2 }));
    const seen: string[] = [];
    standIn.onQuery((query, _params, context) => {
      if (!query.includes('HAVING COUNT(*) = (SELECT COUNT(*) FROM')) return respond(query);
      if (!context.dryRun) seen.push(query);
      return { schema: [{ name: 'batch_id', type: 'INT64' }], rows: [[1]] };
    });
    const resent = join(dir, 'sites.csv');
    writeFileSync(resent, 'site_id,size\r\nS1,10\r\nS2,20\r\n');
    expect(await warehouse.ingestFile(sites, resent)).toMatchObject({ status: 'loaded', reloads: 1 });
    // Both exports of as many rows are compared in one query, the newest kept where both match.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(
      /WHERE `l`\.`_batch_id` IN \(1, 2\) GROUP BY .* ORDER BY `l`\.`_batch_id` DESC LIMIT 1$/,
    );
    // The newest export's rows again: no change back, but nothing new (see sameRowsFlag).
    standIn.onQuery((query) =>
      query.includes('HAVING COUNT(*) = (SELECT COUNT(*) FROM')
        ? { schema: [{ name: 'batch_id', type: 'INT64' }], rows: [[2]] }
        : respond(query),
    );
    writeFileSync(resent, 'site_id,size\nS1,10\nS2,20\n');
    const again = await warehouse.ingestFile(sites, resent);
    expect(again).toMatchObject({ status: 'loaded', flag: sameRowsFlag(2) });
    expect(again.reloads).toBeUndefined();
    const columns: BatchColumns = [
      { name: 'site_id', type: 'STRING' },
      { name: 'size', type: 'INT64' },
    ];
    const log: BatchColumns = [
      ...columns,
      { name: '_batch_id', type: 'INT64' },
      { name: '_line', type: 'INT64' },
    ];
    expect(await analyzeBatchQuery(seen[0]!, 'raw_sites_log', columns, log)).toMatchObject({ ok: true });
  });

  it('flags an export whose amounts are in other units than those held, in a query that analyzes', async () => {
    const sales = defineSource({
      domain: shop,
      name: 'sales',
      description: 'Till sales',
      mode: 'upsert',
      schema: z.object({
        sale_id: z.string().describe('Sale').meta({ key: true }),
        amount: z.number().meta({ type: 'decimal' }).describe('Amount paid'),
      }),
    });
    batches = [batch({ batch_id: 1, source: 'shop.sales' })];
    // The stand-in runs no SQL: the typical amounts of the file (cents) and of the rows held (euros).
    const typical = { bn0: 12, bl0: Math.log(1299), hn0: 40, hl0: Math.log(12.99) };
    const seen: string[] = [];
    standIn.onQuery((query, _params, context) => {
      if (!query.includes('LN(')) return respond(query);
      if (!context.dryRun) seen.push(query);
      return {
        schema: Object.keys(typical).map((name) => ({
          name,
          type: name.includes('n') ? 'INT64' : 'FLOAT64',
        })),
        rows: [Object.values(typical)],
      };
    });
    const cents = join(dir, 'sales.csv');
    writeFileSync(cents, 'sale_id,amount\ns1,1299\n');
    const result = await warehouse.ingestFile(sales, cents);
    expect(result.flag).toBe(unitsShiftedFlag(sales, typical));
    expect(result.flag).toMatch(
      /^holds values of amount 100x larger \(typically 1,299 against 12\.99\) than the rows shop\.sales held/,
    );
    expect(seen).toHaveLength(1);
    const columns: BatchColumns = [
      { name: 'sale_id', type: 'STRING' },
      { name: 'amount', type: 'NUMERIC' },
    ];
    expect(await analyzeBatchQuery(seen[0]!, 'raw_sales', columns)).toMatchObject({ ok: true });
  });

  it('flags a snapshot export that lacks a third of the keys held, in a query that analyzes', async () => {
    const staff = defineSource({
      domain: shop,
      name: 'staff',
      description: 'Everyone on the staff list',
      mode: 'snapshot',
      schema: z.object({
        staff_id: z.string().describe('Staff').meta({ key: true }),
        store_id: z.string().describe('Store'),
      }),
    });
    batches = [batch({ batch_id: 1, source: 'shop.staff' })];
    // The stand-in runs no SQL: the list held has 621 keys, 311 of which the export lacks.
    const seen: string[] = [];
    standIn.onQuery((query, _params, context) => {
      if (!query.includes('`__present`')) return respond(query);
      if (!context.dryRun) seen.push(query);
      return {
        schema: [
          { name: 'n', type: 'INT64' },
          { name: 'gone', type: 'INT64' },
        ],
        rows: [[621, 311]],
      };
    });
    const cut = join(dir, 'staff.csv');
    writeFileSync(cut, 'staff_id,store_id\nE1,S1\n');
    const result = await warehouse.ingestFile(staff, cut);
    expect(result.flag).toBe(keysGoneFlag(staff, 621, 311));
    expect(result.flag).toMatch(/^lacks 311 of the 621 keys shop\.staff held before it \(50%\)/);
    expect(seen).toHaveLength(1);
    const columns: BatchColumns = [
      { name: 'staff_id', type: 'STRING' },
      { name: 'store_id', type: 'STRING' },
    ];
    expect(await analyzeBatchQuery(seen[0]!, 'raw_staff', columns)).toMatchObject({ ok: true });
  });

  it('flags an export to a list that keeps its former rows which leaves out keys it held, in a query that analyzes', async () => {
    const sites = defineSource({
      domain: shop,
      name: 'sites',
      description: 'Every site, open or closed, exported whole',
      mode: 'snapshot',
      keepsFormerRows: true,
      schema: z.object({
        site_id: z.string().describe('Site').meta({ key: true }),
        size: z.int().describe('Square metres'),
      }),
    });
    batches = [batch({ batch_id: 1, source: sites.id, rows: 4, loaded: 4 })];
    // The keys its current rows hold that the file leaves out: S3 and S4 of four.
    const seen: string[] = [];
    standIn.onQuery((query, _params, context) => {
      if (!query.includes('AS `held`, MIN(')) return respond(query);
      if (!context.dryRun) seen.push(query);
      return {
        schema: [
          { name: 'n', type: 'INT64' },
          { name: 'held', type: 'INT64' },
          { name: 'first', type: 'STRING' },
        ],
        rows: [[2, 4, 'S3']],
      };
    });
    const cut = join(dir, 'sites.csv');
    writeFileSync(cut, 'site_id,size\nS1,10\nS2,20\n');
    const result = await warehouse.ingestFile(sites, cut);
    expect(result).toMatchObject({ status: 'loaded' });
    expect(result.flag).toMatch(
      /^leaves out 2 of the 4 keys the rows before it held \(S3 the first\), where shop\.sites keeps its former rows/,
    );
    expect(seen).toHaveLength(1);
    const columns: BatchColumns = [
      { name: 'site_id', type: 'STRING' },
      { name: 'size', type: 'INT64' },
    ];
    expect(await analyzeBatchQuery(seen[0]!, 'raw_sites', columns)).toMatchObject({ ok: true });
  });

  it('flags a batch far smaller than the source recent ones', async () => {
    batches = [1, 2, 3].map((id) => batch({ batch_id: id, loaded: 1000 }));
    const result = await warehouse.ingestFile(orders, csvFile, { mapping: MAPPING });
    expect(result.flag).toBe('loaded 4 rows, 250x fewer than the median 1,000 of the previous 3 batches');
  });
});

describe('ingesting a Parquet file on BigQuery', () => {
  it('loads it as PARQUET and numbers its rows in the validation query', async () => {
    const file = join(dir, 'orders.parquet');
    writeFileSync(file, 'PAR1 not really');
    standIn.onLoad((configuration) => {
      expect(configuration).toMatchObject({ sourceFormat: 'PARQUET' });
      return {
        schema: [
          { name: 'order_id', type: 'STRING' },
          { name: 'quantity', type: 'INT64' },
          { name: 'status', type: 'STRING' },
        ],
        rows: [['o1', 2, 'completed']],
      };
    });
    const result = await warehouse.ingestFile(orders, file);
    expect(result).toMatchObject({ status: 'loaded', rows: 1, loaded: 1, rejected: 0 });
    const [upload] = standIn.find('POST', `/upload${API}/jobs`);
    expect((upload!.body as { configuration: { load: object } }).configuration.load).toEqual({
      destinationTable: expect.objectContaining({ datasetId: 'shop' }),
      sourceFormat: 'PARQUET',
      writeDisposition: 'WRITE_TRUNCATE',
      createDisposition: 'CREATE_NEVER',
      location: 'EU',
    });
    const validation = statements().find((s) =>
      s.startsWith('CREATE TABLE `retail-mesh-test`.`shop`.`_check_'),
    )!;
    expect(validation).toContain('SELECT ROW_NUMBER() OVER () AS `__line`');
    const pad = dialect.literal(TEXT_PADDING);
    expect(validation).toContain(
      `IF(LOWER(TRIM(SAFE_CAST(\`t\`.\`quantity\` AS STRING), ${pad})) = 'null' OR TRIM(SAFE_CAST(\`t\`.\`quantity\` AS STRING), ${pad}) = '\\\\N', NULL, IF(TRIM(SAFE_CAST(\`t\`.\`quantity\` AS STRING), ${pad}) = '', NULL, SAFE_CAST(\`t\`.\`quantity\` AS STRING))) AS \`__text_quantity\``,
    );
    expect(validation).toContain('TO_JSON_STRING(`t`) AS `__record`');
  });

  it('rejects a Parquet list in a mapped column row by row, never casting it, in a query that analyzes', async () => {
    const file = join(dir, 'nested.parquet');
    writeFileSync(file, 'PAR1 not really');
    standIn.onLoad(() => ({
      schema: [
        { name: 'order_id', type: 'STRING' },
        { name: 'quantity', type: 'INT64' },
        { name: 'status', type: 'STRING', mode: 'REPEATED' },
      ],
      rows: [['o1', 2, ['completed']]],
    }));
    await warehouse.ingestFile(orders, file);
    const validation = statements().find((s) =>
      s.startsWith('CREATE TABLE `retail-mesh-test`.`shop`.`_check_'),
    )!;
    expect(validation).toContain('ARRAY_LENGTH(`t`.`status`) > 0 AS `__nested_status`');
    expect(validation).toContain(
      "IF(`__nested_status`, 'status: is a list in the file (ARRAY<STRING>), not one value: export the column as a plain value', NULL)",
    );
    expect(validation).not.toContain('SAFE_CAST(`t`.`status` AS STRING)');
    const staging = validation.match(/FROM `retail-mesh-test`\.`shop`\.`(_load_[^`]+)` AS `t`/)![1]!;
    const analyzer = await createAnalyzer([
      {
        path: [PROJECT, 'shop', staging],
        columns: [
          { name: 'order_id', type: 'STRING' },
          { name: 'quantity', type: 'INT64' },
          { name: 'status', type: 'ARRAY<STRING>' },
        ],
      },
    ]);
    // The script's first statement, the CREATE TABLE of the checked rows.
    const [analyzed] = await analyzer.analyzeAll([validation.slice(0, validation.indexOf(';\n'))]);
    await analyzer.close();
    expect(analyzed).toEqual(expect.objectContaining({ ok: true }));
  });

  it('says a file that is not Parquet cannot be read', async () => {
    const file = join(dir, 'broken.parquet');
    writeFileSync(file, 'nope');
    standIn.onLoad(() => ({
      error: { reason: 'invalid', message: 'Error while reading data: not a Parquet file' },
    }));
    await expect(warehouse.ingestFile(orders, file)).rejects.toMatchObject({
      code: 'ingest-unreadable',
      message: expect.stringContaining('is not a readable PARQUET file: Error while reading data'),
    });
    expect(standIn.find('DELETE', `${API}/datasets/shop/tables/*`)).toHaveLength(2);
  });
});

describe('listFiles', () => {
  it('expands *, ? and ** into sorted paths, and names a plain file only if it exists', async () => {
    const root = join(dir, 'exports');
    mkdirSync(join(root, '2026', '03'), { recursive: true });
    for (const f of ['b.csv', 'a.csv', 'a.txt', '2026/c.csv', '2026/03/d.csv'])
      writeFileSync(join(root, f), '');
    expect(await warehouse.listFiles(`${root}/*.csv`)).toEqual([`${root}/a.csv`, `${root}/b.csv`]);
    expect(await warehouse.listFiles(`${root}/?.txt`)).toEqual([`${root}/a.txt`]);
    expect(await warehouse.listFiles(`${root}/**/*.csv`)).toEqual([
      `${root}/2026/03/d.csv`,
      `${root}/2026/c.csv`,
      `${root}/a.csv`,
      `${root}/b.csv`,
    ]);
    expect(await warehouse.listFiles(`${root}/a.csv`)).toEqual([`${root}/a.csv`]);
    expect(await warehouse.listFiles(`${root}/none.csv`)).toEqual([]);
    expect(await warehouse.listFiles(`${root}/nowhere/*.csv`)).toEqual([]);
  });
});

// The validation query, run: the stand-in executes no SQL, so the query's SELECT runs in ZetaSQL's
// reference implementation of GoogleSQL (the server the analyzer starts) over a staged CSV held
// in memory. Each rule has a row it rejects, with DuckDB's reason, and the rows it keeps.

/** The server's language: every released feature, as BigQuery (external mode) sees them. */
let languageOptions: LanguageOptionsProto;
beforeAll(async () => {
  // Starts the ZetaSQL server of this process (a 90 MB binary): time for a cold CI machine.
  await (await createAnalyzer([])).close();
  const maximum = await ZetaSQLClient.getInstance().getLanguageOptions({ maximumFeatures: true });
  languageOptions = {
    enabledLanguageFeatures: maximum?.enabledLanguageFeatures ?? [],
    productMode: 'PRODUCT_EXTERNAL',
  };
}, 60_000);

const rules = defineSource({
  domain: shop,
  name: 'rules',
  description: 'One column per rule of validation',
  mode: 'append',
  schema: z.object({
    id: z.string().describe('Row').meta({ key: true }),
    qty: z.int().nullable().describe('Within 2^53'),
    small: z.int32().nullable().describe('Within 2^31'),
    big: z.uint64().nullable().describe('At least 0, all an INT64 holds'),
    price: z.number().nullable().describe('Finite'),
    amount: z.number().meta({ type: 'decimal' }).min(0).nullable().describe('Not negative'),
    day: z.iso.date().nullable().describe('A day'),
    at: z.date().nullable().describe('An instant'),
    channel: z.enum(['store', 'Store', ' pad ', 'ONLINE']).nullable().describe('Case twins and spaces'),
    size: z.enum({ one: 1, two: 2 }).nullable().describe('A numeric enumeration'),
  }),
});

const STAGED = { schema: 'shop', name: '_load_rules' };
const CHECKED = { schema: 'shop', name: '_check_rules' };
/** The staged table of a CSV: line, the scan's reason and record, then the file's columns by position. */
const csvColumns = (header: readonly string[]) => [
  { name: '__line', type: 'INT64' as const },
  { name: '__reason', type: 'STRING' as const },
  { name: '__record', type: 'STRING' as const },
  ...header.map((_, i) => ({ name: `c${i + 1}`, type: 'STRING' as const })),
];

type StagedType = 'STRING' | 'INT64' | 'FLOAT64' | 'BYTES';
const TYPE_KINDS: Record<StagedType, TypeKind> = {
  STRING: TypeKind.TYPE_STRING,
  BYTES: TypeKind.TYPE_BYTES,
  INT64: TypeKind.TYPE_INT64,
  FLOAT64: TypeKind.TYPE_DOUBLE,
};
const cellOf = (type: StagedType, value: string | number | Buffer): ValueProto =>
  type === 'BYTES'
    ? { bytesValue: value as Buffer }
    : type === 'STRING'
      ? { stringValue: String(value) }
      : type === 'INT64'
        ? { int64Value: value as string | number }
        : { doubleValue: Number(value) };

/** A staged file: a CSV's records (null for an empty cell), or Parquet rows of typed columns. */
type StagedRows =
  | {
      format: 'csv';
      header: readonly string[];
      records: ReadonlyArray<ReadonlyArray<string | null>>;
      delimiter?: string;
    }
  | {
      format: 'parquet';
      columns: ReadonlyArray<{ name: string; type: StagedType }>;
      records: ReadonlyArray<ReadonlyArray<string | number | Buffer | null>>;
    };

/**
 * Validates a staged file as `ingestFile` would: the script analyzes as GoogleSQL, then its
 * SELECT runs over the rows (a CSV's records on lines from 2). Returns each row's line, reason
 * and typed values (as STRING), by line.
 */
async function validate(source: Source, file: StagedRows, mapping: IngestMapping = EMPTY_MAPPING) {
  const csv = file.format === 'csv';
  const header = csv ? file.header : file.columns.map((c) => c.name);
  const columns = csv ? csvColumns(file.header) : file.columns;
  const rows = file.records.map((cells, i) => (csv ? [i + 2, null, null, ...cells] : cells));
  const floating = csv
    ? undefined
    : new Set(file.columns.filter((c) => c.type === 'FLOAT64').map((c) => c.name));
  const delimiter = csv ? file.delimiter : undefined;
  const staged = { table: STAGED, format: file.format, columns: header, floating, delimiter };
  const { origins } = mapColumns(source, header, mapping);
  // Marked deleted by file columns no source column takes, as ingestFile finds them.
  const markers = deletionMarkers(unmatchedColumns(source, header, origins, mapping.rename).unused);
  const statements = validationStatements(source, staged, CHECKED, mapping, origins, dialect, markers);
  const analyzer = await createAnalyzer([
    { path: [PROJECT, STAGED.schema, STAGED.name], columns: [...columns] },
    // The source's current rows, which an upsert's checks of its revisions read.
    {
      path: [PROJECT, source.table.schema, source.table.name],
      columns: source.columns.map((c) => ({
        name: c.name,
        type: dialect.columnType(c.type) as AnalyzerColumnType,
      })),
    },
  ]);
  const analyzed = await analyzer.analyzeAll(statements);
  await analyzer.close();
  expect(analyzed.filter((r) => !r.ok)).toEqual([]);

  // The CREATE TABLE's query, over the staged table held at the catalog's root.
  const create = statements[0]!;
  const select = create
    .slice(create.indexOf('\nAS SELECT ') + 4)
    .replaceAll(dialect.tableName(STAGED), dialect.quoteIdent(STAGED.name));
  const q = dialect.quoteIdent;
  const request: EvaluateQueryRequest = {
    sql: `SELECT CAST(${q('__line')} AS STRING), ${q('__reason')}, ${source.columns.map((c) => `CAST(${q(c.name)} AS STRING)`).join(', ')}
FROM (${select}) ORDER BY ${q('__line')}`,
    options: { languageOptions, defaultTimezone: 'UTC', errorMessageMode: 'ERROR_MESSAGE_ONE_LINE' },
    simpleCatalog: {
      name: 'bigquery',
      table: [
        {
          name: STAGED.name,
          column: columns.map((c) => ({ name: c.name, type: { typeKind: TYPE_KINDS[c.type] } })),
        },
      ],
      builtinFunctionOptions: { languageOptions },
    },
    tableContent: {
      [STAGED.name]: {
        tableData: {
          row: rows.map((cells) => ({
            cell: cells.map((v, c) => (v === null ? {} : cellOf(columns[c]!.type, v))),
          })),
        },
      },
    },
  };
  const response = await new Promise<EvaluateQueryResponse__Output | undefined>((resolve, reject) =>
    ZetaSQLClient.API.evaluateQuery(request, (error, value) => (error ? reject(error) : resolve(value))),
  );
  return (response?.content?.tableData?.row ?? []).map(({ cell }) => {
    const [line, reason, ...values] = cell.map((c) => c.stringValue ?? null);
    return {
      line: Number(line),
      reason,
      values: Object.fromEntries(source.columns.map((c, i) => [c.name, values[i]])),
    };
  });
}

const HEADER = ['id', 'qty', 'small', 'big', 'price', 'amount', 'day', 'at', 'channel', 'size'];
/** A record valid in every column but the ones given. */
const record = (id: string, cells: Record<string, string | null> = {}) =>
  HEADER.map((name) => (name === 'id' ? id : name in cells ? cells[name]! : null));
const csvOf = (records: ReadonlyArray<ReadonlyArray<string | null>>): StagedRows => ({
  format: 'csv',
  header: HEADER,
  records,
});

describe('validating a staged file on BigQuery, as GoogleSQL runs it', () => {
  it('rejects from an upsert the rows its export marks deleted, and leaves them out of a snapshot', async () => {
    const schema = z.object({
      customer_id: z.string().describe('Customer').meta({ key: true }),
      city: z.string().describe('City'),
    });
    const upsert = defineSource({
      domain: shop,
      name: 'crm',
      description: 'CRM revisions',
      mode: 'upsert',
      schema,
    });
    const export_ = (marker: string, values: ReadonlyArray<string | null>): StagedRows => ({
      format: 'csv',
      header: ['customer_id', 'city', marker],
      records: values.map((v, i) => [`C${i}`, 'Leeds', v]),
    });
    // A tab or a line break around a marker is padding, as on DuckDB (sql.trim).
    const flags = await validate(
      upsert,
      export_('IsDeleted', ['false', ' TRUE ', null, '1', 'no', 'TRUE\t', '\n1']),
    );
    expect(flags.map((r) => [r.values.customer_id, r.reason])).toEqual([
      ['C0', null],
      ['C1', deletedRowReason(upsert, [{ column: 'IsDeleted', kind: 'flag' }])],
      ['C2', null],
      ['C3', deletedRowReason(upsert, [{ column: 'IsDeleted', kind: 'flag' }])],
      ['C4', null],
      ['C5', deletedRowReason(upsert, [{ column: 'IsDeleted', kind: 'flag' }])],
      ['C6', deletedRowReason(upsert, [{ column: 'IsDeleted', kind: 'flag' }])],
    ]);
    // Debezium's operations: c(reate), u(pdate), d(elete), r(ead by a snapshot).
    const ops = await validate(upsert, export_('op', ['c', 'u', 'd', 'r']));
    expect(ops.map((r) => r.reason !== null)).toEqual([false, false, true, false]);
    const snapshot = defineSource({
      domain: shop,
      name: 'crm_list',
      description: 'CRM list',
      mode: 'snapshot',
      schema,
    });
    const stamps = await validate(
      snapshot,
      export_('deleted_at', ['2026-03-01 10:00:00', null, 'NULL', '', '\t']),
    );
    // Left out, not rejected: a snapshot holds what exists. A lone tab holds no time.
    expect(stamps.map((r) => [r.values.customer_id, r.reason])).toEqual([
      ['C1', null],
      ['C2', null],
      ['C3', null],
      ['C4', null],
    ]);
  });

  it('rejects a later copy of an event with other values, naming its key and first line', async () => {
    const events = defineSource({
      domain: shop,
      name: 'events',
      description: 'Events of a till',
      mode: 'append',
      schema: z.object({
        event_id: z.string().describe('Event').meta({ key: true }),
        amount: z.number().describe('Amount'),
      }),
    });
    const checked = [
      [2, null, 'X1', 5],
      [3, null, 'X1', 500],
      [4, null, 'X2', 7],
      [5, null, 'X2', 7],
      [6, 'amount: missing', 'X3', null],
      [7, null, 'X3', 1],
    ] as const;
    const columns = [
      { name: '__line', type: 'INT64' as const },
      { name: '__reason', type: 'STRING' as const },
      { name: 'event_id', type: 'STRING' as const },
      { name: 'amount', type: 'FLOAT64' as const },
    ];
    const query = conflictingEventsSelect(events, sql.raw(dialect.tableName(CHECKED)), dialect).replaceAll(
      dialect.tableName(CHECKED),
      dialect.quoteIdent(CHECKED.name),
    );
    const request: EvaluateQueryRequest = {
      sql: `SELECT CAST(__line AS STRING), reason FROM (${query}) ORDER BY __line`,
      options: { languageOptions, defaultTimezone: 'UTC', errorMessageMode: 'ERROR_MESSAGE_ONE_LINE' },
      simpleCatalog: {
        name: 'bigquery',
        table: [
          {
            name: CHECKED.name,
            column: columns.map((c) => ({ name: c.name, type: { typeKind: TYPE_KINDS[c.type] } })),
          },
        ],
        builtinFunctionOptions: { languageOptions },
      },
      tableContent: {
        [CHECKED.name]: {
          tableData: {
            row: checked.map((cells) => ({
              cell: cells.map((v, c) => (v === null ? {} : cellOf(columns[c]!.type, v))),
            })),
          },
        },
      },
    };
    const response = await new Promise<EvaluateQueryResponse__Output | undefined>((resolve, reject) =>
      ZetaSQLClient.API.evaluateQuery(request, (error, value) => (error ? reject(error) : resolve(value))),
    );
    const rows = (response?.content?.tableData?.row ?? []).map(({ cell }) => cell.map((c) => c.stringValue));
    // X2's copy is the same event (counted, not rejected); X3's first line was rejected itself.
    expect(rows).toEqual([
      [
        '3',
        'event_id X1: the key of line 2 with other values; an event is loaded once, so this copy would be lost: send each event once (correct the export, or load the right copy alone)',
      ],
    ]);
  });

  it('loads text without the spaces an export padded it with, as DuckDB does: a padded key is the same key', async () => {
    const rows = await validate(rules, csvOf([record('  g   ', { channel: 'store' }), record('\th', {})]));
    expect(rows.map((r) => r.values.id)).toEqual(['g', '\th']);
  });

  it("holds another source's id (a column named *_id) to what a key is held to, as DuckDB does", async () => {
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
    const rows = await validate(receipts, {
      format: 'csv',
      header: ['receipt_id', 'store_id', 'note'],
      records: [
        ['R1', '0012', null],
        ['R2', '0012\u200b', null],
        ['R3', '0013.0', null],
        ['R4', '0013', '0013.0 \u200b'],
      ],
    });
    const [, invisible] = INGEST_INVISIBLE_IN_KEY;
    const [, floated] = INGEST_FLOAT_WRITTEN_ID;
    expect(rows.map((r) => [r.line, r.reason])).toEqual([
      [2, null],
      [3, `store_id: "0012\u200b"${invisible}`],
      [4, `store_id: "0013.0"${floated}`],
      [5, null],
    ]);
  });

  it('refuses text converted twice on its way, as DuckDB does', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('M\u00c3\u00bcnchen'),
        record('\u00c3\u2030cole'),
        record('S\u00c3O'),
        record('S\u00e3o'),
      ]),
    );
    const [, says] = INGEST_MOJIBAKE;
    expect(rows.map((r) => r.reason)).toEqual([`id: "MÃ¼nchen"${says}`, `id: "Ã‰cole"${says}`, null, null]);
  });

  it('loads text in its composed form (NFC), as DuckDB does: an accent written apart is the same key', async () => {
    const rows = await validate(rules, csvOf([record('Cafe\u0301'), record('Caf\u00e9-2'), record('plain')]));
    expect(rows.map((r) => r.values.id)).toEqual(['Caf\u00e9', 'Caf\u00e9-2', 'plain']);
  });

  it('reads the times DuckDB reads: without seconds, a dot without digits, digits past the microsecond cut', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('a', { at: '2026-11-01 10:00' }),
        record('b', { at: '2026-11-01T10:00' }),
        record('c', { at: '2026-11-01 10:00:05.' }),
        record('d', { at: '2026-11-01T10:00:05.1234567' }),
        record('e', { at: '2026-11-01T10:00:05.123456789Z' }),
        record('f', { at: '2026-11-01T10:00+01:00' }),
        record('g', { at: '2026-11-01 10:00:05.5 Europe/Paris' }),
      ]),
    );
    expect(rows.map((r) => [r.reason, r.values.at])).toEqual([
      [null, '2026-11-01 10:00:00+00'],
      [null, '2026-11-01 10:00:00+00'],
      [null, '2026-11-01 10:00:05+00'],
      [null, '2026-11-01 10:00:05.123456+00'],
      [null, '2026-11-01 10:00:05.123456+00'],
      [null, '2026-11-01 09:00:00+00'],
      [null, '2026-11-01 09:00:05.500+00'],
    ]);
  });

  it('keeps every value its zod schema takes, typed and spelled as the contract spells it', async () => {
    const rows = await validate(
      rules,
      csvOf([
        [
          'a',
          ' 12 ',
          '-2147483648',
          '9223372036854775807',
          '1.5e3',
          '0',
          '2020-1-5',
          '2020-01-01T10:00:00+05:30',
          'Store',
          '2',
        ],
        record('b', {
          qty: '-9007199254740991',
          small: '2147483647',
          big: '0',
          price: '-0.25',
          day: '9999-12-31',
          at: '1000-01-01 00:00:00',
          channel: 'store',
        }),
        record('c', { qty: '1e3', at: '9999-12-31T23:59:59.999999Z', channel: 'STORE', size: ' 1 ' }),
        record('d', { qty: '2.0', at: '2020-02-29', channel: 'PAD' }),
        record('e', { channel: ' pad ' }),
        record('f', { channel: 'online ' }),
      ]),
    );
    expect(rows.map((r) => r.reason)).toEqual([null, null, null, null, null, null]);
    expect(rows.map((r) => r.values)).toEqual([
      {
        id: 'a',
        qty: '12',
        small: '-2147483648',
        big: '9223372036854775807',
        price: '1500',
        amount: '0',
        day: '2020-01-05',
        at: '2020-01-01 04:30:00+00',
        channel: 'Store',
        size: '2',
      },
      expect.objectContaining({
        qty: '-9007199254740991',
        small: '2147483647',
        big: '0',
        price: '-0.25',
        day: '9999-12-31',
        at: '1000-01-01 00:00:00+00',
        channel: 'store',
      }),
      expect.objectContaining({
        qty: '1000',
        at: '9999-12-31 23:59:59.999999+00',
        channel: 'store',
        size: '1',
      }),
      expect.objectContaining({ qty: '2', at: '2020-02-29 00:00:00+00', channel: ' pad ' }),
      expect.objectContaining({ channel: ' pad ' }),
      expect.objectContaining({ channel: 'ONLINE' }),
    ]);
  });

  it.each([
    // The integer range of the schema: z.int() is 2^53, z.int32() 2^31, z.uint64() from 0.
    [
      { qty: '9007199254740992' },
      'qty: "9007199254740992" is outside the range of its schema (at least -9007199254740991 and at most 9007199254740991)',
    ],
    [
      { small: '-2147483649' },
      'small: "-2147483649" is outside the range of its schema (at least -2147483648 and at most 2147483647)',
    ],
    [
      { big: '-1' },
      'big: "-1" is outside the range of its schema (at least 0 and at most 18446744073709551615)',
    ],
    [{ big: '9223372036854775808' }, 'big: "9223372036854775808" is not a valid integer'],
    // A fraction, even one NUMERIC rounds away, and text only INT64 would read.
    [{ qty: '2.5' }, 'qty: "2.5" is not a valid integer'],
    [{ qty: '1e-20' }, 'qty: "1e-20" is not a valid integer'],
    [{ qty: '0x10' }, 'qty: "0x10" is not a valid integer'],
    // Non-finite numbers: as text FLOAT64 reads, and past its range.
    [{ price: 'inf' }, 'price: "inf" is not a valid number'],
    [{ price: '-Infinity' }, 'price: "-Infinity" is not a valid number'],
    [{ price: 'NaN' }, 'price: "NaN" is not a valid number'],
    [{ price: '1e999' }, 'price: "1e999" is not a finite number'],
    // The range of a decimal's schema.
    [{ amount: '-0.01' }, 'amount: "-0.01" is outside the range of its schema (at least 0)'],
    // Dates and times: four-digit years, a date that is only a date.
    [{ day: '10000-01-01' }, 'day: "10000-01-01" is not a valid date'],
    [{ day: '2020-01-01T10:00:00' }, `day: "2020-01-01T10:00:00"${TIME_IN_DATE}`],
    [{ day: '0001-02-29' }, 'day: "0001-02-29" is not a valid date'],
    [{ at: 'epoch' }, 'at: "epoch" is not a valid timestamp'],
    [{ at: '10000-01-01 00:00:00' }, 'at: "10000-01-01 00:00:00" is not a valid timestamp'],
    [
      { at: '9999-12-31 25:00:00-02:00' },
      'at: "9999-12-31 25:00:00-02:00" has an hour, minute or second past the clock (a leap second, 23:59:60, or 24:00): write a time from 00:00:00 to 23:59:59',
    ],
    // Years 1 to 9999: year 0, and a valid local time an offset carries past either end in UTC.
    [
      { day: '0000-02-29' },
      'day: "0000-02-29" is outside the dates a warehouse holds (0001-01-01 to 9999-12-31)',
    ],
    [
      { at: '0000-06-01 00:00:00' },
      'at: "0000-06-01 00:00:00" is outside the timestamps a warehouse holds (0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC)',
    ],
    [
      { at: '0001-01-01 00:00:00+01:00' },
      'at: "0001-01-01 00:00:00+01:00" is outside the timestamps a warehouse holds (0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC)',
    ],
    [
      { at: '9999-12-31 23:00:00-02:00' },
      'at: "9999-12-31 23:00:00-02:00" is outside the timestamps a warehouse holds (0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC)',
    ],
    // Enumerations: no spelling of any value; a number outside a numeric one.
    [{ channel: 'stor e' }, 'channel: "stor e" is not one of store, Store,  pad , ONLINE'],
    [{ channel: '\tstore' }, 'channel: "\\tstore" is not one of store, Store,  pad , ONLINE'],
    [{ size: '3' }, 'size: "3" is not one of 1, 2'],
    // A zone abbreviation names several zones; no zone is 14 hours past UTC; NUMERIC's range.
    [
      { at: '2026-07-02T10:00:00 BST' },
      'at: "2026-07-02T10:00:00 BST" ends in a zone abbreviation, which names several zones: write an offset (+01:00) or an IANA zone name such as Europe/London',
    ],
    [
      { at: '2026-07-02T10:00:00+25:00' },
      'at: "2026-07-02T10:00:00+25:00" has an offset beyond ±14:00, which no zone has',
    ],
    [
      { amount: '1e30' },
      'amount: "1e30" is out of range: a decimal holds up to 29 digits before the point (DECIMAL(38,9))',
    ],
  ])('rejects %j: %s', async (cells, reason) => {
    const [row] = await validate(rules, csvOf([record('x', cells)]));
    expect(row).toMatchObject({ line: 2, reason });
  });

  it('reads the word NULL in any case as no value in every column, and keeps N/A and NA as text', async () => {
    const [row] = await validate(
      rules,
      csvOf([
        record('x', {
          qty: 'NULL',
          day: ' null ',
          at: 'Null',
          channel: 'nUlL',
          size: 'NULL',
          amount: 'null',
        }),
      ]),
    );
    expect(row).toMatchObject({
      reason: null,
      values: expect.objectContaining({
        qty: null,
        day: null,
        at: null,
        channel: null,
        size: null,
        amount: null,
      }),
    });
    // MySQL's, Hive's and PostgreSQL's no value, as on DuckDB.
    const [marked] = await validate(
      rules,
      csvOf([record('y', { qty: '\\N', channel: ' \\N', amount: '\\N' })]),
    );
    expect(marked).toMatchObject({
      reason: null,
      values: expect.objectContaining({ qty: null, channel: null, amount: null }),
    });
    // A required column misses it.
    const [missing] = await validate(rules, csvOf([record('null')]));
    expect(missing?.reason).toBe('id: missing');
    const [unmarked] = await validate(rules, csvOf([record('\\N')]));
    expect(unmarked?.reason).toBe('id: missing');
    const [na] = await validate(rules, csvOf([record('NA', { channel: 'N/A' })]));
    expect(na?.reason).toBe('channel: "N/A" is not one of store, Store,  pad , ONLINE');
  });

  it('decodes Parquet text stored as plain BYTES as UTF-8, and rejects bytes that are not UTF-8', async () => {
    const rows = await validate(rules, {
      format: 'parquet',
      columns: [{ name: 'id', type: 'BYTES' }],
      records: [[Buffer.from('K\u00f8benhavn')], [Buffer.from([0xff, 0xfe])]],
    });
    expect(rows.map((r) => [r.reason, r.values.id])).toEqual([
      [null, 'K\u00f8benhavn'],
      ['id: is not UTF-8 text', null],
    ]);
  });

  it('reads a whole number of a FLOAT64 Parquet column without its fraction, as DuckDB does', async () => {
    // pandas writes an integer column with a gap as float64: the ids must still read as ids.
    // GoogleSQL's CAST to STRING already drops the `.0`; DuckDB's is told to (fileText).
    const rows = await validate(rules, {
      format: 'parquet',
      columns: [{ name: 'id', type: 'FLOAT64' }],
      records: [[1042], [7.5], [-3], [2 ** 53 - 1], [1e20], [Number.NaN]],
    });
    expect(rows.map((r) => [r.reason, r.values.id])).toEqual([
      [null, '1042'],
      [null, '7.5'],
      [null, '-3'],
      [null, '9007199254740991'],
      // Past 2^53 its last digits were lost before it was written: no id, rejected as on DuckDB.
      [`id: "1e+20"${INGEST_INEXACT_FLOAT}`, '1e+20'],
      // NaN is no text of anything: loaded, it was the id "nan".
      [`id: "nan"${INGEST_NONFINITE_TEXT}`, 'nan'],
    ]);
  });

  it('refuses a dot before three digits in the numbers of a file delimited by semicolons, as DuckDB does', async () => {
    // Written where the comma is the decimal mark: 1.500 is 1500 there, and read as 1.5 the
    // figures built on it are wrong by a thousand. Elsewhere, and before other than three
    // digits, a dot is a decimal point.
    const records = [
      record('R0', { price: '1.500', amount: '25' }),
      record('R1', { price: '12.5', amount: '2.250' }),
      record('R2', { price: '7', amount: '3.75' }),
    ];
    const semicolons = await validate(rules, { format: 'csv', header: HEADER, records, delimiter: ';' });
    expect(semicolons.map((r) => r.reason)).toEqual([
      `price: "1.500"${INGEST_SEMICOLON_NUMBER_REFUSALS[0]![1]}`,
      `amount: "2.250"${INGEST_SEMICOLON_NUMBER_REFUSALS[0]![1]}`,
      null,
    ]);
    const commas = await validate(rules, csvOf(records));
    expect(commas.map((r) => [r.reason, r.values.price, r.values.amount])).toEqual([
      [null, '1.5', '25'],
      [null, '12.5', '2.25'],
      [null, '7', '3.75'],
    ]);
  });

  it('refuses a year cut short and the days systems write for no date, as DuckDB does', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('Y0', { day: '0026-11-30', at: '0999-12-31 23:59:59' }),
        record('Y1', { day: '1899-12-30', at: '1970-01-01T00:00:00Z' }),
        record('Y2', { day: '0001-01-01', at: '1900-01-01 00:00:00+00:00' }),
        // A date of 1970-01-01 is an ordinary day; a time someone wrote on 1900-01-01 stays.
        record('Y3', { day: '1970-01-01', at: '1900-01-01 10:15:00' }),
        record('Y4', { day: '1000-01-01', at: '1970-01-01 01:00:00' }),
      ]),
    );
    const cut = (column: string, v: string) => `${column}: "${v}"${INGEST_BEFORE_EARLIEST_DAY}`;
    const placeholder = (column: string, v: string) => `${column}: "${v}"${INGEST_PLACEHOLDER_DAY}`;
    expect(rows.map((r) => r.reason)).toEqual([
      `${cut('day', '0026-11-30')}; ${cut('at', '0999-12-31 23:59:59')}`,
      `${placeholder('day', '1899-12-30')}; ${placeholder('at', '1970-01-01T00:00:00Z')}`,
      `${cut('day', '0001-01-01')}; ${placeholder('at', '1900-01-01 00:00:00+00:00')}`,
      null,
      null,
    ]);
  });

  it('refuses a local time in a zone named that its clocks skip or show twice, as DuckDB does', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('Z1', { at: '2026-03-29 01:30:00 Europe/London' }),
        record('Z2', { at: '2026-10-25 01:30:00 Europe/London' }),
        record('Z3', { at: '2026-10-25 02:30:00 Europe/London' }),
        record('Z4', { at: '2026-03-29T02:30:00 Europe/London' }),
        record('Z5', { at: '2026-06-01 10:00:00 Australia/Lord_Howe' }),
        record('Z6', { at: '2026-10-04 02:15:00 Australia/Lord_Howe' }),
      ]),
    );
    const { skipped, repeated } = INGEST_ZONED_TIME;
    expect(rows.map((r) => [r.reason, r.reason ? null : r.values.at])).toEqual([
      [`at: "2026-03-29 01:30:00 Europe/London"${skipped}`, null],
      [`at: "2026-10-25 01:30:00 Europe/London"${repeated}`, null],
      [null, '2026-10-25 02:30:00+00'],
      [null, '2026-03-29 01:30:00+00'],
      [null, '2026-05-31 23:30:00+00'],
      [`at: "2026-10-04 02:15:00 Australia/Lord_Howe"${skipped}`, null],
    ]);
  });

  it('refuses a key holding an invisible character, and unpads no-break spaces, as DuckDB does', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('K1\u200b'),
        record('K\u00a02'),
        record('K3'),
        record('Ä4'),
        record('K5\u00a0'),
        record('K\t6'),
      ]),
    );
    const [, says] = INGEST_INVISIBLE_IN_KEY;
    expect(rows.map((r) => [r.reason, r.reason ? null : r.values.id])).toEqual([
      [`id: "K1\u200b"${says}`, null],
      [`id: "K\u00a02"${says}`, null],
      [null, 'K3'],
      [null, 'Ä4'],
      // Padding of no-break spaces is padding, as on DuckDB.
      [null, 'K5'],
      [`id: "K\\t6"${says}`, null],
    ]);
  });

  it("refuses a spreadsheet's error cell and a number it showed in scientific notation in text columns, as DuckDB does", async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('1.23457E+11'),
        record('E2'),
        record('#N/A'),
        record('1E+11'),
        record('#x'),
        record('1e+05'),
        record('1.001E3'),
        record('3E10'),
      ]),
    );
    const [, notation] = INGEST_SCIENTIFIC_TEXT;
    expect(rows.map((r) => r.reason)).toEqual([
      `id: "1.23457E+11"${notation}`,
      null,
      `id: "#N/A"${INGEST_SPREADSHEET_ERROR}`,
      `id: "1E+11"${notation}`,
      null,
      `id: "1e+05"${notation}`,
      `id: "1.001E3"${notation}`,
      null,
    ]);
  });

  it('refuses a date without its time in the cursor of revisions, as DuckDB does', async () => {
    const prices = defineSource({
      domain: shop,
      name: 'prices',
      description: 'Prices, one row per revision',
      mode: 'upsert',
      cursor: 'updated_at',
      schema: z.object({
        sku: z.string().describe('SKU').meta({ key: true }),
        listed_at: z.date().describe('When first listed'),
        updated_at: z.date().describe('When saved'),
      }),
    });
    const rows = await validate(prices, {
      format: 'csv',
      header: ['sku', 'listed_at', 'updated_at'],
      records: [
        ['K1', '2026-01-05', '2026-10-14'],
        ['K2', '2026-01-05', '2026-10-14 18:26:45'],
      ],
    });
    expect(rows.map((r) => r.reason)).toEqual([
      `updated_at: "2026-10-14"${INGEST_DATE_ONLY_CURSOR[1]}`,
      null,
    ]);
  });

  it('refuses a dot before three digits in a file that writes a decimal comma elsewhere, as DuckDB does', async () => {
    const records = [
      record('T0', { price: '1.500' }),
      record('T1', { amount: '12,50' }),
      record('T2', { price: '2.5' }),
    ];
    const tabs = await validate(rules, { format: 'csv', header: HEADER, records, delimiter: '\t' });
    expect(tabs.map((r) => r.reason)).toEqual([
      `price: "1.500"${INGEST_DECIMAL_COMMA_FILE_REFUSALS[0]![1]}`,
      'amount: "12,50" has a decimal comma: write a decimal point (12.50), or export the file with one',
      null,
    ]);
    const plain = await validate(rules, {
      format: 'csv',
      header: HEADER,
      records: [records[0]!, records[2]!],
      delimiter: '\t',
    });
    expect(plain.map((r) => [r.reason, r.values.price])).toEqual([
      [null, '1.5'],
      [null, '2.5'],
    ]);
  });

  it('reads 1.234,56 as a decimal comma that says the file is written with one, as DuckDB does', async () => {
    // No bare 12,50 in the file: its amounts of a thousand or more tell the decimal comma.
    const grouped = INGEST_NUMBER_REFUSALS[1]![1];
    const records = [
      record('G1', { amount: '1.234,56' }),
      record('G2', { price: '1.500' }),
      record('G3', { amount: '-2 500,5' }),
      record('G4', { price: '2.5' }),
    ];
    const tabs = await validate(rules, { format: 'csv', header: HEADER, records, delimiter: '\t' });
    expect(tabs.map((r) => r.reason)).toEqual([
      `amount: "1.234,56"${grouped}`,
      `price: "1.500"${INGEST_DECIMAL_COMMA_FILE_REFUSALS[0]![1]}`,
      `amount: "-2 500,5"${grouped}`,
      null,
    ]);
  });

  it('flags rates of a column in percent exported as fractions, in a summary that analyzes, as DuckDB does', async () => {
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
    // The validation's summary counts them (its `percent` struct), typed as GoogleSQL types it.
    const header = ['promotion_id', 'discount_pct'];
    const staged = { table: STAGED, format: 'csv' as const, columns: header };
    const { origins } = mapColumns(promotions, header, EMPTY_MAPPING);
    const statements = validationStatements(promotions, staged, CHECKED, EMPTY_MAPPING, origins, dialect);
    const analyzer = await createAnalyzer([
      { path: [PROJECT, STAGED.schema, STAGED.name], columns: csvColumns(header) },
      {
        path: [PROJECT, promotions.table.schema, promotions.table.name],
        columns: [
          { name: 'promotion_id', type: 'STRING' },
          { name: 'discount_pct', type: 'NUMERIC' },
        ],
      },
    ]);
    const analyzed = await analyzer.analyzeAll(statements);
    await analyzer.close();
    expect(analyzed.filter((r) => !r.ok)).toEqual([]);
    expect(analyzed.at(-1)).toMatchObject({
      outputColumns: expect.arrayContaining([
        { name: 'percent', type: 'STRUCT<n0 INT64, f0 INT64, l0 INT64>' },
      ]),
    });
    // Its counts, run over checked rows: a reject (line 2) is not counted, 0 is no rate.
    const summary = async (rates: ReadonlyArray<string | null>) => {
      const rows = `(SELECT * FROM UNNEST([${rates.map((r, i) => `STRUCT(${i + 2} AS __line, ${r === null ? "'bad'" : 'CAST(NULL AS STRING)'} AS __reason, CAST(${r === null ? "'0.1'" : `'${r}'`} AS NUMERIC) AS discount_pct)`).join(', ')}]))`;
      const request: EvaluateQueryRequest = {
        sql: percentAsFractionSelect(promotions, sql.raw(rows), dialect)!,
        options: { languageOptions, defaultTimezone: 'UTC', errorMessageMode: 'ERROR_MESSAGE_ONE_LINE' },
        simpleCatalog: { name: 'bigquery', builtinFunctionOptions: { languageOptions } },
      };
      const response = await new Promise<EvaluateQueryResponse__Output | undefined>((resolve, reject) =>
        ZetaSQLClient.API.evaluateQuery(request, (error, value) => (error ? reject(error) : resolve(value))),
      );
      const [row] = response?.content?.tableData?.row ?? [];
      const names = ['n0', 'f0', 'l0'];
      return Object.fromEntries(row!.cell.map((c, i) => [names[i], c.int64Value ?? null]));
    };
    const fractions = await summary([null, '0', '0.15', '0.25', '0.5']);
    expect(percentAsFractionFlag(promotions, fractions)).toMatch(
      /^every value other than 0 of discount_pct \(3 values, line 4 the first\) lies between -1 and 1/,
    );
    expect(percentAsFractionFlag(promotions, await summary(['15', '0.5', '0', '50']))).toBeUndefined();
  });

  it('reads a zoned time without seconds, as DuckDB does', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('M1', { at: '2026-11-01T10:00Z' }),
        record('M2', { at: '2026-11-01 10:00 UTC' }),
        record('M3', { at: '2026-11-01 10:00+01:00' }),
        record('M4', { at: '2026-11-01 10:00+01' }),
        record('M5', { at: '2026-11-01 10:00 Europe/Paris' }),
      ]),
    );
    expect(rows.map((r) => [r.reason, r.values.at])).toEqual([
      [null, '2026-11-01 10:00:00+00'],
      [null, '2026-11-01 10:00:00+00'],
      [null, '2026-11-01 09:00:00+00'],
      [null, '2026-11-01 09:00:00+00'],
      [null, '2026-11-01 09:00:00+00'],
    ]);
  });

  it('gives a row every reason it has, in column order', async () => {
    const [row] = await validate(
      rules,
      csvOf([[null, '1.5', null, null, 'nan', null, null, null, 'nope', null]]),
    );
    expect(row?.reason).toBe(
      'id: missing; qty: "1.5" is not a valid integer; price: "nan" is not a valid number; channel: "nope" is not one of store, Store,  pad , ONLINE',
    );
  });

  it('holds each rule in the SQL, and no INT64 literal past INT64', () => {
    const [create] = validationStatements(
      rules,
      { table: STAGED, format: 'csv', columns: HEADER },
      CHECKED,
      EMPTY_MAPPING,
      mapColumns(rules, HEADER, EMPTY_MAPPING).origins,
      dialect,
    );
    expect(create).toContain('`qty` >= (-9007199254740991) AND `qty` <= 9007199254740991');
    expect(create).toContain('`small` >= (-2147483648) AND `small` <= 2147483647');
    expect(create).toContain('IF(NOT (`big` >= 0), ');
    expect(create).not.toContain('18446744073709551615),');
    expect(create).toContain('IS_INF(`price`) OR IS_NAN(`price`)');
    // BigQuery's DATE and TIMESTAMP end at years 1 and 9999: text past them does not cast, and
    // is told from text that is no time by casting it in another year.
    expect(create).toContain(
      "SAFE_CAST(CONCAT(CASE SUBSTR(TRIM(`__text_at`), 1, 4) WHEN '0000' THEN '2000' WHEN '0001' THEN '2001' WHEN '9999' THEN '1999' END, SUBSTR(TRIM(`__text_at`), 5)) AS TIMESTAMP) IS NOT NULL",
    );
    expect(create).toContain(
      "REGEXP_CONTAINS(`__text_at`, '^(?:\\\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ]([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\\\.[0-9]*)?)?([+-](0?[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?|\\\\s*(Z|UTC|GMT|[A-Za-z]+(/[A-Za-z0-9_+-]+)+))?)?\\\\s*)$')",
    );
    // The contract's own spelling first, then any spelling of one value (the first of case twins).
    const pad = dialect.literal(TEXT_PADDING);
    const c9 = `IF(LOWER(TRIM(\`t\`.\`c9\`, ${pad})) = 'null' OR TRIM(\`t\`.\`c9\`, ${pad}) = '\\\\N', NULL, IF(TRIM(\`t\`.\`c9\`, ${pad}) = '', NULL, \`t\`.\`c9\`))`;
    expect(create).toContain(
      `CASE WHEN ${c9} IN ('store', 'Store', ' pad ', 'ONLINE') THEN ${c9} ELSE CASE LOWER(TRIM(${c9}, ${pad})) WHEN 'store' THEN 'store' WHEN 'store' THEN 'Store' WHEN 'pad' THEN ' pad ' WHEN 'online' THEN 'ONLINE' ELSE ${c9} END END AS \`__text_channel\``,
    );
  });

  it('reads spaces only, and a value mapped to nothing, as no value in every column type, as DuckDB does', async () => {
    const none = { 'N/A': '', '-': 'null' };
    const mapping: IngestMapping = {
      ...EMPTY_MAPPING,
      values: { qty: none, day: none, at: none, channel: none, amount: none },
    };
    const rows = await validate(
      rules,
      csvOf([
        record('a', { qty: '   ', day: '          ', at: ' ', channel: '  ', amount: '  ' }),
        record('b', { qty: 'N/A', day: '-', at: 'N/A', channel: '-', amount: 'N/A' }),
        record('c', { qty: ' 4 ', day: ' 2026-01-02 ', amount: ' 1.5 ' }),
      ]),
      mapping,
    );
    expect(
      rows.map((r) => [r.reason, r.values.qty, r.values.day, r.values.at, r.values.channel, r.values.amount]),
    ).toEqual([
      [null, null, null, null, null, null],
      [null, null, null, null, null, null],
      [null, '4', '2026-01-02', null, null, '1.5'],
    ]);
  });

  it('says why days written otherwise are refused (day or month first, a Unix time, a day number), as DuckDB does', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('a', { day: '12/01/2026' }),
        record('b', { day: '01.12.2026' }),
        record('c', { at: '12/01/2026 08:00' }),
        record('d', { at: '26-12-01 08:00' }),
        record('e', { at: '1764576000' }),
        record('f', { at: '1764576000000' }),
        record('g', { day: '46357' }),
        record('h', { day: '2026/12/01' }),
        record('i', { day: '20261201' }),
        record('j', { day: '2026-11-30T23:00:00Z' }),
      ]),
    );
    const first =
      ' writes its day or month first, or its year in two digits (12/01/2026: 1 December or 12 January?): write the date year first, in four digits (2026-12-01)';
    const unix =
      ' is a number of seconds or milliseconds since 1970 (a Unix time), not a date or time written out: export it as text (2026-12-01T08:00:00Z)';
    expect(rows.map((r) => r.reason)).toEqual([
      `day: "12/01/2026"${first}`,
      `day: "01.12.2026"${first}`,
      `at: "12/01/2026 08:00"${first}`,
      `at: "26-12-01 08:00"${first}`,
      `at: "1764576000"${unix}`,
      `at: "1764576000000"${unix}`,
      `day: "46357" is a spreadsheet's day number (days since 1899-12-30), not a date written out: format the column as a date (yyyy-mm-dd) before saving`,
      'day: "2026/12/01" separates the parts of its date by slashes or dots: write them with hyphens (2026-12-01)',
      'day: "20261201" is a date without separators (20261201): write it with hyphens (2026-12-01)',
      `day: "2026-11-30T23:00:00Z"${TIME_IN_DATE}`,
    ]);
  });

  it('says why a 12-hour time, a zone in lower case, a spaced offset and a decimal comma are refused, as DuckDB does', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('a', { at: '2026-02-01 10:00:00 PM' }),
        record('b', { at: '2026-02-01 10:00:00 utc' }),
        record('c', { at: '2026-02-01 10:00:00 +0100' }),
        record('d', { amount: '12,50' }),
        record('e', { amount: '1,234' }),
        record('f', { price: '12,5' }),
        record('g', { qty: ' two ' }),
        record('h', { qty: '1.000' }),
        record('i', { qty: '3,000' }),
        record('j', { qty: '2.0' }),
        record('k', { at: '2026-02-01T' }),
        record('l', { at: '2026-02-01 10:00:00 Z' }),
      ]),
    );
    expect(rows.map((r) => r.reason)).toEqual([
      'at: "2026-02-01 10:00:00 PM" is on a 12-hour clock (AM/PM): write the time on a 24-hour clock (22:00:00 for 10:00:00 PM)',
      'at: "2026-02-01 10:00:00 utc" names UTC in lower case: write Z or UTC',
      'at: "2026-02-01 10:00:00 +0100" has a space before its offset: write the offset straight after the time (10:00:00+01:00)',
      'amount: "12,50" has a decimal comma: write a decimal point (12.50), or export the file with one',
      'amount: "1,234" has a comma before three digits, a thousands separator (1,234 for 1234) or a decimal comma (for 1.234): export numbers without separators and with a decimal point',
      'price: "12,5" has a decimal comma: write a decimal point (12.50), or export the file with one',
      // The text as written, padded, as DuckDB shows it.
      'qty: " two " is not a valid integer',
      'qty: "1.000" has a dot before three digits, a thousands separator (1.000 for 1000) or a decimal point (for 1): export integers without separators',
      'qty: "3,000" has a comma before three digits, a thousands separator (1,234 for 1234) or a decimal comma (for 1.234): export numbers without separators and with a decimal point',
      null,
      'at: "2026-02-01T" ends in a T with no time after it: write the time (2026-11-30T10:00:00) or the date alone',
      'at: "2026-02-01 10:00:00 Z" has a space before its Z: write the Z straight after the time (10:00:00Z), or UTC',
    ]);
  });

  it("rejects a text value in Excel's guard, as DuckDB does", async () => {
    const rows = await validate(rules, csvOf([record('="00123"'), record('00123')]));
    expect(rows.map((r) => r.reason)).toEqual([
      `id: "=\\"00123\\"" is wrapped in Excel's ="…" guard (written to keep leading zeros): export the value itself`,
      null,
    ]);
  });

  it('reads a timestamp at midnight as its date in a date column, as DuckDB does', async () => {
    const rows = await validate(
      rules,
      csvOf([
        record('a', { day: '2026-01-02T00:00:00' }),
        record('b', { day: '2026-01-02 00:00:00.000' }),
        record('c', { day: '2026-01-02 10:00:00' }),
        record('d', { day: '2026-01-05 00:00:00+00:00' }),
        record('e', { day: '2026-01-06T00:00:00.000+0000' }),
        record('f', { day: '2026-01-07T00:00:00+01:00' }),
      ]),
    );
    expect(rows.map((r) => [r.reason, r.values.day])).toEqual([
      [null, '2026-01-02'],
      [null, '2026-01-02'],
      [`day: "2026-01-02 10:00:00"${TIME_IN_DATE}`, null],
      [null, '2026-01-05'],
      [null, '2026-01-06'],
      [`day: "2026-01-07T00:00:00+01:00"${TIME_IN_DATE}`, null],
    ]);
  });

  it('matches an enumeration after the value map', async () => {
    const mapping: IngestMapping = { ...EMPTY_MAPPING, values: { channel: { web: 'online' } } };
    const [row] = await validate(rules, csvOf([record('a', { channel: 'web' })]), mapping);
    expect(row).toMatchObject({ reason: null, values: expect.objectContaining({ channel: 'ONLINE' }) });
  });

  it('rejects an infinity or a NaN a Parquet file holds as FLOAT64', async () => {
    const rows = await validate(rules, {
      format: 'parquet',
      columns: [
        { name: 'id', type: 'STRING' },
        { name: 'price', type: 'FLOAT64' },
      ],
      records: [
        ['a', 2.5],
        ['b', Number.POSITIVE_INFINITY],
        ['c', Number.NaN],
        ['d', -1e308],
      ],
    });
    expect(rows.map((r) => [r.values.id, r.reason])).toEqual([
      ['a', null],
      ['b', 'price: "inf" is not a valid number'],
      ['c', 'price: "nan" is not a valid number'],
      ['d', null],
    ]);
  });
});
