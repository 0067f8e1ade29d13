import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import { type CheckOutcome, compileChecks } from './checks.js';
import { type DataProductInput, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { meshHealth, type ProductHealth, productHealth } from './health.js';
import { type SourceState, sameRowsFlag } from './source-log.js';
import { sql } from './sql.js';
import type { BuildRunRecord, TableStats } from './warehouse.js';

const now = new Date('2024-05-01T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

const sales = defineDomain({
  name: 'sales',
  description: 'What we sold.',
  owner: { team: 'sales-data', email: 'sales-data@retail.example' },
});
const stores = defineDomain({
  name: 'store',
  description: 'Where we sell.',
  owner: { team: 'store-data', email: 'store-data@retail.example' },
});
const ordersInput = {
  domain: sales,
  name: 'sales_orders',
  version: '1.4.0',
  description: 'Every order placed online.',
  tier: 'gold',
  refresh: 'hourly',
  access: 'restricted',
  sla: { freshness: '2h', completeness: 0.95, validity: 0.9 },
  schema: z.object({ order_id: z.string() }),
  inputs: {},
  transform: () => sql`SELECT 'O1' AS order_id`,
} satisfies DataProductInput<z.ZodObject, Record<string, never>>;
const orders = defineDataProduct(ordersInput);

const outcome = (name: string, passed: boolean, severity: 'error' | 'warn' = 'error'): CheckOutcome => ({
  name,
  kind: 'not_null',
  dimension: 'completeness',
  severity,
  column: 'order_id',
  passed,
  failingRows: passed ? 0 : 3,
  observed: passed ? '0 failing of 100' : '3 failing of 100',
});
const stats = (lastModified: Date): TableStats => ({ rowCount: 100, bytes: 4096, lastModified });
const run = (fields: Partial<BuildRunRecord> = {}): BuildRunRecord => ({
  runId: 'r1',
  bytesProcessed: undefined,
  domain: 'sales',
  product: 'sales_orders',
  version: '1.4.0',
  status: 'published',
  startedAt: hoursAgo(1.1),
  finishedAt: hoursAgo(1),
  rowCount: 100,
  checks: [outcome('order_id_not_null', true), outcome('order_id_unique', true)],
  completeness: 1,
  validity: 1,
  error: undefined,
  ...fields,
});

const source = (
  id: string,
  content: SourceState['content'],
  flag: string | undefined = undefined,
): SourceState => ({
  source: id,
  content,
  batches: content === 'empty' ? 0 : 4,
  rows: content === 'empty' ? 0 : 400,
  lastBatch:
    content === 'empty'
      ? undefined
      : { batchId: 4, file: `${id}.csv`, at: hoursAgo(2).toISOString(), loaded: 100, rejected: 0, flag },
});
const smallBatch = 'loaded 120 rows, 83x fewer than the median 10,000 of the previous 3 batches';

describe('productHealth', () => {
  it('is healthy when published, fresh and every check passed', () => {
    expect(productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run() }, now)).toEqual({
      name: 'sales_orders',
      id: 'sales.sales_orders',
      domain: 'sales',
      version: '1.4.0',
      tier: 'gold',
      status: 'healthy',
      reasons: [],
      rowCount: 100,
      bytes: 4096,
      lastUpdated: '2024-05-01T11:00:00.000Z',
      lastTestRun: '2024-05-01T11:00:00.000Z',
      freshness: { ageSeconds: 3600, slaSeconds: 7200 },
      qualityScore: 1,
      completeness: 1,
      validity: 1,
      checks: { passed: 2, failed: 0, total: 2 },
      failedChecks: [],
      sampleSources: [],
      anomalies: [],
      lastRun: {
        runId: 'r1',
        status: 'published',
        finishedAt: hoursAgo(1).toISOString(),
        durationMs: 360_000,
        bytesProcessed: null,
      },
    } satisfies ProductHealth);
  });

  it('is degraded by a failed warn check', () => {
    const lastRun = run({
      checks: [outcome('order_id_not_null', true), outcome('order_id_unique', false, 'warn')],
    });
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun }, now);
    expect(health).toMatchObject({
      status: 'degraded',
      reasons: ['warnings: order_id_unique'],
      qualityScore: 0.5,
      checks: { passed: 1, failed: 1, total: 2 },
      failedChecks: ['order_id_unique'],
    });
  });

  it('is degraded when completeness or validity fall below the SLA', () => {
    const health = productHealth(
      orders,
      { stats: stats(hoursAgo(1)), lastRun: run({ completeness: 0.9, validity: 0.85 }) },
      now,
    );
    expect(health.status).toBe('degraded');
    expect(health.reasons).toEqual(['completeness 0.9000 below SLA 0.95', 'validity 0.8500 below SLA 0.9']);
  });

  it('does not take rows or runs stamped ahead of the clock for fresh data', () => {
    const tomorrow = new Date(now.getTime() + 24 * 3600_000);
    const stamped = productHealth(orders, { stats: stats(tomorrow), lastRun: run() }, now);
    expect(stamped).toMatchObject({
      status: 'degraded',
      reasons: [
        "its rows are stamped 2024-05-02 12:00:00, 24 h ahead of this machine's clock: a clock set ahead, or times written by hand; its freshness cannot be told until they are corrected (build it again)",
      ],
      // From the run that published them, an hour ago: not from tomorrow.
      freshness: { ageSeconds: 3600 },
    });
    const recorded = productHealth(
      orders,
      { stats: stats(tomorrow), lastRun: run({ startedAt: tomorrow, finishedAt: tomorrow }) },
      now,
    );
    expect(recorded.reasons).toHaveLength(2);
    expect(recorded.reasons[1]).toMatch(/^its last run is recorded 2024-05-02 12:00:00, 24 h ahead/);
    expect(recorded.freshness.ageSeconds).toBeNull();
    // Within five minutes: clocks drift, and nothing is said.
    const drift = new Date(now.getTime() + 60_000);
    expect(productHealth(orders, { stats: stats(drift), lastRun: run() }, now).status).toBe('healthy');
  });

  it('is stale once older than its freshness SLA, which outranks degraded', () => {
    const built = (hours: number) => run({ startedAt: hoursAgo(hours + 0.1), finishedAt: hoursAgo(hours) });
    const exactlyDue = productHealth(orders, { stats: stats(hoursAgo(2)), lastRun: built(2) }, now);
    expect(exactlyDue.status).toBe('healthy');
    const lastRun = {
      ...built(3),
      checks: [outcome('order_id_not_null', true), outcome('order_id_unique', false, 'warn')],
    };
    const stale = productHealth(orders, { stats: stats(hoursAgo(3)), lastRun }, now);
    expect(stale).toMatchObject({
      status: 'stale',
      reasons: ['older than its 2h freshness SLA', 'warnings: order_id_unique'],
      freshness: { ageSeconds: 10_800, slaSeconds: 7200 },
    });
  });

  it('is as fresh as a later run that found its inputs unchanged and published the same rows', () => {
    // Rows stamped 3 hours ago; a scheduled run an hour ago found nothing they come from changed.
    const confirmed = run({ startedAt: hoursAgo(1), finishedAt: hoursAgo(1), bytesProcessed: 0 });
    const health = productHealth(orders, { stats: stats(hoursAgo(3)), lastRun: confirmed }, now);
    expect(health).toMatchObject({
      status: 'healthy',
      lastUpdated: hoursAgo(3).toISOString(),
      freshness: { ageSeconds: 3600, slaSeconds: 7200 },
    });
    // A later run that failed renews nothing.
    const failed = run({ status: 'failed', finishedAt: hoursAgo(1), error: { code: 'x', message: 'boom' } });
    expect(productHealth(orders, { stats: stats(hoursAgo(3)), lastRun: failed }, now).freshness).toEqual({
      ageSeconds: 10_800,
      slaSeconds: 7200,
    });
  });

  it('is as fresh as its latest published run when a check run or a failed build came since', () => {
    // Rows stamped 3 hours ago, confirmed unchanged an hour ago; `mesh test` ran after that.
    const tested = run({ status: 'tested', startedAt: hoursAgo(0.5), finishedAt: hoursAgo(0.5) });
    const health = productHealth(
      orders,
      { stats: stats(hoursAgo(3)), lastRun: tested, lastPublishedAt: hoursAgo(1) },
      now,
    );
    expect(health).toMatchObject({ status: 'healthy', freshness: { ageSeconds: 3600, slaSeconds: 7200 } });
    // Never published within what the run log keeps: the table's own stamp.
    const never = productHealth(
      orders,
      { stats: stats(hoursAgo(3)), lastRun: tested, lastPublishedAt: null },
      now,
    );
    expect(never).toMatchObject({ status: 'stale', freshness: { ageSeconds: 10_800 } });
  });

  it('is never stale without a freshness SLA', () => {
    const bronze = defineDataProduct({ ...ordersInput, tier: 'bronze', sla: {} });
    const lastRun = run({ startedAt: hoursAgo(500.1), finishedAt: hoursAgo(500) });
    const health = productHealth(bronze, { stats: stats(hoursAgo(500)), lastRun }, now);
    expect(health).toMatchObject({
      status: 'healthy',
      freshness: { ageSeconds: 1_800_000, slaSeconds: null },
    });
  });

  it('is an error when the last run failed, even with a fresh table', () => {
    const lastRun = run({
      status: 'failed',
      checks: [outcome('order_id_unique', false)],
      error: { code: 'checks-failed', message: 'sales.sales_orders was not published' },
    });
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun }, now);
    expect(health.status).toBe('error');
    expect(health.reasons).toEqual(['last run failed: sales.sales_orders was not published']);
    expect(health.failedChecks).toEqual(['order_id_unique']);
    // Its checks measured rows it did not publish: no score for the table, which an earlier
    // build published.
    expect(health).toMatchObject({ qualityScore: null, completeness: null, validity: null, checks: null });
    const tested = productHealth(
      orders,
      {
        stats: stats(hoursAgo(1)),
        lastRun: run({
          status: 'test-failed',
          checks: [outcome('order_id_unique', false), outcome('order_id_not_null', true)],
        }),
      },
      now,
    );
    expect(tested).toMatchObject({ qualityScore: 0.5, completeness: 1 });
  });

  it.each(['skipped', 'test-failed'] as const)('is an error after a %s run', (status) => {
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run({ status }) }, now);
    expect(health).toMatchObject({ status: 'error', reasons: [`last run ${status}: unknown error`] });
  });

  it('counts a passing check run on the published table as a good run', () => {
    const health = productHealth(
      orders,
      { stats: stats(hoursAgo(1)), lastRun: run({ status: 'tested' }) },
      now,
    );
    expect(health.status).toBe('healthy');
  });

  it('is degraded by a source whose last batch is flagged, naming the source and the flag', () => {
    const sources = [
      source('order.shipments', 'ingested', smallBatch),
      source('order.payments', 'ingested'),
      { ...source('order.returns', 'empty'), optional: true },
    ];
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health).toMatchObject({
      status: 'degraded',
      reasons: [`order.shipments: last batch ${smallBatch}`],
      sampleSources: [],
    });
  });

  it('is stale while a real-time product lacks a batch landed after its build, past the catch-up time', () => {
    const live = defineDataProduct({ ...ordersInput, name: 'sales_live', refresh: 'real-time', sla: {} });
    const landed = (minutesAgo: number) => ({
      ...source('sales.tills', 'ingested'),
      lastBatch: {
        batchId: 9,
        file: 'tills.csv',
        at: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
        loaded: 150,
        rejected: 0,
        flag: undefined,
      },
    });
    // Built 66 minutes ago (run()); a batch landed 20 minutes ago and none built it since.
    const late = productHealth(
      live,
      { stats: stats(hoursAgo(1)), lastRun: run(), sources: [landed(20)] },
      now,
    );
    expect(late.status).toBe('stale');
    expect(late.reasons).toEqual([
      expect.stringMatching(
        /^sales\.tills: batch #9 landed .* \(20m ago\), after this real-time product was last built .*: its rows are in no figure; is mesh serve running\? \(mesh build sales\.sales_live\)$/,
      ),
    ]);
    // Landed five minutes ago: within the time a server takes to build it in.
    expect(
      productHealth(live, { stats: stats(hoursAgo(1)), lastRun: run(), sources: [landed(5)] }, now).status,
    ).toBe('healthy');
    // A product that is not real-time waits for its schedule.
    expect(
      productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources: [landed(20)] }, now).status,
    ).toBe('healthy');
  });

  it('is degraded while an upsert source holds a change back that later exports did not undo', () => {
    const back =
      "batch 3 (campaigns.csv) made an older export's rows current again, and later exports replace only the keys they list: mesh ingest --revert 3";
    const sources = [{ ...source('order.shipments', 'ingested'), changedBack: back }];
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health).toMatchObject({ status: 'degraded', reasons: [`order.shipments: ${back}`] });
  });

  it('is degraded while an event or upsert source has live rejects of an export before its last', () => {
    const earlierRejects = '3 rows rejected by batch #2 (orders-1.csv) are in no figure';
    const sources = [{ ...source('order.shipments', 'ingested'), earlierRejects }];
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health).toMatchObject({ status: 'degraded', reasons: [`order.shipments: ${earlierRejects}`] });
  });

  it("is not degraded by a last batch that sent the newest export's rows again, only by its other flags", () => {
    const resent = sameRowsFlag(7);
    const calm = productHealth(
      orders,
      { stats: stats(hoursAgo(1)), lastRun: run(), sources: [source('order.shipments', 'ingested', resent)] },
      now,
    );
    expect(calm).toMatchObject({ status: 'healthy', reasons: [] });
    const both = productHealth(
      orders,
      {
        stats: stats(hoursAgo(1)),
        lastRun: run(),
        sources: [source('order.shipments', 'ingested', `${resent}; ${smallBatch}`)],
      },
      now,
    );
    expect(both).toMatchObject({
      status: 'degraded',
      reasons: [`order.shipments: last batch ${smallBatch}`],
    });
  });

  it('is stale when a required source it reads holds nothing now: what it publishes is gone', () => {
    // Built from the sample of store.stores, which the first real export of its domain took out.
    const sources = [
      source('store.stores', 'empty'),
      { ...source('order.returns', 'empty'), optional: true },
    ];
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health.status).toBe('stale');
    expect(health.reasons).toEqual([
      expect.stringMatching(/^store\.stores holds no rows now .*load it and build again$/),
    ]);
    // Never published: that is said already (`not published`), once.
    const never = productHealth(orders, { stats: undefined, lastRun: undefined, sources }, now);
    expect(never.reasons).toEqual(['not published']);
  });

  it('says a product it reads holds other data than when it was built, stale once its schedule would have rebuilt it', () => {
    const seen = (changedInputs: { products: string[]; since: Date | null } | undefined) =>
      productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), changedInputs }, now);
    // Hourly: rebuilt 10 minutes ago, its next build takes it in; 2 hours ago, it should have.
    expect(seen({ products: ['sales.sales_lines'], since: hoursAgo(1 / 6) })).toMatchObject({
      status: 'healthy',
      reasons: [
        'sales.sales_lines was rebuilt with other data since it was built: what is published is computed from what it held before; its next hourly build takes it in',
      ],
    });
    expect(seen({ products: ['sales.sales_lines'], since: hoursAgo(2) })).toMatchObject({
      status: 'stale',
      reasons: [
        'sales.sales_lines was rebuilt with other data since it was built: what is published is computed from what it held before; build it again (mesh build sales.sales_orders)',
      ],
    });
    expect(seen({ products: [], since: null })).toMatchObject({
      status: 'stale',
      reasons: [
        'the products it reads hold other data than when it was built: what is published is computed from what they held before; build it again (mesh build sales.sales_orders)',
      ],
    });
    expect(seen(undefined).status).toBe('healthy');
  });

  it('is stale while a required source it reads holds no rows, its exports headers alone', () => {
    const empty = { ...source('product.stock_levels', 'ingested'), batches: 1, rows: 0 };
    expect(
      productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources: [empty] }, now),
    ).toMatchObject({
      status: 'stale',
      reasons: [
        'product.stock_levels holds no rows: its export loaded none, so what is published is built from nothing; load an export that holds rows and build again',
      ],
    });
    // An optional source may hold none.
    expect(
      productHealth(
        orders,
        { stats: stats(hoursAgo(1)), lastRun: run(), sources: [{ ...empty, optional: true }] },
        now,
      ).status,
    ).toBe('healthy');
  });

  it('is stale when written before its source held real exports: it holds the sample', () => {
    const real = { ...source('store.stores', 'ingested'), firstExportAt: hoursAgo(0.5).toISOString() };
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources: [real] }, now);
    expect(health.status).toBe('stale');
    expect(health.reasons).toEqual([
      `built before store.stores held the exports it holds (the first loaded ${hoursAgo(0.5).toISOString()}): what is published comes from its sample, or from batches since reverted; build it again`,
    ]);
    // Built after the first export: nothing to say.
    const rebuilt = productHealth(
      orders,
      { stats: stats(hoursAgo(0.2)), lastRun: run(), sources: [real] },
      now,
    );
    expect(rebuilt.status).toBe('healthy');
    // A build that ran from `started` to `finished` hours ago, the rows keeping their stamp.
    const confirmedBy = (started: number, finished: number) =>
      productHealth(
        orders,
        {
          stats: stats(hoursAgo(1)),
          lastRun: run(),
          lastPublishedAt: hoursAgo(finished),
          lastPublishedStartedAt: hoursAgo(started),
          sources: [real],
        },
        now,
      ).status;
    // Started after the first export and found nothing to rebuild (the export held what the
    // sample did): its rows stand.
    expect(confirmedBy(0.2, 0.1)).toBe('healthy');
    // Started before the export and finished after it: it confirms nothing.
    expect(confirmedBy(0.6, 0.4)).toBe('stale');
  });

  it('is stale when a source it reads is overdue, however recently it was rebuilt', () => {
    const overdue =
      'the newest export it holds was loaded 2026-03-12T00:00:00.000Z (3d ago), expected every 1d';
    const sources = [
      { ...source('order.orders', 'ingested'), overdue },
      source('order.payments', 'ingested'),
    ];
    // Rebuilt an hour ago from the rows the feed last sent, with every check passing.
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health).toMatchObject({
      status: 'stale',
      reasons: [`order.orders: ${overdue}`],
      freshness: { ageSeconds: 3600 },
    });
  });

  it('is degraded, naming the batch, when a source it reads holds an export recorded ahead of the clock', () => {
    const clockAhead =
      "its batch 7 (exports/orders.csv) is recorded loaded 2026-03-20T00:00:00.000Z, 4 days ahead of this machine's clock: ingested where the clock was set ahead, so it does not count as a delivery; set that clock right";
    const sources = [
      { ...source('order.orders', 'ingested'), clockAhead },
      source('order.payments', 'ingested'),
    ];
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health).toMatchObject({ status: 'degraded', reasons: [`order.orders: ${clockAhead}`] });
  });

  it('is stale when an export it was built from has been reverted since, and not for one reverted before', () => {
    const built = hoursAgo(2);
    const reverted = (ingested: number, revertedHoursAgo: number) => ({
      ...source('order.orders', 'ingested'),
      lastReverted: {
        batchId: 17,
        ingestedAt: hoursAgo(ingested).toISOString(),
        revertedAt: hoursAgo(revertedHoursAgo).toISOString(),
      },
    });
    const seen = (s: ReturnType<typeof reverted>) =>
      productHealth(
        orders,
        { stats: stats(hoursAgo(1)), lastRun: run(), lastPublishedStartedAt: built, sources: [s] },
        now,
      );
    // Loaded before the build, reverted after it: the published figures still hold its rows.
    expect(seen(reverted(3, 1))).toMatchObject({
      status: 'stale',
      reasons: [
        `order.orders: batch #17 was reverted (${hoursAgo(1).toISOString()}) after this product was built from it: what is published still holds its rows; build it again`,
      ],
    });
    // Reverted before the build, or loaded after it (the build never read it): nothing stands.
    expect(seen(reverted(4, 3)).status).toBe('healthy');
    expect(seen(reverted(1.5, 1)).status).toBe('healthy');
    // Reverted since, then an export loaded after the build reverted too: the first still stands.
    const first = {
      batchId: 33,
      ingestedAt: hoursAgo(3).toISOString(),
      revertedAt: hoursAgo(1).toISOString(),
    };
    const second = {
      batchId: 34,
      ingestedAt: hoursAgo(1.5).toISOString(),
      revertedAt: hoursAgo(0.5).toISOString(),
    };
    const both = { ...source('order.orders', 'ingested'), lastReverted: second, reverted: [first, second] };
    expect(seen(both)).toMatchObject({
      status: 'stale',
      reasons: [
        `order.orders: batch #33 was reverted (${hoursAgo(1).toISOString()}) after this product was built from it: what is published still holds its rows; build it again`,
      ],
    });
  });

  it('is degraded while the last batch of a source it reads rejected rows, naming the batch', () => {
    const rejecting = source('order.order_lines', 'ingested');
    const sources = [{ ...rejecting, lastBatch: { ...rejecting.lastBatch!, loaded: 204, rejected: 204 } }];
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health).toMatchObject({
      status: 'degraded',
      reasons: ['order.order_lines: last batch #4 rejected 204 of 408 rows (mesh ingest --rejects 4)'],
    });
    // Sample rows are never rejected in a way that matters: no system sent them.
    const sample = [{ ...sources[0]!, content: 'sample' as const }];
    expect(
      productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources: sample }, now).reasons,
    ).not.toContainEqual(expect.stringMatching(/rejected/));
  });

  it('keeps a worse status over a flagged source and lists every reason', () => {
    const sources = [
      source('order.shipments', 'ingested', smallBatch),
      source('order.payments', 'ingested', 'x'),
    ];
    const lastRun = run({ startedAt: hoursAgo(3.1), finishedAt: hoursAgo(3) });
    const health = productHealth(orders, { stats: stats(hoursAgo(3)), lastRun, sources }, now);
    expect(health.status).toBe('stale');
    expect(health.reasons).toEqual([
      `order.shipments: last batch ${smallBatch}`,
      'order.payments: last batch x',
      'older than its 2h freshness SLA',
    ]);
  });

  it('lists the sources that hold sample rows, which alone do not lower the health', () => {
    const sources = [
      source('order.shipments', 'sample'),
      { ...source('order.returns', 'empty'), optional: true },
      source('customer.customers', 'sample'),
    ];
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health).toMatchObject({
      status: 'healthy',
      reasons: [],
      sampleSources: ['order.shipments', 'customer.customers'],
    });
  });

  it('is degraded when it joins real data with sample data: its figures are neither', () => {
    const sources = [
      source('order.shipments', 'sample'),
      source('order.payments', 'ingested'),
      { ...source('order.returns', 'empty'), optional: true },
    ];
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: run(), sources }, now);
    expect(health).toMatchObject({
      status: 'degraded',
      reasons: ['mixes real data (order.payments) with sample data (order.shipments)'],
      sampleSources: ['order.shipments'],
    });
  });

  it('is an error after a waiting run, giving its message as the reason', () => {
    const message =
      'sales.sales_orders is waiting for order.shipments: it holds no rows (never loaded, its sample taken out or its batches reverted). Ingest it (mesh ingest order.shipments --from <file>) or seed sample data.';
    const lastRun = run({
      status: 'waiting',
      rowCount: 0,
      checks: [],
      completeness: undefined,
      validity: undefined,
      error: { code: 'waiting-for-source', message },
    });
    expect(productHealth(orders, { stats: undefined, lastRun }, now)).toMatchObject({
      status: 'error',
      reasons: ['not published', message],
      lastTestRun: null,
      qualityScore: null,
    });
    // Published before, waiting now (its batches were reverted): the old table is not enough.
    expect(productHealth(orders, { stats: stats(hoursAgo(1)), lastRun }, now)).toMatchObject({
      status: 'error',
      reasons: [message],
    });
    const silent = run({ status: 'waiting', checks: [], error: undefined });
    expect(productHealth(orders, { stats: stats(hoursAgo(1)), lastRun: silent }, now).reasons).toEqual([
      'waiting for a source never loaded',
    ]);
  });

  it('is an error when never published', () => {
    expect(productHealth(orders, { stats: undefined, lastRun: undefined }, now)).toMatchObject({
      status: 'error',
      reasons: ['not published'],
      rowCount: 0,
      bytes: 0,
      lastUpdated: null,
      lastTestRun: null,
      freshness: { ageSeconds: null, slaSeconds: 7200 },
      qualityScore: null,
      completeness: null,
      validity: null,
      checks: null,
    });
  });
});

