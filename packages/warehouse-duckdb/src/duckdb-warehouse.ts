import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { availableParallelism, devNull, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  AHEAD_OF_LOAD_MINUTES,
  aheadOfLoadFlag,
  aheadOfLoadSelect,
  alreadyIngested,
  type BatchRecord,
  BuildError,
  type BuildRunRecord,
  type BulkCatalog,
  batchAuthor,
  batchFlag,
  batchOfFile,
  batchRecordOf,
  type CsvScan,
  canonicalMapping,
  changeBackFlag,
  closest,
  conflictingEventsFlag,
  conflictingEventsSelect,
  currentRowsSelect,
  type Domain,
  deletedRowReason,
  deletionMarkers,
  droppedKeysFlagOf,
  ensureDirectory,
  erasingBatch,
  type FileIngester,
  fitFile,
  type HealthHistoryQuery,
  type HealthSnapshot,
  hasConflictingCopies,
  headerInOtherOrder,
  healthHistoryCreateSql,
  healthHistoryInsertSql,
  healthHistorySelectSql,
  heldRowsFlags,
  type IngestOptions,
  type IngestResult,
  type InPlaceOptions,
  type InPlacePublisher,
  isMeshError,
  type LatestRun,
  lastLineTakenFlag,
  lastLineTakenSelect,
  latestRunOf,
  type MaterializeResult,
  markedDeletedSql,
  midnightCursorSelect,
  NOTHING_NEW_FLAG,
  type PartitionSelection,
  percentAsFractionFlag,
  percentAsFractionSelect,
  refuseSampleBesideRealRows,
  reloadsOf,
  repeatedEventsSelect,
  repeatsInFileSelect,
  revertableBatch,
  rowWord,
  runRecordOf,
  type Source,
  type SqlRow,
  sameRowsFlag,
  scanCsv,
  snapshotOfRow,
  snapshotRejectsError,
  sql,
  stagingTableFor,
  type TableLayout,
  type TableRef,
  type TableStats,
  TEXT_PADDING,
  thousandsDotFlag,
  thousandsDotSelect,
  UsageError,
  unmatchedColumns,
  volumeFlag,
  type Warehouse,
  type WarehouseCapabilities,
  WarehouseError,
  writeWithout,
} from '@retail-mesh/sdk';
import { duckdb } from './duckdb-api.js';
import { duckdbDialect } from './duckdb-dialect.js';
import { formatOf, readFileSql, validationSql } from './duckdb-ingest.js';
import { columnReader, rowBuilder } from './duckdb-vectors.js';
import { StatsMemo } from './stats-memo.js';

export interface DuckDbWarehouseOptions {
  /** Database file; `:memory:` for a throwaway one. Default `.mesh/mesh.duckdb` under the working directory. */
  path?: string;
  /** Worker threads DuckDB may use; DuckDB's default (all cores) when omitted. */
  threads?: number;
  /** e.g. `4GB`; DuckDB's default (80% of RAM) when omitted. */
  memoryLimit?: string;
  /**
   * Create the database file (and its directory) when it does not exist. Default false: a path
   * that does not exist is an error (`database-not-found`), so a mistyped path never opens an
   * empty warehouse whose reads then fail on missing schemas.
   */
  create?: boolean;
  /** Called with every statement before it runs (benchmarks and tests count them). */
  onStatement?: (statement: string) => void;
}

export const DEFAULT_DUCKDB_PATH = '.mesh/mesh.duckdb';

/** The platform's own tables live in this schema: the run log (audit of builds), the batches of sources. */
const META_SCHEMA = '_mesh';
const BATCHES = `${duckdbDialect.quoteIdent(META_SCHEMA)}.batches`;
/** The name a file's own `rowid` column is loaded under while its rows' positions are taken. */
const ROW_OF_FILE = '__mesh_file_rowid';
/** The definition each source's current-rows table was computed with. */
const CURRENT = `${duckdbDialect.quoteIdent(META_SCHEMA)}.current_rows`;

/**
 * What a source's current rows are computed from, as `CURRENT` records it: the SELECT over its
 * log, and the layout of the log itself. `unpadded`: its text is stored without surrounding
 * spaces, as ingest stores it since; a log of an older release is unpadded once (see
 * `ensureSource`), or a padded key stored then and its unpadded twin loaded now would be two
 * entities.
 */
function currentDefinition(source: Source): string {
  return `${currentRowsSelect(source, duckdbDialect)}\n-- log: unpadded`;
}

/**
 * The UPDATE that unpads a log's text as ingest does now (not enumerations: they keep the
 * contract's spelling): spaces only are no value where the column may hold none; a required
 * column keeps '' rather than break its contract in rows already loaded.
 */
function unpadLogSql(source: Source): string | undefined {
  const text = source.columns.filter((c) => c.type === 'string' && !c.values?.length);
  if (!text.length) return undefined;
  const set = text.map(
    (c) =>
      `${q(c.name)} = ${c.nullable ? `NULLIF(trim(${q(c.name)}, ${lit(TEXT_PADDING)}), '')` : `trim(${q(c.name)}, ${lit(TEXT_PADDING)})`}`,
  );
  return `UPDATE ${table(source.log)} SET ${set.join(', ')} WHERE ${text.map((c) => `${q(c.name)} <> trim(${q(c.name)}, ${lit(TEXT_PADDING)})`).join(' OR ')}`;
}
const TOUCHED = duckdbDialect.quoteIdent('__mesh_touched_keys');

const CAPABILITIES: WarehouseCapabilities = {
  transactionalDdl: true,
  // Two products at a time, each in a transaction of its own connection: a statement alone
  // kept 1.77 of 2 cores busy over the scale-30 mesh (a CTAS's single-threaded finish, small
  // products, check suites), and a second product fills those gaps. Products write different
  // tables, so their transactions never conflict.
  maxConcurrentBuilds: 2,
  partitioning: false,
  dryRun: false,
  sampleData: true,
  // Two sources at a time, as products: a sample at scale 1 is mostly fixed cost (statements,
  // a commit), and one at a time kept 1.2 of 2 cores busy.
  maxConcurrentSamples: 2,
  // A COUNT of a column of a table just written reads the column; its NULLs are found from
  // statistics (see `NullCounting`).
  nullCounting: 'filtered',
  publishInPlace: true,
};

const q = (name: string) => duckdbDialect.quoteIdent(name);
const lit = (value: unknown) => duckdbDialect.literal(value);
const table = (ref: TableRef) => duckdbDialect.tableName(ref);

/** A table asked about, by the number its result rows carry. */
interface Numbered {
  readonly ref: TableRef;
  readonly i: number;
}

/**
 * A UNION ALL of many SELECTs as a tree of at most 100 at each level: DuckDB plans one long flat
 * UNION ALL in time that grows faster than its length (counting 10,000 tables' rows takes a fifth
 * to a quarter less as a tree).
 */
function unionAll(parts: readonly string[]): string {
  const fanOut = 100;
  if (parts.length <= fanOut) return parts.join('\nUNION ALL ');
  const size = Math.ceil(parts.length / fanOut);
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += size)
    groups.push(`SELECT * FROM (${unionAll(parts.slice(i, i + size))})`);
  return groups.join('\nUNION ALL ');
}

/**
 * The storage of each table, in one statement whatever their number: blocks it holds in the
 * file, plus an estimate (8 bytes a value) for what was written since the last checkpoint and is
 * still in memory, and for every value of an in-memory database (which has no blocks of a size).
 * A constant segment stores nothing: its block is -1, no block of the file (counted as one, every
 * table with a constant column was billed a block more, and the tables more than the file).
 * Rows `(i, bytes)`; none for a table that stores nothing (0 bytes). Every table's segments are
 * gathered first, then grouped once: an aggregate per table, or grouping the segments as they
 * stream, makes DuckDB set up a sink per table (seconds more at a thousand tables).
 */
function storageSql(refs: readonly Numbered[]): string {
  const segments = refs.map(
    ({ ref, i }) =>
      `SELECT ${i} AS i, block_id, count FROM pragma_storage_info(${lit(`${ref.schema}.${ref.name}`)})`,
  );
  return `WITH segments AS MATERIALIZED (${unionAll(segments)}),
      d AS (SELECT block_size FROM pragma_database_size() LIMIT 1)
    SELECT s.i, CASE WHEN d.block_size > 0
        THEN count(DISTINCT s.block_id) FILTER (WHERE s.block_id >= 0) * d.block_size
          + coalesce(sum(s.count) FILTER (WHERE s.block_id IS NULL), 0) * 8
        ELSE coalesce(sum(s.count), 0) * 8 END AS bytes
    FROM segments AS s, d GROUP BY s.i, d.block_size`;
}

/** Tables from which `storageRows` splits `storageSql` over the warehouse's connections. */
const STORAGE_SPLIT_AT = 1000;

/**
 * Tables of at least this many rows are counted by an aggregate of their own, which DuckDB
 * answers from the column's statistics and one pass over the stamps (order_transactions at
 * scale 30: under 1 ms, against 28 ms gathered). Few tables are this large, so the cost of many
 * aggregates in one statement (see `rowsSql`) does not arise.
 */
const OWN_AGGREGATE_ROWS = 100_000;

/** Rows `rowsSql` gathers before counting them: about 13 bytes each (a number and a stamp). */
const GATHERED_ROWS = 10_000_000;

/** A table or view whose rows `rowsSql` counts, with the type of its `_processed_at` if it has one. */
interface Counted extends Numbered {
  readonly processed: string | undefined;
  /** Rows the catalog holds (deleted ones included); undefined for a view. */
  readonly estimate: number | undefined;
}

/**
 * Each table's row count and latest `_processed_at`, exact, in one statement whatever their
 * number. Rows `(i, row_count, p0..)`, none for an empty table; `pN` is the latest stamp of the
 * tables whose `_processed_at` has the N-th of `types` (a column a type, so that each is read back
 * exactly as `max` of it would be). An aggregate per table in one UNION ALL costs DuckDB time in
 * the square of the tables (each a pipeline that waits on the ones before it: a minute at
 * 10,000), so every table's rows go through one GROUP BY instead. Those of the smallest tables,
 * up to GATHERED_ROWS together, are gathered first (a GROUP BY fed by thousands of tiny scans
 * sets up a hash table for each); the rest stream through a GROUP BY of their own, but for
 * tables of OWN_AGGREGATE_ROWS or more, each counted by an aggregate of its own.
 */
function rowsSql(refs: readonly Counted[], types: readonly string[]): string {
  let gathered = 0;
  const small = new Set<Counted>();
  const sized = refs
    .filter((r) => r.estimate !== undefined && r.estimate < OWN_AGGREGATE_ROWS)
    .sort((a, b) => a.estimate! - b.estimate!);
  for (const t of sized) {
    if (gathered + t.estimate! > GATHERED_ROWS) break;
    gathered += t.estimate!;
    small.add(t);
  }
  const scan = ({ ref, i, processed }: Counted) => {
    const stamps = types.map(
      (type, n) => `${type === processed ? q('_processed_at') : `CAST(NULL AS ${type})`} AS p${n}`,
    );
    return `SELECT ${[`${i} AS i`, ...stamps].join(', ')} FROM ${table(ref)}`;
  };
  const aggregates = ['count(*) AS row_count', ...types.map((_, n) => `max(p${n}) AS p${n}`)].join(', ');
  const counted = `i, ${aggregates}`;
  const big = new Set(refs.filter((t) => t.estimate !== undefined && t.estimate >= OWN_AGGREGATE_ROWS));
  const rest = refs.filter((t) => !small.has(t) && !big.has(t));
  const parts = [
    ...[...big].map((t) => `SELECT ${t.i} AS i, ${aggregates} FROM (${scan(t)})`),
    ...(rest.length ? [`SELECT ${counted} FROM (${unionAll(rest.map(scan))}) GROUP BY i`] : []),
  ];
  const streamed = parts.length ? unionAll(parts) : undefined;
  if (!small.size) return streamed!;
  return `WITH gathered AS MATERIALIZED (${unionAll([...small].map(scan))})
    SELECT ${counted} FROM gathered GROUP BY i${streamed ? `\nUNION ALL ${streamed}` : ''}`;
}

