import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import {
  type BuildEvent,
  type BuildOutcome,
  buildMesh,
  buildProduct,
  changedInputsOf,
  productLayout,
  renderBuildQuery,
  stagingTable,
  testProduct,
} from './build.js';
import { FILTERED_COUNTS_FROM_ROWS, type NullCounting } from './checks.js';
import { type DataProduct, type DataProductInput, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { readDaily } from './incremental.js';
import type { Relation, TableRef } from './relation.js';
import { defineSource, type Source } from './source.js';
import { type BatchRecord, EMPTY_MAPPING } from './source-log.js';
import { sql } from './sql.js';
import type { BuildRunRecord, SqlRow, TableStats, Warehouse } from './warehouse.js';

const qualified = (t: TableRef) => `${t.schema}.${t.name}`;

/**
 * A warehouse that keeps no data: it logs what the SDK asks of it and answers the check
 * query of each product with the row the test gives, so orchestration is tested without an engine.
 * A table has stats when the test gives them or once a build promoted into it; any other
 * table is unpublished. `batches` are the sources' batches, reverted ones hidden unless asked.
 */
function recordingWarehouse(options: {
  checkRows?: Record<string, SqlRow>;
  columns?: (transform: string) => Array<{ name: string; type: string }>;
  fail?: (step: string, table: string) => boolean;
  stats?: Record<string, TableStats>;
  batches?: readonly BatchRecord[];
  maxConcurrentBuilds?: number;
  /** How long writing a table takes, in ms (5 when not said). */
  delay?: (table: string) => number;
  /** The warehouse's form of counting a large table's NULLs, and the rows a write says it wrote (3). */
  nullCounting?: NullCounting;
  rowCount?: number;
}) {
  const log: string[] = [];
  const queries: string[] = [];
  const runs: BuildRunRecord[] = [];
  const promoted = new Set<string>();
  const concurrency = { active: 0, peak: 0 };
  const step = (what: string, table: TableRef) => {
    log.push(`${what} ${qualified(table)}`);
    if (options.fail?.(what, qualified(table))) throw new Error(`${what} of ${qualified(table)} broke`);
  };
  const warehouse: Warehouse = {
    name: 'recording',
    dialect: ansi,
    capabilities: {
      transactionalDdl: true,
      maxConcurrentBuilds: options.maxConcurrentBuilds ?? 1,
      partitioning: false,
      dryRun: false,
      sampleData: false,
      publishInPlace: false,
      ...(options.nullCounting && { nullCounting: options.nullCounting }),
    },
    ensureDomain: async (domain) => void log.push(`ensureDomain ${domain.name}`),
    ensureTable: async (table) => step('ensureTable', table),
    replaceTable: async (table) => {
      step('replaceTable', table);
      concurrency.peak = Math.max(concurrency.peak, ++concurrency.active);
      await new Promise((resolve) => setTimeout(resolve, options.delay?.(qualified(table)) ?? 5));
      concurrency.active--;
      if (options.delay) log.push(`written ${qualified(table)}`);
      return { rowCount: options.rowCount ?? 3 };
    },
    describeQuery: async (transform) => options.columns?.(transform) ?? [{ name: 'id', type: 'BIGINT' }],
    promote: async (staging, target) => {
      step(`promote ${qualified(staging)} ->`, target);
      promoted.add(qualified(target));
      return undefined;
    },
    dropTable: async (table) => step('dropTable', table),
    listTables: async (schema) =>
      [...promoted, ...Object.keys(options.stats ?? {}).filter((t) => options.stats?.[t])]
        .filter((t) => t.startsWith(`${schema}.`))
        .map((t) => t.slice(schema.length + 1)),
    query: async (statement) => {
      queries.push(statement);
      const staging = /FROM "(\w+)"\."(\w+)" AS t\b/.exec(statement);
      return [options.checkRows?.[`${staging?.[1]}.${staging?.[2]}`] ?? { row_count: 3, nn_0: 3 }];
    },
    async *stream() {},
    tableStats: async (table) =>
      options.stats?.[qualified(table)] ??
      (promoted.has(qualified(table)) ? { rowCount: 3, bytes: 0, lastModified: new Date() } : undefined),
    storageBytes: async () => 0,
    checkpoint: async () => void log.push('checkpoint'),
    recordRun: async (run) => void runs.push(run),
    appendHealthHistory: async () => {},
    healthHistory: async () => [],
    latestRuns: async () => runs.map((r) => ({ ...r, lastPublishedAt: null, lastPublishedStartedAt: null })),
    listRuns: async ({ since }) => runs.filter((r) => r.finishedAt >= since),
    ensureSource: async (source) => step('ensureSource', source.table),
    listBatches: async (filter) =>
      (options.batches ?? []).filter(
        (b) => (filter?.includeReverted || !b.revertedAt) && (!filter?.source || b.source === filter.source),
      ),
    revertBatch: () => Promise.reject(new Error('builds never revert batches')),
    writeSampleBatch: () => Promise.reject(new Error('builds never write samples')),
    close: async () => undefined,
  };
  return { warehouse, log, queries, runs, concurrency };
}

const sales = defineDomain({
  name: 'sales',
  description: 'What we sold.',
  owner: { team: 'sales-data', email: 'sales-data@retail.example' },
});
const schema = z.object({ id: z.int().describe('Id').meta({ key: true }) });
const input = (
  name: string,
  inputs: Record<string, Relation> = {},
): DataProductInput<typeof schema, Record<string, Relation>> => ({
  domain: sales,
  name,
  version: '1.0.0',
  description: `${name} for tests.`,
  tier: 'silver',
  refresh: 'daily',
  access: 'restricted',
  schema,
  inputs,
  transform: (i) =>
    Object.values(i).length ? sql`SELECT id FROM ${sql.join(Object.values(i))}` : sql`SELECT 1 AS id`,
  checks: (c) => [c.id.notNull(), c.id.unique().warn()],
});
const ids = defineDataProduct({ ...input('sales_ids'), clusterBy: ['id'] });

describe('reading by day', () => {
  const daySchema = z.object({
    day: z.iso.date().describe('Day'),
    shipped: z.iso.date().describe('Day shipped'),
    id: z.int().describe('Id'),
  });
  const dayFields = {
    domain: sales,
    version: '1.0.0',
    description: 'Days for tests.',
    tier: 'silver' as const,
    refresh: 'daily' as const,
    access: 'restricted' as const,
    schema: daySchema,
    inputs: {},
    transform: () => sql`SELECT CURRENT_DATE AS day, CURRENT_DATE AS shipped, 1 AS id`,
    checks: () => [],
  };
  const byDay = defineDataProduct({ ...dayFields, name: 'by_day', partitionBy: { column: 'day' as const } });
  const otherColumn = defineDataProduct({
    ...dayFields,
    name: 'other_column',
    partitionBy: { column: 'day' as const },
  });
  const unread = defineDataProduct({ ...dayFields, name: 'unread', partitionBy: { column: 'day' as const } });
  const reader = defineDataProduct({
    ...dayFields,
    name: 'reader',
    partitionBy: { column: 'day' as const },
    materialization: 'incremental',
    inputs: { a: byDay, b: otherColumn },
    // `b` is read by a column that is not its partition column: its order would not help.
    incremental: { a: 'day', b: 'shipped' },
    transform: ({ a }) => sql`SELECT day, shipped, id FROM ${a}`,
  });

  it('names the inputs incremental products read by their partition column, nothing else', () => {
    expect(readDaily([byDay, otherColumn, unread, reader])).toEqual(new Set(['sales.by_day']));
    expect(readDaily([byDay, otherColumn, unread])).toEqual(new Set());
  });

  it('orders by the partition column only incremental products, not the products they read', () => {
    expect(productLayout(reader).orderByPartition).toBe(true);
    expect(productLayout(byDay).orderByPartition).toBe(false);
  });
});

describe('renderBuildQuery', () => {
  it('casts the transform to the contract and appends the metadata columns', () => {
    expect(renderBuildQuery(ids, ansi)).toEqual({
      transform: 'SELECT 1 AS id',
      select:
        `SELECT CAST("q"."id" AS BIGINT) AS "id", CAST('sales' AS TEXT) AS "_domain", CAST('sales_ids' AS TEXT) AS "_product", ` +
        `CAST('1.0.0' AS TEXT) AS "_version", CURRENT_TIMESTAMP() AS "_processed_at" FROM (SELECT 1 AS id) AS q`,
    });
  });

  it('stages next to the published table and lays it out from the product', () => {
    expect(stagingTable(ids)).toEqual({ schema: 'sales', name: '_staging_sales_ids' });
    expect(productLayout(ids)).toEqual({
      columns: ids.publishedColumns,
      partitionBy: undefined,
      orderByPartition: false,
      clusterBy: ['id'],
      description: 'sales_ids for tests.',
      labels: { domain: 'sales', product: 'sales_ids', tier: 'silver', version: '1.0.0' },
      access: ids.access,
      consumers: ids.consumers,
    });
  });
});

describe('buildProduct', () => {
  it('stages, checks, then publishes, and records the run', async () => {
    const { warehouse, log, runs } = recordingWarehouse({
      checkRows: { 'sales._staging_sales_ids': { row_count: 3, nn_0: 3, check_0: 0, check_1: 1 } },
    });
    const outcome = await buildProduct(warehouse, ids, { runId: 'r1' });
    expect(outcome).toMatchObject({ status: 'published', rowCount: 3, error: undefined });
    expect(outcome.checks?.outcomes.map((o) => [o.name, o.passed])).toEqual([
      ['id_not_null', true],
      ['id_unique', false],
    ]);
    expect(log).toEqual([
      'ensureDomain sales',
      'replaceTable sales._staging_sales_ids',
      'promote sales._staging_sales_ids -> sales.sales_ids',
    ]);
    expect(runs).toEqual([
      expect.objectContaining({
        runId: 'r1',
        product: 'sales_ids',
        status: 'published',
        rowCount: 3,
        completeness: 1,
      }),
    ]);
  });

  it("counts a large table's columns by the warehouse's form, a small one's in one scan", async () => {
    const checksOf = async (nullCounting: NullCounting | undefined, rowCount: number) => {
      const { warehouse, queries } = recordingWarehouse({ nullCounting, rowCount });
      await buildProduct(warehouse, ids, { runId: 'r1' });
      const suite = queries.find((q) => q.includes('"check_0"'))!;
      return suite.includes('WHERE "t"."id" IS NULL') ? 'filtered' : 'scan';
    };
    expect(await checksOf('filtered', FILTERED_COUNTS_FROM_ROWS)).toBe('filtered');
    expect(await checksOf('filtered', FILTERED_COUNTS_FROM_ROWS - 1)).toBe('scan');
    // A warehouse that names no form (BigQuery) counts in one scan, whatever the size.
    expect(await checksOf(undefined, FILTERED_COUNTS_FROM_ROWS * 10)).toBe('scan');
    expect(await checksOf('scan', FILTERED_COUNTS_FROM_ROWS * 10)).toBe('scan');
  });

  it('keeps the published table when a blocking check fails, dropping the staging table', async () => {
    const { warehouse, log, runs } = recordingWarehouse({
      checkRows: { 'sales._staging_sales_ids': { row_count: 3, nn_0: 2, check_0: 1, check_1: 0 } },
    });
    const outcome = await buildProduct(warehouse, ids, { runId: 'r1' });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({
      kind: 'build',
      code: 'checks-failed',
      subject: { domain: 'sales', product: 'sales_ids', check: 'id_not_null', column: 'id' },
    });
    expect(outcome.error?.message).toContain('id_not_null (1 failing of 3)');
    expect(log).toEqual([
      'ensureDomain sales',
      'replaceTable sales._staging_sales_ids',
      'dropTable sales._staging_sales_ids',
    ]);
    expect(runs[0]).toMatchObject({ status: 'failed', error: { code: 'checks-failed' } });
  });

  it.each([
    ['misses a contract column', () => [{ name: 'other', type: 'BIGINT' }], 'transform-missing-column', 'id'],
    [
      'adds a column',
      () => [
        { name: 'id', type: 'BIGINT' },
        { name: 'extra', type: 'TEXT' },
      ],
      'transform-extra-column',
      'extra',
    ],
  ])('fails before staging when the transform %s', async (_label, columns, code, column) => {
    const { warehouse, log } = recordingWarehouse({ columns });
    const outcome = await buildProduct(warehouse, ids, { runId: 'r1' });
    expect(outcome).toMatchObject({ status: 'failed', error: { code, subject: { column } } });
    expect(log).toEqual([]);
  });

  it('reports a transform the warehouse cannot compile, keeping its error as the cause', async () => {
    const cause = new Error('Parser Error');
    const { warehouse } = recordingWarehouse({
      columns: () => {
        throw cause;
      },
    });
    const outcome = await buildProduct(warehouse, ids, { runId: 'r1' });
    expect(outcome.error).toMatchObject({ code: 'transform-invalid', cause });
  });

  it('wraps a warehouse failure and still drops the staging table', async () => {
    const { warehouse, log, runs } = recordingWarehouse({ fail: (step) => step === 'replaceTable' });
    const outcome = await buildProduct(warehouse, ids, { runId: 'r1' });
    expect(outcome.error).toMatchObject({ kind: 'warehouse', code: 'build-failed' });
    expect(outcome.error?.cause).toBeInstanceOf(Error);
    expect(log.at(-1)).toBe('dropTable sales._staging_sales_ids');
    expect(runs[0]?.status).toBe('failed');
  });

  it('refuses materializations it cannot build yet', async () => {
    const view = defineDataProduct({ ...input('sales_view'), materialization: 'view' });
    const { warehouse, log } = recordingWarehouse({});
    const outcome = await buildProduct(warehouse, view, { runId: 'r1' });
    expect(outcome.error).toMatchObject({ code: 'materialization-unsupported' });
    expect(log).toEqual([]);
  });
});

describe('checks that reference another product', () => {
  const audit = defineDataProduct({
    ...input('sales_audit'),
    checks: (c) => [c.id.notNull(), c.id.references(ids, 'id').warn(), c.id.unique().warn()],
  });
  const strict = defineDataProduct({
    ...input('sales_strict'),
    checks: (c) => [c.id.notNull(), c.id.references(ids, 'id')],
  });
  const published = { rowCount: 3, bytes: 10, lastModified: new Date() };
  const summary = (outcomes: readonly { name: string; passed: boolean; observed?: string | undefined }[]) =>
    outcomes.map((o) => [o.name, o.passed, o.observed]);

  it('fails a check on an unpublished product without compiling it, and runs the rest of the suite', async () => {
    const { warehouse, queries, runs } = recordingWarehouse({
      // The suite compiles without the reference: the unique check is check_1.
      checkRows: { 'sales._staging_sales_audit': { row_count: 3, nn_0: 3, check_0: 0, check_1: 1 } },
    });
    const outcome = await buildProduct(warehouse, audit, { runId: 'r1' });
    expect(outcome).toMatchObject({ status: 'published', error: undefined });
    expect(summary(outcome.checks!.outcomes)).toEqual([
      ['id_not_null', true, '0 failing of 3'],
      ['id_references_sales_ids', false, 'sales.sales_ids is not published'],
      ['id_unique', false, '1 failing of 3'],
    ]);
    expect(outcome.checks?.outcomes[1]).toMatchObject({
      kind: 'relationships',
      dimension: 'integrity',
      severity: 'warn',
      column: 'id',
    });
    expect(outcome.checks?.passRate).toBeCloseTo(1 / 3);
    expect(queries).toHaveLength(1);
    expect(queries[0]).not.toContain('"sales_ids"');
    expect(queries[0]).not.toContain('check_2');
    expect(summary(runs[0]!.checks)).toEqual(summary(outcome.checks!.outcomes));
  });

  it('blocks the publish when that check is blocking, naming the product it waits for', async () => {
    const { warehouse, log, runs } = recordingWarehouse({});
    const outcome = await buildProduct(warehouse, strict, { runId: 'r1' });
    expect(outcome).toMatchObject({
      status: 'failed',
      error: {
        code: 'checks-failed',
        subject: { product: 'sales_strict', check: 'id_references_sales_ids' },
      },
    });
    expect(outcome.error?.message).toContain('id_references_sales_ids (sales.sales_ids is not published)');
    expect(log.some((l) => l.startsWith('promote'))).toBe(false);
    expect(runs[0]).toMatchObject({ status: 'failed', error: { code: 'checks-failed' } });
  });

  it('compiles the reference against the published product', async () => {
    const { warehouse, queries } = recordingWarehouse({
      stats: { 'sales.sales_ids': published },
      checkRows: {
        'sales._staging_sales_audit': { row_count: 3, nn_0: 3, check_0: 0, check_1: 2, check_2: 0 },
      },
    });
    const outcome = await buildProduct(warehouse, audit, { runId: 'r1' });
    expect(summary(outcome.checks!.outcomes)).toEqual([
      ['id_not_null', true, '0 failing of 3'],
      ['id_references_sales_ids', false, '2 failing of 3'],
      ['id_unique', true, '0 failing of 3'],
    ]);
    expect(queries[0]).toContain('"sales"."sales_ids"');
  });

  it('does the same when testing the published table', async () => {
    const { warehouse, queries, runs } = recordingWarehouse({
      stats: { 'sales.sales_audit': published, 'sales.sales_strict': published },
      checkRows: {
        'sales.sales_audit': { row_count: 3, nn_0: 3, check_0: 0, check_1: 0 },
        'sales.sales_strict': { row_count: 3, nn_0: 3, check_0: 0 },
      },
    });
    const tested = await testProduct(warehouse, audit, { runId: 't1' });
    expect(tested).toMatchObject({ status: 'tested', error: undefined });
    expect(summary(tested.checks!.outcomes)).toEqual([
      ['id_not_null', true, '0 failing of 3'],
      ['id_references_sales_ids', false, 'sales.sales_ids is not published'],
      ['id_unique', true, '0 failing of 3'],
    ]);
    const failed = await testProduct(warehouse, strict, { runId: 't1' });
    expect(failed).toMatchObject({
      status: 'test-failed',
      error: { code: 'checks-failed', subject: { check: 'id_references_sales_ids' } },
    });
    expect(failed.error?.message).toBe(
      'sales.sales_strict fails id_references_sales_ids (sales.sales_ids is not published).',
    );
    expect(queries.every((q) => !q.includes('"sales_ids"'))).toBe(true);
    expect(runs.map((r) => `${r.product}:${r.status}`)).toEqual([
      'sales_audit:tested',
      'sales_strict:test-failed',
    ]);
  });
});

describe('buildMesh', () => {
  // base <- middle <- top, and an unrelated side product.
  const base = defineDataProduct(input('sales_base'));
  const middle = defineDataProduct(input('sales_middle', { base }));
  const top = defineDataProduct(input('sales_top', { middle }));
  const side = defineDataProduct(input('sales_side'));
  const failing = { row_count: 3, nn_0: 0, check_0: 3, check_1: 0 };

  it('builds in dependency order and reports every product', async () => {
    const { warehouse, runs } = recordingWarehouse({});
    const events: string[] = [];
    const outcomes = await buildMesh(warehouse, [top, side], {
      runId: 'nightly',
      onEvent: (e: BuildEvent) =>
        events.push(
          e.type === 'planned'
            ? 'planned'
            : e.type === 'started'
              ? `started ${e.product.name}`
              : `finished ${e.outcome.product.name}`,
        ),
    });
    expect(outcomes.map((o) => [o.product.name, o.status])).toEqual([
      ['sales_base', 'published'],
      ['sales_side', 'published'],
      ['sales_middle', 'published'],
      ['sales_top', 'published'],
    ]);
    expect(events[0]).toBe('planned');
    expect(events.slice(1, 3)).toEqual(['started sales_base', 'finished sales_base']);
    expect(new Set(runs.map((r) => r.runId))).toEqual(new Set(['nightly']));
  });

  it('skips everything downstream of a failed product and still builds the rest', async () => {
    const { warehouse, log, runs } = recordingWarehouse({
      checkRows: { 'sales._staging_sales_base': failing },
    });
    const outcomes = await buildMesh(warehouse, [top, side], { runId: 'r1' });
    expect(outcomes.map((o) => [o.product.name, o.status, o.error?.code])).toEqual([
      ['sales_base', 'failed', 'checks-failed'],
      ['sales_side', 'published', undefined],
      ['sales_middle', 'skipped', 'upstream-failed'],
      ['sales_top', 'skipped', 'upstream-failed'],
    ]);
    expect(outcomes[3]?.error?.message).toContain('sales.sales_base');
    expect(log.filter((l) => l.startsWith('replaceTable'))).toEqual([
      'replaceTable sales._staging_sales_base',
      'replaceTable sales._staging_sales_side',
    ]);
    expect(runs.map((r) => `${r.product}:${r.status}`)).toEqual([
      'sales_base:failed',
      'sales_side:published',
      'sales_middle:skipped',
      'sales_top:skipped',
    ]);
  });

  it('builds a product after the products its checks reference, and still builds it when they fail', async () => {
    // sales_audit sorts before sales_ids: only its reference orders it after.
    const audit = defineDataProduct({
      ...input('sales_audit'),
      checks: (c) => [c.id.notNull(), c.id.references(ids, 'id').warn()],
    });
    const ok = recordingWarehouse({});
    const built = await buildMesh(ok.warehouse, [audit], { runId: 'r1' });
    expect(built.map((o) => [o.product.name, o.status])).toEqual([
      ['sales_ids', 'published'],
      ['sales_audit', 'published'],
    ]);
    expect(built[1]?.checks?.outcomes.map((o) => [o.name, o.passed])).toEqual([
      ['id_not_null', true],
      ['id_references_sales_ids', true],
    ]);
    expect(ok.queries[1]).toContain('"sales"."sales_ids"');

    const broken = recordingWarehouse({ checkRows: { 'sales._staging_sales_ids': failing } });
    const outcomes = await buildMesh(broken.warehouse, [audit], { runId: 'r1' });
    expect(outcomes.map((o) => [o.product.name, o.status])).toEqual([
      ['sales_ids', 'failed'],
      ['sales_audit', 'published'],
    ]);
    expect(outcomes[1]?.checks?.outcomes[1]).toMatchObject({
      passed: false,
      observed: 'sales.sales_ids is not published',
    });
  });

  it.each([1, 4])('builds a level of five with at most %d at a time', async (limit) => {
    const { warehouse, concurrency } = recordingWarehouse({ maxConcurrentBuilds: limit });
    const many: DataProduct[] = ['a', 'b', 'c', 'd', 'e'].map((n) => defineDataProduct(input(`sales_${n}`)));
    const outcomes = await buildMesh(warehouse, many);
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('published'));
    expect(new Set(outcomes.map((o) => o.product.name)).size).toBe(5);
    expect(concurrency.peak).toBe(limit);
  });

  it('builds fewer at a time when asked', async () => {
    const { warehouse, concurrency } = recordingWarehouse({ maxConcurrentBuilds: 4 });
    const many: DataProduct[] = ['a', 'b', 'c'].map((n) => defineDataProduct(input(`sales_${n}`)));
    await buildMesh(warehouse, many, { concurrency: 1 });
    expect(concurrency.peak).toBe(1);
  });

  it('starts a product once its own inputs are built, not once its whole level is', async () => {
    // slow and fast have no inputs; after_fast reads fast only, so it need not wait for slow.
    const { warehouse, log } = recordingWarehouse({
      maxConcurrentBuilds: 2,
      delay: (table) => (table.includes('sales_slow') ? 200 : 5),
    });
    const slow = defineDataProduct(input('sales_slow'));
    const fast = defineDataProduct(input('sales_fast'));
    const afterFast = defineDataProduct(input('sales_after_fast', { fast }));
    const outcomes = await buildMesh(warehouse, [slow, afterFast]);
    // Reported in plan order, not in the order they finished.
    expect(outcomes.map((o) => [o.product.name, o.status])).toEqual([
      ['sales_fast', 'published'],
      ['sales_slow', 'published'],
      ['sales_after_fast', 'published'],
    ]);
    const at = (line: string) => log.findIndex((l) => l.startsWith(line));
    expect(at('replaceTable sales._staging_sales_after_fast')).toBeGreaterThan(
      at('written sales._staging_sales_fast'),
    );
    expect(at('replaceTable sales._staging_sales_after_fast')).toBeLessThan(
      at('written sales._staging_sales_slow'),
    );
  });
});

