import { createHash } from 'node:crypto';
import {
  type Check,
  type CheckSuiteResult,
  checkSpec,
  checksWithinDays,
  compileChecks,
  FILTERED_COUNTS_FROM_ROWS,
} from './checks.js';
import type { DataProduct } from './data-product.js';
import type { Dialect } from './dialect.js';
import { durationSeconds } from './duration.js';
import { BuildError, isMeshError, type MeshError, WarehouseError } from './errors.js';
import {
  type BuildPlan,
  checkedAgainst,
  downstreamOf,
  inputsOf,
  planBuild,
  upstreamProducts,
} from './graph.js';
import {
  currentDigest,
  dayDigestSelect,
  digestTable,
  type IncrementalState,
  incrementalSelect,
  newStateSelect,
  planIncremental,
  publishedRowsSql,
  readDaily,
  rebuiltDaysWhere,
  rebuiltRowsSelect,
  recordTableVersions,
  STATE_COLUMNS,
  stateTable,
  withInputBytes,
  withPublishedRows,
} from './incremental.js';
import { columnsOf, explainFailedRead, missingColumns } from './published-columns.js';
import type { Relation, TableRef } from './relation.js';
import type { Source } from './source.js';
import type { BatchRecord } from './source-log.js';
import { renderSql, type SqlFragment, sql } from './sql.js';
import { tablesIn } from './table-listing.js';
import {
  type BuildRunRecord,
  canEstimateCost,
  canPublishInPlace,
  canStagePartitions,
  ensureSources,
  type InTransactionQuery,
  inJobScope,
  type LatestRun,
  type MaterializeResult,
  type SqlRow,
  statsOfTables,
  storageOfTables,
  type TableLayout,
  type Warehouse,
} from './warehouse.js';

/** The staging table a build of `product` writes before it is published. */
export function stagingTable(product: DataProduct): TableRef {
  return stagingTableFor(product.table);
}

/** The staging table of a published table `target`, beside it (see `stagingTable`). */
export function stagingTableFor(target: TableRef): TableRef {
  return { schema: target.schema, name: `_staging_${target.name}` };
}

/** Every table a build of `product` writes before publishing: one left is a build that did not finish. */
export function stagingTablesOf(product: DataProduct): TableRef[] {
  return [stagingTable(product), { schema: product.table.schema, name: `_staging_state_${product.name}` }];
}

/** A staging table left by a build that did not finish (killed, or its process lost). */
export interface StagingLeftover {
  readonly product: DataProduct;
  readonly table: TableRef;
}

/**
 * The products whose build is running now in this process, per warehouse, with how many builds
 * of each: their staging tables are being written, not left over. `mesh serve` answers health
 * and runs `mesh doctor` while it builds, and must neither report nor drop them.
 */
const buildsRunning = new WeakMap<Warehouse, Map<string, number>>();

/** Marks a build of `product` as running on `warehouse`; the function returned ends it. */
function buildRunning(warehouse: Warehouse, product: DataProduct): () => void {
  const ids = buildsRunning.get(warehouse) ?? new Map<string, number>();
  buildsRunning.set(warehouse, ids);
  ids.set(product.id, (ids.get(product.id) ?? 0) + 1);
  return () => {
    const left = (ids.get(product.id) ?? 1) - 1;
    if (left) ids.set(product.id, left);
    else ids.delete(product.id);
  };
}