/** The layout's table and column descriptions as COMMENT statements on `ref`. */
function commentsOf(ref: TableRef, layout: TableLayout): string[] {
  return [
    ...(layout.description ? [`COMMENT ON TABLE ${table(ref)} IS ${lit(layout.description)}`] : []),
    ...layout.columns
      .filter((c) => c.description)
      .map((c) => `COMMENT ON COLUMN ${table(ref)}.${q(c.name)} IS ${lit(c.description!)}`),
  ];
}

/**
 * The INSERT of a build's run record. Its `seq` is one more than any before it: the order in
 * which runs were recorded, which the latest run is read by, whatever the clocks that timed
 * them (a build whose clock is behind the previous one's is still the latest).
 */
function runInsertSql(run: BuildRunRecord): string {
  const number = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? lit(n) : 'NULL');
  return `INSERT INTO ${q(META_SCHEMA)}.runs BY NAME SELECT ${lit(run.runId)} AS run_id, ${lit(run.domain)} AS domain,
      ${lit(run.product)} AS product, ${lit(run.version)} AS version, ${lit(run.status)} AS status,
      ${lit(run.startedAt)} AS started_at, ${lit(run.finishedAt)} AS finished_at, ${number(run.rowCount)} AS row_count,
      ${number(run.completeness)}::DOUBLE AS completeness, ${number(run.validity)}::DOUBLE AS validity,
      ${lit(JSON.stringify(run.checks))} AS checks, ${lit(run.error?.code ?? null)} AS error_code,
      ${lit(run.error?.message ?? null)} AS error_message, ${number(run.bytesProcessed)}::BIGINT AS bytes_processed,
      ${lit(run.definition ?? null)}::VARCHAR AS definition, ${lit(run.sourceBatches ?? null)}::VARCHAR AS source_batches,
      ${lit(run.inputProducts ?? null)}::VARCHAR AS input_products,
      (SELECT COALESCE(max(seq), 0) + 1 FROM ${q(META_SCHEMA)}.runs) AS seq`;
}

/** A source's log: its columns, the batch that loaded each row and the row's line in the file. */
function createLogSql(source: Source): string {
  const columns = source.columns.map((c) => `${q(c.name)} ${duckdbDialect.columnType(c.type)}`);
  return `CREATE TABLE IF NOT EXISTS ${table(source.log)} (${[...columns, '_batch_id BIGINT NOT NULL', '_line BIGINT'].join(', ')})`;
}

function createRejectsSql(source: Source): string {
  return `CREATE TABLE IF NOT EXISTS ${table(source.rejects)} (_batch_id BIGINT NOT NULL, file VARCHAR NOT NULL, line BIGINT, reason VARCHAR NOT NULL, record VARCHAR)`;
}

/** Records the definition a source's current rows were computed with (see `currentDefinition`). */
function recordDefinitionSql(source: Source): string[] {
  return [
    `DELETE FROM ${CURRENT} WHERE source = ${lit(source.id)}`,
    `INSERT INTO ${CURRENT} (source, definition, table_schema, table_name) VALUES (${lit(source.id)}, ${lit(currentDefinition(source))}, ${lit(source.table.schema)}, ${lit(source.table.name)})`,
  ];
}

function describeCurrent(source: Source, kind: 'TABLE' | 'VIEW' = 'TABLE'): string[] {
  return source.description
    ? [`COMMENT ON ${kind} ${table(source.table)} IS ${lit(source.description)}`]
    : [];
}

/** DuckDB values as the SDK expects them: safe integers as numbers, DATE as 'YYYY-MM-DD', TIMESTAMP as Date. */
function canonical(value: unknown, isDate: boolean): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (isDate && value instanceof Date) return value.toISOString().slice(0, 10);
  return value;
}

interface ResultShape {
  columnNames(): string[];
  columnTypes(): ReadonlyArray<{ toString(): string }>;
}

function rowsOf(result: ResultShape, rows: Record<string, unknown>[]): SqlRow[] {
  const names = result.columnNames();
  const dates = result.columnTypes().map((t) => String(t) === 'DATE');
  for (const row of rows) {
    names.forEach((n, i) => {
      row[n] = canonical(row[n], dates[i]!);
    });
  }
  return rows;
}

/**
 * DuckDB's words for a file it cannot read back: a block whose checksum does not match, a file
 * cut short. A statement may be the first to reach a damaged block, long after the file opened.
 */
const DAMAGED =
  /corrupt database file|checksum \S+ does not match|could not read enough bytes|not a valid duckdb/i;

/**
 * The error of a failed statement: `database-unavailable` when the file itself is damaged (as
 * when it is opened: nothing the statement does differently would help), else `statement-failed`.
 * `message` replaces DuckDB's where the caller says more.
 */
function statementError(file: string, cause: unknown, message?: string): WarehouseError {
  const reason = (cause as Error)?.message ?? String(cause);
  if (DAMAGED.test(reason)) {
    // Only DuckDB's first line: the LINE excerpt of the statement says nothing about the file.
    return new WarehouseError(
      'database-unavailable',
      `Cannot read DuckDB database ${file}: ${reason.split('\n')[0]}`,
      { file },
      { cause },
    );
  }
  return new WarehouseError('statement-failed', message ?? reason, {}, { cause });
}

/**
 * The embedded DuckDB warehouse: one schema per domain, tables swapped in a transaction. A
 * string is the database file's path, as `{ path }`; anything else that is not an options
 * object is refused (`bad-arguments`), never taken for the default path.
 *
 * @example
 * const warehouse = await createDuckDbWarehouse({ path: '.mesh/mesh.duckdb' });
 * await buildMesh(warehouse, products);
 * await warehouse.close();
 * const same = await createDuckDbWarehouse('.mesh/mesh.duckdb');
 */
export async function createDuckDbWarehouse(
  pathOrOptions: string | DuckDbWarehouseOptions = {},
): Promise<Warehouse> {
  const options = optionsOf(pathOrOptions);
  const path = options.path ?? DEFAULT_DUCKDB_PATH;
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') {
    if (!existsSync(file) && !options.create) {
      throw new WarehouseError(
        'database-not-found',
        `No DuckDB warehouse at ${file}: check the path, or pass create: true to make a new one there.`,
        { file },
      );
    }
    ensureDirectory(dirname(file), 'database directory');
  }
  const config: Record<string, string> = {
    // Nothing may be downloaded at run time; parquet, json and icu are built in.
    autoinstall_known_extensions: 'false',
  };
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  // A write-ahead log at open: the last process holding the file did not close it (killed, or
  // its machine lost), and DuckDB replays the log now.
  const replayed = file !== ':memory:' && existsSync(`${file}.wal`);
  let instance: DuckDBInstance;
  try {
    instance = await duckdb.DuckDBInstance.create(file, config);
  } catch (cause) {
    const message = (cause as Error).message ?? String(cause);
    // DuckDB's words for a file another process holds; a checksum error mentions a "block".
    const locked = /could not set lock|conflicting lock/i.test(message);
    // A write-ahead log that does not fit the file: most often a copy or backup of the file
    // restored beside the log of the file it replaced.
    const wal = /replaying WAL/i.test(message)
      ? ` Its write-ahead log ${file}.wal cannot be replayed onto it. If the file was copied or restored without its own .wal, the one beside it belongs to another copy: move it aside and open the file again; otherwise restore the file with its .wal from a backup.`
      : '';
    throw new WarehouseError(
      locked ? 'database-locked' : 'database-unavailable',
      locked
        ? `${file} is open in another process (DuckDB allows one writer: a mesh serve, a build, or a script of yours): stop it, or open another file (--db with mesh, path with createDuckDbWarehouse).`
        : `Cannot open DuckDB database ${file}: ${message}${wal}`,
      { file },
      { cause },
    );
  }
  const connection = await instance.connect();
  // Timestamps are UTC on every warehouse; icu (built in) reads the zone for every connection.
  await connection.run("SET GLOBAL TimeZone = 'UTC'");
  // Work that one statement does on one core (the storage of thousands of tables) is split over
  // as many connections as DuckDB has threads, up to four.
  const parts = Math.min(4, Math.max(1, options.threads ?? availableParallelism()));
  const warehouse = new DuckDbWarehouse(instance, connection, file, parts, options.onStatement);
  if (replayed) {
    try {
      await warehouse.recoverCurrentRows();
    } catch (cause) {
      await warehouse.close().catch(() => undefined);
      throw cause;
    }
  }
  return warehouse;
}

/** The options `createDuckDbWarehouse` takes (`DuckDbWarehouseOptions`). */
const OPTION_NAMES = ['path', 'create', 'threads', 'memoryLimit', 'onStatement'];

