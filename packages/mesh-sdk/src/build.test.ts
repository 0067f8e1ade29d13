import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type BuildEvent,
  buildMesh,
  buildProduct,
  productLayout,
  renderBuildQuery,
  stagingTable,
  testProduct,
} from './build.js';
import { type DataProduct, type DataProductInput, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import type { Relation, TableRef } from './relation.js';
import { sql } from './sql.js';
import { ansi } from './testing/ansi-dialect.js';
import type { BuildRunRecord, SqlRow, TableStats, Warehouse } from './warehouse.js';

const qualified = (t: TableRef) => `${t.schema}.${t.name}`;

/**
 * A warehouse that keeps no data: it logs what the SDK asks of it and answers the check
 * query of each product with the row the test gives, so orchestration is tested without an engine.
 */
function recordingWarehouse(options: {
  checkRows?: Record<string, SqlRow>;
  columns?: (transform: string) => Array<{ name: string; type: string }>;
  fail?: (step: string, table: string) => boolean;
  stats?: Record<string, TableStats>;
  maxConcurrentBuilds?: number;
}) {
  const log: string[] = [];
  const runs: BuildRunRecord[] = [];
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
    },
    ensureDomain: async (domain) => void log.push(`ensureDomain ${domain.name}`),
    ensureTable: async (table) => step('ensureTable', table),
    replaceTable: async (table) => {
      step('replaceTable', table);
      concurrency.peak = Math.max(concurrency.peak, ++concurrency.active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      concurrency.active--;
      return { rowCount: 3 };
    },
    describeQuery: async (transform) => options.columns?.(transform) ?? [{ name: 'id', type: 'BIGINT' }],
    promote: async (staging, target) => step(`promote ${qualified(staging)} ->`, target),
    dropTable: async (table) => step('dropTable', table),
    query: async (statement) => {
      const staging = /FROM "(\w+)"\."(\w+)" AS t$/.exec(statement);
      return [options.checkRows?.[`${staging?.[1]}.${staging?.[2]}`] ?? { row_count: 3, nn_0: 3 }];
    },
    async *stream() {},
    tableStats: async (table) => options.stats?.[qualified(table)],
    recordRun: async (run) => void runs.push(run),
    latestRuns: async () => runs,
    listRuns: async ({ since }) => runs.filter((r) => r.finishedAt >= since),
    close: async () => undefined,
  };
  return { warehouse, log, runs, concurrency };
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

  it.each([1, 4])('builds a level of five with at most %d at a time', async (limit) => {
    const { warehouse, concurrency } = recordingWarehouse({ maxConcurrentBuilds: limit });
    const many: DataProduct[] = ['a', 'b', 'c', 'd', 'e'].map((n) => defineDataProduct(input(`sales_${n}`)));
    const outcomes = await buildMesh(warehouse, many);
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('published'));
    expect(new Set(outcomes.map((o) => o.product.name)).size).toBe(5);
    expect(concurrency.peak).toBe(limit);
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