/** The staging tables of `products` that exist now, but for those of builds running in this process. */
export async function stagingLeftovers(
  warehouse: Warehouse,
  products: readonly DataProduct[],
  /** The tables of the products' schemas, where the caller listed them already. */
  listed?: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<StagingLeftover[]> {
  const running = buildsRunning.get(warehouse);
  const idle = products.filter((p) => !running?.has(p.id));
  const schemas = listed ?? (await tablesIn(warehouse, [...new Set(idle.map((p) => p.table.schema))]));
  return idle.flatMap((product) =>
    stagingTablesOf(product)
      .filter((t) => schemas.get(t.schema)?.has(t.name))
      .map((table) => ({ product, table })),
  );
}

/** The ids of `products` that have no published table now (dropped, or never published). */
export async function unpublishedProducts(
  warehouse: Warehouse,
  products: readonly DataProduct[],
): Promise<Set<string>> {
  const schemas = await tablesIn(warehouse, [...new Set(products.map((p) => p.table.schema))]);
  return new Set(products.filter((p) => !schemas.get(p.table.schema)?.has(p.table.name)).map((p) => p.id));
}

/** `leftover staging table order._staging_order_returns from a build that did not finish` */
export function describeLeftover(leftover: StagingLeftover): string {
  return `leftover staging table ${leftover.table.schema}.${leftover.table.name} from a build that did not finish`;
}

/**
 * The layout of a product's published table. Where the warehouse has no partitions, only an
 * incremental product's rows are written in day order: its days are then replaced in place, a
 * day's rows sitting in a few row groups (a one-day rebuild of order_daily_sales at scale 30:
 * 132 ms sorted against 667 ms unsorted). A product rebuilt whole is not sorted, even where
 * incremental readers read it one day at a time: every build of it would pay the sort to spare
 * each reader one pass over it (order_items at scale 30: the sort 540 ms of a 3.2 s write, a
 * day of it read in 117 ms unsorted against 3 ms sorted).
 */
export function productLayout(product: DataProduct): TableLayout {
  return {
    columns: product.publishedColumns,
    partitionBy: product.partitionBy,
    orderByPartition: product.materialization === 'incremental',
    clusterBy: product.clusterBy,
    description: product.description,
    labels: {
      domain: product.domain.name,
      product: product.name,
      tier: product.tier,
      version: product.version,
    },
    access: product.access,
    consumers: product.consumers,
  };
}

/** How long a staging table lives if its build never removes it (killed): a day. */
const STAGING_LIFETIME_MS = 24 * 3600 * 1000;

/**
 * A staging table's layout: the product's, readable by its owners only (its readers are
 * granted on the published table once the checks passed), deleted by the warehouse after a day.
 */
export function stagingLayout(product: DataProduct): TableLayout {
  const { access: _access, consumers: _consumers, ...layout } = productLayout(product);
  return { ...layout, expiresAt: new Date(Date.now() + STAGING_LIFETIME_MS) };
}

/**
 * The SELECT that materializes a product: its transform, each column cast to its contract
 * type, and the standard metadata columns appended.
 */
export function renderBuildQuery(
  product: DataProduct,
  dialect: Dialect,
): { transform: string; select: string } {
  const transform = renderSql(product.query, dialect);
  const columns = product.columns.map(
    (c) => sql`${sql.conform(sql.id('q', c.name), c.type, c.name)} AS ${sql.id(c.name)}`,
  );
  const metadata = [
    sql`${sql.cast(product.domain.name, 'string')} AS ${sql.id('_domain')}`,
    sql`${sql.cast(product.name, 'string')} AS ${sql.id('_product')}`,
    sql`${sql.cast(product.version, 'string')} AS ${sql.id('_version')}`,
    sql`${sql.currentTimestamp()} AS ${sql.id('_processed_at')}`,
  ];
  const select = renderSql(
    sql`SELECT ${sql.join([...columns, ...metadata])} FROM (${sql.raw(transform)}) AS q`,
    dialect,
  );
  return { transform, select };
}

/** What happened to one product in a build. */
export interface BuildOutcome {
  readonly product: DataProduct;
  /** waiting: a source it reads (directly or upstream) was never loaded; nothing was built. */
  readonly status: 'published' | 'failed' | 'skipped' | 'waiting';
  readonly rowCount: number;
  readonly bytesProcessed?: number | undefined;
  readonly checks: CheckSuiteResult | undefined;
  readonly error: MeshError | undefined;
  readonly durationMs: number;
  /** For incremental products: a full build, the days rebuilt, or nothing to do. */
  readonly incremental?:
    | {
        readonly mode: 'full' | 'partitions' | 'up-to-date';
        readonly partitions: readonly (string | null)[];
        /**
         * Input days whose rows were hashed to plan the build; the others' markers showed them
         * unchanged. A full build hashes every day for its state and counts none here.
         */
        readonly hashedDays: number;
        /** Partitions replaced in the published table, in place (no copy through staging). */
        readonly inPlace: boolean;
      }
    | undefined;
  /** Published, but what follows the publish failed (a grant, metadata): said, never swallowed. */
  readonly warnings?: readonly string[] | undefined;
  /**
   * Not built (`skipUnchanged`): nothing it reads changed since its build that started at
   * `since`; its published rows are current, and its run records them again.
   */
  readonly unchanged?: { readonly since: Date } | undefined;
}

function subjectOf(product: DataProduct) {
  return { domain: product.domain.name, product: product.name };
}

/**
 * Builds one product: transform into a staging table, run the whole check suite as one
 * query, and publish atomically only when no blocking check fails. Never throws for a
 * product-level failure: the outcome says what went wrong, and the published table is untouched.
 */
export async function buildProduct(
  warehouse: Warehouse,
  product: DataProduct,
  options: {
    runId: string;
    fullRefresh?: boolean;
    /** An incremental product reads it one day at a time: its day digest is kept (see `readDaily`). */
    dayDigest?: boolean;
    /** The storage of the product's inputs, when the caller asked for many at once. */
    inputBytes?: number;
    /** Aborted to cancel the build (its timeout): nothing is published, its reason is the error. */
    signal?: AbortSignal;
    /** The batches of its sources before it read them (`sourceBatchesOf`), recorded with its run. */
    sourceBatches?: string;
    /** The data of the products it reads before it read them (`inputProductsOf`), recorded with its run. */
    inputProducts?: string;
    /**
     * Whether a product its checks reference is published, where the caller knows (a build
     * listed the tables once and follows what it publishes); else the catalog is listed.
     */
    isPublished?: (ref: TableRef) => boolean;
  },
): Promise<BuildOutcome> {
  const started = new Date();
  const staging = stagingTable(product);
  const ended = buildRunning(warehouse, product);
  let rowCount = 0;
  let bytesProcessed: number | undefined;
  let checks: CheckSuiteResult | undefined;
  let error: MeshError | undefined;
  let status: BuildOutcome['status'] = 'failed';
  let stagingCreated = false;
  let incremental: BuildOutcome['incremental'];
  let warnings: string[] | undefined;
  // Published in place, the run record was committed with the rows.
  let recorded = false;
  try {
    if (product.materialization === 'view') {
      throw new BuildError(
        'materialization-unsupported',
        `${product.id} asks for view materialization; products are built as tables or incrementally.`,
        subjectOf(product),
      );
    }
    const { transform, select } = renderBuildQuery(product, warehouse.dialect);
    const stateStaging = { schema: product.table.schema, name: `_staging_state_${product.name}` };
    const found: IncrementalState | undefined =
      product.materialization === 'incremental'
        ? await planIncremental(warehouse, product, select, { fullRefresh: options.fullRefresh })
        : undefined;
    const plan = found?.plan;
    // A plan means the last build published this very build query: its columns were checked then.
    if (!plan) await checkTransformColumns(warehouse, product, transform);
    await warehouse.ensureDomain(product.domain);
    // Where DDL is transactional the published table is written, checked and recorded in one
    // transaction; elsewhere through a staging table promoted once its checks pass.
    const publisher = canPublishInPlace(warehouse) ? warehouse : undefined;
    const inPlace = Boolean(plan?.days.length) && Boolean(publisher);
    incremental = found && {
      mode: !plan ? 'full' : plan.days.length ? 'partitions' : 'up-to-date',
      partitions: plan?.days ?? [],
      hashedDays: found.hashedDays,
      inPlace,
    };
    const viaStaging = !publisher && (!plan || plan.days.length > 0);
    // Days rebuilt in staging from a copy of the published table (the rest as published): a
    // plan means the table is there, its state was read with it.
    const stagesDays = Boolean(viaStaging && plan?.days.length && canStagePartitions(warehouse));
    // Days rebuilt in place, or in a copy: checks every published day passed run on those days alone.
    const within =
      (inPlace || stagesDays) && plan
        ? {
            where: rebuiltDaysWhere(product, plan, 't'),
            checks: checksWithinDays(product.checks, product.partitionBy!.column),
          }
        : undefined;
    const suite = await prepareChecks(
      warehouse,
      product,
      (r: Relation) => (r === product && viaStaging ? staging : r.table),
      within,
      options.isPublished,
    );
    const update = found?.update;
    const signal = options.signal;
    // Between steps where the warehouse cannot interrupt a statement: never published late.
    const stopIfAborted = () => signal?.throwIfAborted();
    const inTransaction = {
      signal,
      verify: async (query: InTransactionQuery, kept?: SqlRow, rowCount?: number) => {
        checks = await suite.run(query, kept, rowCount);
        refuseBlocking(product, checks);
      },
      record: (result: MaterializeResult): BuildRunRecord => ({
        sourceBatches: options.sourceBatches,
        inputProducts: options.inputProducts,
        ...runRecord(
          product,
          options.runId,
          'published',
          started,
          new Date(),
          result.rowCount,
          checks,
          undefined,
          warehouse.dialect,
        ),
        bytesProcessed,
      }),
    };
    if (publisher && plan && (inPlace || update?.kind === 'rows')) {
      // The changed days replaced in the published table itself (none when up to date), with
      // the state rows of the days this build hashed.
      // What the rebuilt days read: their share of the inputs (the markers read two columns
      // more), at most the whole: days the inputs no longer hold (a revert, a sample replaced
      // by a first export) are rebuilt too, and were counted 366 times a 3-row input's size.
      bytesProcessed = inPlace
        ? Math.round(
            (found!.inputBytes ??
              options.inputBytes ??
              (await warehouse.storageBytes(inputTables(product)))) *
              Math.min(1, plan.days.length / Math.max(1, found!.inputDays)),
          )
        : 0;
      ({ rowCount } = await publisher.replacePartitions(
        product.table,
        { column: product.partitionBy!.column, days: plan.days },
        rebuiltRowsSelect(product, select, plan, warehouse.dialect),
        {
          ...inTransaction,
          // The rows kept are counted before the new ones go in, where statistics answer for them.
          kept: suite.kept,
          alongside:
            update?.kind === 'rows'
              ? [{ table: stateTable(product), deleteWhere: update.deleteWhere, insert: update.insert }]
              : [],
          settle: (result) => (update ? [publishedRowsSql(product, result.rowCount, warehouse.dialect)] : []),
        },
      ));
      recorded = true;
    } else if (plan && !plan.days.length) {
      // Up to date: nothing to rebuild; the suite still runs, on the published table, for health.
      rowCount = (await warehouse.tableStats(product.table))?.rowCount ?? 0;
      bytesProcessed = 0;
      checks = await suite.run((statement) => warehouse.query(statement), undefined, rowCount);
      refuseBlocking(product, checks);
      // Same rows under new markers (an upstream rebuilt without changes): kept, so the next
      // build does not hash those days again.
      if (update)
        await warehouse.replaceTable(
          stateTable(product),
          newStateSelect(product, update, warehouse.dialect),
          {
            columns: STATE_COLUMNS,
          },
        );
    } else if (publisher && !plan) {
      bytesProcessed = options.inputBytes ?? (await warehouse.storageBytes(inputTables(product)));
      ({ rowCount } = await publisher.publishTable(product.table, select, productLayout(product), {
        ...inTransaction,
        alongside: update
          ? [
              {
                table: stateTable(product),
                select: newStateSelect(
                  product,
                  withPublishedRows(
                    withInputBytes(update, bytesProcessed, warehouse.dialect),
                    -1,
                    warehouse.dialect,
                  ),
                  warehouse.dialect,
                ),
              },
            ]
          : [],
        settle: (result) => (update ? [publishedRowsSql(product, result.rowCount, warehouse.dialect)] : []),
      }));
      recorded = true;
    } else {
      stagingCreated = true;
      // Incremental, where the warehouse can: a copy of the published table with the changed
      // days replaced (billed for those days); else the untouched days read again into staging.
      ({ rowCount, bytesProcessed } =
        plan && stagesDays && canStagePartitions(warehouse)
          ? await warehouse.stagePartitions(
              staging,
              product.table,
              { column: product.partitionBy!.column, days: plan.days },
              rebuiltRowsSelect(product, select, plan, warehouse.dialect),
              stagingLayout(product),
            )
          : await warehouse.replaceTable(
              staging,
              plan ? incrementalSelect(product, select, plan, warehouse.dialect) : select,
              stagingLayout(product),
            ));
      bytesProcessed ??= await warehouse.storageBytes(inputTables(product));
      // Staged once the product's rows are: the state holds their count.
      if (update) {
        await warehouse.replaceTable(
          stateStaging,
          newStateSelect(product, withPublishedRows(update, rowCount, warehouse.dialect), warehouse.dialect),
          { columns: STATE_COLUMNS },
        );
      }
      checks = await suite.run((statement) => warehouse.query(statement), undefined, rowCount);
      refuseBlocking(product, checks);
      stopIfAborted();
      const promoted = await warehouse.promote(staging, product.table, productLayout(product));
      if (promoted?.warnings.length) warnings = [...promoted.warnings];
      stagingCreated = false;
      if (update) {
        // The product is published whatever happens here: a missing state means a full build next time.
        await warehouse.promote(stateStaging, stateTable(product)).catch(async () => {
          await warehouse.dropTable(stateTable(product)).catch(() => undefined);
        });
      }
    }
    status = 'published';
    if (options.dayDigest) await keepDayDigest(warehouse, product);
  } catch (cause) {
    // Every failure names its product: a warehouse error knows the statement, not what it was for.
    // Cancelled, whatever the statement interrupted said: the reason is the timeout.
    const reason: unknown = options.signal?.aborted ? options.signal.reason : cause;
    error =
      isMeshError(reason) && (reason.subject.product || reason.subject.source)
        ? reason
        : new WarehouseError(
            isMeshError(reason) ? reason.code : 'build-failed',
            `${product.id} failed: ${(reason as Error)?.message ?? reason}`,
            subjectOf(product),
            { cause: reason },
          );
  } finally {
    if (stagingCreated) {
      await warehouse.dropTable(staging).catch(() => undefined);
      if (product.materialization === 'incremental') {
        await warehouse
          .dropTable({ schema: product.table.schema, name: `_staging_state_${product.name}` })
          .catch(() => undefined);
      }
    }
    ended();
  }
  const finished = new Date();
  try {
    if (!recorded)
      await warehouse.recordRun({
        sourceBatches: options.sourceBatches,
        inputProducts: options.inputProducts,
        ...runRecord(
          product,
          options.runId,
          status,
          started,
          finished,
          rowCount,
          checks,
          // Published, but not whole (a grant failed): recorded so, and redone by the next build.
          error ??
            (warnings
              ? new WarehouseError('publish-incomplete', warnings.join('; '), subjectOf(product))
              : undefined),
          warehouse.dialect,
        ),
        bytesProcessed,
      });
  } catch (cause) {
    // The build stands; say that its record is missing rather than lose every outcome.
    error ??= new WarehouseError(
      'run-log-failed',
      `${product.id}: its run could not be recorded: ${(cause as Error)?.message ?? cause}`,
      subjectOf(product),
      { cause },
    );
  }
  return {
    product,
    status,
    rowCount,
    bytesProcessed,
    checks,
    error,
    incremental,
    ...(warnings ? { warnings } : {}),
    durationMs: finished.getTime() - started.getTime(),
  };
}

/**
 * Writes the day digest of a product just published. It only spares its readers work: when it
 * cannot be written, the one left is dropped, and a reader would not trust it anyway (its
 * header names another version of the table); readers then read the product's days instead.
 */
async function keepDayDigest(warehouse: Warehouse, product: DataProduct): Promise<void> {
  const table = digestTable(product.table);
  try {
    const stats = await warehouse.tableStats(product.table);
    if (!stats?.lastModified) throw new Error('the table has no time of last change');
    // A build that wrote nothing (nothing to rebuild) leaves the digest current: not paid again.
    if (await currentDigest(warehouse, product.table, stats)) return;
    // Readable by whoever may read the product: its incremental readers in other domains.
    await warehouse.replaceTable(table, dayDigestSelect(product, warehouse.dialect, stats), {
      columns: STATE_COLUMNS,
      access: product.access,
      consumers: product.consumers,
    });
  } catch {
    await warehouse.dropTable(table).catch(() => undefined);
  }
}

/** A blocking check failed: the product is not published and the previous version stays. */
function refuseBlocking(product: DataProduct, checks: CheckSuiteResult): void {
  const blocking = checks.outcomes.filter((o) => !o.passed && o.severity === 'error');
  if (blocking.length) {
    throw new BuildError(
      'checks-failed',
      `${product.id} was not published: ${blocking.map((o) => `${o.name} (${o.observed})`).join(', ')}. The previous version stays published.`,
      { ...subjectOf(product), check: blocking[0]!.name, column: blocking[0]!.column },
    );
  }
}

/** The tables a build reads: a source's rows are in its log (its current rows derive from it). */
function inputTables(product: DataProduct): TableRef[] {
  return inputsOf(product).map((input) => (input.kind === 'source' ? input.log : input.table));
}

/**
 * A product's check suite, compiled to one query, to run where the caller says (inside a
 * transaction, for partitions replaced in place). A check that references another product
 * which is not published (it failed, or waits for a source) cannot run: it fails, saying so,
 * instead of failing the whole suite.
 */
async function prepareChecks(
  warehouse: Warehouse,
  product: DataProduct,
  resolve: (r: Relation) => TableRef,
  within?: { where: SqlFragment; checks: ReadonlySet<Check> },
  isPublished?: (ref: TableRef) => boolean,
): Promise<{
  /** `rowCount`: the rows of the table checked, where known (a small one is counted by `scan`). */
  run: (query: InTransactionQuery, kept?: SqlRow, rowCount?: number) => Promise<CheckSuiteResult>;
  /** Where some days are rebuilt: what counts the rows kept (see `CompiledChecks.kept`). */
  kept: string | undefined;
}> {
  const unpublished = new Set<string>();
  // Whether a referenced product is published: one catalog listing per schema.
  const listed = new Map<string, Promise<string[]>>();
  for (const check of product.checks) {
    const r = check.reference?.relation;
    if (r && r.kind === 'data-product' && r.id !== product.id && !unpublished.has(r.id)) {
      if (isPublished) {
        if (!isPublished(r.table)) unpublished.add(r.id);
        continue;
      }
      if (!listed.has(r.table.schema)) listed.set(r.table.schema, warehouse.listTables(r.table.schema));
      if (!(await listed.get(r.table.schema))!.includes(r.table.name)) unpublished.add(r.id);
    }
  }
  const runnable = product.checks.filter((c) => !unpublished.has(c.reference?.relation.id ?? ''));
  // Columns are counted by the warehouse's form, a small table's in one scan (see `NullCounting`).
  const large = warehouse.capabilities.nullCounting ?? 'scan';
  const compiled = compileChecks(product, runnable, warehouse.dialect, resolve, {
    within,
    nullCounting: large,
  });
  const small = (rowCount: number | undefined) =>
    large !== 'scan' && rowCount !== undefined && rowCount < FILTERED_COUNTS_FROM_ROWS
      ? compileChecks(product, runnable, warehouse.dialect, resolve, { within, nullCounting: 'scan' }).sql
      : compiled.sql;
  return {
    run: async (query, kept, rowCount) => {
      const [row] = await query(kept && compiled.kept ? compiled.kept.suite(kept) : small(rowCount));
      return withUnpublished(product, compiled.evaluate(row ?? {}), unpublished);
    },
    kept: compiled.kept?.sql,
  };
}

/** Runs a product's check suite in one query (see `prepareChecks`). */
async function runChecks(
  warehouse: Warehouse,
  product: DataProduct,
  resolve: (r: Relation) => TableRef,
): Promise<CheckSuiteResult> {
  const suite = await prepareChecks(warehouse, product, resolve);
  return suite.run((statement) => warehouse.query(statement));
}

function withUnpublished(
  product: DataProduct,
  result: CheckSuiteResult,
  unpublished: ReadonlySet<string>,
): CheckSuiteResult {
  if (!unpublished.size) return result;
  const outcomes = product.checks.map(
    (check) =>
      result.outcomes.find((o) => o.name === check.name) ?? {
        name: check.name,
        kind: check.kind,
        dimension: check.dimension,
        severity: check.severity,
        column: check.column,
        passed: false,
        failingRows: 0,
        observed: `${check.reference!.relation.id} is not published`,
        spec: checkSpec(check, product),
      },
  );
  return { ...result, outcomes, passRate: outcomes.filter((o) => o.passed).length / outcomes.length };
}

/**
 * Bytes a build of `product` would process, without building it: the warehouse's dry run
 * where it has one, else the size of the product's inputs.
 */
export async function estimateBuildBytes(
  warehouse: Warehouse,
  product: DataProduct,
): Promise<{ bytes: number; method: 'dry-run' | 'input-size' }> {
  if (canEstimateCost(warehouse)) {
    const { select } = renderBuildQuery(product, warehouse.dialect);
    return { bytes: await warehouse.estimateBytes(select), method: 'dry-run' };
  }
  // Where a warehouse reports no bytes processed, a build reads (at most) all of its inputs.
  return { bytes: await warehouse.storageBytes(inputTables(product)), method: 'input-size' };
}

/** The transform must produce exactly the contract's columns: none missing, none extra. */
async function checkTransformColumns(warehouse: Warehouse, product: DataProduct, transform: string) {
  let described: Array<{ name: string }>;
  try {
    described = await warehouse.describeQuery(transform);
  } catch (cause) {
    throw new BuildError(
      'transform-invalid',
      `The transform of ${product.id} does not compile: ${(cause as Error)?.message ?? cause}`,
      subjectOf(product),
      { cause },
    );
  }
  const produced = new Set(described.map((c) => c.name));
  const missing = product.columns.find((c) => !produced.has(c.name));
  if (missing) {
    throw new BuildError(
      'transform-missing-column',
      `The transform of ${product.id} does not produce column ${missing.name} of its schema.`,
      { ...subjectOf(product), column: missing.name },
    );
  }
  const declared = new Set(product.columns.map((c) => c.name));
  const extra = described.find((c) => !declared.has(c.name));
  if (extra) {
    throw new BuildError(
      'transform-extra-column',
      `The transform of ${product.id} produces column ${extra.name}, which its schema does not declare.`,
      { ...subjectOf(product), column: extra.name },
    );
  }
}

function runRecord(
  product: DataProduct,
  runId: string,
  status: BuildRunRecord['status'],
  startedAt: Date,
  finishedAt: Date,
  rowCount: number,
  checks: CheckSuiteResult | undefined,
  error: MeshError | undefined,
  dialect: Dialect,
): BuildRunRecord {
  return {
    runId,
    domain: product.domain.name,
    product: product.name,
    version: product.version,
    definition: definitionOf(product, dialect),
    status,
    startedAt,
    finishedAt,
    rowCount,
    bytesProcessed: undefined,
    checks: checks?.outcomes ?? [],
    completeness: checks?.completeness,
    validity: checks?.validity,
    error: error ? { code: error.code, message: error.message } : undefined,
  };
}

const definitions = new WeakMap<DataProduct, Map<string, string>>();

/**
 * A fingerprint of what a product's build computes, checks and publishes, in a dialect: its build
 * query, its compiled checks and its layout (readers, PII flags, descriptions). Recorded with each run: a build whose inputs did not change since a run
 * of the same definition has nothing new to compute.
 */
export function definitionOf(product: DataProduct, dialect: Dialect): string {
  let byDialect = definitions.get(product);
  if (!byDialect) {
    byDialect = new Map();
    definitions.set(product, byDialect);
  }
  let hash = byDialect.get(dialect.name);
  if (!hash) {
    const { select } = renderBuildQuery(product, dialect);
    const checks = compileChecks(product, product.checks, dialect, (r) => r.table).sql;
    const severities = product.checks.map((c) => c.severity).join(',');
    // The layout too: readers, PII flags, descriptions, partitioning are applied by a publish.
    const layout = JSON.stringify(productLayout(product));
    hash = createHash('sha256')
      .update(`${product.version}\n${select}\n${checks}\n${severities}\n${layout}`)
      .digest('hex')
      .slice(0, 32);
    byDialect.set(dialect.name, hash);
  }
  return hash;
}

/** What a check run on a published table found. */
export interface TestOutcome {
  readonly product: DataProduct;
  readonly status: 'tested' | 'test-failed';
  readonly checks: CheckSuiteResult | undefined;
  readonly error: MeshError | undefined;
  readonly durationMs: number;
  /** The run could not be recorded (a reader without write access): the checks stand. */
  readonly notRecorded?: string | undefined;
}

/**
 * Runs a product's check suite against its published table (one query) and records the run,
 * so health reflects the data as it is now. Blocking failures make the outcome `test-failed`.
 * A test only reads: a run log it may not write is said (`notRecorded`), not a failure.
 */
export async function testProduct(
  warehouse: Warehouse,
  product: DataProduct,
  options: { runId: string },
): Promise<TestOutcome> {
  const started = new Date();
  let checks: CheckSuiteResult | undefined;
  let error: MeshError | undefined;
  try {
    if (!(await warehouse.tableStats(product.table))) {
      throw new BuildError(
        'not-published',
        `${product.id} has no published table to test; build it first.`,
        subjectOf(product),
      );
    }
    // Every column of the contract, not only those the checks name: a table lacking one passed
    // its checks, and every read of it failed (asked of the catalog: a dry run on BigQuery).
    const present = await columnsOf(warehouse, product.table);
    const lacking =
      present &&
      (await missingColumns(
        product,
        warehouse,
        present,
        product.columns.map((c) => c.name),
      ));
    if (lacking) throw lacking;
    checks = await runChecks(warehouse, product, (r: Relation) => r.table);
    const blocking = checks.outcomes.filter((o) => !o.passed && o.severity === 'error');
    if (blocking.length) {
      error = new BuildError(
        'checks-failed',
        `${product.id} fails ${blocking.map((o) => `${o.name} (${o.observed})`).join(', ')}.`,
        { ...subjectOf(product), check: blocking[0]!.name, column: blocking[0]!.column },
      );
    }
  } catch (cause) {
    // A table published by another version lacks columns the checks name: said in its terms.
    const explained = await explainFailedRead(
      product,
      warehouse,
      cause,
      product.columns.map((c) => c.name),
    );
    error =
      isMeshError(explained) && explained.code !== 'statement-failed'
        ? explained
        : new WarehouseError(
            'test-failed',
            `${product.id}: ${(cause as Error)?.message ?? cause}`,
            subjectOf(product),
            { cause },
          );
  }
  const finished = new Date();
  const status = error ? 'test-failed' : 'tested';
  let notRecorded: string | undefined;
  await warehouse
    .recordRun(
      runRecord(
        product,
        options.runId,
        status,
        started,
        finished,
        checks?.rowCount ?? 0,
        checks,
        error,
        warehouse.dialect,
      ),
    )
    .catch((cause: unknown) => {
      notRecorded = (cause as Error)?.message ?? String(cause);
    });
  return {
    product,
    status,
    checks,
    error,
    durationMs: finished.getTime() - started.getTime(),
    ...(notRecorded ? { notRecorded } : {}),
  };
}

/**
 * The sources a plan reads (as inputs, or in checks) that cannot be read as they are: required
 * ones never loaded (`missing`), and ones the warehouse could not prepare (`broken`). Every
 * source is ensured first, so one that was never loaded reads as empty (an optional source)
 * instead of failing as a missing table; one source that cannot be prepared fails only the
 * products that read it.
 */
async function sourceProblems(
  warehouse: Warehouse,
  products: readonly DataProduct[],
): Promise<{ missing: Set<string>; broken: Map<string, MeshError> }> {
  const sources = new Map<string, Source>();
  for (const p of products) {
    for (const r of inputsOf(p)) if (r.kind === 'source') sources.set(r.id, r);
    for (const c of p.checks)
      if (c.reference?.relation.kind === 'source') sources.set(c.reference.relation.id, c.reference.relation);
  }
  const broken = new Map<string, MeshError>();
  // All at once (those in place found in one query); one by one only to say which one broke.
  const ensured = await ensureSources(warehouse, [...sources.values()]).then(
    () => true,
    () => false,
  );
  for (const s of ensured ? [] : sources.values()) {
    try {
      await warehouse.ensureSource(s);
    } catch (cause) {
      broken.set(
        s.id,
        new WarehouseError(
          isMeshError(cause) ? cause.code : 'source-unavailable',
          `${s.id} cannot be read: ${(cause as Error)?.message ?? cause}`,
          { domain: s.domain.name, source: s.name },
          { cause },
        ),
      );
    }
  }
  const loaded = new Set((await warehouse.listBatches()).map((b) => b.source));
  const missing = new Set(
    [...sources.values()].filter((s) => !s.optional && !loaded.has(s.id)).map((s) => s.id),
  );
  return { missing, broken };
}

/** Why a product cannot build: an upstream product failed, or sources were never loaded. */
type Block =
  | { readonly status: 'skipped'; readonly through: string }
  | { readonly status: 'waiting'; readonly sources: readonly string[]; readonly through?: string };

function blockError(product: DataProduct, block: Block): BuildError {
  if (block.status === 'skipped') {
    return new BuildError(
      'upstream-failed',
      `${product.id} was skipped: its input ${block.through} failed.`,
      subjectOf(product),
    );
  }
  const [first] = block.sources;
  return new BuildError(
    'waiting-for-source',
    `${product.id} is waiting for ${block.sources.join(', ')}${block.through ? ` (through ${block.through})` : ''}: it holds no rows (never loaded, its sample taken out or its batches reverted). Ingest it (mesh ingest ${first} --from <file>) or seed sample data.`,
    { ...subjectOf(product), source: first },
  );
}

/**
 * Whether each product is unchanged: its last build published this very definition, its table
 * is there with the rows that build counted, and nothing it reads changed since that build started (no batch of a source it reads
 * loaded or reverted since; no product it reads rebuilt in this build, or with rows stamped
 * since). Its last run then, to record again; undefined when it must be built. Asked once per
 * build: the run log, the batches and the products' stats in one statement each.
 */
async function changeTracker(
  warehouse: Warehouse,
  products: readonly DataProduct[],
  rebuilt: ReadonlySet<string>,
  batches: readonly BatchRecord[],
  readAt: Date,
  latest: ReadonlyMap<string, LatestRun>,
  /** `inputProductsOf` the product, once the products it reads in this build are done. */
  inputProductsNow: (product: DataProduct) => string | undefined,
): Promise<(product: DataProduct) => { last: BuildRunRecord; readAt: Date } | undefined> {
  const stats = await statsOfTables(
    warehouse,
    products.map((p) => p.table),
  );
  const statsOf = new Map(products.map((p, i) => [p.id, stats[i]]));
  return (product) => {
    const last = comparedRun(latest.get(product.id));
    // Published by this very definition, whole (a publish whose grants failed is redone).
    if (
      last?.status !== 'published' ||
      last.error ||
      last.definition !== definitionOf(product, warehouse.dialect)
    )
      return undefined;
    // Its table as that build left it: there, and holding the rows it counted (a table written
    // outside a build since is rebuilt, not vouched for again).
    const own = statsOf.get(product.id);
    if (!own || own.rowCount !== last.rowCount || readsClock(product, warehouse.dialect)) return undefined;
    // The batches its sources had when its last build began, against theirs now: exact,
    // whatever clock stamped them (an ingest on a machine 30 s behind this one was missed when
    // times were compared). Runs recorded without them are compared by time.
    if (last.sourceBatches !== undefined && last.sourceBatches !== sourceBatchesOf(product, batches))
      return undefined;
    // The same for the products it reads: their data then against theirs now, exact whatever
    // clock stamped their rows (a product rebuilt on a machine an hour behind this one looked
    // older than this product's last build, which was vouched for again with its old rows).
    const productsNow = last.inputProducts === undefined ? undefined : inputProductsNow(product);
    if (productsNow !== undefined && productsNow !== last.inputProducts) return undefined;
    // A margin before the last build read its inputs: a batch stamped before its ingest
    // committed, or by another clock (the warehouse's), is not missed.
    const since = last.startedAt.getTime() - CHANGE_MARGIN_MS;
    for (const input of inputsOf(product)) {
      if (input.kind === 'source') {
        if (last.sourceBatches !== undefined) continue;
        const changed = batches.some(
          (b) =>
            b.source === input.id &&
            (b.ingestedAt.getTime() >= since || (b.revertedAt?.getTime() ?? 0) >= since),
        );
        if (changed) return undefined;
      } else {
        if (rebuilt.has(input.id)) return undefined;
        if (productsNow !== undefined) continue;
        const stamped = statsOf.get(input.id)?.lastModified;
        // An input outside this build is asked for here: its stamp as it is now.
        if (!statsOf.has(input.id) || !stamped || stamped.getTime() >= since) return undefined;
      }
    }
    return { last, readAt };
  };
}

/**
 * The run a scheduled build compares a product with: its latest, or, when that is a passing
 * `mesh test`, the test as of the build before it. A test writes nothing, so the table is that
 * build's, and the test counted and checked its rows as they are: what it found, with what that
 * build read (the batches, the data of the products read, when it began). Otherwise every
 * product tested was rebuilt at the next tick, and everything downstream of it. A table built
 * by another definition than the one tested is not that.
 */
function comparedRun(run: LatestRun | undefined): BuildRunRecord | undefined {
  if (run?.status !== 'tested' || !run.lastPublished) return run;
  if (run.lastPublished.definition !== run.definition) return undefined;
  // A test of other rows than that build published (rows deleted or added by hand since) vouches
  // for a table that build did not leave: it is rebuilt, not kept with rows missing.
  const published = run.lastPublished.rowCount;
  if (published !== undefined && published !== run.rowCount) return undefined;
  return {
    ...run,
    status: 'published',
    sourceBatches: run.lastPublished.sourceBatches,
    inputProducts: run.lastPublished.inputProducts,
    startedAt: run.lastPublished.startedAt,
  };
}

/**
 * The batches of the sources a product reads, as one fingerprint: each batch's id, and whether
 * it is reverted. Ids come from the batch log, never from a clock. Undefined when the product
 * reads no source.
 */
export function sourceBatchesOf(product: DataProduct, batches: readonly BatchRecord[]): string | undefined {
  const sources = new Set(
    inputsOf(product)
      .filter((r) => r.kind === 'source')
      .map((r) => r.id),
  );
  if (!sources.size) return undefined;
  const ids = batches
    .filter((b) => sources.has(b.source))
    .map((b) => `${b.batchId}${b.revertedAt ? 'r' : ''}`)
    .sort();
  return createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 32);
}