describe('productHealth of a table changed since its last run', () => {
  it('gives no quality figure for a table that is gone: its last run measured rows nobody holds', () => {
    const health = productHealth(orders, { stats: undefined, lastRun: run() }, now);
    expect(health).toMatchObject({
      status: 'error',
      reasons: ['not published'],
      qualityScore: null,
      completeness: null,
      validity: null,
      checks: null,
      failedChecks: [],
    });
  });

  it.each([
    ['build', run(), 60],
    ['test', run({ status: 'tested' }), 150],
  ])('is degraded when the table holds other rows than its last %s counted', (kind, lastRun, rows) => {
    const health = productHealth(orders, { stats: { ...stats(hoursAgo(1)), rowCount: rows }, lastRun }, now);
    expect(health.status).toBe('degraded');
    expect(health.reasons).toEqual([
      `holds ${rows} rows where its last ${kind} counted 100: written outside a build since; build it again (mesh build sales.sales_orders)`,
    ]);
  });

  it('is degraded when a test found other rows than the last build published: rows deleted by hand', () => {
    // A day deleted by hand, then `mesh test`: its checks pass on the rows left, but the day is gone.
    const lastRun = run({ status: 'tested', rowCount: 90 });
    const seen = (built: number) =>
      productHealth(
        orders,
        { stats: { ...stats(hoursAgo(1)), rowCount: 90 }, lastRun, lastPublishedRowCount: built },
        now,
      );
    expect(seen(100)).toMatchObject({
      status: 'degraded',
      reasons: [
        'holds 90 rows where its last build published 100: written outside a build since (a test checks the rows it finds, not the ones gone); build it again (mesh build sales.sales_orders)',
      ],
    });
    expect(seen(90).status).toBe('healthy');
  });

  it('is degraded while its table holds what another version published, though a test of it passed', () => {
    const reason = `published by version 0.9.0, not ${orders.version} (the definition here): its rows, columns and checks are that version's; build it with this one (mesh build sales.sales_orders)`;
    // Built by an older release, nothing run since.
    const built = productHealth(
      orders,
      { stats: stats(hoursAgo(1)), lastRun: run({ version: '0.9.0' }) },
      now,
    );
    expect(built).toMatchObject({ status: 'degraded', reasons: [reason] });
    // Tested since by this version: the rows are still the older version's.
    const tested = productHealth(
      orders,
      { stats: stats(hoursAgo(1)), lastRun: run({ status: 'tested' }), lastPublishedVersion: '0.9.0' },
      now,
    );
    expect(tested).toMatchObject({ status: 'degraded', reasons: [reason] });
    // Published by this version: nothing said.
    expect(
      productHealth(
        orders,
        { stats: stats(hoursAgo(1)), lastRun: run(), lastPublishedVersion: orders.version },
        now,
      ).status,
    ).toBe('healthy');
  });

  it('is degraded while a check of the definition was not run as it is now, until a run holds it', () => {
    const bounded = (max: number) =>
      defineDataProduct({
        ...ordersInput,
        schema: z.object({ order_id: z.string(), amount: z.number() }),
        checks: (c) => [c.amount.range({ min: 0, max })],
      });
    const ranAs = (product: ReturnType<typeof bounded>) =>
      compileChecks(product, product.checks, ansi, (r) => r.table).evaluate({ row_count: 100, check_0: 0 })
        .outcomes;
    const loose = bounded(1000);
    const strict = bounded(10);
    // Built with the bound at 1,000, then tightened to 10: what passed says nothing of the new bound.
    const built = productHealth(
      strict,
      { stats: stats(hoursAgo(1)), lastRun: run({ checks: ranAs(loose) }) },
      now,
    );
    expect(built).toMatchObject({
      status: 'degraded',
      reasons: [
        'a check not run on what is published: amount_range (changed since its last build); its quality figures are of the checks that build ran: run these (mesh test sales.sales_orders)',
      ],
    });
    // A test of the new bound since: its outcome answers for it.
    const tested = run({ status: 'tested', checks: ranAs(strict) });
    expect(productHealth(strict, { stats: stats(hoursAgo(1)), lastRun: tested }, now).status).toBe('healthy');
    // A check added since a test: named as such.
    const added = defineDataProduct({
      ...ordersInput,
      schema: z.object({ order_id: z.string(), amount: z.number() }),
      checks: (c) => [c.amount.range({ min: 0, max: 10 }), c.order_id.unique()],
    });
    expect(productHealth(added, { stats: stats(hoursAgo(1)), lastRun: tested }, now).reasons).toEqual([
      'a check not run on what is published: order_id_unique (added since its last test); its quality figures are of the checks that test ran: run these (mesh test sales.sales_orders)',
    ]);
  });

  it('compares no count after a failed build: the table is the one an earlier build published', () => {
    const lastRun = run({ status: 'failed', rowCount: 0, error: { code: 'check-failed', message: 'boom' } });
    const health = productHealth(orders, { stats: stats(hoursAgo(1)), lastRun }, now);
    expect(health.reasons).toEqual(['last run failed: boom']);
  });
});

