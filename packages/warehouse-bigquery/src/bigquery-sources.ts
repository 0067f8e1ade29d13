import {
  type ColumnSpec,
  currentRowsSelect,
  type Dialect,
  HEALTH_HISTORY_COLUMNS,
  HEALTH_HISTORY_TABLE,
  LOG_COLUMNS,
  type LogicalType,
  REJECT_COLUMNS,
  type Source,
  type TableLayout,
  type TableRef,
} from '@retail-mesh/sdk';
import { createTableStatement } from './bigquery-ddl.js';

/** The platform's dataset: the run log and the batch log. */
export const META_DATASET = '_mesh';

/** What the platform dataset holds, as its description says. */
export const META_DESCRIPTION =
  'retail-mesh platform metadata: the run log of builds and tests, and the batch log of sources.';

/**
 * A table the adapter creates (CREATE TABLE IF NOT EXISTS) and `mesh plan --terraform` declares:
 * one definition, so the two never disagree.
 */
export interface PlatformTable {
  readonly ref: TableRef;
  readonly layout: TableLayout;
  /** Columns that are NOT NULL (REQUIRED in a Terraform schema). */
  readonly required: readonly string[];
}

function column(name: string, type: LogicalType, description: string, nullable = false): ColumnSpec {
  return { name, type, nullable, description, pii: false, key: false, values: undefined, asString: false };
}

const requiredOf = (columns: readonly ColumnSpec[]) => columns.filter((c) => !c.nullable).map((c) => c.name);

const RUN_COLUMNS = [
  column('run_id', 'string', 'The mesh run (build or test) this row belongs to'),
  column('domain', 'string', 'Domain of the product'),
  column('product', 'string', 'Data product built or tested'),
  column('version', 'string', 'Version of the product'),
  column('status', 'string', 'published, failed, skipped, waiting, tested or test-failed'),
  column('started_at', 'timestamp', 'When the build or test started'),
  column('finished_at', 'timestamp', 'When it finished'),
  column('row_count', 'integer', 'Rows the build wrote'),
  column('bytes_processed', 'integer', 'Bytes the build processed', true),
  column('completeness', 'number', 'Completeness score of the build (0 to 1)', true),
  column('validity', 'number', 'Validity score of the build (0 to 1)', true),
  column('checks', 'string', 'Outcome of every check, as JSON text'),
  column('error_code', 'string', 'Why it failed: the error code', true),
  column('error_message', 'string', 'Why it failed, in words', true),
  column('definition', 'string', "Fingerprint of the product's build query and checks then", true),
  column(
    'source_batches',
    'string',
    'Fingerprint of the batches of the sources the product reads, when its build began',
    true,
  ),
  column(
    'input_products',
    'string',
    'Fingerprint of the data of the products the product reads, when its build began',
    true,
  ),
  column(
    'seq',
    'integer',
    'Order in which runs were recorded (one more than any before), whatever the clocks that timed them',
    true,
  ),
];

const BATCH_COLUMNS = [
  column('batch_id', 'integer', 'The batch: one file ingested, or one sample'),
  column('source', 'string', 'Source the batch was loaded into (domain.source)'),
  column('kind', 'string', "ingest (a user's export) or sample (synthetic rows)"),
  column('file', 'string', "The file's path as given (for samples, a description)"),
  column('sha256', 'string', "sha256 of the file's bytes (empty for samples)"),
  column('mapping', 'string', 'Renames, constants and value maps applied, as JSON text'),
  column('rows', 'integer', 'Data rows in the file'),
  column('loaded', 'integer', "Rows appended to the source's log"),
  column('rejected', 'integer', "Rows written to the source's rejects table"),
  column('ingested_at', 'timestamp', 'When the batch was loaded'),
  column('ingested_by', 'string', 'Who loaded it (MESH_USER, else the OS user)'),
  column(
    'reverted_at',
    'timestamp',
    'When the batch was reverted (its rows left the log); NULL while live',
    true,
  ),
  column(
    'flag',
    'string',
    'Why the batch looked wrong when loaded (a file column no source column took beside an optional column loaded as NULL); NULL when nothing did',
    true,
  ),
];

