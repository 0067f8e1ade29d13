import type { CheckOutcome, NullCounting } from './checks.js';
import type { ColumnSpec } from './columns.js';
import type { AccessModel, Partitioning } from './data-product.js';
import type { Dialect } from './dialect.js';
import type { Domain } from './domain.js';
import type { HealthHistoryQuery, HealthSnapshot } from './health-history.js';
import type { TableRef } from './relation.js';
import type { Source } from './source.js';
import type { BatchRecord, IngestMapping } from './source-log.js';

/**
 * What an adapter can do. Flags, not adapter names, decide behaviour; the conformance suite
 * reads them too.
 */
export interface WarehouseCapabilities {
  /** DDL and DML commit or roll back together (the publish swap is one transaction). */
  readonly transactionalDdl: boolean;
  /** How many products may build at the same time. */
  readonly maxConcurrentBuilds: number;
  /** Tables are physically partitioned by the product's partition column. */
  readonly partitioning: boolean;
  /** Bytes a query would process can be known without running it. */
  readonly dryRun: boolean;
  /** Sources' sample generators (DuckDB SQL) can run here. */
  readonly sampleData: boolean;
  /** How many sources' samples may be written at the same time (`writeSampleBatch`); 1 if absent. */
  readonly maxConcurrentSamples?: number;
  /**
   * Builds write the published table itself inside one transaction with their checks, state and
   * run record (`InPlacePublisher`): a whole table, or the changed partitions of an incremental
   * product, instead of a staging table promoted afterwards. One commit per product, and nothing
   * left behind when a build is killed.
   */
  readonly publishInPlace: boolean;
  /**
   * How a check suite counts a large table's required columns (`NullCounting`): `filtered`
   * where a filter on one column's NULLs is answered from statistics and a COUNT of it is not
   * (DuckDB on a table just written); `scan`, one scan of COUNTs, if absent.
   */
  readonly nullCounting?: NullCounting;
}

/** A row as adapters return it: strings, numbers, booleans, Dates (timestamps), 'YYYY-MM-DD' strings (dates), null. */
export type SqlRow = Record<string, unknown>;

/** What a published table looks like from outside. */
export interface TableStats {
  readonly rowCount: number;
  /** Storage size (an estimate where the warehouse gives no exact figure). */
  readonly bytes: number;
  readonly lastModified: Date | undefined;
}

/** How to lay out a table: its columns in order, partitioning and clustering. */
export interface TableLayout {
  readonly columns: readonly ColumnSpec[];
  readonly partitionBy?: Partitioning | undefined;
  /**
   * Where the warehouse has no partitions, write the rows in order of the partition column: its
   * zone maps then prune as partitions do. Incremental products ask for it (their rebuilds read
   * and replace single days); for the others the sort costs a build and pays nothing.
   */
  readonly orderByPartition?: boolean;
  readonly clusterBy?: readonly string[];
  readonly description?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Who may read the table besides its owners; adapters with grants apply it with their access policy. */
  readonly access?: AccessModel;
  readonly consumers?: readonly string[];
  /**
   * When the warehouse deletes the table by itself: a staging table's, so that one a killed
   * build left behind goes (adapters without expiry ignore it; builds drop their own anyway).
   */
  readonly expiresAt?: Date;
}

/** What a promote could not finish once the rows were published. */
export interface PromoteResult {
  readonly warnings: readonly string[];
}

/** What materializing a table cost: rows written and bytes the warehouse processed, where it reports them. */
export interface MaterializeResult {
  readonly rowCount: number;
  readonly bytesProcessed?: number | undefined;
}