/**
 * The data a product's run left, as a fingerprint: its definition and what its inputs held as
 * the run recorded them (its sources' batches, the data of the products it reads). Equal inputs
 * give equal rows, so equal fingerprints mean equal data; a product reading the clock computes
 * something new each time, so its run id stands in. Undefined when the run published nothing
 * or did not record what its inputs held (an older release).
 */
export function dataOf(
  product: DataProduct,
  run:
    | Pick<BuildRunRecord, 'runId' | 'status' | 'definition' | 'sourceBatches' | 'inputProducts'>
    | undefined,
  dialect: Dialect,
): string | undefined {
  if (run?.status !== 'published' || !run.definition) return undefined;
  const inputs = inputsOf(product);
  if (inputs.some((r) => r.kind === 'source') && run.sourceBatches === undefined) return undefined;
  if (inputs.some((r) => r.kind === 'data-product') && run.inputProducts === undefined) return undefined;
  const parts = [run.definition, run.sourceBatches ?? '', run.inputProducts ?? ''];
  if (readsClock(product, dialect)) parts.push(run.runId);
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32);
}

/**
 * The data of the products a product reads, each one's `dataOf` as given, by id:
 * `customer.customer_profile=<data>,order.order_transactions=<data>`, so that what changed can be
 * named (`changedInputsOf`). Undefined when it reads no product, or when the data of one is
 * unknown.
 */