/** The options of `createDuckDbWarehouse`, from a path or an options object. */
function optionsOf(pathOrOptions: unknown): DuckDbWarehouseOptions {
  if (typeof pathOrOptions === 'string') return { path: pathOrOptions };
  if (typeof pathOrOptions === 'object' && pathOrOptions !== null && !Array.isArray(pathOrOptions)) {
    // A misspelt option (`pth`) would open the default file instead, silently.
    const unknown = Object.keys(pathOrOptions).filter((k) => !OPTION_NAMES.includes(k));
    if (unknown.length) {
      throw new UsageError(
        'bad-arguments',
        `createDuckDbWarehouse has no option ${unknown.join(', ')}${unknown.length === 1 && closest(unknown[0]!, OPTION_NAMES) ? ` (did you mean ${closest(unknown[0]!, OPTION_NAMES)}?)` : ''}: its options are ${OPTION_NAMES.join(', ')}.`,
        { option: unknown[0] },
      );
    }
    return pathOrOptions as DuckDbWarehouseOptions;
  }
  const given = Array.isArray(pathOrOptions) ? 'an array' : String(pathOrOptions);
  throw new UsageError(
    'bad-arguments',
    `createDuckDbWarehouse takes the database file's path or an options object ({ path, create, threads, memoryLimit }), not ${given}.`,
  );
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

class DuckDbWarehouse implements Warehouse, FileIngester, InPlacePublisher, BulkCatalog {
  readonly name = 'duckdb';
  readonly dialect = duckdbDialect;
  readonly capabilities = CAPABILITIES;
  // One statement at a time on the shared connection; streams get their own.
  private queue: Promise<unknown> = Promise.resolve();
  private metaReady: Promise<void> | undefined;
  /** Set once close() has released the file: every later call is refused by name. */
  private closed = false;
  private readonly ensuredSources = new Set<string>();
  private readonly ensuredDomains = new Set<string>();
  /** Connections of finished publishes, kept for the next, and the publishes under way. */
  private readonly idle: DuckDBConnection[] = [];
  private readonly busy = new Set<Promise<unknown>>();
  /** Stats of tables nothing has written since they were computed (see StatsMemo). */
  private readonly memo = new StatsMemo();
  /** The largest batch id this process gave out (see `claimBatchId`). */
  private lastBatchId = 0;
  /** Samples being written, as one group holding the queue (see `enterSampling`). */
  private readonly sampling: {
    users: number;
    group?: { before: Promise<{ methods: string; ordered: boolean }>; release: () => void };
  } = { users: 0 };

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly file: string,
    private readonly parts: number,
    private readonly onStatement?: (statement: string) => void,
  ) {}

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(
    statement: string,
    values?: Record<string, unknown>,
    connection: DuckDBConnection = this.connection,
  ): Promise<SqlRow[]> {
    this.refuseClosed();
    this.onStatement?.(statement);
    this.memo.before(statement, connection);
    try {
      const reader = await connection.runAndReadAll(statement, values as never);
      this.memo.after(statement, connection, true);
      return rowsOf(reader, reader.getRowObjectsJS() as Record<string, unknown>[]);
    } catch (cause) {
      this.memo.after(statement, connection, false);
      throw statementError(this.file, cause);
    }
  }

  /** Runs statements in one transaction; any failure rolls all of them back. */
  private async transaction(
    statements: Array<string | (() => Promise<string[]>)>,
    connection: DuckDBConnection = this.connection,
  ): Promise<void> {
    const run = (statement: string) => this.run(statement, undefined, connection);
    await run('BEGIN TRANSACTION');
    try {
      // A step may decide its statements from what the earlier ones did.
      for (const s of statements) {
        if (typeof s === 'string') await run(s);
        else for (const next of await s()) await run(next);
      }
      await run('COMMIT');
    } catch (error) {
      await run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * A connection of its own for work that runs beside the shared connection's queue (a
   * product's publish), returned to the idle ones afterwards.
   */
  private async withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.refuseClosed();
    const connection = this.idle.pop() ?? (await this.instance.connect());
    const done = work(connection).finally(() => {
      this.busy.delete(done);
      this.idle.push(connection);
    });
    this.busy.add(done);
    return done;
  }

  private ensureMeta(): Promise<void> {
    this.metaReady ??= this.exclusive(async () => {
      await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(META_SCHEMA)}`);
      await this.run(`CREATE TABLE IF NOT EXISTS ${q(META_SCHEMA)}.runs (
        run_id VARCHAR NOT NULL, domain VARCHAR NOT NULL, product VARCHAR NOT NULL, version VARCHAR NOT NULL,
        status VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
        row_count BIGINT NOT NULL, completeness DOUBLE, validity DOUBLE, checks JSON NOT NULL,
        error_code VARCHAR, error_message VARCHAR)`);
      await this.run(`CREATE TABLE IF NOT EXISTS ${BATCHES} (
        batch_id BIGINT NOT NULL, source VARCHAR NOT NULL, kind VARCHAR NOT NULL, file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL, mapping VARCHAR NOT NULL, rows BIGINT NOT NULL, loaded BIGINT NOT NULL,
        rejected BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL, ingested_by VARCHAR NOT NULL,
        reverted_at TIMESTAMP)`);
      await this.run(
        `CREATE TABLE IF NOT EXISTS ${CURRENT} (source VARCHAR NOT NULL, definition VARCHAR NOT NULL)`,
      );
      // Files written before bytes were recorded gain the column.
      await this.run(`ALTER TABLE ${q(META_SCHEMA)}.runs ADD COLUMN IF NOT EXISTS bytes_processed BIGINT`);
      await this.run(`ALTER TABLE ${q(META_SCHEMA)}.runs ADD COLUMN IF NOT EXISTS definition VARCHAR`);
      await this.run(`ALTER TABLE ${q(META_SCHEMA)}.runs ADD COLUMN IF NOT EXISTS source_batches VARCHAR`);
      await this.run(`ALTER TABLE ${q(META_SCHEMA)}.runs ADD COLUMN IF NOT EXISTS seq BIGINT`);
      await this.run(`ALTER TABLE ${q(META_SCHEMA)}.runs ADD COLUMN IF NOT EXISTS input_products VARCHAR`);
      // Batch logs written before batches were flagged on load gain the column.
      await this.run(`ALTER TABLE ${BATCHES} ADD COLUMN IF NOT EXISTS flag VARCHAR`);
      // Where each source's current rows are, for recovery after an unclean shutdown (see
      // recoverCurrentRows); recorded whenever the definition is.
      await this.run(`ALTER TABLE ${CURRENT} ADD COLUMN IF NOT EXISTS table_schema VARCHAR`);
      await this.run(`ALTER TABLE ${CURRENT} ADD COLUMN IF NOT EXISTS table_name VARCHAR`);
      await this.run(healthHistoryCreateSql(duckdbDialect));
    });
    return this.metaReady;
  }

  /**
   * After an unclean shutdown, counts each source's current rows against what its log says
   * (the SELECT recorded for it) and rebuilds from the log those that disagree, before anything
   * reads them. Every ingest rewrites the current rows in the transaction that changes the log,
   * yet once, after an ingest was killed at a random moment, the file reopened with every
   * current row of the source twice while its log and batches were whole (the DELETE of the
   * rows it superseded lost in recovery, as far as could be told; not reproduced since). The log
   * is what was loaded: the current rows are derived from it. A pass over each source's log:
   * seconds at scale 30, and only when a log was replayed. Views (a sample's current rows)
   * cannot disagree. Returns the sources rebuilt.
   */
  async recoverCurrentRows(): Promise<string[]> {
    return this.exclusive(async () => {
      const [recorded] = await this.run(
        `SELECT count(*) AS n FROM duckdb_columns() WHERE schema_name = ${lit(META_SCHEMA)} AND table_name = 'current_rows' AND column_name = 'table_name'`,
      );
      if (!Number(recorded?.n)) return [];
      const sources = await this.run(
        `SELECT m.source, m.definition, m.table_schema, m.table_name, t.comment
         FROM ${CURRENT} AS m JOIN duckdb_tables() AS t
           ON t.schema_name = m.table_schema AND t.table_name = m.table_name
         ORDER BY m.source`,
      );
      const rebuilt: string[] = [];
      for (const row of sources) {
        const target = table({ schema: String(row.table_schema), name: String(row.table_name) });
        // The definition may end in a comment line: the parenthesis goes on a line of its own.
        const definition = String(row.definition);
        const [counts] = await this.run(
          `SELECT (SELECT count(*) FROM ${target}) AS have, (SELECT count(*) FROM (${definition}\n) AS d) AS want`,
        );
        if (Number(counts?.have) === Number(counts?.want)) continue;
        await this.transaction([
          `CREATE OR REPLACE TABLE ${target} AS ${definition}\n`,
          ...(row.comment ? [`COMMENT ON TABLE ${target} IS ${lit(String(row.comment))}`] : []),
        ]);
        rebuilt.push(String(row.source));
      }
      return rebuilt;
    });
  }

  ensureDomain(domain: Domain): Promise<void> {
    // Once per domain and process: every product build asks, and the comment never changes.
    if (this.ensuredDomains.has(domain.name)) return Promise.resolve();
    return this.exclusive(async () => {
      await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(domain.name)}`);
      this.ensuredDomains.add(domain.name);
      await this.run(
        `COMMENT ON SCHEMA ${q(domain.name)} IS ${duckdbDialect.literal(`${domain.description} Owner: ${domain.owner.team} <${domain.owner.email}>`)}`,
      ).catch(() => undefined); // COMMENT ON SCHEMA is newer than some DuckDB builds; the comment is a courtesy
    });
  }

  ensureTable(ref: TableRef, layout: TableLayout): Promise<void> {
    return this.exclusive(async () => {
      await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(ref.schema)}`);
      const columns = layout.columns
        .map((c) => `${q(c.name)} ${duckdbDialect.columnType(c.type)}`)
        .join(', ');
      await this.run(`CREATE TABLE IF NOT EXISTS ${table(ref)} (${columns})`);
    });
  }

  replaceTable(ref: TableRef, select: string, layout: TableLayout): Promise<MaterializeResult> {
    return this.exclusive(async () => {
      let rowCount = 0;
      await this.transaction([
        async () => {
          await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(ref.schema)}`);
          rowCount = await this.createTableAs(ref, select, layout, this.connection);
          await this.comment(ref, layout, this.connection);
          return [];
        },
      ]);
      return { rowCount };
    });
  }

  publishTable(
    target: TableRef,
    select: string,
    layout: TableLayout,
    options: InPlaceOptions,
  ): Promise<MaterializeResult> {
    // The rows are written and committed in a staging table first, then swapped in by a rename
    // inside the transaction that checks and records them. DuckDB scans committed rows (row
    // groups with their statistics) faster than rows still local to a transaction: order_items'
    // suite at scale 30 took 650-770 ms against 880-1,450 in the transaction that wrote them,
    // and the whole publish 4.8 s against 4.9-6.5 s (the engine's CTAS alone: 4.4-4.7 s). The
    // rename is a catalog change. A build killed in between leaves the staging table, which
    // health reports and the next build drops.
    const staging = stagingTableFor(target);
    let rowCount = 0;
    return this.publishInPlace(
      options,
      {
        statements: [
          `DROP TABLE IF EXISTS ${table(target)}`,
          `ALTER TABLE ${table(staging)} RENAME TO ${q(target.name)}`,
          ...commentsOf(target, layout),
        ],
        rowCount: () => rowCount,
      },
      {
        table: staging,
        write: async (connection) => {
          rowCount = await this.createTableAs(staging, select, layout, connection);
        },
      },
    );
  }

  /**
   * `CREATE OR REPLACE TABLE ... AS` in an existing schema (a product's is ensured once per
   * build), committed with the caller's transaction or on its own; the row count the CTAS
   * reports (no count afterwards).
   */
  private async createTableAs(
    ref: TableRef,
    select: string,
    layout: TableLayout,
    connection: DuckDBConnection,
  ): Promise<number> {
    const run = (statement: string) => this.run(statement, undefined, connection);
    // DuckDB has no partitions: rows in order of the partition column give its zone maps what
    // partition pruning gives BigQuery (a one-day rebuild reads and replaces that day's row
    // groups, not every row group), where the layout asks for it (incremental products). Nothing
    // else is sorted: the sort costs a quarter of a large CTAS.
    const [row] = await run(
      `CREATE OR REPLACE TABLE ${table(ref)} AS SELECT * FROM (${select}) AS s${
        layout.partitionBy && layout.orderByPartition ? ` ORDER BY ${q(layout.partitionBy.column)}` : ''
      }`,
    );
    return Number(row?.Count ?? 0);
  }

  /** The layout's table and column descriptions as comments on `ref`, in one round trip. */
  private async comment(ref: TableRef, layout: TableLayout, connection: DuckDBConnection): Promise<void> {
    const comments = commentsOf(ref, layout);
    if (comments.length) await this.run(comments.join(';\n'), undefined, connection);
  }

  /**
   * One transaction: the writes, then the alongside tables, `verify` (which sees the new rows,
   * as nobody else does yet), the run record; committed only when all of it succeeded. On a
   * connection of its own, so that another product's publish runs beside it.
   *
   * Three round trips whatever the writes: the writes with their row count, the checks, the
   * record with the commit. A statement costs DuckDB and the driver about a millisecond whatever
   * it does (one day of order_daily_sales rebuilt in place ran eleven, 33 ms in all), and the
   * writes' results are not needed, but for the count, which comes last. Where the caller asks
   * for the rows `kept` to be counted, the writes are split there: one round trip more.
   */
  private async publishInPlace(
    options: InPlaceOptions,
    writes: {
      readonly statements: readonly string[];
      /**
       * The insert into the target, after `options.kept` is counted where asked for (the target's
       * rows are then those kept and those it reports inserting, not counted again).
       */
      readonly insert?: string;
      /** The target's row count after the writes: counted (a table) or known already. */
      readonly rowCount: TableRef | (() => number);
    },
    /** Written and committed before the transaction begins; dropped when the publish fails. */
    staged?: { table: TableRef; write: (connection: DuckDBConnection) => Promise<void> },
  ): Promise<MaterializeResult> {
    if (options.record) await this.ensureMeta();
    return this.withConnection(async (connection) => {
      const run = (statement: string) => this.run(statement, undefined, connection);
      // Cancelled (a timeout): the statement running is interrupted, the transaction rolled back.
      const { signal } = options;
      signal?.throwIfAborted();
      const interrupt = () => connection.interrupt();
      signal?.addEventListener('abort', interrupt, { once: true });
      const alongside = (options.alongside ?? []).flatMap((a) =>
        'select' in a
          ? [`CREATE OR REPLACE TABLE ${table(a.table)} AS ${a.select}`]
          : [
              `DELETE FROM ${table(a.table)} WHERE ${a.deleteWhere}`,
              ...(a.insert ? [`INSERT INTO ${table(a.table)} BY NAME SELECT * FROM (${a.insert}) AS s`] : []),
            ],
      );
      const counted = typeof writes.rowCount === 'function' ? undefined : writes.rowCount;
      try {
        await staged?.write(connection);
        const kept = writes.insert && counted ? options.kept : undefined;
        let keptRow: SqlRow | undefined;
        let rowCount: number;
        if (kept) {
          [keptRow] = await run(['BEGIN TRANSACTION', ...writes.statements, ...alongside, kept].join(';\n'));
          const [inserted] = await run(writes.insert!);
          rowCount = Number(keptRow?.row_count ?? 0) + Number(inserted?.Count ?? 0);
        } else {
          const [row] = await run(
            [
              'BEGIN TRANSACTION',
              ...writes.statements,
              ...alongside,
              ...(writes.insert ? [writes.insert] : []),
              ...(counted ? [`SELECT count(*) AS n FROM ${table(counted)}`] : []),
            ].join(';\n'),
          );
          rowCount = typeof writes.rowCount === 'function' ? writes.rowCount() : Number(row?.n ?? 0);
        }
        const result = { rowCount };
        await options.verify(run, keptRow, rowCount);
        // Interrupted between statements: nothing to cut short, but nothing is committed.
        signal?.throwIfAborted();
        await run(
          [
            ...(options.settle?.(result) ?? []),
            ...(options.record ? [runInsertSql(options.record(result))] : []),
            'COMMIT',
          ].join(';\n'),
        );
        return result;
      } catch (error) {
        await run('ROLLBACK').catch(() => undefined);
        // Rolled back, the staging table is there again under its name (or half written).
        if (staged) await run(`DROP TABLE IF EXISTS ${table(staged.table)}`).catch(() => undefined);
        throw signal?.aborted ? signal.reason : error;
      } finally {
        signal?.removeEventListener('abort', interrupt);
      }
    });
  }

  describeQuery(select: string): Promise<Array<{ name: string; type: string }>> {
    return this.exclusive(async () => {
      const rows = await this.run(`DESCRIBE ${select}`);
      return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    });
  }

  promote(staging: TableRef, target: TableRef): Promise<undefined> {
    if (staging.schema !== target.schema) {
      throw new WarehouseError('promote-across-schemas', 'Staging and target must share a schema.', {
        product: target.name,
      });
    }
    return this.exclusive(async () => {
      // Durable at COMMIT through the write-ahead log; the build checkpoints once at its end
      // (a CHECKPOINT per product was most of a small product's cost).
      await this.transaction([
        `DROP TABLE IF EXISTS ${table(target)}`,
        `ALTER TABLE ${table(staging)} RENAME TO ${q(target.name)}`,
      ]);
      return undefined;
    });
  }

  replacePartitions(
    target: TableRef,
    partitions: PartitionSelection,
    select: string,
    options: InPlaceOptions,
  ): Promise<MaterializeResult> {
    const day = `CAST(${q(partitions.column)} AS DATE)`;
    const days = partitions.days.filter((d): d is string => d !== null);
    const where = [
      ...(days.length ? [`${day} IN (${days.map((d) => `DATE ${lit(d)}`).join(', ')})`] : []),
      ...(partitions.days.includes(null) ? [`${q(partitions.column)} IS NULL`] : []),
    ];
    return this.publishInPlace(options, {
      statements: where.length ? [`DELETE FROM ${table(target)} WHERE ${where.join(' OR ')}`] : [],
      insert: where.length
        ? `INSERT INTO ${table(target)} BY NAME SELECT * FROM (${select}) AS s`
        : undefined,
      rowCount: target,
    });
  }

  checkpoint(): Promise<void> {
    // Best effort: DuckDB refuses while another connection reads, and every commit is durable
    // in the write-ahead log anyway; this folds it into the file and makes storage figures current.
    return this.exclusive(() => this.run('CHECKPOINT').then(() => undefined)).catch(() => undefined);
  }

  dropTable(ref: TableRef): Promise<void> {
    return this.exclusive(async () => {
      await this.run(`DROP TABLE IF EXISTS ${table(ref)}`);
    });
  }

  async listTables(schema: string): Promise<string[]> {
    const rows = await this.query(
      `SELECT table_name FROM duckdb_tables() WHERE schema_name = ${lit(schema)} ORDER BY table_name`,
    );
    return rows.map((r) => String(r.table_name));
  }

  async listTablesIn(schemas: readonly string[]): Promise<Map<string, string[]>> {
    const tables = new Map(schemas.map((schema) => [schema, [] as string[]]));
    if (!schemas.length) return tables;
    const rows = await this.query(
      `SELECT schema_name, table_name FROM duckdb_tables()
       WHERE schema_name IN (${[...new Set(schemas)].map(lit).join(', ')}) ORDER BY table_name`,
    );
    for (const row of rows) tables.get(String(row.schema_name))?.push(String(row.table_name));
    return tables;
  }

  query(statement: string): Promise<SqlRow[]> {
    return this.exclusive(() => this.run(statement));
  }

  async *stream(statement: string, options: { chunkSize?: number } = {}): AsyncIterable<SqlRow[]> {
    const chunkSize = Math.max(1, options.chunkSize ?? 2048);
    this.refuseClosed();
    // Its own connection, so a long read does not hold up builds, and its memory is one chunk.
    const connection = await this.instance.connect();
    const fail = (cause: unknown, message?: string) => statementError(this.file, cause, message);
    try {
      // The driver ends a stream that fails part-way exactly like one that is done (an empty
      // chunk; the error stays in the C result, which it does not expose). A failure inside an
      // explicit transaction aborts it, though, so a statement after the last chunk tells the
      // two apart without holding the result anywhere.
      let result: Awaited<ReturnType<DuckDBConnection['stream']>>;
      try {
        await connection.run('BEGIN TRANSACTION');
        this.memo.after('BEGIN', connection, true);
        this.memo.before(statement, connection);
        result = await connection.stream(statement);
      } catch (cause) {
        throw fail(cause);
      }
      const names = result.deduplicatedColumnNames();
      // One reader per column, chosen once from its type: each value is read from the chunk's
      // memory and converted once, to what the SDK expects; each row is built once, whole.
      const readers = result.columnTypes().map(columnReader);
      const buildRows = rowBuilder(names);
      const values = names.map(() => [] as unknown[]);
      let pending: SqlRow[] = [];
      let rowCount = 0;
      for (;;) {
        let chunk: Awaited<ReturnType<typeof result.fetchChunk>>;
        try {
          chunk = await result.fetchChunk();
        } catch (cause) {
          throw fail(cause);
        }
        if (!chunk || chunk.rowCount === 0) break;
        const rows = chunk.rowCount;
        try {
          for (let c = 0; c < readers.length; c++) readers[c]!(chunk.getColumnVector(c), rows, values[c]!);
        } catch (cause) {
          // A value JS cannot hold (a DATE or TIMESTAMP beyond what a Date can).
          throw fail(cause, `The read stopped at a value it cannot convert: ${(cause as Error).message}`);
        }
        const fresh = buildRows(values, rows);
        rowCount += rows;
        if (pending.length === 0 && rows === chunkSize) {
          yield fresh;
          continue;
        }
        for (const row of fresh) {
          pending.push(row);
          if (pending.length === chunkSize) {
            yield pending;
            pending = [];
          }
        }
      }
      try {
        // Throws "Current transaction is aborted" when the query failed part-way.
        await connection.run('SELECT 1');
        await connection.run('COMMIT');
      } catch (aborted) {
        // That says only that it failed; run it again, to nowhere, for DuckDB's own reason.
        const reason = `it failed after ${rowCount} rows`;
        try {
          await connection.run('ROLLBACK').catch(() => undefined);
          await connection.run(`COPY (${statement}) TO ${lit(devNull)} (FORMAT csv)`);
        } catch (cause) {
          throw fail(cause, `The read stopped part-way: ${(cause as Error).message ?? String(cause)}`);
        }
        throw fail(aborted, `The read stopped part-way (${reason}); run the query again.`);
      }
      if (pending.length) yield pending;
    } finally {
      this.memo.after('ROLLBACK', connection, true);
      connection.closeSync();
    }
  }

  /**
   * The table's storage as DuckDB lays it out: every segment of every column, its block, offset,
   * count and whether it holds updates not yet checkpointed. A write (an UPDATE, a DELETE, an
   * INSERT) moves some segment or marks its updates; a checkpoint of a table no one wrote, or
   * opening the file again, moves none (tested).
   */
  async tableVersion(ref: TableRef): Promise<string | undefined> {
    const name = lit(`${q(ref.schema)}.${q(ref.name)}`);
    const [row] = await this.query(
      `SELECT md5(string_agg(concat_ws(':', row_group_id, column_id, segment_id, block_id, block_offset, count, has_updates, persistent), ',' ORDER BY row_group_id, column_id, segment_id)) AS version FROM pragma_storage_info(${name})`,
    ).catch((error: unknown) => {
      // A table that is not there has no version; other failures are the warehouse's to say.
      if (/does not exist/i.test((error as Error).message)) return [];
      throw error;
    });
    return row?.version === null || row?.version === undefined ? undefined : String(row.version);
  }

  async tableStats(ref: TableRef): Promise<TableStats | undefined> {
    return (await this.tableStatsOf([ref]))[0];
  }

  async tableStatsOf(refs: readonly TableRef[]): Promise<Array<TableStats | undefined>> {
    if (!refs.length) return [];
    return this.exclusive(async () => {
      // Before anything is read: stats computed below are kept only if nothing wrote since.
      const mark = this.memo.mark();
      // Which exist, which are views (a sample's current rows: rows, but none stored), and the
      // type of their _processed_at where they have one: one catalog query, whatever their number.
      const inSchemas = `schema_name IN (${[...new Set(refs.map((r) => r.schema))].map(lit).join(', ')})`;
      const catalog = await this.run(
        `SELECT schema_name, table_name, 'table' AS kind, NULL AS data_type, estimated_size FROM duckdb_tables()
         WHERE ${inSchemas}
         UNION ALL
         SELECT schema_name, view_name, 'view', NULL, NULL FROM duckdb_views() WHERE NOT internal AND ${inSchemas}
         UNION ALL
         SELECT schema_name, table_name, 'processed', data_type, NULL FROM duckdb_columns()
         WHERE column_name = '_processed_at' AND ${inSchemas}`,
      );
      const key = (schema: unknown, name: unknown) => `${schema}.${name}`;
      const kinds = new Map<string, { view: boolean; estimate: number | undefined }>();
      const processed = new Map<string, string>();
      for (const row of catalog) {
        const k = key(row.schema_name, row.table_name);
        if (row.kind === 'processed') processed.set(k, String(row.data_type));
        else if (!kinds.has(k) || row.kind === 'table')
          kinds.set(k, {
            view: row.kind === 'view',
            estimate: row.kind === 'table' ? Number(row.estimated_size ?? 0) : undefined,
          });
      }
      // Each table once, however often it is asked for; a table whose stats are kept (nothing
      // wrote it since they were computed) is neither counted nor sized again.
      const tables = new Map<string, Counted & { view: boolean }>();
      const kept = new Map<string, TableStats>();
      for (const ref of refs) {
        const k = key(ref.schema, ref.name);
        const kind = kinds.get(k);
        if (!kind || tables.has(k) || kept.has(k)) continue;
        const memo = kind.view ? undefined : this.memo.get(ref, kind.estimate);
        if (memo) kept.set(k, memo);
        else
          tables.set(k, {
            ref,
            i: tables.size,
            view: kind.view,
            estimate: kind.estimate,
            processed: kind.view ? undefined : processed.get(k),
          });
      }
      const existing = [...tables.values()];
      const found = existing.map(() => ({
        rowCount: 0,
        bytes: 0,
        lastModified: undefined as Date | undefined,
      }));
      if (existing.length) {
        // Then every count and latest stamp in one statement, and every size in another (or a
        // few at once, when there are thousands: see storageRows).
        const types = [...new Set(existing.flatMap((t) => (t.processed ? [t.processed] : [])))];
        for (const row of await this.run(rowsSql(existing, types))) {
          const stats = found[Number(row.i)]!;
          stats.rowCount = Number(row.row_count ?? 0);
          const stamp = types.map((_, n) => row[`p${n}`]).find((v) => v !== null && v !== undefined);
          stats.lastModified = stamp instanceof Date ? stamp : undefined;
        }
        const stored = existing.filter((t) => !t.view);
        if (stored.length) {
          for (const row of await this.storageRows(stored))
            found[Number(row.i)]!.bytes = Number(row.bytes ?? 0);
        }
        for (const t of existing) if (!t.view) this.memo.remember(t.ref, found[t.i]!, t.estimate, mark);
      }
      return refs.map((ref) => {
        const k = key(ref.schema, ref.name);
        const t = tables.get(k);
        return t ? { ...found[t.i]! } : kept.has(k) ? { ...kept.get(k)! } : undefined;
      });
    });
  }

  /**
   * `storageSql` of many tables: DuckDB reads each table's segments while it plans the statement,
   * on one core, so from STORAGE_SPLIT_AT tables on they are split over `parts` statements that
   * run at once, each on a connection of its own (a fifth to a third faster at 10,000 tables on
   * two idle cores; nothing gained when other work keeps the cores busy).
   */
  private async storageRows(refs: readonly Numbered[]): Promise<SqlRow[]> {
    const parts = refs.length >= STORAGE_SPLIT_AT ? this.parts : 1;
    if (parts <= 1) return this.run(storageSql(refs));
    const size = Math.ceil(refs.length / parts);
    const chunks: Numbered[][] = [];
    for (let i = 0; i < refs.length; i += size) chunks.push(refs.slice(i, i + size));
    const rows = await Promise.all(
      chunks.map((chunk, n) =>
        n === 0
          ? this.run(storageSql(chunk))
          : this.withConnection((connection) => this.run(storageSql(chunk), undefined, connection)),
      ),
    );
    return rows.flat();
  }

  async storageBytesOf(refs: readonly TableRef[]): Promise<number[]> {
    if (!refs.length) return [];
    return this.exclusive(async () => {
      const bytes = refs.map(() => 0);
      const all = refs.map((ref, i) => ({ ref, i }));
      // Every table exists, nearly always: asked straight away, without listing the catalog.
      let rows = await this.storageRows(all).catch(() => undefined);
      if (!rows) {
        const listed = new Set(
          (await this.run(`SELECT schema_name, table_name FROM duckdb_tables()`)).map(
            (r) => `${r.schema_name}.${r.table_name}`,
          ),
        );
        const existing = all.filter(({ ref }) => listed.has(`${ref.schema}.${ref.name}`));
        rows = existing.length ? await this.storageRows(existing) : [];
      }
      for (const row of rows) bytes[Number(row.i)] = Number(row.bytes ?? 0);
      return bytes;
    });
  }

  async storageBytes(tables: readonly TableRef[]): Promise<number> {
    return (await this.storageBytesOf(tables)).reduce((sum, bytes) => sum + bytes, 0);
  }

  async recordRun(run: BuildRunRecord): Promise<void> {
    await this.ensureMeta();
    await this.exclusive(() => this.insertRun(run));
  }

  /**
   * Appends a run to the log, in whatever transaction is open. Literals, not parameters: a
   * prepared statement of fourteen parameters cost more than the insert (every build makes one).
   */
  private async insertRun(
    run: BuildRunRecord,
    connection: DuckDBConnection = this.connection,
  ): Promise<void> {
    await this.run(runInsertSql(run), undefined, connection);
  }

  async appendHealthHistory(snapshots: readonly HealthSnapshot[]): Promise<void> {
    if (!snapshots.length) return;
    await this.ensureMeta();
    await this.exclusive(() => this.run(healthHistoryInsertSql(duckdbDialect, snapshots)));
  }

  async healthHistory(query: HealthHistoryQuery = {}): Promise<HealthSnapshot[]> {
    await this.ensureMeta();
    const rows = await this.exclusive(() => this.run(healthHistorySelectSql(duckdbDialect, query)));
    return rows.map(snapshotOfRow);
  }

  async latestRuns(options: { now?: Date } = {}): Promise<LatestRun[]> {
    await this.ensureMeta();
    // The latest run is the one recorded last (seq; runs recorded before it was are older).
    // A run recorded ahead of this clock (by a clock set ahead) comes after every other, and
    // gives no last publish: it would hide the runs since and make the product look fresh.
    // Five minutes of drift are allowed; run times are UTC, as this literal is.
    const now = options.now?.getTime() ?? Date.now();
    const ahead = `TIMESTAMP ${lit(new Date(now + 5 * 60_000).toISOString().replace('T', ' ').slice(0, 23))}`;
    // The run whose rows the table holds is the published one recorded last, by seq alone: a
    // clock ahead or behind says nothing of which rows are there (runs of an older release,
    // without seq, are left out).
    const publishedLast = (column: string) =>
      `arg_max(${column}, seq) FILTER (WHERE status = 'published') OVER product_runs AS last_published_${column === 'started_at' ? 'run_started_at' : column}`;
    const rows = await this.query(
      `SELECT *, max(finished_at) FILTER (WHERE status = 'published' AND finished_at <= ${ahead}) OVER product_runs AS last_published_at,
         max(started_at) FILTER (WHERE status = 'published' AND finished_at <= ${ahead}) OVER product_runs AS last_published_started_at,
         ${['run_id', 'started_at', 'version', 'definition', 'source_batches', 'input_products', 'row_count'].map(publishedLast).join(',\n         ')}
       FROM ${q(META_SCHEMA)}.runs
       WINDOW product_runs AS (PARTITION BY domain, product)
       QUALIFY row_number() OVER (PARTITION BY domain, product ORDER BY finished_at > ${ahead}, seq DESC NULLS LAST, finished_at DESC) = 1`,
    );
    return rows.map(latestRunOf);
  }

  async listRuns({ since }: { since: Date }): Promise<BuildRunRecord[]> {
    await this.ensureMeta();
    const rows = await this.exclusive(() =>
      this.run(
        `SELECT * FROM ${q(META_SCHEMA)}.runs WHERE finished_at >= $since::TIMESTAMP ORDER BY finished_at`,
        {
          since: since.toISOString(),
        },
      ),
    );
    return rows.map(runRecordOf);
  }

  async ensureSource(source: Source): Promise<void> {
    if (this.ensuredSources.has(source.id)) return;
    await this.ensureMeta();
    await this.exclusive(async () => {
      // Every build ensures every source: one catalog query says when all is in place already
      // (a dozen statements otherwise, each ALTER and COMMENT its own commit).
      if ((await this.sourcesInPlace([source]))[0] === 'in-place') return;
      await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(source.table.schema)}`);
      const kinds = await this.run(
        `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = $schema AND table_name IN ($current, $log, $rejects)`,
        {
          schema: source.table.schema,
          current: source.table.name,
          log: source.log.name,
          rejects: source.rejects.name,
        },
      );
      const typeOf = (name: string) => kinds.find((k) => k.table_name === name)?.table_type;
      const definition = currentDefinition(source);
      const [stored] = await this.run(`SELECT definition FROM ${CURRENT} WHERE source = $source`, {
        source: source.id,
      });
      // Current rows computed by the same SELECT as today's (a log of an older release, only
      // its text to unpad): kept, a sample's view too (it reads the log).
      const sameSelect = stored?.definition === currentRowsSelect(source, duckdbDialect);
      const view = typeOf(source.table.name) === 'VIEW';
      if (typeOf(source.table.name) === 'BASE TABLE' && !typeOf(source.log.name))
        await this.adoptLegacyTable(source);
      else if (view && !sameSelect) await this.run(`DROP VIEW ${table(source.table)}`);
      if (typeOf(source.rejects.name) === 'BASE TABLE') {
        // Rejects of the time before batches: kept aside, under a name that says so.
        const [legacy] = await this.run(
          `SELECT count(*) AS n FROM duckdb_columns() WHERE schema_name = $schema AND table_name = $name AND column_name = 'ingested_at'`,
          { schema: source.rejects.schema, name: source.rejects.name },
        );
        if (Number(legacy?.n) > 0)
          await this.run(
            `ALTER TABLE ${table(source.rejects)} RENAME TO ${q(`${source.rejects.name}_before_batches`)}`,
          );
      }
      await this.run(createLogSql(source));
      // A column added to the contract later: older batches simply lack it (NULL).
      for (const c of source.columns)
        await this.run(
          `ALTER TABLE ${table(source.log)} ADD COLUMN IF NOT EXISTS ${q(c.name)} ${duckdbDialect.columnType(c.type)}`,
        );
      await this.run(createRejectsSql(source));
      // The current rows are kept as a table, refreshed with every batch: products read them
      // at no cost (a view ranked the whole log on every read: +32% on a mesh build). When the
      // definition changes (columns, key, mode), they are recomputed from the log.
      const [exists] = await this.run(
        `SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = $schema AND table_name = $name`,
        { schema: source.table.schema, name: source.table.name },
      );
      const keptView = view && sameSelect;
      if (!(Number(exists?.n) || keptView) || stored?.definition !== definition) {
        // A log of an older release: its text unpadded; its current rows recomputed where that
        // changed a row, unless they are a view of the log (a sample's), which reads it as it is.
        const unpad = unpadLogSql(source);
        let unpadded = 0;
        await this.transaction([
          async () => {
            if (unpad) unpadded = Number((await this.run(unpad))[0]?.Count ?? 0);
            return [];
          },
          async () =>
            keptView || (Number(exists?.n) && sameSelect && !unpadded) ? [] : this.refreshCurrent(source)(),
          ...recordDefinitionSql(source),
        ]);
      }
      if (source.description)
        await this.run(`COMMENT ON TABLE ${table(source.table)} IS ${lit(source.description)}`).catch(
          () => undefined,
        );
    });
    this.ensuredSources.add(source.id);
  }

  /**
   * Each source's tables: `in-place` as `ensureSource` leaves them (its current rows, log with
   * every column of the contract and rejects are there, the current rows were computed with
   * today's definition, the description is the comment), `absent` when none of them and no
   * definition is there yet, `other` otherwise. One catalog query for all of them.
   */
  private async sourcesInPlace(sources: readonly Source[]): Promise<Array<'in-place' | 'absent' | 'other'>> {
    if (!sources.length) return [];
    const wanted = sources
      .map(
        (source, i) =>
          `(${i}, ${lit(source.table.schema)}, ${lit(source.table.name)}, ${lit(source.log.name)}, ${lit(source.rejects.name)},
            ${lit(source.description ?? '')}, [${source.columns.map((c) => lit(c.name)).join(', ')}]::VARCHAR[],
            ${lit(source.id)}, ${lit(currentDefinition(source))})`,
      )
      .join(',\n');
    const rows = await this.run(
      `WITH w (i, schema_name, cur, log, rej, comment, cols, source, definition) AS (VALUES ${wanted}),
       t AS (SELECT w.i,
               count(*) FILTER (WHERE t.table_name = w.cur AND coalesce(t.comment, '') = w.comment) AS current,
               count(*) FILTER (WHERE t.table_name = w.rej) AS rejects,
               count(*) AS tables
             FROM w JOIN (SELECT schema_name, table_name, comment FROM duckdb_tables()
                          UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views() WHERE NOT internal) AS t
               ON t.schema_name = w.schema_name AND t.table_name IN (w.cur, w.rej)
             GROUP BY w.i),
       c AS (SELECT w.i,
               count(*) FILTER (WHERE c.table_name = w.rej AND c.column_name = 'ingested_at') AS legacy_rejects,
               count(*) FILTER (WHERE c.table_name = w.log AND list_contains(w.cols, c.column_name)) AS log_columns,
               count(*) FILTER (WHERE c.table_name = w.log) AS log_any
             FROM w JOIN duckdb_columns() AS c ON c.schema_name = w.schema_name AND c.table_name IN (w.log, w.rej)
             GROUP BY w.i),
       d AS (SELECT w.i, count(*) AS definition, count(*) FILTER (WHERE m.definition = w.definition) AS same
               FROM w JOIN ${CURRENT} AS m ON m.source = w.source GROUP BY w.i)
       SELECT w.i, t.current, t.rejects, t.tables, c.legacy_rejects, c.log_columns, c.log_any, d.definition, d.same
       FROM w LEFT JOIN t USING (i) LEFT JOIN c USING (i) LEFT JOIN d USING (i)`,
    );
    const found = sources.map((): 'in-place' | 'absent' | 'other' => 'other');
    for (const row of rows) {
      const source = sources[Number(row.i)]!;
      const n = (column: string) => Number(row[column] ?? 0);
      if (
        n('current') === 1 &&
        n('rejects') === 1 &&
        n('legacy_rejects') === 0 &&
        n('log_columns') === source.columns.length &&
        n('same') === 1
      )
        found[Number(row.i)] = 'in-place';
      else if (!n('tables') && !n('log_any') && !n('definition')) found[Number(row.i)] = 'absent';
    }
    return found;
  }

  /** Raw tables of an older release become their source's first batch: what `ensureSources` does. */
  upgradeSources(sources: readonly Source[]): Promise<void> {
    return this.ensureSources(sources);
  }

  async ensureSources(sources: readonly Source[]): Promise<void> {
    const unsure = sources.filter((s) => !this.ensuredSources.has(s.id));
    if (!unsure.length) return;
    await this.ensureMeta();
    await this.exclusive(async () => {
      const states = await this.sourcesInPlace(unsure);
      // Sources with none of their tables yet (a new file, a new source): created together in
      // one transaction, one round trip. One by one, a new file's sixteen sources took 860 ms
      // of a 4.5 s `mesh up`; the other states (upgrades, repairs) take ensureSource's path.
      const absent = unsure.filter((_, i) => states[i] === 'absent');
      if (absent.length) {
        await this.transaction([
          [
            ...new Set(absent.map((s) => `CREATE SCHEMA IF NOT EXISTS ${q(s.table.schema)}`)),
            ...absent.flatMap((s) => [
              createLogSql(s),
              createRejectsSql(s),
              `CREATE TABLE ${table(s.table)} AS ${currentRowsSelect(s, duckdbDialect)}`,
              ...describeCurrent(s),
              ...recordDefinitionSql(s),
            ]),
          ].join(';\n'),
        ]);
      }
      // Sources recorded by an older release: where their current rows are, for the recovery
      // after an unclean shutdown (recoverCurrentRows). No row changes once they are known.
      const placed = unsure.filter((_, i) => states[i] === 'in-place');
      if (placed.length) {
        const values = placed.map((s) => `(${lit(s.id)}, ${lit(s.table.schema)}, ${lit(s.table.name)})`);
        await this.run(
          `UPDATE ${CURRENT} AS m SET table_schema = v.s, table_name = v.n FROM (VALUES ${values.join(', ')}) AS v(source, s, n)
           WHERE m.source = v.source AND m.table_name IS NULL`,
        );
      }
      unsure.forEach((s, i) => {
        if (states[i] !== 'other') this.ensuredSources.add(s.id);
      });
    });
    for (const s of unsure) await this.ensureSource(s);
  }

  /**
   * A step that brings a source's current rows in line with its log: all of them, or only the
   * keys of one batch (`touched` holds them, taken before a revert deletes the batch). A
   * snapshot's current rows are its newest batch, and a view of a sample's log becomes a table
   * again: both recomputed whole.
   */
  private refreshCurrent(
    source: Source,
    touched?: string,
    connection: DuckDBConnection = this.connection,
  ): () => Promise<string[]> {
    return async () => {
      const view = await this.currentIsView(source, connection);
      if (view || !touched || source.mode === 'snapshot')
        return [
          ...(view ? [`DROP VIEW ${table(source.table)}`] : []),
          `CREATE OR REPLACE TABLE ${table(source.table)} AS ${currentRowsSelect(source, duckdbDialect)}`,
          // A new table has no comment: the description goes with it.
          ...describeCurrent(source),
        ];
      const on = (a: string, b: string) => source.key.map((k) => `${a}.${q(k)} = ${b}.${q(k)}`).join(' AND ');
      const names = source.columns.map((c) => q(c.name)).join(', ');
      const rows = `(SELECT l.* FROM ${table(source.log)} AS l SEMI JOIN ${touched} AS t ON ${on('l', 't')})`;
      return [
        `DELETE FROM ${table(source.table)} AS c USING ${touched} AS t WHERE ${on('c', 't')}`,
        `INSERT INTO ${table(source.table)} (${names}) ${currentRowsSelect(source, duckdbDialect, { from: rows })}`,
      ];
    };
  }

  /** Whether a source's current rows are a view of its log (a sample whose keys are unique). */
  private async currentIsView(
    source: Source,
    connection: DuckDBConnection = this.connection,
  ): Promise<boolean> {
    const [row] = await this.run(
      `SELECT count(*) AS n FROM duckdb_views() WHERE NOT internal AND schema_name = $schema AND view_name = $name`,
      { schema: source.table.schema, name: source.table.name },
      connection,
    );
    return Number(row?.n) > 0;
  }

  /** A temp table of the keys a batch holds in the log; what refreshCurrent recomputes. */
  private touchedKeys(source: Source, batchId: number): string {
    return `CREATE OR REPLACE TEMP TABLE ${TOUCHED} AS SELECT DISTINCT ${source.key.map(q).join(', ')} FROM ${table(source.log)} WHERE _batch_id = ${batchId}`;
  }

  /**
   * A raw table written before sources kept a log: its rows become the log's first batch, a
   * sample batch unless files were ingested into it.
   */
  private async adoptLegacyTable(source: Source): Promise<void> {
    const [ingested] = await this.run(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = '_mesh' AND table_name = 'ingested_files'`,
    );
    const [files] = Number(ingested?.n)
      ? await this.run(`SELECT count(*) AS n FROM ${q(META_SCHEMA)}.ingested_files WHERE source = $source`, {
          source: source.id,
        })
      : [{ n: 0 }];
    const [rows] = await this.run(`SELECT count(*) AS n FROM ${table(source.table)}`);
    const id = await this.nextBatchId();
    await this.transaction([
      `ALTER TABLE ${table(source.table)} RENAME TO ${q(source.log.name)}`,
      `ALTER TABLE ${table(source.log)} ADD COLUMN _batch_id BIGINT DEFAULT ${id}`,
      `ALTER TABLE ${table(source.log)} ALTER COLUMN _batch_id DROP DEFAULT`,
      `ALTER TABLE ${table(source.log)} ADD COLUMN _line BIGINT`,
      // The order rows arrived in decides between copies of a key: keep it as their line.
      `UPDATE ${table(source.log)} SET _line = rowid + 1`,
      `INSERT INTO ${BATCHES} VALUES (${id}, ${lit(source.id)}, ${lit(Number(files?.n) ? 'ingest' : 'sample')},
        ${lit(
          Number(files?.n)
            ? 'rows loaded before batches were recorded, ingested files and perhaps sample rows mixed: revert it and ingest your exports again'
            : 'rows loaded before batches were recorded',
        )}, '', '{}', ${Number(rows?.n)}, ${Number(rows?.n)}, 0,
        ${lit(new Date())}, ${lit(this.author())}, NULL, NULL)`,
    ]);
  }

  private author(): string {
    return batchAuthor(process.env, () => userInfo().username);
  }

  private async nextBatchId(): Promise<number> {
    const [row] = await this.run(`SELECT COALESCE(max(batch_id), 0) + 1 AS id FROM ${BATCHES}`);
    return this.claimBatchId(Number(row?.id ?? 1));
  }

  async listBatches(options: { source?: string; includeReverted?: boolean } = {}): Promise<BatchRecord[]> {
    await this.ensureMeta();
    const where = [
      options.source ? 'source = $source' : undefined,
      options.includeReverted ? undefined : 'reverted_at IS NULL',
    ].filter(Boolean);
    const rows = await this.exclusive(() =>
      this.run(
        `SELECT * FROM ${BATCHES}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY batch_id`,
        options.source ? { source: options.source } : undefined,
      ),
    );
    return rows.map(batchRecordOf);
  }

  async revertBatch(source: Source, batchId: number): Promise<BatchRecord> {
    await this.ensureSource(source);
    return this.exclusive(async () => {
      const [row] = await this.run(`SELECT * FROM ${BATCHES} WHERE batch_id = $id`, { id: batchId });
      revertableBatch(row, batchId, source);
      // Its rows, its rejects and its record, together: the rows it superseded are current again.
      await this.transaction([
        this.touchedKeys(source, batchId),
        `DELETE FROM ${table(source.log)} WHERE _batch_id = ${batchId}`,
        `DELETE FROM ${table(source.rejects)} WHERE _batch_id = ${batchId}`,
        this.refreshCurrent(source, TOUCHED),
        `UPDATE ${BATCHES} SET reverted_at = ${lit(new Date())} WHERE batch_id = ${batchId}`,
      ]);
      await this.run(`DROP TABLE IF EXISTS ${TOUCHED}`);
      const [after] = await this.run(`SELECT * FROM ${BATCHES} WHERE batch_id = $id`, { id: batchId });
      return batchRecordOf(after!);
    });
  }

  async writeSampleBatch(
    source: Source,
    select: string,
    description: string,
  ): Promise<{ rowCount: number; batchId: number }> {
    await this.ensureSource(source);
    // On a connection of its own, beside the samples of other sources (seedMesh writes two at a
    // time, see `maxConcurrentSamples`): each in its own transaction, on tables of its own, and
    // none beside anything else that writes (see `enterSampling`).
    // Four round trips whatever the source: what the sample needs to know, the log written, the
    // batch recorded with its key count, the current rows with the commit.
    return this.withConnection(async (connection) => {
      const run = (statement: string, values?: Record<string, unknown>) =>
        this.run(statement, values, connection);
      const methods = await this.enterSampling(connection);
      try {
        // The source's live batches (a sample is never written beside real rows), the next batch
        // id, and whether the current rows are a view of the log now.
        const read = await run(
          `SELECT n.id AS _next_id,
             (SELECT count(*) FROM duckdb_views() WHERE NOT internal AND schema_name = $schema AND view_name = $name) AS _view,
             b.*
           FROM (SELECT COALESCE(max(batch_id), 0) + 1 AS id FROM ${BATCHES}) AS n
           LEFT JOIN (SELECT * FROM ${BATCHES} WHERE source = $source AND reverted_at IS NULL) AS b ON true`,
          { source: source.id, schema: source.table.schema, name: source.table.name },
        );
        const [first] = read;
        refuseSampleBesideRealRows(
          source,
          read.filter((r) => r.batch_id !== null && r.batch_id !== undefined).map(batchRecordOf),
        );
        const id = this.claimBatchId(Number(first?._next_id ?? 1));
        const columns = source.columns.map((c) => q(c.name)).join(', ');
        const keys = source.key.map(q).join(', ');
        try {
          // Only sample batches are in the log: the new sample replaces the whole table. Generated
          // straight into it by every thread (see `enterSampling`).
          const [made] = await run(
            [
              'BEGIN TRANSACTION',
              this.sampleCompression(methods),
              `CREATE OR REPLACE TABLE ${table(source.log)} AS SELECT ${columns}, CAST(${id} AS BIGINT) AS _batch_id, CAST(NULL AS BIGINT) AS _line FROM (${select}) AS s`,
            ].join(';\n'),
          );
          const rowCount = Number(made?.Count ?? 0);
          // One batch whose keys are unique is its own current rows: a view of the log, so the
          // sample is written once (a copy as a table cost as much as generating it). Ingesting
          // real rows, or reverting, makes them a table again (refreshCurrent). Keys whose hashes
          // all differ differ themselves: one 64-bit value a row to hash, not the key's columns
          // (returns at scale 100: 60 ms against 125). Hashes alike are duplicates or, rarely, a
          // collision: then the keys themselves are compared.
          const [hashes] = await run(
            [
              `DELETE FROM ${table(source.rejects)}`,
              `DELETE FROM ${BATCHES} WHERE source = ${lit(source.id)} AND kind = 'sample'`,
              `INSERT INTO ${BATCHES} VALUES (${id}, ${lit(source.id)}, 'sample', ${lit(description)}, '', '{}', ${rowCount}, ${rowCount}, 0, ${lit(new Date())}, ${lit(this.author())}, NULL, NULL)`,
              `SELECT count(*) - count(DISTINCT hash(${keys})) AS n FROM ${table(source.log)}`,
            ].join(';\n'),
          );
          const [dups] = Number(hashes?.n)
            ? await run(
                `SELECT count(*) AS n FROM (SELECT 1 FROM ${table(source.log)} GROUP BY ${keys} HAVING count(*) > 1) AS d`,
              )
            : [{ n: 0 }];
          const current = Number(dups?.n)
            ? await this.refreshCurrent(source, undefined, connection)()
            : [
                ...(Number(first?._view) ? [] : [`DROP TABLE IF EXISTS ${table(source.table)}`]),
                `CREATE OR REPLACE VIEW ${table(source.table)} AS SELECT ${columns} FROM ${table(source.log)}`,
                ...describeCurrent(source, 'VIEW'),
              ];
          await run([...current, 'COMMIT'].join(';\n'));
          return { rowCount, batchId: id };
        } catch (error) {
          // Wherever it failed: rolled back if the transaction had begun (else refused, ignored).
          await run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      } finally {
        await this.leaveSampling(connection);
      }
    });
  }

  /**
   * A batch id no other batch has: one past the largest committed (`next`, read by the caller)
   * and past every id this process gave out, whose batches may not be committed yet (two samples
   * written at once read the same largest id). One process holds the file read-write.
   */
  private claimBatchId(next: number): number {
    this.lastBatchId = Math.max(next, this.lastBatchId + 1);
    return this.lastBatchId;
  }

  /**
   * Samples are written together, as one group holding the shared connection's queue: nothing
   * that runs in `exclusive` (an ingest, a revert, a query) interleaves with them. An ingest
   * between a sample's check for real rows and its write would lose its rows to the sample, and
   * the settings below would change how an ingest numbers its lines.
   *
   * The group writes under settings of its own, which DuckDB holds for the whole database, not
   * per connection: no string compression (see `sampleCompression`), and no keeping of the order
   * of rows (a sample is a set of rows, and keeping their order would run a generator that reads
   * range() or a CTE on one thread). The first sample of a group reads the settings to put back
   * and sets these once the queue is its group's; the last to finish puts them back and hands
   * the queue on. Returns the compression methods disabled before.
   */
  private async enterSampling(connection: DuckDBConnection): Promise<string> {
    const sampling = this.sampling;
    if (sampling.users++ === 0) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const before = new Promise<{ methods: string; ordered: boolean }>((resolve, reject) => {
        void this.exclusive(async () => {
          try {
            const [row] = await this.run(
              `SELECT current_setting('disabled_compression_methods') AS methods, current_setting('preserve_insertion_order') AS ordered`,
              undefined,
              connection,
            );
            await this.run('SET preserve_insertion_order = false', undefined, connection);
            resolve({ methods: String(row?.methods ?? ''), ordered: String(row?.ordered) !== 'false' });
          } catch (error) {
            reject(error);
          }
          await released;
        });
      });
      sampling.group = { before, release };
    }
    const group = sampling.group!;
    try {
      return (await group.before).methods;
    } catch (error) {
      await this.leaveSampling(connection);
      throw error;
    }
  }

  private async leaveSampling(connection: DuckDBConnection): Promise<void> {
    const sampling = this.sampling;
    if (--sampling.users > 0) return;
    const group = sampling.group!;
    sampling.group = undefined;
    try {
      const { methods, ordered } = await group.before;
      await this.run(
        `SET preserve_insertion_order = ${ordered}; SET disabled_compression_methods = ${lit(methods)}`,
        undefined,
        connection,
      );
    } catch {
      // Nothing was changed (the settings could not be read), or nothing more can be done.
    } finally {
      group.release();
    }
  }

  /**
   * The setting under which writeSampleBatch writes a sample (its log and its current rows):
   * without DuckDB's string compressions (dictionary, FSST), whose analysis was most of the
   * cost of a seed. Measured on the whole sample at scale 30: the seed 1.4x faster, the file
   * 1.46x larger, building every product from it no slower. It holds until the sample is
   * committed (rows still in memory are written then); row groups keep the compression they
   * were written with, so products and ingested batches are compressed as before.
   */
  private sampleCompression(disabled: string): string {
    const methods = new Set(
      disabled
        .split(',')
        .map((m) => m.trim().toLowerCase())
        .filter(Boolean),
    );
    for (const m of ['dictionary', 'fsst']) methods.add(m);
    return `SET disabled_compression_methods = ${lit([...methods].join(','))}`;
  }

  async listFiles(pattern: string): Promise<string[]> {
    const rows = await this.query(`SELECT file FROM glob(${duckdbDialect.literal(pattern)}) ORDER BY file`);
    return rows.map((r) => String(r.file));
  }

  async ingestFile(source: Source, file: string, options: IngestOptions = {}): Promise<IngestResult> {
    const subject = { domain: source.domain.name, source: source.name, file };
    const format = formatOf(file, options.format);
    const mapping = canonicalMapping(options.mapping);
    const mappingJson = JSON.stringify(mapping);
    const unreadable = (reason: string, cause?: unknown) =>
      new WarehouseError('ingest-unreadable', `${file} ${reason}`, subject, { cause });
    let scan: CsvScan | undefined;
    let sha256: string;
    try {
      if (format === 'csv') {
        scan = await scanCsv(file);
        if (scan.unreadable) throw unreadable(scan.unreadable);
        sha256 = scan.sha256;
      } else sha256 = await sha256Of(file);
    } catch (cause) {
      if (isMeshError(cause)) throw cause;
      throw unreadable(`cannot be read: ${(cause as Error).message}`, cause);
    }
    await this.ensureSource(source);
    return this.exclusive(async () => {
      const live = (
        await this.run(
          `SELECT * FROM ${BATCHES} WHERE source = $source AND reverted_at IS NULL ORDER BY batch_id`,
          {
            source: source.id,
          },
        )
      ).map(batchRecordOf);
      const same = batchOfFile(live, sha256, mapping, source);
      if (same) return alreadyIngested(source, file, sha256, same);
      const loaded = q('__mesh_ingest_file');
      const checked = q('__mesh_ingest_checked');
      const lines = q('__mesh_ingest_lines');
      // The column that gives a row's position in the file: see below.
      let position = 'rowid';
      // A copy without the records the scan refused (and blank lines): what the reader may see.
      const clean =
        scan?.skipped.length || scan?.mixedLineEndings
          ? join(tmpdir(), `mesh-ingest-${randomUUID()}.csv`)
          : undefined;
      try {
        if (clean) await writeWithout(file, clean, scan!.skipped, { lf: scan!.mixedLineEndings });
        try {
          await this.run(
            `CREATE OR REPLACE TEMP TABLE ${loaded} AS SELECT * FROM ${readFileSql(clean ?? file, format, scan)}`,
          );
          // A row's position is its rowid, which a column of the file named so (an Oracle or
          // SQLite export's) hides: that column's values would pass for positions, and lines.
          // The file's column renamed, the position is kept in a column of its own, and the
          // file's column is given back its name.
          const [own] = await this.run(
            `SELECT column_name AS name FROM (DESCRIBE ${loaded}) WHERE lower(column_name) = 'rowid'`,
          );
          if (own) {
            const name = q(String(own.name));
            await this.run(
              [
                `ALTER TABLE ${loaded} RENAME COLUMN ${name} TO ${ROW_OF_FILE}`,
                `CREATE OR REPLACE TEMP TABLE ${loaded} AS SELECT rowid AS ${ROW_OF_FILE}_position, * RENAME (${ROW_OF_FILE} AS ${name}) FROM ${loaded}`,
              ].join(';\n'),
            );
            position = `${ROW_OF_FILE}_position`;
          }
        } catch (cause) {
          // DuckDB's own words (encoding, maximum line size, quoting), without its hints, the
          // options it lists and the line it quotes (which may be megabytes long).
          const reason = (cause as Error).message
            .split('\n')
            .filter(
              (l) =>
                l.trim() &&
                !/^\s*(Possible Solution|Original Line|Parser options|The following|file=|delimiter|quote|escape|new_line|header|skip|comment|date_format|timestamp_format|null_padding|sample_size|ignore_errors|all_varchar)/i.test(
                  l,
                ),
            )
            .slice(0, 3)
            .join(' ')
            .slice(0, 500);
          throw unreadable(`is not a readable ${format.toUpperCase()} file: ${reason}`, cause);
        }
        const [counted] = await this.run(`SELECT count(*) AS n FROM ${loaded}`);
        if (scan && Number(counted?.n) !== scan.records) {
          throw unreadable(
            `could not be split into records consistently (${scan.records} by the line scan, ${Number(counted?.n)} by DuckDB's reader): check its line endings and quoting`,
          );
        }
        const described = (await this.run(`DESCRIBE ${loaded}`)).filter((r) => r.column_name !== position);
        const fileColumns = described.map((r) => String(r.column_name));
        const ofType = (test: (type: string) => boolean) =>
          new Set(described.filter((r) => test(String(r.column_type))).map((r) => String(r.column_name)));
        const binary = ofType((type) => type === 'BLOB');
        const floating = ofType((type) => type === 'DOUBLE' || type === 'FLOAT');
        const single = ofType((type) => type === 'FLOAT');
        const decimal = ofType((type) => type.startsWith('DECIMAL'));
        // Parquet lists, structs and maps: many values, or named parts, where a source column
        // holds one value. As text they would load (`[Leeds]`, `{'city': Leeds}`): refused.
        const nested = new Map(
          described
            .map((r) => [String(r.column_name), String(r.column_type)] as const)
            .filter(([, type]) => /^(STRUCT|MAP|UNION)\(|\[\d*\]$/.test(type)),
        );
        const origins = fitFile(source, file, fileColumns, mapping, scan?.repeated);
        const header = unmatchedColumns(source, fileColumns, origins, mapping.rename);
        let line: { select: string; join?: string; row: string };
        if (scan?.lines) {
          // Records that do not sit one per line after the header: their lines, by row.
          await this.run(`CREATE OR REPLACE TEMP TABLE ${lines} (row_id BIGINT, line BIGINT)`);
          const appender = await this.connection.createAppender('__mesh_ingest_lines', 'main', 'temp');
          scan.lines.forEach((l, i) => {
            appender.appendBigInt(BigInt(i));
            appender.appendBigInt(BigInt(l));
            appender.endRow();
          });
          appender.closeSync();
          line = {
            select: 'l.line',
            join: `JOIN ${lines} AS l ON l.row_id = t.${position}`,
            row: `t.${position}`,
          };
        } else {
          // CSV: line 1 is the header, so row 0 is line 2. Parquet has rows, not lines: row 1 first.
          line = { select: `t.${position} + ${format === 'csv' ? 2 : 1}`, row: `t.${position}` };
        }
        if (scan && fileColumns.length > 1) {
          // Two exports joined whose headers differ in order (see headerInOtherOrder): found
          // by the first field, then compared whole.
          const candidates = await this.run(
            `SELECT ${line.select} AS __line, ${fileColumns.map((c, i) => `t.${q(c)} AS c${i}`).join(', ')} FROM ${loaded} AS t${line.join ? ` ${line.join}` : ''} WHERE lower(trim(t.${q(fileColumns[0]!)})) IN (${fileColumns.map((c) => lit(c.trim().toLowerCase())).join(', ')}) ORDER BY 1 LIMIT 100`,
          );
          const again = headerInOtherOrder(
            fileColumns,
            candidates.map((row) => ({
              line: Number(row.__line),
              values: fileColumns.map((_, i) => row[`c${i}`]),
            })),
          );
          if (again) throw unreadable(again);
        }
        await this.run(
          `CREATE OR REPLACE TEMP TABLE ${checked} AS ${validationSql(source, loaded, origins, mapping, line, { binary, nested, floating, single, decimal }, scan?.delimiter)}`,
        );
        if (hasConflictingCopies(source)) {
          // A later copy of an event or of a snapshot's key with other values would be dropped
          // unseen (or keep the other copy), as would an upsert's at the same cursor: a reject
          // instead. A snapshot with a cursor keeps the copy it ranks first.
          await this.run(
            `UPDATE ${checked} SET __reason = x.reason FROM (${conflictingEventsSelect(source, sql.raw(checked), duckdbDialect)}) AS x WHERE ${checked}.__line = x.__line`,
          );
        }
        // A revision stamped midnight of a day a later one was saved: a date written as a time.
        const midnight = midnightCursorSelect(source, sql.raw(checked), duckdbDialect);
        if (midnight) {
          await this.run(
            `UPDATE ${checked} SET __reason = x.reason FROM (${midnight}) AS x WHERE ${checked}.__line = x.__line`,
          );
        }
        // Rows the exporting system deleted (a soft-delete flag or stamp, a CDC operation): a
        // snapshot leaves them out; a source that keeps rows cannot remove one, so it rejects them.
        const markers = deletionMarkers(header.unused);
        let deletedRows: number | undefined;
        if (markers.length) {
          const deleted = markedDeletedSql(markers, (c) => `CAST(f.${q(c)} AS VARCHAR)`, duckdbDialect);
          const marked = `SELECT f.${position} FROM ${loaded} AS f WHERE ${deleted}`;
          if (source.mode === 'snapshot') {
            const [n] = await this.run(`SELECT count(*) AS n FROM (${marked})`);
            deletedRows = Number(n?.n ?? 0) || undefined;
            if (deletedRows) await this.run(`DELETE FROM ${checked} WHERE __row IN (${marked})`);
          } else {
            await this.run(
              `UPDATE ${checked} SET __reason = ${lit(deletedRowReason(source, markers))} WHERE __reason IS NULL AND __row IN (${marked})`,
            );
          }
        }
        const [counts] = await this.run(
          `SELECT count(*) AS rows, count(__reason) AS rejected FROM ${checked}`,
        );
        const refused = scan?.rejects ?? [];
        const rows = Number(counts?.rows ?? 0) + refused.length;
        const rejected = Number(counts?.rejected ?? 0) + refused.length;
        const sampleRejects = [
          ...refused.slice(0, 5),
          ...(
            await this.run(
              `SELECT __line AS line, __reason AS reason FROM ${checked} WHERE __reason IS NOT NULL ORDER BY __line LIMIT 5`,
            )
          ).map((r) => ({ line: Number(r.line), reason: String(r.reason) })),
        ]
          .sort((a, b) => a.line - b.line)
          .slice(0, 5)
          .map((r) => ({ line: r.line, reason: r.reason }));
        if (options.maxRejects !== undefined && rejected > options.maxRejects) {
          throw new BuildError(
            'too-many-rejects',
            `${file}: ${rejected} of ${rows} rows are invalid, more than --max-rejects ${options.maxRejects}; nothing was loaded. First: ${sampleRejects.map((r) => `${rowWord(format)} ${r.line}: ${r.reason}`).join(' | ')}`,
            { ...subject, line: sampleRejects[0]?.line },
          );
        }
        // A file none of whose rows fit is a wrong file or a wrong mapping, not data: loading its
        // empty batch would still take the samples out of its domain as if real rows had come.
        if (rows > 0 && rejected === rows) {
          throw new BuildError(
            'all-rows-rejected',
            `${file}: all ${rows} rows are invalid for ${source.id}; nothing was loaded. Check the file and its mapping (--map, --mapping). First: ${sampleRejects.map((r) => `${rowWord(format)} ${r.line}: ${r.reason}`).join(' | ')}`,
            { ...subject, line: sampleRejects[0]?.line },
          );
        }
        const partial = snapshotRejectsError(
          source,
          file,
          { rows, rejected },
          options.maxRejects,
          sampleRejects,
          format,
        );
        if (partial) throw partial;
        // Keys of a list that keeps its former rows left out (see droppedKeysFlagOf): read before
        // the batch replaces them, from every row of the file, valid or not.
        const dropped =
          live.some((b) => b.kind === 'ingest') && rows > rejected
            ? await droppedKeysFlagOf(
                source,
                sql.raw(checked),
                (statement) => this.run(statement),
                duckdbDialect,
              )
            : undefined;
        // An export without an optional column, or with it empty, must not erase what earlier
        // exports said of it.
        if (live.some((b) => b.kind === 'ingest')) {
          const batch = sql.raw(`(SELECT * FROM ${checked} WHERE __reason IS NULL)`);
          const error = await erasingBatch(
            source,
            origins,
            file,
            batch,
            (statement) => this.run(statement),
            duckdbDialect,
          );
          if (error) throw error;
        }
        // The rows of an earlier export again (its bytes, or its rows), where that is a change back.
        const { resends, ...reloaded } = await reloadsOf(
          source,
          live,
          {
            sha256,
            mapping,
            loaded: rows - rejected,
            batch: sql.raw(`(SELECT * FROM ${checked} WHERE __reason IS NULL)`),
          },
          (statement) => this.run(statement),
          duckdbDialect,
        );
        let repeatedEvents: number | undefined;
        let heldEvents: number | undefined;
        // The newest export's rows again: nothing new came (see sameRowsFlag).
        let flag: string | undefined = resends === undefined ? undefined : sameRowsFlag(resends);
        // An earlier export's rows current again over later ones: said, unless meant (see changeBackFlag).
        if (reloaded.reloads !== undefined && !options.current) flag = changeBackFlag(reloaded.reloads);
        // Keys it holds written otherwise, or changed back (see heldRowsFlags). Kept apart from
        // `flag`, which the checks of events set whole.
        let rowFlags = await heldRowsFlags(
          source,
          sql.raw(`(SELECT * FROM ${checked} WHERE __reason IS NULL)`),
          {
            held: live.some((b) => b.kind === 'ingest'),
            reloads: reloaded.reloads,
            current: !!options.current,
            deleted: deletedRows,
          },
          (statement) => this.run(statement),
          duckdbDialect,
        );
        // A key given twice with other values, where no cursor tells which (see lastLineTakenSelect).
        const twice = lastLineTakenSelect(source, sql.raw(checked), duckdbDialect);
        if (twice) {
          const [found] = await this.run(twice);
          if (Number(found?.n ?? 0) > 0)
            rowFlags = batchFlag(rowFlags, lastLineTakenFlag(Number(found!.n), Number(found!.line)));
        }
        // Round amounts of a spreadsheet where the comma is the decimal mark (see thousandsDotFlag).
        const numbers =
          format === 'csv'
            ? source.columns.flatMap((c) => {
                const origin = origins.get(c.name);
                return (c.type === 'decimal' || c.type === 'number') && origin?.kind === 'file'
                  ? [[c.name, sql.raw(`CAST(t.${q(origin.column)} AS VARCHAR)`)] as const]
                  : [];
              })
            : [];
        const dots = thousandsDotSelect(numbers, sql.raw(loaded), duckdbDialect);
        if (dots) rowFlags = batchFlag(rowFlags, thousandsDotFlag(numbers, (await this.run(dots))[0]));
        // Times later than the load: local times without their offset (see aheadOfLoadFlag). The
        // stored times are UTC, now() is zoned: compared as microseconds since 1970.
        const ahead = aheadOfLoadSelect(
          source,
          sql.raw(checked),
          sql.raw(`make_timestamp(epoch_us(now()) + ${AHEAD_OF_LOAD_MINUTES * 60_000_000})`),
          duckdbDialect,
        );
        if (ahead) rowFlags = batchFlag(rowFlags, aheadOfLoadFlag(source, (await this.run(ahead))[0]));
        rowFlags = batchFlag(rowFlags, dropped);
        // Rates of a column in percent exported as fractions (see percentAsFractionFlag).
        const fractions = percentAsFractionSelect(source, sql.raw(checked), duckdbDialect);
        if (fractions)
          rowFlags = batchFlag(rowFlags, percentAsFractionFlag(source, (await this.run(fractions))[0]));
        if (source.mode === 'append') {
          const [inFile] = await this.run(repeatsInFileSelect(source, sql.raw(checked), duckdbDialect));
          repeatedEvents = Number(inFile?.n ?? 0);
        }
        if (source.mode === 'append' && live.some((b) => b.kind === 'ingest')) {
          const batch = sql.raw(`(SELECT * FROM ${checked} WHERE __reason IS NULL)`);
          const [repeated] = await this.run(repeatedEventsSelect(source, batch, duckdbDialect));
          repeatedEvents = (repeatedEvents ?? 0) + Number(repeated?.n ?? 0);
          heldEvents = Number(repeated?.held ?? 0);
          // Every valid row's key already held: nothing new came (see NOTHING_NEW_FLAG).
          if (rows - rejected > 0 && Number(repeated?.n ?? 0) + heldEvents === rows - rejected)
            flag = NOTHING_NEW_FLAG;
          // Keys held with other values: these rows are in no figure (see conflictingEventsFlag).
          if (Number(repeated?.n ?? 0) > 0)
            flag = batchFlag(flag, conflictingEventsFlag(Number(repeated?.n)));
        }
        // A snapshot is the whole of a source: an export without rows would say there is nothing.
        if (rows === 0 && source.mode === 'snapshot') {
          throw new BuildError(
            'empty-snapshot',
            `${file} has no rows: as a snapshot of ${source.id} it would replace every row with none; nothing was loaded. Ingest the full export.`,
            subject,
          );
        }
        const samples = live.filter((b) => b.kind === 'sample').map((b) => b.batchId);
        const id = await this.nextBatchId();
        const names = source.columns.map((c) => q(c.name)).join(', ');
        const statements: Array<string | (() => Promise<string[]>)> = [];
        if (samples.length) {
          // The source's first real rows: its sample goes, in the same transaction.
          statements.push(
            `DELETE FROM ${table(source.log)} WHERE _batch_id IN (${samples.join(', ')})`,
            `DELETE FROM ${table(source.rejects)} WHERE _batch_id IN (${samples.join(', ')})`,
            `DELETE FROM ${BATCHES} WHERE batch_id IN (${samples.join(', ')})`,
          );
        }
        statements.push(
          `INSERT INTO ${table(source.log)} (${names}, _batch_id, _line) SELECT ${names}, ${id}, __line FROM ${checked} WHERE __reason IS NULL ORDER BY __line`,
          // The raw record, as the file had it, for rejects only: JSON of every row costs.
          `INSERT INTO ${table(source.rejects)} (_batch_id, file, line, reason, record) SELECT ${id}, ${lit(file)}, c.__line, c.__reason, CAST(to_json(${position === 'rowid' ? 'f' : `struct_pack(${fileColumns.map((c) => `${q(c)} := f.${q(c)}`).join(', ')})`}) AS VARCHAR) FROM ${checked} AS c JOIN ${loaded} AS f ON f.${position} = c.__row WHERE c.__reason IS NOT NULL ORDER BY c.__line`,
        );
        for (let i = 0; i < refused.length; i += 500) {
          statements.push(
            `INSERT INTO ${table(source.rejects)} (_batch_id, file, line, reason, record) VALUES ${refused
              .slice(i, i + 500)
              .map(
                (r) =>
                  `(${id}, ${lit(file)}, ${r.line}, ${lit(r.reason)}, ${lit(JSON.stringify({ text: r.text }))})`,
              )
              .join(', ')}`,
          );
        }
        const stored = batchFlag(header.flag, flag, rowFlags);
        // Stamped when its rows are in, just before the commit: a scheduled build compares the
        // stamp with when it read its inputs (see buildMesh's skipUnchanged).
        statements.push(async () => [
          `INSERT INTO ${BATCHES} VALUES (${id}, ${lit(source.id)}, 'ingest', ${lit(file)}, ${lit(sha256)}, ${lit(mappingJson)}, ${rows}, ${rows - rejected}, ${rejected}, ${lit(new Date())}, ${lit(this.author())}, NULL, ${stored === undefined ? 'NULL' : lit(stored)})`,
        ]);
        // The sample leaving changes every key: recompute whole; otherwise only the batch's keys.
        if (samples.length) statements.push(this.refreshCurrent(source));
        else statements.push(this.touchedKeys(source, id), this.refreshCurrent(source, TOUCHED));
        // The valid rows, the rejects and the record of the batch: together or not at all.
        await this.transaction(statements);
        return {
          file,
          sha256,
          status: 'loaded',
          batchId: id,
          rows,
          loaded: rows - rejected,
          rejected,
          replacedSample: samples.length > 0,
          flag: batchFlag(
            stored,
            volumeFlag(
              rows - rejected,
              live.filter((b) => b.kind === 'ingest').map((b) => b.loaded),
            ),
          ),
          ...(header.unused.length ? { unusedColumns: header.unused } : {}),
          ...(header.missing.length ? { missingColumns: header.missing } : {}),
          ...(Object.keys(header.respelled).length ? { respelledColumns: header.respelled } : {}),
          ...(deletedRows ? { deletedRows } : {}),
          ...(repeatedEvents !== undefined ? { repeatedEvents } : {}),
          ...(heldEvents ? { heldEvents } : {}),
          ...reloaded,
          sampleRejects,
          rejectsTable: source.rejects,
        };
      } finally {
        await this.run(`DROP TABLE IF EXISTS ${checked}`).catch(() => undefined);
        await this.run(`DROP TABLE IF EXISTS ${loaded}`).catch(() => undefined);
        await this.run(`DROP TABLE IF EXISTS ${lines}`).catch(() => undefined);
        await this.run(`DROP TABLE IF EXISTS ${TOUCHED}`).catch(() => undefined);
        if (clean) rmSync(clean, { force: true });
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    await Promise.allSettled(this.busy);
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /**
   * The driver's own words after a close ("connection disconnected", "instance closed") name
   * neither the warehouse nor what to do, and differ by call.
   */
  private refuseClosed(): void {
    if (!this.closed) return;
    throw new WarehouseError(
      'warehouse-closed',
      `The DuckDB warehouse ${this.file} was closed: open it again (createDuckDbWarehouse) to use it.`,
      { file: this.file },
    );
  }
}