/** One build of one product, as recorded in the warehouse's run log. */
export interface BuildRunRecord {
  readonly runId: string;
  readonly domain: string;
  readonly product: string;
  readonly version: string;
  /**
   * Fingerprint of the product's build query and checks then (`definitionOf`); absent in runs
   * recorded before it was.
   */
  readonly definition?: string | undefined;
  /**
   * The batches of the sources the product reads when its build began, as a fingerprint of
   * their ids and reverts (`sourceBatchesOf`): a source changed since when the batch log gives
   * another, whatever the clocks of the machines that ingested. Absent for builds outside a
   * mesh build, products reading no source, and runs recorded before it was.
   */
  readonly sourceBatches?: string | undefined;
  /**
   * The data of the products it reads when its build began, as a fingerprint (`inputProductsOf`):
   * each one's definition and inputs as its latest run recorded them. A product read changed
   * since when it gives another, whatever the clock of the machine that rebuilt it. Absent for
   * products reading no product, where one of them recorded no such fingerprint (an older
   * release, a failed run), and for runs recorded before it was.
   */
  readonly inputProducts?: string | undefined;
  /**
   * published/failed/skipped/waiting (for a source never loaded) for builds; tested/test-failed
   * for check runs on the published table.
   */
  readonly status: 'published' | 'failed' | 'skipped' | 'waiting' | 'tested' | 'test-failed';
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly rowCount: number;
  /** Bytes the build processed (reported by the warehouse, or the size of its inputs where it reports none). */
  readonly bytesProcessed: number | undefined;
  readonly checks: readonly CheckOutcome[];
  readonly completeness: number | undefined;
  readonly validity: number | undefined;
  readonly error: { readonly code: string; readonly message: string } | undefined;
}

/** The latest run of a product, with when its latest published run finished. */
export interface LatestRun extends BuildRunRecord {
  /**
   * When the product's latest published run finished: this run's finish when it published,
   * an earlier one's when it tested or failed; null when none did (within what is kept).
   */
  readonly lastPublishedAt: Date | null;
  /**
   * When that published run started: what it published was computed from, or found equal to,
   * what its inputs held then (an incremental build that found nothing to rebuild publishes
   * no new rows, yet confirms the published ones). Null as `lastPublishedAt` is.
   */
  readonly lastPublishedStartedAt: Date | null;
  /**
   * The run whose rows the product's table holds: its latest published run, in the order runs
   * were recorded (no clock's), whatever ran since (a `mesh test`, a failed build, neither of
   * which touches the table), with what it read. Absent when no run published, or none did
   * since runs were numbered (an older release).
   */
  readonly lastPublished?: Pick<
    BuildRunRecord,
    'runId' | 'startedAt' | 'definition' | 'sourceBatches' | 'inputProducts'
  > & {
    /** The product version that published them (absent in a run log of an older release). */
    readonly version?: string;
    /** The rows it published: what the table holds until written outside a build. */
    readonly rowCount?: number;
  };
}

/**
 * A warehouse the mesh builds on. Adapters implement it with their own driver; the SDK
 * orchestrates builds through it and never sees a vendor type.
 */