export function inputProductsOf(
  product: DataProduct,
  dataOfInput: (input: DataProduct) => string | undefined,
): string | undefined {
  const read = upstreamProducts(product).sort((a, b) => a.id.localeCompare(b.id));
  if (!read.length) return undefined;
  const parts: string[] = [];
  for (const input of read) {
    const data = dataOfInput(input);
    if (data === undefined) return undefined;
    parts.push(`${input.id}=${data}`);
  }
  return parts.join(',');
}

/**
 * The products whose data differs between two `inputProductsOf` (as a run recorded it, and
 * now): their ids, in order. Undefined when the record does not name each product's data (one
 * fingerprint of them all, recorded by an older release): which changed cannot be told.
 */
export function changedInputsOf(recorded: string, now: string): string[] | undefined {
  const byId = (text: string) => {
    const entries = text.split(',').map((part) => part.split('='));
    return entries.every((e) => e.length === 2) ? new Map(entries as [string, string][]) : undefined;
  };
  const before = byId(recorded);
  const after = byId(now);
  if (!before || !after) return undefined;
  return [...new Set([...before.keys(), ...after.keys()])]
    .filter((id) => before.get(id) !== after.get(id))
    .sort();
}

/**
 * A product left as published only once its checks, run on its table now, find what its last
 * build's found: the same failing rows per check, the same completeness and validity. Rows
 * changed by hand, keeping their count (a column set to NULL), are then rebuilt, not vouched
 * for again with the last build's results under a new date. The suite costs a fraction of the
 * build it spares (at scale 30 the mesh's suites are a tenth of its build).
 */