const HEALTH_DESCRIPTIONS: Record<(typeof HEALTH_HISTORY_COLUMNS)[number][0], string> = {
  at: 'When the snapshot was taken (the end of the run)',
  run_id: 'The mesh run (build or test) that took it',
  kind: 'build or test',
  product: 'Data product (domain.product)',
  domain: 'Domain of the product',
  version: 'Version of the product',
  status: 'healthy, degraded, stale or error',
  row_count: 'Rows published',
  bytes: 'Bytes of the published table',
  freshness_age_seconds: 'Seconds since the last publish',
  quality_score: 'Share of checks that passed (0 to 1)',
  completeness: 'Completeness score (0 to 1)',
  validity: 'Validity score (0 to 1)',
  duration_ms: 'How long the run took for the product, in milliseconds',
  bytes_processed: 'Bytes the run processed',
  last_updated: 'When the publish the snapshot saw happened',
  anomalies: 'Metrics found anomalous then, comma-separated (row_count, freshness, duration)',
};
const NULLABLE_HEALTH = new Set([
  'freshness_age_seconds',
  'quality_score',
  'completeness',
  'validity',
  'duration_ms',
  'bytes_processed',
  'last_updated',
  'anomalies',
]);
const HEALTH_COLUMNS = HEALTH_HISTORY_COLUMNS.map(([name, type]) =>
  column(name, type, HEALTH_DESCRIPTIONS[name], NULLABLE_HEALTH.has(name)),
);

/** The run log (`_mesh.runs`), the batch log (`_mesh.batches`) and the health history of the mesh. */
export const PLATFORM_TABLES = {
  runs: {
    ref: { schema: META_DATASET, name: 'runs' },
    layout: {
      columns: RUN_COLUMNS,
      partitionBy: { column: 'finished_at', granularity: 'day' },
      clusterBy: ['domain', 'product'],
      description: 'Every build and test of every data product (mesh runs).',
    },
    required: requiredOf(RUN_COLUMNS),
  },
  batches: {
    ref: { schema: META_DATASET, name: 'batches' },
    layout: {
      columns: BATCH_COLUMNS,
      clusterBy: ['source'],
      description: 'Every batch loaded into a source: files ingested and samples (mesh ingest --list).',
    },
    required: requiredOf(BATCH_COLUMNS),
  },
  healthHistory: {
    ref: HEALTH_HISTORY_TABLE,
    layout: {
      columns: HEALTH_COLUMNS,
      partitionBy: { column: 'at', granularity: 'day' },
      clusterBy: ['product'],
      description:
        "Every product's health after each build and test run: trends and anomalies (mesh health --history).",
    },
    required: requiredOf(HEALTH_COLUMNS),
  },
} as const satisfies Record<string, PlatformTable>;

/** A source's log and rejects tables; the view of its current rows is {@link sourceViewStatement}. */
export function sourceTables(source: Source): { log: PlatformTable; rejects: PlatformTable } {
  const log = [...source.columns, ...LOG_COLUMNS];
  // Clustered by batch: a revert deletes one batch and a snapshot reads the newest, so both
  // scan the batch's blocks rather than the whole log.
  return {
    log: {
      ref: source.log,
      layout: {
        columns: log,
        clusterBy: ['_batch_id'],
        description: `Every batch loaded into ${source.id}, append-only (mesh ingest --list); its current rows are ${source.table.name}.`,
      },
      required: requiredOf(LOG_COLUMNS),
    },
    rejects: {
      ref: source.rejects,
      layout: {
        columns: REJECT_COLUMNS,
        clusterBy: ['_batch_id'],
        description: `Rows of ${source.id} that failed validation, with their batch, file, line and reason.`,
      },
      required: requiredOf(REJECT_COLUMNS),
    },
  };
}

/** CREATE TABLE IF NOT EXISTS of a platform or source table. */
export function tableStatement(dialect: Dialect, table: PlatformTable): string {
  return createTableStatement(dialect, table.ref, table.layout, {
    ifNotExists: true,
    required: table.required,
  });
}