export interface Warehouse {
  readonly name: string;
  readonly dialect: Dialect;
  readonly capabilities: WarehouseCapabilities;
  /** Creates the domain's schema/dataset if absent; idempotent. */
  ensureDomain(domain: Domain): Promise<void>;
  /** Creates an empty table of the layout if absent; idempotent. */
  ensureTable(table: TableRef, layout: TableLayout): Promise<void>;
  /** Replaces a table's rows with the result of a SELECT, atomically. Returns the new row count. */
  replaceTable(table: TableRef, select: string, layout: TableLayout): Promise<MaterializeResult>;
  /** The names and warehouse types of a SELECT's result columns, without running it. */
  describeQuery(select: string): Promise<Array<{ name: string; type: string }>>;
  /**
   * Makes `staging` the published `target` in one atomic step and removes `staging`.
   * Readers see the old table or the new one, never neither. `layout` is the target's (its
   * readers are granted on it now, never on the staging table). What failed after the target
   * was replaced (a grant, its metadata, removing the staging table) comes back as warnings:
   * the rows are published, the rest is not done.
   */
  promote(staging: TableRef, target: TableRef, layout?: TableLayout): Promise<PromoteResult | undefined>;
  dropTable(table: TableRef): Promise<void>;
  /** Names of the tables in a schema/dataset; none when it does not exist. */
  listTables(schema: string): Promise<string[]>;
  /** Runs a statement and returns all its rows; for small results. */
  query(statement: string): Promise<SqlRow[]>;
  /** Runs a query and yields its rows in chunks of about `chunkSize`; memory is bounded by the chunk. */
  stream(statement: string, options?: { chunkSize?: number }): AsyncIterable<SqlRow[]>;
  /** Undefined when the table does not exist. */
  tableStats(table: TableRef): Promise<TableStats | undefined>;
  /**
   * A token that changes whenever the table's rows are written, by anything (a build, or an
   * UPDATE by hand), and stays the same otherwise, checkpoints and reopening included: what an
   * incremental build compares with the token its last build left, to tell a table written
   * outside a build, whose days it would otherwise keep. Undefined where the table does not
   * exist or the warehouse cannot tell; absent where it never can.
   */
  tableVersion?(table: TableRef): Promise<string | undefined>;
  /**
   * The storage of several tables together (absent ones count nothing), from one catalog query
   * where the warehouse allows: what a build reads, where the warehouse reports no bytes processed.
   */
  storageBytes(tables: readonly TableRef[]): Promise<number>;
  /**
   * Makes what was written so far durable in the warehouse's own files and its storage figures
   * current. Builds call it once, at their end; a no-op where every commit already is.
   */
  checkpoint(): Promise<void>;
  /** Appends to the run log (the platform's audit of builds). */
  recordRun(run: BuildRunRecord): Promise<void>;
  /** Appends snapshots to the health history (one statement, whatever their number). */
  appendHealthHistory(snapshots: readonly HealthSnapshot[]): Promise<void>;
  /** The health history, oldest first per product; empty before the first snapshot. */
  healthHistory(query?: HealthHistoryQuery): Promise<HealthSnapshot[]>;
  /**
   * The latest run of every product that has one (column `last_published_at` of `latestRunOf`).
   * A run finished over five minutes after `now` (default: the clock's) is ahead of the clock:
   * it comes after every other, and gives no last publish.
   */
  latestRuns(options?: { now?: Date }): Promise<LatestRun[]>;
  /** Every run that finished at or after `since`, oldest first. */
  listRuns(options: { since: Date }): Promise<BuildRunRecord[]>;
  /**
   * Creates what a source needs when absent: its log, its rejects table and the view of its
   * current rows (`source.table`). Idempotent; a source never loaded then reads as empty.
   */
  ensureSource(source: Source): Promise<void>;
  /** Batches of every source (or one), oldest first; reverted ones only when asked. */
  listBatches(options?: { source?: string; includeReverted?: boolean }): Promise<BatchRecord[]>;
  /**
   * Removes one batch's rows (and rejects) from its source's log in one transaction and marks
   * it reverted; the rows it superseded are current again. Throws `unknown-batch`,
   * `batch-of-another-source` or `batch-reverted`.
   */
  revertBatch(source: Source, batchId: number): Promise<BatchRecord>;
  /**
   * Replaces a source's sample batches with one batch of the SELECT's rows (the source's
   * columns). Refuses (`source-holds-ingested-rows`) when the source holds ingested batches:
   * sample rows and a user's own rows never mix.
   */
  writeSampleBatch(
    source: Source,
    select: string,
    description: string,
  ): Promise<{ rowCount: number; batchId: number }>;
  close(): Promise<void>;
}

/** Where an incremental build replaces rows: the days of the product's partition column. */
export interface PartitionSelection {
  readonly column: string;
  /** 'YYYY-MM-DD' days; `null` stands for rows without a day. */
  readonly days: readonly (string | null)[];
}

/**
 * A warehouse that stages an incremental build from a copy of the published table (BigQuery: a
 * copy job, billed nothing) and replaces there only the days to rebuild: the build is billed for
 * those days' rows, not for the whole table read again.
 */
