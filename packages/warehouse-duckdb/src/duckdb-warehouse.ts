import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBResult } from '@duckdb/node-api';
import {
  BuildError,
  type BuildRunRecord,
  type Domain,
  type FileIngester,
  type IngestOptions,
  type IngestResult,
  type MaterializeResult,
  runRecordOf,
  type Source,
  type SqlRow,
  type TableLayout,
  type TableRef,
  type TableStats,
  type Warehouse,
  type WarehouseCapabilities,
  WarehouseError,
} from '@retail-mesh/sdk';
import { duckdbDialect } from './duckdb-dialect.js';
import { formatOf, mapColumns, readFileSql, validationSql } from './duckdb-ingest.js';

export interface DuckDbWarehouseOptions {
  /** Database file; `:memory:` for a throwaway one. Default `.mesh/mesh.duckdb` under the working directory. */
  path?: string;
  /** Worker threads DuckDB may use; DuckDB's default (all cores) when omitted. */
  threads?: number;
  /** e.g. `4GB`; DuckDB's default (80% of RAM) when omitted. */
  memoryLimit?: string;
}

export const DEFAULT_DUCKDB_PATH = '.mesh/mesh.duckdb';

/** The platform's own tables live in this schema: the run log (audit of builds). */
const META_SCHEMA = '_mesh';

const CAPABILITIES: WarehouseCapabilities = {
  transactionalDdl: true,
  // One writer: DuckDB already runs each statement on every core.
  maxConcurrentBuilds: 1,
  partitioning: false,
  dryRun: false,
  sampleData: true,
};

const q = (name: string) => duckdbDialect.quoteIdent(name);
const table = (ref: TableRef) => duckdbDialect.tableName(ref);

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
 * The embedded DuckDB warehouse: one schema per domain, tables swapped in a transaction.
 *
 * @example
 * const warehouse = await createDuckDbWarehouse({ path: '.mesh/mesh.duckdb' });
 * await buildMesh(warehouse, products);
 * await warehouse.close();
 */
export async function createDuckDbWarehouse(options: DuckDbWarehouseOptions = {}): Promise<Warehouse> {
  const path = options.path ?? DEFAULT_DUCKDB_PATH;
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const config: Record<string, string> = {
    // Nothing may be downloaded at run time; parquet, json and icu are built in.
    autoinstall_known_extensions: 'false',
  };
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, config);
  } catch (cause) {
    const message = (cause as Error).message ?? String(cause);
    const locked = /lock/i.test(message);
    throw new WarehouseError(
      locked ? 'database-locked' : 'database-unavailable',
      locked
        ? `${file} is open in another process (DuckDB allows one writer); stop it or pass another --db.`
        : `Cannot open DuckDB database ${file}: ${message}`,
      { file },
      { cause },
    );
  }
  const connection = await instance.connect();
  // Timestamps are UTC on every warehouse; icu (built in) reads the zone for every connection.
  await connection.run("SET GLOBAL TimeZone = 'UTC'");
  return new DuckDbWarehouse(instance, connection, file);
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