describe('buildMesh over sources', () => {
  const order = defineDomain({
    name: 'order',
    description: 'Orders and what became of them.',
    owner: { team: 'order-data', email: 'order-data@retail.example' },
  });
  const source = (name: string, optional = false) =>
    defineSource({
      domain: order,
      name,
      description: `${name} export.`,
      mode: 'append',
      optional,
      schema: z.object({ id: z.int().meta({ key: true }) }),
    });
  const shipments = source('shipments');
  const payments = source('payments');
  const returns = source('returns', true);
  const batch = (of: Source, batchId: number, fields: Partial<BatchRecord> = {}): BatchRecord => ({
    batchId,
    source: of.id,
    kind: 'ingest',
    file: `${of.name}.csv`,
    sha256: `sha-${batchId}`,
    mapping: EMPTY_MAPPING,
    rows: 3,
    loaded: 3,
    rejected: 0,
    ingestedAt: new Date('2024-05-01T00:00:00Z'),
    ingestedBy: 'test',
    revertedAt: undefined,
    ...fields,
  });
  // shipments <- shipped <- shipped_daily <- shipped_report; payments <- paid; returns (optional) <- returned.
  const shipped = defineDataProduct(input('sales_shipped', { shipments }));
  const shippedDaily = defineDataProduct(input('sales_shipped_daily', { shipped }));
  const shippedReport = defineDataProduct(input('sales_shipped_report', { shippedDaily }));
  const paid = defineDataProduct(input('sales_paid', { payments }));
  const returned = defineDataProduct(input('sales_returned', { returns }));
  const summary = (outcomes: readonly BuildOutcome[]) =>
    outcomes.map((o) => [o.product.name, o.status, o.error?.code]);

  it('waits for a required source never loaded, and everything downstream waits through it', async () => {
    const { warehouse, log, runs } = recordingWarehouse({ batches: [batch(payments, 1)] });
    const events: string[] = [];
    const outcomes = await buildMesh(warehouse, [shippedReport, paid], {
      runId: 'r1',
      onEvent: (e) => {
        if (e.type === 'started') events.push(`started ${e.product.name}`);
        if (e.type === 'finished') events.push(`finished ${e.outcome.product.name}`);
      },
    });
    expect(summary(outcomes)).toEqual([
      ['sales_paid', 'published', undefined],
      ['sales_shipped', 'waiting', 'waiting-for-source'],
      ['sales_shipped_daily', 'waiting', 'waiting-for-source'],
      ['sales_shipped_report', 'waiting', 'waiting-for-source'],
    ]);
    expect(outcomes[1]).toMatchObject({ rowCount: 0, checks: undefined, durationMs: 0 });
    expect(outcomes[1]?.error).toMatchObject({
      kind: 'build',
      subject: { domain: 'sales', product: 'sales_shipped', source: 'order.shipments' },
    });
    expect(outcomes[1]?.error?.message).toBe(
      'sales.sales_shipped is waiting for order.shipments: it holds no rows (never loaded, its sample taken out or its batches reverted). ' +
        'Ingest it (mesh ingest order.shipments --from <file>) or seed sample data.',
    );
    expect(outcomes.slice(2).map((o) => o.error?.message)).toEqual([
      'sales.sales_shipped_daily is waiting for order.shipments (through sales.sales_shipped): it holds no rows (never loaded, its sample taken out or its batches reverted). Ingest it (mesh ingest order.shipments --from <file>) or seed sample data.',
      'sales.sales_shipped_report is waiting for order.shipments (through sales.sales_shipped): it holds no rows (never loaded, its sample taken out or its batches reverted). Ingest it (mesh ingest order.shipments --from <file>) or seed sample data.',
    ]);
    expect(outcomes[2]?.error?.subject).toMatchObject({
      domain: 'sales',
      product: 'sales_shipped_daily',
      source: 'order.shipments',
    });

    // Every source the plan reads is ensured before anything builds; only sales_paid builds.
    expect(log.slice(0, 2)).toEqual(['ensureSource order.raw_payments', 'ensureSource order.raw_shipments']);
    expect(log.filter((l) => l.startsWith('replaceTable'))).toEqual([
      'replaceTable sales._staging_sales_paid',
    ]);
    expect(events).toEqual([
      'started sales_paid',
      'finished sales_paid',
      'finished sales_shipped',
      'finished sales_shipped_daily',
      'finished sales_shipped_report',
    ]);
    expect(runs.map((r) => [r.product, r.status, r.runId, r.rowCount, r.error?.code])).toEqual([
      ['sales_paid', 'published', 'r1', 3, undefined],
      ['sales_shipped', 'waiting', 'r1', 0, 'waiting-for-source'],
      ['sales_shipped_daily', 'waiting', 'r1', 0, 'waiting-for-source'],
      ['sales_shipped_report', 'waiting', 'r1', 0, 'waiting-for-source'],
    ]);
    expect(runs[1]?.error?.message).toBe(outcomes[1]?.error?.message);
  });

  it('builds on an optional source never loaded: it reads as empty', async () => {
    const { warehouse, log, runs } = recordingWarehouse({});
    const outcomes = await buildMesh(warehouse, [returned], { runId: 'r1' });
    expect(summary(outcomes)).toEqual([['sales_returned', 'published', undefined]]);
    expect(log.indexOf('ensureSource order.raw_returns')).toBeLessThan(
      log.indexOf('replaceTable sales._staging_sales_returned'),
    );
    expect(log).toContain('ensureSource order.raw_returns');
    expect(runs.map((r) => r.status)).toEqual(['published']);
  });

  it('names every required source missing, the first as the subject', async () => {
    const settled = defineDataProduct(input('sales_settled', { shipments, payments, returns }));
    const settledDaily = defineDataProduct(input('sales_settled_daily', { settled }));
    const { warehouse } = recordingWarehouse({});
    const [first, second] = await buildMesh(warehouse, [settledDaily]);
    expect(first?.error).toMatchObject({
      code: 'waiting-for-source',
      subject: { product: 'sales_settled', source: 'order.shipments' },
    });
    expect(first?.error?.message).toMatch(
      /^sales\.sales_settled is waiting for order\.shipments, order\.payments: /,
    );
    expect(second?.error?.message).toBe(
      'sales.sales_settled_daily is waiting for order.shipments, order.payments (through sales.sales_settled): it holds no rows (never loaded, its sample taken out or its batches reverted). Ingest it (mesh ingest order.shipments --from <file>) or seed sample data.',
    );
  });

  it('waits for a source its transform reads without declaring it', async () => {
    const adhoc = defineDataProduct({
      ...input('sales_adhoc'),
      transform: () => sql`SELECT id FROM ${shipments}`,
    });
    const { warehouse, log } = recordingWarehouse({});
    const outcomes = await buildMesh(warehouse, [adhoc]);
    expect(summary(outcomes)).toEqual([['sales_adhoc', 'waiting', 'waiting-for-source']]);
    expect(log).toEqual(['ensureSource order.raw_shipments']);
  });

  it.each([
    ['an ingested batch', { kind: 'ingest' }, 'published'],
    ['a sample batch', { kind: 'sample' }, 'published'],
    ['only a reverted batch', { revertedAt: new Date('2024-05-02T00:00:00Z') }, 'waiting'],
  ] as const)('with %s, a required source builds: %s', async (_label, fields, status) => {
    const { warehouse } = recordingWarehouse({ batches: [batch(shipments, 7, fields)] });
    const outcomes = await buildMesh(warehouse, [shipped]);
    expect(outcomes.map((o) => o.status)).toEqual([status]);
  });

  it('tells waiting from skipped: a failed product skips its downstream, a waiting one makes it wait', async () => {
    const base = defineDataProduct(input('sales_base'));
    const middle = defineDataProduct(input('sales_middle', { base }));
    const { warehouse, runs } = recordingWarehouse({
      checkRows: { 'sales._staging_sales_base': { row_count: 3, nn_0: 0, check_0: 3, check_1: 0 } },
    });
    const outcomes = await buildMesh(warehouse, [middle, shippedDaily], { runId: 'r1' });
    expect(summary(outcomes)).toEqual([
      ['sales_base', 'failed', 'checks-failed'],
      ['sales_shipped', 'waiting', 'waiting-for-source'],
      ['sales_middle', 'skipped', 'upstream-failed'],
      ['sales_shipped_daily', 'waiting', 'waiting-for-source'],
    ]);
    expect(outcomes[2]?.error?.message).toBe(
      'sales.sales_middle was skipped: its input sales.sales_base failed.',
    );
    expect(runs.map((r) => `${r.product}:${r.status}`)).toEqual([
      'sales_base:failed',
      'sales_shipped:waiting',
      'sales_middle:skipped',
      'sales_shipped_daily:waiting',
    ]);
  });
});