export interface PartitionStager {
  /**
   * Makes `staging` a copy of `published`, then replaces the rows of `partitions` in it with the
   * rows of `select` (which holds rows of those days only). Staging is laid out as `layout` says
   * of staging tables (no readers, an expiry).
   */
  stagePartitions(
    staging: TableRef,
    published: TableRef,
    partitions: PartitionSelection,
    select: string,
    layout: TableLayout,
  ): Promise<MaterializeResult>;
}

export function canStagePartitions(warehouse: Warehouse): warehouse is Warehouse & PartitionStager {
  return typeof (warehouse as Partial<PartitionStager>).stagePartitions === 'function';
}

/** A query that runs inside the transaction of an in-place publish. */
export type InTransactionQuery = (statement: string) => Promise<SqlRow[]>;

/** Another table written in the same transaction as a publish (an incremental product's state). */
export type AlongsideWrite =
  /** Its rows matching `deleteWhere` replaced by those of `insert`. */
  | { readonly table: TableRef; readonly deleteWhere: string; readonly insert: string | undefined }
  /** The whole table replaced by the rows of `select`. */
  | { readonly table: TableRef; readonly select: string };

/** What an in-place publish commits with its rows, or rolls back with them. */
export interface InPlaceOptions {
  readonly alongside?: readonly AlongsideWrite[];
  /**
   * A SELECT over the target, for a replacement of partitions: run inside the transaction once
   * the partitions' rows are deleted and before the new ones are inserted, its one row handed to
   * `verify` (the checks then count the rows kept from it, not from the table again). Its
   * `row_count` counts the rows kept.
   */
  readonly kept?: string | undefined;
  /**
   * Called after every write with a query that runs inside the transaction (it sees the new
   * rows, nobody else does yet), the row of `kept`, where asked for, and the rows the target
   * holds after the writes, where the writes told; throwing rolls everything back.
   */
  readonly verify: (query: InTransactionQuery, kept?: SqlRow, rowCount?: number) => Promise<void>;
  /** The run record appended in the same transaction once `verify` passed. */
  readonly record?: (result: MaterializeResult) => BuildRunRecord;
  /**
   * Statements that need the publish's row count, run in the same transaction once `verify`
   * passed, before the run record (an incremental product's state keeps that count).
   */
  readonly settle?: (result: MaterializeResult) => readonly string[];
  /**
   * Aborted when the build must stop (its product's timeout): the warehouse interrupts the
   * statement running and rolls the transaction back, rejecting with the signal's reason.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A warehouse whose DDL is transactional publishes in place: the published table is written,
 * checked and recorded in one transaction. Readers see the old rows or the new ones, never a mix.
 * A warehouse may write the new rows first, committed, into `stagingTableFor(target)` and swap
 * them in inside the transaction (DuckDB checks committed rows at about twice the speed of rows
 * still local to a transaction); it drops that table when the publish fails, and a build that
 * died in between leaves it for the next build to drop (`stagingLeftovers`).
 */
export interface InPlacePublisher {
  /**
   * In one transaction: replaces `target` with the rows of `select` laid out as `layout`, writes
   * `alongside`, calls `verify`, appends `record`; commits when all of it succeeded.
   */
  publishTable(
    target: TableRef,
    select: string,
    layout: TableLayout,
    options: InPlaceOptions,
  ): Promise<MaterializeResult>;
  /**
   * Same for some partitions: deletes the rows of `target` on `partitions.days` and inserts the
   * rows of `select` (which holds only those days; nothing when no day is given). Returns the
   * table's row count after the replacement.
   */
  replacePartitions(
    target: TableRef,
    partitions: PartitionSelection,
    select: string,
    options: InPlaceOptions,
  ): Promise<MaterializeResult>;
}

/** @example if (canPublishInPlace(warehouse)) await warehouse.publishTable(...); */
export function canPublishInPlace(warehouse: Warehouse): warehouse is Warehouse & InPlacePublisher {
  const publisher = warehouse as Partial<InPlacePublisher>;
  return (
    warehouse.capabilities.publishInPlace &&
    typeof publisher.publishTable === 'function' &&
    typeof publisher.replacePartitions === 'function'
  );
}

/**
 * A warehouse that answers about many tables or sources in one statement each, where asking
 * one at a time costs a round trip and a catalog scan apiece (a mesh's build and health).
 */
export interface BulkCatalog {
  /** The stats of each table, in order; undefined for one that does not exist. */
  tableStatsOf(tables: readonly TableRef[]): Promise<Array<TableStats | undefined>>;
  /** The storage of each table, in order (0 for one that does not exist); see `storageBytes`. */
  storageBytesOf(tables: readonly TableRef[]): Promise<number[]>;
  /** `ensureSource` for each source: those already in place found in one catalog query. */
  ensureSources(sources: readonly Source[]): Promise<void>;
  /**
   * Brings sources an older release wrote to the current layout before their state is read
   * (DuckDB: raw tables adopted as a first batch). Commands that only read call it; a warehouse
   * with nothing to upgrade does not implement it, and those commands then write nothing.
   */
  upgradeSources?(sources: readonly Source[]): Promise<void>;
  /**
   * `listTables` of every schema in one catalog query: each schema asked for, with the names of
   * its tables (none when it does not exist).
   */
  listTablesIn?(schemas: readonly string[]): Promise<Map<string, string[]>>;
}

const bulkOf = (warehouse: Warehouse) => warehouse as Warehouse & Partial<BulkCatalog>;

/**
 * `ensureSource` for every source; where the warehouse can, those already in place are found in
 * one query. Throws the first failure: callers wanting one error per source then ensure each.
 */
export async function ensureSources(warehouse: Warehouse, sources: readonly Source[]): Promise<void> {
  const bulk = bulkOf(warehouse);
  if (typeof bulk.ensureSources === 'function') return bulk.ensureSources(sources);
  for (const source of sources) await warehouse.ensureSource(source);
}

/** `BulkCatalog.upgradeSources`, where the warehouse has it; nothing otherwise. */
export async function upgradeSources(warehouse: Warehouse, sources: readonly Source[]): Promise<void> {
  const bulk = bulkOf(warehouse);
  if (typeof bulk.upgradeSources === 'function') await bulk.upgradeSources(sources);
}

/** Storage of each table, in order: in one statement where the warehouse can. */
export async function storageOfTables(warehouse: Warehouse, tables: readonly TableRef[]): Promise<number[]> {
  const bulk = bulkOf(warehouse);
  if (typeof bulk.storageBytesOf === 'function') return bulk.storageBytesOf(tables);
  const bytes: number[] = [];
  for (const table of tables) bytes.push(await warehouse.storageBytes([table]));
  return bytes;
}

/** Stats of many tables: in a few statements where the warehouse can, else one table at a time. */
export async function statsOfTables(
  warehouse: Warehouse,
  tables: readonly TableRef[],
): Promise<Array<TableStats | undefined>> {
  const bulk = bulkOf(warehouse);
  if (typeof bulk.tableStatsOf === 'function') return bulk.tableStatsOf(tables);
  const stats: Array<TableStats | undefined> = [];
  for (const table of tables) stats.push(await warehouse.tableStats(table));
  return stats;
}

/** What a warehouse's jobs are for: a product's build or test in a run (billing labels, budgets). */
export interface JobScope {
  readonly domain: string;
  readonly product: string;
  readonly runId: string;
  /** How long each of its jobs may run, where the warehouse enforces it. */
  readonly timeoutMs?: number | undefined;
}

/** A warehouse that labels its jobs with what they are for (BigQuery: job labels). */
export interface ScopedJobs {
  inScope<T>(scope: JobScope, work: () => Promise<T>): Promise<T>;
}

/** Runs `work` with the warehouse's jobs labelled by `scope`, where it labels them. */
export function inJobScope<T>(warehouse: Warehouse, scope: JobScope, work: () => Promise<T>): Promise<T> {
  const scoped = warehouse as Warehouse & Partial<ScopedJobs>;
  return typeof scoped.inScope === 'function' ? scoped.inScope(scope, work) : work();
}

/** A warehouse that can say what its jobs billed, per domain, from their labels. */
export interface LabelledBilling {
  /** Bytes billed since `since` by the jobs labelled with each domain; undefined when it may not tell. */
  billedBytesByDomain(since: Date): Promise<Map<string, number> | undefined>;
}

/** `LabelledBilling.billedBytesByDomain` where the warehouse has it; undefined otherwise. */
export async function billedBytesByDomain(
  warehouse: Warehouse,
  since: Date,
): Promise<Map<string, number> | undefined> {
  const billing = warehouse as Warehouse & Partial<LabelledBilling>;
  return typeof billing.billedBytesByDomain === 'function' ? billing.billedBytesByDomain(since) : undefined;
}

/** A warehouse that can tell what a statement would process without running it. */
export interface CostEstimator {
  /** Bytes the statement would process, from a dry run. */
  estimateBytes(statement: string): Promise<number>;
}

/**
 * @example if (canEstimateCost(warehouse)) await warehouse.estimateBytes(sql);
 */
export function canEstimateCost(warehouse: Warehouse): warehouse is Warehouse & CostEstimator {
  return (
    warehouse.capabilities.dryRun && typeof (warehouse as Partial<CostEstimator>).estimateBytes === 'function'
  );
}

/** How to ingest one file of a user's own system into a source. */
export interface IngestOptions {
  /**
   * Renames (source column -> file column), constants and value maps. Columns with the same
   * name (ignoring case) map themselves; enumeration values match ignoring case and are stored
   * in the contract's spelling.
   */
  readonly mapping?: Partial<IngestMapping>;
  /** More rejected rows than this and the file is not loaded at all. Default: no limit. */
  readonly maxRejects?: number;
  readonly format?: 'csv' | 'parquet';
  /**
   * The caller knows this export is meant to be current: dated at or after every export the
   * source holds, or a rollback asked for. Rows of an earlier batch again are then no change
   * back to flag (see `changeBackFlag`). Default: they are flagged.
   */
  readonly current?: boolean;
}

/** What ingesting one file did. */
export interface IngestResult {
  readonly file: string;
  /** sha256 of the file's bytes: the same bytes with the same mapping are ingested once. */
  readonly sha256: string;
  readonly status: 'loaded' | 'already-ingested';
  /** The batch the file became (or, when already ingested, the batch it was). */
  readonly batchId: number;
  readonly rows: number;
  readonly loaded: number;
  readonly rejected: number;
  /** The source's sample rows were removed: its first real batch replaces them. */
  readonly replacedSample: boolean;
  /**
   * Why the batch looks wrong, if it does: its header left a file column unused while an
   * optional column loaded as NULL (see `unmatchedColumns`), or its row count is far off the
   * source's recent batches.
   */
  readonly flag: string | undefined;
  /** File columns no source column took: their values were not loaded. */
  readonly unusedColumns?: readonly string[];
  /** Optional source columns the file lacks: loaded as NULL. */
  readonly missingColumns?: readonly string[];
  /**
   * Source columns taken from a file column of another spelling, unasked (`Order ID` for
   * order_id): source column -> file column, so that a reader sees which header fed which.
   */
  readonly respelledColumns?: Readonly<Record<string, string>>;
  /**
   * Rows of a snapshot a file column marks deleted (`is_deleted`, `deleted_at`, a CDC `op`; see
   * `deletionMarkers`): left out, as the system holds them no more. Absent when none. (An upsert
   * or event source rejects such rows instead: it cannot remove what it holds.)
   */
  readonly deletedRows?: number;
  /**
   * Rows of an event source (`append`) that repeat an event: copies of an earlier line of the
   * file (same key, same values; a copy with other values is rejected), or rows whose key an
   * earlier batch holds with other values. The first copy counts, so they changed nothing.
   * Absent where not counted (other modes).
   */
  readonly repeatedEvents?: number;
  /**
   * Rows of an event source (`append`) that an earlier batch holds with these very values: the
   * same events delivered again (an export overlapping the last one, or re-exported in other
   * bytes). Loaded into the log, they add no event. Absent where not counted (other modes, a
   * source's first batch).
   */
  readonly heldEvents?: number;
  /**
   * An earlier batch held these very bytes (with the same mapping), or, where the order of
   * batches decides, these very rows in other bytes, and batches came after it: loaded again,
   * its rows are current again over theirs (see `reloads`). A rollback, or an export delivered
   * twice; absent otherwise.
   */
  readonly reloads?: number;
  /** The first rejects, for the summary; all of them are in the rejects table. */
  readonly sampleRejects: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
  /** Where rejected rows went, with file, line and reason. */
  readonly rejectsTable: TableRef;
}

/** A warehouse that can load CSV and Parquet files into sources, validating every row. */
export interface FileIngester {
  /** Paths (and globs) a pattern names, sorted. */
  listFiles(pattern: string): Promise<string[]>;
  /**
   * Loads one file into a source as one batch, in one transaction: valid rows appended to the
   * source's log, invalid ones (wrong type, missing required value, value outside an
   * enumeration, a line the reader could not parse) to its rejects table with batch, file,
   * physical line and reason, and the batch record. All or nothing.
   */
  ingestFile(source: Source, file: string, options?: IngestOptions): Promise<IngestResult>;
}

/** @example if (canIngestFiles(warehouse)) await warehouse.ingestFile(source, 'orders.csv'); */
export function canIngestFiles(warehouse: Warehouse): warehouse is Warehouse & FileIngester {
  return typeof (warehouse as Partial<FileIngester>).ingestFile === 'function';
}

const optionalNumber = (value: unknown) =>
  value === null || value === undefined ? undefined : Number(value);

/**
 * A row of the run log read with `last_published_at` and `last_published_started_at` (the
 * latest published run's finish and start).
 */
export function latestRunOf(row: SqlRow): LatestRun {
  const published = row.last_published_at;
  const started = row.last_published_started_at;
  const text = (value: unknown) => (value === null || value === undefined ? undefined : String(value));
  const publishedRun = text(row.last_published_run_id);
  const publishedStart = row.last_published_run_started_at;
  return {
    ...runRecordOf(row),
    lastPublishedAt: published instanceof Date ? published : null,
    lastPublishedStartedAt: started instanceof Date ? started : null,
    ...(publishedRun === undefined || !(publishedStart instanceof Date)
      ? {}
      : {
          lastPublished: {
            runId: publishedRun,
            startedAt: publishedStart,
            ...(text(row.last_published_version) === undefined
              ? {}
              : { version: text(row.last_published_version) }),
            definition: text(row.last_published_definition),
            sourceBatches: text(row.last_published_source_batches),
            inputProducts: text(row.last_published_input_products),
            ...(optionalNumber(row.last_published_row_count) === undefined
              ? {}
              : { rowCount: optionalNumber(row.last_published_row_count) }),
          },
        }),
  };
}

/**
 * A run-log row, as both adapters store it (snake_case columns, checks as JSON text), back
 * into a record.
 */
export function runRecordOf(row: SqlRow): BuildRunRecord {
  return {
    runId: String(row.run_id),
    domain: String(row.domain),
    product: String(row.product),
    version: String(row.version),
    definition: row.definition === null || row.definition === undefined ? undefined : String(row.definition),
    sourceBatches:
      row.source_batches === null || row.source_batches === undefined
        ? undefined
        : String(row.source_batches),
    inputProducts:
      row.input_products === null || row.input_products === undefined
        ? undefined
        : String(row.input_products),
    status: row.status as BuildRunRecord['status'],
    startedAt: row.started_at as Date,
    finishedAt: row.finished_at as Date,
    rowCount: Number(row.row_count),
    bytesProcessed: optionalNumber(row.bytes_processed),
    checks: JSON.parse(String(row.checks)),
    completeness: optionalNumber(row.completeness),
    validity: optionalNumber(row.validity),
    error:
      row.error_code === null || row.error_code === undefined
        ? undefined
        : { code: String(row.error_code), message: String(row.error_message) },
  };
}