/** The view of a source's current rows, created when absent (an existing one is left as it is). */
export function sourceViewStatement(
  source: Source,
  dialect: Dialect,
  options: { replace?: boolean } = {},
): string {
  return `${options.replace ? 'CREATE OR REPLACE VIEW' : 'CREATE VIEW IF NOT EXISTS'} ${dialect.tableName(source.table)} OPTIONS(description=${dialect.literal(source.description)})\nAS ${currentRowsSelect(source, dialect)}`;
}

/** What `ensureSource` runs, as one script: the log, the rejects table and the view. */
export function sourceStatements(source: Source, dialect: Dialect): string[] {
  const { log, rejects } = sourceTables(source);
  return [
    tableStatement(dialect, log),
    tableStatement(dialect, rejects),
    sourceViewStatement(source, dialect),
  ];
}

/** Statements as one BigQuery script: one job. */
export function script(statements: readonly string[]): string {
  return statements.map((s) => `${s};`).join('\n');
}

/** What one batch record says, before the batch log gives it its id. */
export interface NewBatch {
  readonly source: string;
  readonly kind: 'ingest' | 'sample';
  readonly file: string;
  readonly sha256: string;
  readonly mapping: string;
  /** Counts, or a SQL expression for them (a sample's rows are counted as they are inserted). */
  readonly rows: number | string;
  readonly loaded: number | string;
  readonly rejected: number;
  readonly author: string;
  /** Why the batch looks wrong (see `unmatchedColumns`), if it does. */
  readonly flag?: string | undefined;
}

/**
 * The statements of the batch log, `_mesh.batches`. Changes are multi-statement transactions:
 * rows, rejects and the batch record commit together or not at all.
 *
 * A batch's id is MAX(batch_id) + 1, taken inside the transaction that appends it. The rows are
 * inserted before the record, so until the record is inserted that expression is the new id;
 * afterwards the newest record is the new batch, which the script's first SELECT returns (run it
 * with `scriptOptions.keyResultStatement = 'FIRST_SELECT'`). Old samples go last, so their ids
 * are never given out again. BigQuery runs INSERT-only
 * transactions concurrently, so two batches committed at the same moment could take the same id:
 * ingest one file at a time per project.
 */