describe('testProduct', () => {
  const published = { 'sales.sales_ids': { rowCount: 3, bytes: 10, lastModified: new Date() } };

  it('runs the checks on the published table and records a tested run', async () => {
    const { warehouse, runs } = recordingWarehouse({
      stats: published,
      checkRows: { 'sales.sales_ids': { row_count: 3, nn_0: 3, check_0: 0, check_1: 0 } },
    });
    const outcome = await testProduct(warehouse, ids, { runId: 't1' });
    expect(outcome).toMatchObject({ status: 'tested', error: undefined, checks: { passRate: 1 } });
    expect(runs[0]).toMatchObject({ runId: 't1', status: 'tested', rowCount: 3 });
  });

  it('fails on a blocking check and names it', async () => {
    const { warehouse, runs } = recordingWarehouse({
      stats: published,
      checkRows: { 'sales.sales_ids': { row_count: 3, nn_0: 1, check_0: 2, check_1: 0 } },
    });
    const outcome = await testProduct(warehouse, ids, { runId: 't1' });
    expect(outcome).toMatchObject({
      status: 'test-failed',
      error: { code: 'checks-failed', subject: { check: 'id_not_null' } },
    });
    expect(runs[0]?.status).toBe('test-failed');
  });

  it('says to build first when nothing is published', async () => {
    const { warehouse, runs } = recordingWarehouse({});
    const outcome = await testProduct(warehouse, ids, { runId: 't1' });
    expect(outcome).toMatchObject({
      status: 'test-failed',
      checks: undefined,
      error: { code: 'not-published' },
    });
    expect(runs[0]).toMatchObject({ status: 'test-failed', error: { code: 'not-published' } });
  });
});

describe('changedInputsOf', () => {
  it('names the products whose data differs, and none where the record is one fingerprint of all', () => {
    const recorded = 'customer.customer_profile=aa,order.order_transactions=bb';
    expect(changedInputsOf(recorded, 'customer.customer_profile=aa,order.order_transactions=cc')).toEqual([
      'order.order_transactions',
    ]);
    expect(changedInputsOf(recorded, recorded)).toEqual([]);
    // A product read now that was not then (or the other way round) changed too.
    expect(changedInputsOf('a.x=1', 'a.x=1,b.y=2')).toEqual(['b.y']);
    expect(changedInputsOf('a.x=1,b.y=2', 'a.x=1')).toEqual(['b.y']);
    // An older release recorded one fingerprint of them all: which changed cannot be told.
    expect(changedInputsOf('3f9a0c', 'a.x=1')).toBeUndefined();
  });
});