async function confirmUnchanged(
  warehouse: Warehouse,
  product: DataProduct,
  unchanged: { last: BuildRunRecord; readAt: Date } | undefined,
): Promise<{ last: BuildRunRecord; readAt: Date; checks: CheckSuiteResult } | undefined> {
  if (!unchanged) return undefined;
  const checks = await runChecks(warehouse, product, (r: Relation) => r.table).catch(() => undefined);
  if (!checks || checks.rowCount !== unchanged.last.rowCount) return undefined;
  const before = new Map(unchanged.last.checks.map((c) => [c.name, c]));
  const same =
    checks.outcomes.length === before.size &&
    checks.outcomes.every((o) => {
      const b = before.get(o.name);
      return b !== undefined && b.passed === o.passed && b.failingRows === o.failingRows;
    }) &&
    close(checks.completeness, unchanged.last.completeness) &&
    close(checks.validity, unchanged.last.validity);
  return same ? { ...unchanged, checks } : undefined;
}

const close = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? a === b : Math.abs(a - b) < 1e-9;

/** How long before the last build's read of its inputs a change still counts as after it. */
const CHANGE_MARGIN_MS = 5000;

/** A transform that reads the clock computes something new each time: never left as it is. */
function readsClock(product: DataProduct, dialect: Dialect): boolean {
  return /\b(current_date|current_time|current_timestamp|now\s*\(|today\s*\(|get_current_time\w*)\b/i.test(
    renderBuildQuery(product, dialect).transform,
  );
}

/** Progress of a mesh build, for the CLI to show. */
export type BuildEvent =
  | { type: 'planned'; plan: BuildPlan }
  | { type: 'started'; product: DataProduct }
  | { type: 'finished'; outcome: BuildOutcome };

/**
 * Builds products in dependency order across domains. Products of one level run
 * concurrently up to the warehouse's limit. A failed product skips everything downstream
 * of it; the others still build.
 */
export async function buildMesh(
  warehouse: Warehouse,
  products: readonly DataProduct[],
  options: {
    runId?: string;
    fullRefresh?: boolean;
    onEvent?: (event: BuildEvent) => void;
    /**
     * Every product of the mesh, built now or not: which of them incremental products read one
     * day at a time decides how those are laid out. The products built, when not given.
     */
    mesh?: readonly DataProduct[];
    /** How many products build at once, at most the warehouse's limit (its limit when not given). */
    concurrency?: number;
    /**
     * Leave a product as published when nothing it is computed from changed since its last
     * build (the scheduler's runs): its outcome says `unchanged`, and its run is recorded as a
     * publish of the same rows, which renews its freshness, its data being current.
     */
    skipUnchanged?: boolean;
  } = {},
): Promise<BuildOutcome[]> {
  const plan = planBuild(products);
  const daily = readDaily(options.mesh ?? plan.order);
  const runId = options.runId ?? new Date().toISOString();
  options.onEvent?.({ type: 'planned', plan });
  // What killed builds of these products left behind goes first: a staging table is never
  // anyone's data, and one left over would be reported by health until removed.
  // The tables of the plan's schemas, listed once: its leftovers, and which products its
  // checks reference are published (those it publishes are added as they are).
  const tables = await tablesIn(warehouse, [...new Set(plan.order.map((p) => p.table.schema))]);
  for (const leftover of await stagingLeftovers(warehouse, plan.order, tables))
    await warehouse.dropTable(leftover.table);
  const isPublished = (ref: TableRef) => tables.get(ref.schema)?.has(ref.name) === true;
  const { missing, broken } = await sourceProblems(warehouse, plan.order);
  // Products this build published anew: what reads them has changed inputs.
  const rebuilt = new Set<string>();
  // The sources' batches before anything is read: recorded with each product's run, what lands
  // from now on is after it, and the next build sees it.
  const readAt = new Date();
  const batches = plan.order.some((p) => inputsOf(p).some((r) => r.kind === 'source'))
    ? await warehouse.listBatches({ includeReverted: true })
    : [];
  // The latest runs before anything is built: the data of the products read, where this build
  // does not publish them anew (`published`, as each product of it finishes).
  const latest = new Map((await warehouse.latestRuns()).map((r) => [`${r.domain}.${r.product}`, r]));
  const published = new Map<string, string | undefined>();
  const inputProductsNow = (product: DataProduct) =>
    inputProductsOf(product, (input) =>
      published.has(input.id)
        ? published.get(input.id)
        : dataOf(input, latest.get(input.id), warehouse.dialect),
    );
  const unchangedSince = options.skipUnchanged
    ? await changeTracker(warehouse, plan.order, rebuilt, batches, readAt, latest, inputProductsNow)
    : () => undefined;
  const outcomes: BuildOutcome[] = [];
  const blocked = new Map<string, Block>();
  const limit = Math.max(
    1,
    Math.min(warehouse.capabilities.maxConcurrentBuilds, options.concurrency ?? Number.POSITIVE_INFINITY),
  );
  let wrote = false;
  // A product starts as soon as what it must follow has finished (its upstream products, and a
  // product its checks reference where the plan could order that first), not when its whole
  // level has: a level's slowest product no longer holds up the next level's others.
  const levelOf = new Map(plan.levels.flatMap((level, i) => level.map((p) => [p.id, i] as const)));
  const follows = new Map(
    plan.order.map((p) => [
      p.id,
      [
        ...(plan.upstream.get(p.id) ?? []),
        ...checkedAgainst(p)
          .map((r) => r.id)
          .filter((id) => (levelOf.get(id) ?? Infinity) < levelOf.get(p.id)!),
      ],
    ]),
  );
  // What a product reads, where the warehouse reports no bytes processed of its own: each table
  // sized once per build (its inputs are written before it starts, and stay as they are), the
  // sources' logs all in the first statement. One sizing at a time: two products starting
  // together would otherwise both size the sources.
  const sizes = new Map<string, number>();
  const key = (t: TableRef) => `${t.schema}.${t.name}`;
  // The products published so far: sized together with the next that is asked for, as most are
  // read by a later product (one statement for a level, not one per product that reads others).
  const builtTables: TableRef[] = [];
  let sizing: Promise<unknown> = Promise.resolve();
  const sizeOf = (inputs: readonly TableRef[]): Promise<number> => {
    const next = sizing.then(async () => {
      let unsized = inputs.filter((t) => !sizes.has(key(t)));
      if (unsized.length) {
        const logs = sizes.size
          ? []
          : plan.order.flatMap(inputsOf).flatMap((r) => (r.kind === 'source' ? [r.log] : []));
        const built = builtTables.filter((t) => !sizes.has(key(t)));
        unsized = [...new Map([...unsized, ...logs, ...built].map((t) => [key(t), t])).values()];
      }
      const bytes = unsized.length ? await storageOfTables(warehouse, unsized) : [];
      for (const [i, t] of unsized.entries()) sizes.set(key(t), bytes[i] ?? 0);
      return inputs.reduce((sum, t) => sum + (sizes.get(key(t)) ?? 0), 0);
    });
    sizing = next.catch(() => undefined);
    return next;
  };
  const build = async (product: DataProduct) => {
    const reads = inputsOf(product).filter((r): r is Source => r.kind === 'source');
    const unreadable = reads.map((r) => broken.get(r.id)).find((e) => e !== undefined);
    const waitsFor = reads.filter((r) => missing.has(r.id)).map((r) => r.id);
    const block: Block | undefined =
      blocked.get(product.id) ?? (waitsFor.length ? { status: 'waiting', sources: waitsFor } : undefined);
    const since = block || unreadable ? undefined : unchangedSince(product);
    const unchanged = await confirmUnchanged(warehouse, product, since);
    // Nothing it reads changed since its last build, yet its table is not what that build left
    // (its checks or its count differ): written outside a build. Rebuilding the days whose inputs
    // changed would rebuild none of it: an incremental product is rebuilt whole.
    const rewritten = since !== undefined && !unchanged && product.materialization === 'incremental';
    // What it reads, recorded with its run: the products it reads are done by now.
    const sourceBatches = sourceBatchesOf(product, batches);
    const inputProducts = inputProductsNow(product);
    let outcome: BuildOutcome;
    if (block || unreadable) {
      const error = unreadable ?? blockError(product, block!);
      const status = unreadable ? 'failed' : block!.status;
      outcome = { product, status, rowCount: 0, checks: undefined, error, durationMs: 0 };
      const now = new Date();
      // The outcome stands even if the run log refuses it: say so, as a build does.
      await warehouse
        .recordRun(runRecord(product, runId, status, now, now, 0, undefined, error, warehouse.dialect))
        .catch(() => undefined);
    } else if (unchanged) {
      const now = new Date();
      const record: BuildRunRecord = {
        ...unchanged.last,
        // What its checks found now, not what the last build's found.
        checks: unchanged.checks.outcomes,
        completeness: unchanged.checks.completeness,
        validity: unchanged.checks.validity,
        runId,
        // When its inputs were read: the next check looks for changes from then on.
        startedAt: unchanged.readAt,
        finishedAt: now,
        bytesProcessed: 0,
        definition: definitionOf(product, warehouse.dialect),
        sourceBatches,
        inputProducts,
      };
      let error: MeshError | undefined;
      await warehouse.recordRun(record).catch((cause: unknown) => {
        error = new WarehouseError(
          'run-log-failed',
          `${product.id}: its run could not be recorded: ${(cause as Error)?.message ?? cause}`,
          subjectOf(product),
          { cause },
        );
      });
      outcome = {
        product,
        status: 'published',
        rowCount: unchanged.last.rowCount,
        bytesProcessed: 0,
        checks: unchanged.checks,
        error,
        durationMs: Date.now() - now.getTime(),
        unchanged: { since: unchanged.last.startedAt },
      };
    } else {
      options.onEvent?.({ type: 'started', product });
      wrote = true;
      const inputBytes = canPublishInPlace(warehouse) ? await sizeOf(inputTables(product)) : undefined;
      const timeout = product.timeout ? (durationSeconds(product.timeout) ?? 0) * 1000 : 0;
      const cancel = new AbortController();
      const timer = timeout
        ? setTimeout(
            () =>
              cancel.abort(
                new BuildError(
                  'build-timeout',
                  `${product.id} ran past its ${product.timeout} timeout and was cancelled; the published version stays.`,
                  subjectOf(product),
                ),
              ),
            timeout,
          )
        : undefined;
      try {
        // Its jobs carry what they are for (billing labels) and its timeout.
        const scope = {
          domain: product.domain.name,
          product: product.name,
          runId,
          timeoutMs: timeout || undefined,
        };
        const attempt = (fullRefresh: boolean) =>
          inJobScope(warehouse, scope, () =>
            buildProduct(warehouse, product, {
              runId,
              fullRefresh,
              dayDigest: daily.has(product.id),
              inputBytes,
              signal: timeout ? cancel.signal : undefined,
              sourceBatches,
              inputProducts,
              isPublished,
            }),
          );
        const whole = Boolean(options.fullRefresh || rewritten);
        outcome = await attempt(whole);
        // No day of it needed rebuilding, yet its checks fail: the published table was written
        // outside a build (nothing it reads explains it), and only a whole rebuild mends it.
        if (
          !whole &&
          outcome.status === 'failed' &&
          outcome.incremental?.mode === 'up-to-date' &&
          outcome.error?.code === 'checks-failed'
        )
          outcome = await attempt(true);
      } finally {
        clearTimeout(timer);
      }
    }
    if (outcome.status === 'published' && !outcome.unchanged) rebuilt.add(product.id);
    if (outcome.status === 'published') {
      if (!tables.has(product.table.schema)) tables.set(product.table.schema, new Set());
      tables.get(product.table.schema)!.add(product.table.name);
      builtTables.push(product.table);
      const status = 'published';
      const definition = definitionOf(product, warehouse.dialect);
      published.set(
        product.id,
        dataOf(product, { runId, status, definition, sourceBatches, inputProducts }, warehouse.dialect),
      );
    }
    if (outcome.status !== 'published') {
      const next: Block =
        outcome.status === 'waiting' && block?.status === 'waiting'
          ? { status: 'waiting', sources: block.sources, through: product.id }
          : { status: 'skipped', through: product.id };
      for (const id of downstreamOf(plan, product.id)) if (!blocked.has(id)) blocked.set(id, next);
    }
    outcomes.push(outcome);
    options.onEvent?.({ type: 'finished', outcome });
  };
  const finished = new Set<string>();
  const pending = [...plan.order];
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  while (pending.length || running.size) {
    // Ready products in plan order, up to the warehouse's limit; an unexpected error stops
    // starting new ones and is raised once those under way are done.
    while (!failure && running.size < limit) {
      const i = pending.findIndex((p) => follows.get(p.id)!.every((id) => finished.has(id)));
      if (i < 0) break;
      const [product] = pending.splice(i, 1);
      const task: Promise<void> = build(product!)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          finished.add(product!.id);
          running.delete(task);
        });
      running.add(task);
    }
    if (!running.size) break;
    await Promise.race(running);
  }
  if (failure) throw failure.error;
  // Reported in plan order, whatever order they finished in.
  const position = new Map(plan.order.map((p, i) => [p.id, i]));
  outcomes.sort((a, b) => position.get(a.product.id)! - position.get(b.product.id)!);
  // Once per build, not per product: folds what the build wrote into the warehouse's files.
  if (wrote) await warehouse.checkpoint();
  // Then each incremental product's table as it was left, to tell a write outside a build.
  await recordTableVersions(
    warehouse,
    outcomes
      .filter((o) => o.status === 'published' && !o.unchanged && o.product.materialization === 'incremental')
      .map((o) => o.product),
  );
  return outcomes;
}