export function batchLogStatements(dialect: Dialect) {
  const q = dialect.quoteIdent;
  const lit = dialect.literal;
  const batches = dialect.tableName(PLATFORM_TABLES.batches.ref);
  const nextId = `(SELECT COALESCE(MAX(${q('batch_id')}), 0) + 1 FROM ${batches})`;
  const newest = `SELECT * FROM ${batches} WHERE ${q('batch_id')} = (SELECT MAX(${q('batch_id')}) FROM ${batches})`;
  const samplesOf = (sourceId: string) => `${q('source')} = ${lit(sourceId)} AND ${q('kind')} = 'sample'`;
  const record = (b: NewBatch) => {
    const columns = BATCH_COLUMNS.filter((c) => c.name !== 'reverted_at' && c.name !== 'flag').map((c) =>
      q(c.name),
    );
    columns.push(q('flag'));
    const values = [
      `COALESCE(MAX(${q('batch_id')}), 0) + 1`,
      lit(b.source),
      lit(b.kind),
      lit(b.file),
      lit(b.sha256),
      lit(b.mapping),
      String(b.rows),
      String(b.loaded),
      String(b.rejected),
      'CURRENT_TIMESTAMP()',
      lit(b.author),
      b.flag === undefined ? 'CAST(NULL AS STRING)' : lit(b.flag),
    ];
    return `INSERT INTO ${batches} (${columns.join(', ')})\nSELECT ${values.join(', ')} FROM ${batches}`;
  };
  /**
   * Removes a source's older sample batches, rows and records (a sample is replaced, never kept
   * as history). It runs after the new batch is recorded, so that a removed id is never reused.
   */
  const dropSamples = (source: Source) => {
    const older = `${samplesOf(source.id)} AND ${q('batch_id')} < (SELECT MAX(${q('batch_id')}) FROM ${batches})`;
    const ids = `(SELECT ${q('batch_id')} FROM ${batches} WHERE ${older})`;
    return [
      `DELETE FROM ${dialect.tableName(source.log)} WHERE ${q('_batch_id')} IN ${ids}`,
      `DELETE FROM ${dialect.tableName(source.rejects)} WHERE ${q('_batch_id')} IN ${ids}`,
      `DELETE FROM ${batches} WHERE ${older}`,
    ];
  };
  return {
    create: tableStatement(dialect, PLATFORM_TABLES.batches),
    // A batch log of an older release gains the columns added since.
    migrate: `ALTER TABLE ${batches} ADD COLUMN IF NOT EXISTS ${q('flag')} STRING`,
    list(options: { source?: string; includeReverted?: boolean } = {}) {
      const where = [
        ...(options.source === undefined ? [] : [`${q('source')} = ${lit(options.source)}`]),
        ...(options.includeReverted ? [] : [`${q('reverted_at')} IS NULL`]),
      ];
      return `SELECT * FROM ${batches}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${q('batch_id')}`;
    },
    get: (batchId: number) => `SELECT * FROM ${batches} WHERE ${q('batch_id')} = ${batchId}`,
    /** Takes one batch's rows and rejects out of its source and marks it reverted. */
    revert: (batchId: number, tables: { log: TableRef; rejects: TableRef }) => [
      'BEGIN TRANSACTION',
      `DELETE FROM ${dialect.tableName(tables.log)} WHERE ${q('_batch_id')} = ${batchId}`,
      `DELETE FROM ${dialect.tableName(tables.rejects)} WHERE ${q('_batch_id')} = ${batchId}`,
      `UPDATE ${batches} SET ${q('reverted_at')} = CURRENT_TIMESTAMP() WHERE ${q('batch_id')} = ${batchId} AND ${q('reverted_at')} IS NULL`,
      'COMMIT TRANSACTION',
    ],
    /** Replaces a source's sample batches with the rows of `select` (the source's columns) as a new one. */
    sample(source: Source, select: string, description: string, author: string) {
      const log = dialect.tableName(source.log);
      const columns = source.columns.map((c) => q(c.name));
      return [
        'BEGIN TRANSACTION',
        `INSERT INTO ${log} (${[...columns, q('_batch_id'), q('_line')].join(', ')})\nSELECT ${columns.map((c) => `${q('s')}.${c}`).join(', ')}, ${nextId}, NULL\nFROM (${select}) AS ${q('s')}`,
        record({
          source: source.id,
          kind: 'sample',
          file: description,
          sha256: '',
          mapping: '{}',
          rows: `(SELECT COUNT(*) FROM ${log} WHERE ${q('_batch_id')} = ${nextId})`,
          loaded: `(SELECT COUNT(*) FROM ${log} WHERE ${q('_batch_id')} = ${nextId})`,
          rejected: 0,
          author,
        }),
        ...dropSamples(source),
        newest,
        'COMMIT TRANSACTION',
      ];
    },
    /**
     * Appends a validated file (`checked`, see `validationStatements`) as one batch: valid rows
     * to the log, the others to the rejects table, the record to the batch log; and, for a
     * source's first real batch, takes its sample out.
     */
    append(source: Source, checked: TableRef, batch: NewBatch, options: { replaceSample: boolean }) {
      const from = dialect.tableName(checked);
      const columns = source.columns.map((c) => q(c.name));
      return [
        'BEGIN TRANSACTION',
        `INSERT INTO ${dialect.tableName(source.log)} (${[...columns, q('_batch_id'), q('_line')].join(', ')})\nSELECT ${columns.join(', ')}, ${nextId}, ${q('__line')} FROM ${from} WHERE ${q('__reason')} IS NULL`,
        `INSERT INTO ${dialect.tableName(source.rejects)} (${REJECT_COLUMNS.map((c) => q(c.name)).join(', ')})\nSELECT ${nextId}, ${lit(batch.file)}, ${q('__line')}, ${q('__reason')}, ${q('__record')} FROM ${from} WHERE ${q('__reason')} IS NOT NULL`,
        record(batch),
        ...(options.replaceSample ? dropSamples(source) : []),
        newest,
        'COMMIT TRANSACTION',
      ];
    },
  };
}