describe('meshHealth', () => {
  const health = (
    id: string,
    status: ProductHealth['status'],
    qualityScore: number | null,
  ): ProductHealth => {
    const [domain = '', name = ''] = id.split('.');
    return {
      ...productHealth(orders, { stats: undefined, lastRun: undefined }, now),
      id,
      name,
      domain,
      status,
      qualityScore,
    };
  };

  it('rolls products up to their domains and the mesh', () => {
    const products = [
      health('sales.sales_orders', 'healthy', 1),
      health('sales.sales_returns', 'degraded', 0.5),
      health('store.store_visits', 'healthy', null),
    ];
    const mesh = meshHealth([sales, stores], products, now);
    expect(mesh.generatedAt).toBe('2024-05-01T12:00:00.000Z');
    expect(mesh.status).toBe('degraded');
    expect(mesh.totals).toEqual({ domains: 2, products: 3, healthyProducts: 2, qualityScore: 0.75 });
    expect(mesh.domains.map((d) => [d.name, d.owner, d.status, d.productCount, d.healthyCount])).toEqual([
      ['sales', 'sales-data', 'degraded', 2, 1],
      ['store', 'store-data', 'healthy', 1, 1],
    ]);
    expect(mesh.domains[0]?.products.map((p) => p.id)).toEqual(['sales.sales_orders', 'sales.sales_returns']);
  });

  it('takes the worst status: error over stale over degraded', () => {
    const mesh = meshHealth(
      [sales, stores],
      [
        health('sales.sales_orders', 'stale', null),
        health('store.store_visits', 'error', null),
        health('store.store_stock', 'degraded', null),
      ],
      now,
    );
    expect(mesh.domains.map((d) => d.status)).toEqual(['stale', 'error']);
    expect(mesh.status).toBe('error');
    expect(mesh.totals).toMatchObject({ healthyProducts: 0, qualityScore: null });
  });

  it('returns the sources it is given, none by default', () => {
    const sources = [
      source('order.shipments', 'ingested', smallBatch),
      { ...source('order.returns', 'empty'), optional: true },
    ];
    expect(meshHealth([sales], [], now, sources).sources).toEqual(sources);
    expect(meshHealth([sales], [], now).sources).toEqual([]);
    // A flagged source is reported, not rolled up: only products make the mesh status.
    expect(meshHealth([sales], [], now, sources).status).toBe('healthy');
  });

  it('reports a domain without products as healthy and empty', () => {
    const mesh = meshHealth([sales], [], now);
    expect(mesh.status).toBe('healthy');
    expect(mesh.domains).toEqual([
      {
        name: 'sales',
        owner: 'sales-data',
        status: 'healthy',
        productCount: 0,
        healthyCount: 0,
        products: [],
      },
    ]);
  });
});