class DuckDbWarehouse implements Warehouse, FileIngester {
  readonly name = 'duckdb';
  readonly dialect = duckdbDialect;
  readonly capabilities = CAPABILITIES;
  // One statement at a time on the shared connection; streams get their own.
  private queue: Promise<unknown> = Promise.resolve();
  private metaReady: Promise<void> | undefined;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly file: string,
  ) {}

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(statement: string, values?: Record<string, unknown>): Promise<SqlRow[]> {
    try {
      const reader = await this.connection.runAndReadAll(statement, values as never);
      return rowsOf(reader, reader.getRowObjectsJS() as Record<string, unknown>[]);
    } catch (cause) {
      throw new WarehouseError('statement-failed', (cause as Error).message ?? String(cause), {}, { cause });
    }
  }

  /** Runs statements in one transaction; any failure rolls all of them back. */
  private async transaction(statements: string[]): Promise<void> {
    await this.run('BEGIN TRANSACTION');
    try {
      for (const s of statements) await this.run(s);
      await this.run('COMMIT');
    } catch (error) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private ensureMeta(): Promise<void> {
    this.metaReady ??= this.exclusive(async () => {
      await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(META_SCHEMA)}`);
      await this.run(`CREATE TABLE IF NOT EXISTS ${q(META_SCHEMA)}.runs (
        run_id VARCHAR NOT NULL, domain VARCHAR NOT NULL, product VARCHAR NOT NULL, version VARCHAR NOT NULL,
        status VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
        row_count BIGINT NOT NULL, completeness DOUBLE, validity DOUBLE, checks JSON NOT NULL,
        error_code VARCHAR, error_message VARCHAR)`);
      await this.run(`CREATE TABLE IF NOT EXISTS ${q(META_SCHEMA)}.ingested_files (
        source VARCHAR NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, rows BIGINT NOT NULL,
        loaded BIGINT NOT NULL, rejected BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL)`);
      // Files written before bytes were recorded gain the column.
      await this.run(`ALTER TABLE ${q(META_SCHEMA)}.runs ADD COLUMN IF NOT EXISTS bytes_processed BIGINT`);
    });
    return this.metaReady;
  }

  ensureDomain(domain: Domain): Promise<void> {
    return this.exclusive(async () => {
      await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(domain.name)}`);
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
      // DuckDB has no partitions or clustering; rows sorted by those columns give its
      // per-row-group min/max indexes the same pruning effect.
      const order = [layout.partitionBy?.column, ...(layout.clusterBy ?? [])].filter((c): c is string => !!c);
      const statements = [
        `CREATE SCHEMA IF NOT EXISTS ${q(ref.schema)}`,
        `CREATE OR REPLACE TABLE ${table(ref)} AS SELECT * FROM (${select}) AS s${order.length ? ` ORDER BY ${order.map(q).join(', ')}` : ''}`,
      ];
      if (layout.description)
        statements.push(`COMMENT ON TABLE ${table(ref)} IS ${duckdbDialect.literal(layout.description)}`);
      for (const c of layout.columns) {
        if (c.description) {
          statements.push(
            `COMMENT ON COLUMN ${table(ref)}.${q(c.name)} IS ${duckdbDialect.literal(c.description)}`,
          );
        }
      }
      await this.transaction(statements);
      const [row] = await this.run(`SELECT count(*) AS n FROM ${table(ref)}`);
      return { rowCount: Number(row?.n ?? 0) };
    });
  }

  describeQuery(select: string): Promise<Array<{ name: string; type: string }>> {
    return this.exclusive(async () => {
      const rows = await this.run(`DESCRIBE ${select}`);
      return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    });
  }

  promote(staging: TableRef, target: TableRef): Promise<void> {
    if (staging.schema !== target.schema) {
      throw new WarehouseError('promote-across-schemas', 'Staging and target must share a schema.', {
        product: target.name,
      });
    }
    return this.exclusive(async () => {
      await this.transaction([
        `DROP TABLE IF EXISTS ${table(target)}`,
        `ALTER TABLE ${table(staging)} RENAME TO ${q(target.name)}`,
      ]);
      // Durable now, and the storage figures of tableStats are current. Best effort: DuckDB
      // refuses while another connection reads, and the swap has committed anyway.
      await this.run('CHECKPOINT').catch(() => undefined);
    });
  }

  dropTable(ref: TableRef): Promise<void> {
    return this.exclusive(async () => {
      await this.run(`DROP TABLE IF EXISTS ${table(ref)}`);
    });
  }

  query(statement: string): Promise<SqlRow[]> {
    return this.exclusive(() => this.run(statement));
  }

  async *stream(statement: string, options: { chunkSize?: number } = {}): AsyncIterable<SqlRow[]> {
    const chunkSize = Math.max(1, options.chunkSize ?? 2048);
    // Its own connection, so a long read does not hold up builds, and its memory is one chunk.
    const connection = await this.instance.connect();
    const fail = (cause: unknown) =>
      new WarehouseError('statement-failed', (cause as Error).message ?? String(cause), {}, { cause });
    try {
      // The driver ends a stream quietly when a query fails part-way; run the query to the end
      // first (into a temporary table of this connection), so a failure is an error, never a
      // short result. Then stream it.
      try {
        await connection.run(`CREATE TEMP TABLE ${q('__mesh_read')} AS ${statement}`);
      } catch (cause) {
        throw fail(cause);
      }
      const result = await connection.stream(`SELECT * FROM ${q('__mesh_read')}`);
      let pending: SqlRow[] = [];
      for await (const rows of result.yieldRowObjectJs()) {
        pending.push(...rowsOf(result, rows as Record<string, unknown>[]));
        while (pending.length >= chunkSize) {
          yield pending.slice(0, chunkSize);
          pending = pending.slice(chunkSize);
        }
      }
      if (pending.length) yield pending;
    } finally {
      connection.closeSync();
    }
  }

  tableStats(ref: TableRef): Promise<TableStats | undefined> {
    return this.exclusive(async () => {
      const [exists] = await this.run(
        `SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = $schema AND table_name = $name`,
        { schema: ref.schema, name: ref.name },
      );
      if (!exists || Number(exists.n) === 0) return undefined;
      const columns = await this.run(
        `SELECT column_name FROM duckdb_columns() WHERE schema_name = $schema AND table_name = $name`,
        { schema: ref.schema, name: ref.name },
      );
      const hasProcessedAt = columns.some((c) => c.column_name === '_processed_at');
      const [stats] = await this.run(
        `SELECT count(*) AS row_count${hasProcessedAt ? `, max(${q('_processed_at')}) AS last_modified` : ''} FROM ${table(ref)}`,
      );
      // Blocks of the table in the file: the storage it takes, compressed, as DuckDB keeps it.
      const [storage] = await this.run(
        `SELECT count(DISTINCT block_id) AS blocks, (SELECT block_size FROM pragma_database_size() LIMIT 1) AS block_size
         FROM pragma_storage_info(${duckdbDialect.literal(`${ref.schema}.${ref.name}`)}) WHERE block_id IS NOT NULL`,
      );
      const lastModified = stats?.last_modified instanceof Date ? stats.last_modified : undefined;
      return {
        rowCount: Number(stats?.row_count ?? 0),
        bytes: Number(storage?.blocks ?? 0) * Number(storage?.block_size ?? 0),
        lastModified,
      };
    });
  }

  async recordRun(run: BuildRunRecord): Promise<void> {
    await this.ensureMeta();
    await this.exclusive(() =>
      this.run(
        `INSERT INTO ${q(META_SCHEMA)}.runs BY NAME SELECT $run_id AS run_id, $domain AS domain, $product AS product,
          $version AS version, $status AS status, $started_at::TIMESTAMP AS started_at, $finished_at::TIMESTAMP AS finished_at,
          $row_count AS row_count, $completeness AS completeness, $validity AS validity, $checks AS checks,
          $error_code AS error_code, $error_message AS error_message, $bytes_processed::BIGINT AS bytes_processed`,
        {
          run_id: run.runId,
          domain: run.domain,
          product: run.product,
          version: run.version,
          status: run.status,
          started_at: run.startedAt.toISOString(),
          finished_at: run.finishedAt.toISOString(),
          row_count: run.rowCount,
          completeness: run.completeness ?? null,
          validity: run.validity ?? null,
          checks: JSON.stringify(run.checks),
          error_code: run.error?.code ?? null,
          error_message: run.error?.message ?? null,
          bytes_processed: run.bytesProcessed ?? null,
        },
      ),
    );
  }

  async latestRuns(): Promise<BuildRunRecord[]> {
    await this.ensureMeta();
    const rows = await this.query(
      `SELECT * FROM ${q(META_SCHEMA)}.runs QUALIFY row_number() OVER (PARTITION BY domain, product ORDER BY finished_at DESC) = 1`,
    );
    return rows.map(runRecordOf);
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

  async listFiles(pattern: string): Promise<string[]> {
    const rows = await this.query(`SELECT file FROM glob(${duckdbDialect.literal(pattern)}) ORDER BY file`);
    return rows.map((r) => String(r.file));
  }

  async ingestFile(source: Source, file: string, options: IngestOptions = {}): Promise<IngestResult> {
    const subject = { domain: source.domain.name, source: source.name, file };
    const rejectsTable = { schema: source.table.schema, name: `${source.table.name}_rejects` };
    let sha256: string;
    try {
      sha256 = await sha256Of(file);
    } catch (cause) {
      throw new WarehouseError(
        'ingest-unreadable',
        `Cannot read ${file}: ${(cause as Error).message}`,
        subject,
        { cause },
      );
    }
    await this.ensureMeta();
    await this.ensureDomain(source.domain);
    await this.ensureTable(source.table, { columns: source.columns });
    return this.exclusive(async () => {
      const [seen] = await this.run(
        `SELECT count(*) AS n FROM ${q(META_SCHEMA)}.ingested_files WHERE source = $source AND sha256 = $sha`,
        { source: source.id, sha: sha256 },
      );
      if (Number(seen?.n) > 0) {
        return {
          file,
          sha256,
          status: 'already-ingested',
          rows: 0,
          loaded: 0,
          rejected: 0,
          sampleRejects: [],
          rejectsTable,
        };
      }
      const format = formatOf(file, options.format);
      const loaded = q('__mesh_ingest_file');
      const checked = q('__mesh_ingest_checked');
      try {
        try {
          await this.run(
            `CREATE OR REPLACE TEMP TABLE ${loaded} AS SELECT * FROM ${readFileSql(file, format)}`,
          );
        } catch (cause) {
          throw new WarehouseError(
            'ingest-unreadable',
            `${file} is not a readable ${format.toUpperCase()} file: ${(cause as Error).message.split('\n')[0]}`,
            subject,
            { cause },
          );
        }
        const fileColumns = (await this.run(`DESCRIBE ${loaded}`)).map((r) => String(r.column_name));
        const { mapping, problems } = mapColumns(source, fileColumns, options.map);
        if (problems.length) {
          throw new BuildError(
            'ingest-mapping',
            `${file} does not fit ${source.id}: ${problems.join('; ')}. The file has columns ${fileColumns.join(', ')}.`,
            subject,
          );
        }
        // CSV: line 1 is the header, so row 0 is line 2. Parquet has rows, not lines: row 1 first.
        await this.run(
          `CREATE OR REPLACE TEMP TABLE ${checked} AS ${validationSql(source, loaded, mapping, format === 'csv' ? 2 : 1)}`,
        );
        const [counts] = await this.run(
          `SELECT count(*) AS rows, count(__reason) AS rejected FROM ${checked}`,
        );
        const rows = Number(counts?.rows ?? 0);
        const rejected = Number(counts?.rejected ?? 0);
        const sampleRejects = (
          await this.run(
            `SELECT __line AS line, __reason AS reason FROM ${checked} WHERE __reason IS NOT NULL ORDER BY __line LIMIT 5`,
          )
        ).map((r) => ({ line: Number(r.line), reason: String(r.reason) }));
        if (options.maxRejects !== undefined && rejected > options.maxRejects) {
          throw new BuildError(
            'too-many-rejects',
            `${file}: ${rejected} of ${rows} rows are invalid, more than --max-rejects ${options.maxRejects}; nothing was loaded. First: ${sampleRejects.map((r) => `line ${r.line}: ${r.reason}`).join(' | ')}`,
            { ...subject, line: sampleRejects[0]?.line },
          );
        }
        const names = source.columns.map((c) => q(c.name)).join(', ');
        await this.run(
          `CREATE TABLE IF NOT EXISTS ${table(rejectsTable)} (file VARCHAR NOT NULL, line BIGINT NOT NULL, reason VARCHAR NOT NULL, record JSON, ingested_at TIMESTAMP NOT NULL)`,
        );
        const at = duckdbDialect.literal(new Date());
        // The valid rows, the rejects and the record of the file: together or not at all.
        await this.transaction([
          `INSERT INTO ${table(source.table)} (${names}) SELECT ${names} FROM ${checked} WHERE __reason IS NULL ORDER BY __line`,
          `INSERT INTO ${table(rejectsTable)} SELECT ${duckdbDialect.literal(file)}, __line, __reason, __record, ${at} FROM ${checked} WHERE __reason IS NOT NULL ORDER BY __line`,
          `INSERT INTO ${q(META_SCHEMA)}.ingested_files VALUES (${duckdbDialect.literal(source.id)}, ${duckdbDialect.literal(file)}, ${duckdbDialect.literal(sha256)}, ${rows}, ${rows - rejected}, ${rejected}, ${at})`,
        ]);
        return {
          file,
          sha256,
          status: 'loaded',
          rows,
          loaded: rows - rejected,
          rejected,
          sampleRejects,
          rejectsTable,
        };
      } finally {
        await this.run(`DROP TABLE IF EXISTS ${checked}`).catch(() => undefined);
        await this.run(`DROP TABLE IF EXISTS ${loaded}`).catch(() => undefined);
      }
    });
  }

  async close(): Promise<void> {
    await this.queue;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
