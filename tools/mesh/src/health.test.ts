import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import {
  buildMesh,
  buildProduct,
  type Check,
  type ChecksBuilder,
  defineDataProduct,
  defineDomain,
  defineSource,
  type FileIngester,
  ingestRows,
  loadRows,
  type MeshDefinition,
  sql,
  testProduct,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogModel } from './catalog-model.js';
import { collectHealth } from './commands/health.js';
import { healthFailure } from './failure.js';

const shelf = defineDomain({
  name: 'shelf',
  description: 'Shelves',
  owner: { team: 'shelf', email: 'shelf@x.example' },
});
const items = defineSource({
  domain: shelf,
  name: 'items',
  description: 'Items on shelves',
  mode: 'snapshot',
  expectedEvery: '1d',
  schema: z.object({ item_id: z.string().describe('Item').meta({ key: true }) }),
});
/** The shelf's product, with its checks (one, not null, unless given). */
const shelfSchema = z.object({ item_id: z.string().describe('Item') });
const shelfItemsChecked = (checks: (c: ChecksBuilder<typeof shelfSchema>) => Check[]) =>
  defineDataProduct({
    domain: shelf,
    name: 'shelf_items',
    version: '1.0.0',
    description: 'Items, published.',
    tier: 'silver',
    refresh: 'hourly',
    access: 'public',
    consumers: ['store'],
    sla: { freshness: '2h' },
    schema: shelfSchema,
    inputs: { items },
    transform: ({ items }) => sql`SELECT item_id FROM ${items}`,
    checks,
  });
const shelfItems = shelfItemsChecked((c) => [c.item_id.notNull()]);
const mesh: MeshDefinition = { domains: [shelf], sources: [items], products: [shelfItems] };

/** A warehouse of two items, the shelf's product built from them. */
async function publishedShelf(): Promise<Warehouse> {
  const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  await loadRows(warehouse, items, [{ item_id: 'I1' }, { item_id: 'I2' }]);
  expect((await buildProduct(warehouse, shelfItems, { runId: 'build' })).status).toBe('published');
  return warehouse;
}

describe('health freshness from the run log', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await publishedShelf();
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('ages from the latest published run, whatever ran after it', async () => {
    const built = (await warehouse.latestRuns())[0]!;
    const hour = 3_600_000;
    // A scheduled run 90 minutes later found nothing changed and published the same rows.
    const confirmedAt = new Date(built.finishedAt.getTime() + 1.5 * hour);
    await warehouse.recordRun({
      ...built,
      runId: 'confirmed',
      startedAt: confirmedAt,
      finishedAt: confirmedAt,
      bytesProcessed: 0,
    });
    // Half an hour later, `mesh test`: a check run, which publishes nothing.
    const testedAt = new Date(confirmedAt.getTime() + 0.5 * hour);
    await warehouse.recordRun({
      ...built,
      runId: 'tested',
      status: 'tested',
      startedAt: testedAt,
      finishedAt: testedAt,
    });
    // 2.5 hours after the build, one after the confirmation: within its 2h SLA.
    const now = new Date(built.finishedAt.getTime() + 2.5 * hour);
    const runs = await warehouse.latestRuns({ now });
    expect(runs[0]).toMatchObject({ runId: 'tested', lastPublishedAt: confirmedAt });
    const health = await collectHealth(warehouse, mesh, now);
    const product = health.domains[0]!.products[0]!;
    expect(product).toMatchObject({
      status: 'healthy',
      lastRun: { status: 'tested' },
      freshness: { ageSeconds: 3600, slaSeconds: 7200 },
    });
    // Without that confirmation the same rows would be 2.5 hours old: stale.
    const later = await collectHealth(warehouse, mesh, new Date(confirmedAt.getTime() + 2.5 * hour));
    expect(later.domains[0]!.products[0]).toMatchObject({ status: 'stale', freshness: { ageSeconds: 9000 } });
  });
});

describe('health of a product whose feed stopped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-health-'));
  let warehouse: Warehouse & FileIngester;
  beforeAll(async () => {
    warehouse = (await createDuckDbWarehouse({ path: ':memory:' })) as Warehouse & FileIngester;
    writeFileSync(join(dir, 'items.csv'), 'item_id\nI1\nI2\n');
    await warehouse.ingestFile(items, join(dir, 'items.csv'));
    expect((await buildProduct(warehouse, shelfItems, { runId: 'build' })).status).toBe('published');
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is stale once the feed is a day late, though rebuilt on time from its last export', async () => {
    const [built] = await warehouse.latestRuns();
    const hour = 3_600_000;
    const fresh = await collectHealth(warehouse, mesh, new Date(built!.finishedAt.getTime() + hour));
    expect(fresh.domains[0]!.products[0]).toMatchObject({ status: 'healthy', reasons: [] });
    // 32 hours on, past the day and its quarter of grace: a scheduled run an hour ago found the same rows (nothing new was exported).
    const confirmedAt = new Date(built!.finishedAt.getTime() + 31 * hour);
    await warehouse.recordRun({
      ...built!,
      runId: 'confirmed',
      startedAt: confirmedAt,
      finishedAt: confirmedAt,
    });
    const late = await collectHealth(warehouse, mesh, new Date(built!.finishedAt.getTime() + 32 * hour));
    const product = late.domains[0]!.products[0]!;
    expect(product).toMatchObject({ status: 'stale', freshness: { ageSeconds: 3600 } });
    expect(product.reasons).toEqual([
      expect.stringMatching(
        /^shelf\.items: the newest export it holds was loaded \S+Z \(1d8h ago\), expected every 1d$/,
      ),
    ]);
    expect(late.sources[0]?.overdue).toMatch(/^the newest export it holds was loaded/);
    expect(healthFailure(late)?.message).toMatch(
      /shelf\.shelf_items \(stale: shelf\.items: the newest export it holds/,
    );
  });

  it('stays stale when an export ingested by a clock set a year ahead lands, and names that batch', async () => {
    const [built] = await warehouse.latestRuns();
    const hour = 3_600_000;
    const now = new Date(built!.finishedAt.getTime() + 40 * hour);
    writeFileSync(join(dir, 'items-2.csv'), 'item_id\nI1\nI2\nI3\n');
    await warehouse.ingestFile(items, join(dir, 'items-2.csv'));
    await warehouse.query(
      `UPDATE _mesh.batches SET ingested_at = TIMESTAMP '${new Date(now.getTime() + 365 * 24 * hour).toISOString().replace('T', ' ').slice(0, 19)}' WHERE batch_id = (SELECT max(batch_id) FROM _mesh.batches)`,
    );
    const health = await collectHealth(warehouse, mesh, now);
    const product = health.domains[0]!.products[0]!;
    expect(product.status).toBe('stale');
    expect(product.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^shelf\.items: the newest export it holds was loaded \S+Z \(1d\d+h ago\), expected every 1d$/,
        ),
        expect.stringMatching(
          /^shelf\.items: its batch \d+ \(\S*items-2\.csv\) is recorded loaded \S+Z, 365 days ahead of this machine's clock/,
        ),
      ]),
    );
    expect(health.sources[0]?.clockAhead).toMatch(/365 days ahead/);
  });
});

describe('health of a product whose daily feed missed a day', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-health-missed-'));
  const sales = defineSource({
    domain: shelf,
    name: 'sales',
    description: 'Till sales, one export a day',
    mode: 'append',
    expectedEvery: '1d',
    schema: z.object({
      sale_id: z.string().describe('Sale').meta({ key: true }),
      amount: z.number().describe('Amount'),
    }),
  });
  const dailySales = defineDataProduct({
    domain: shelf,
    name: 'shelf_sales',
    version: '1.0.0',
    description: 'Sales, in all.',
    tier: 'silver',
    refresh: 'daily',
    access: 'public',
    consumers: ['store'],
    schema: z.object({ sales: z.int().describe('Sales'), amount: z.number().describe('Amount') }),
    inputs: { sales },
    transform: ({ sales }) => sql`SELECT COUNT(*) AS sales, COALESCE(SUM(amount), 0) AS amount FROM ${sales}`,
  });
  const salesMesh: MeshDefinition = { domains: [shelf], sources: [sales], products: [dailySales] };
  let warehouse: Warehouse & FileIngester;
  const exportOf = async (day: string, ids: string[]) => {
    const file = join(dir, `sales_${day}.csv`);
    writeFileSync(file, `sale_id,amount\n${ids.map((id) => `${id},10`).join('\n')}\n`);
    await warehouse.ingestFile(sales, file);
  };
  beforeAll(async () => {
    warehouse = (await createDuckDbWarehouse({ path: ':memory:' })) as Warehouse & FileIngester;
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is degraded while a day between two exports never came, and healthy once it is ingested', async () => {
    await exportOf('2026-11-13', ['S1', 'S2']);
    await exportOf('2026-11-15', ['S5']);
    expect((await buildProduct(warehouse, dailySales, { runId: 'b1' })).status).toBe('published');
    const health = await collectHealth(warehouse, salesMesh);
    const product = health.domains[0]!.products[0]!;
    // Three sales published, and on time: the 14th's two are in no figure.
    expect(product.status).toBe('degraded');
    expect(product.reasons).toEqual([
      expect.stringMatching(
        /^shelf\.sales: no export dated 2026-11-14 \(between the exports dated 2026-11-13 and 2026-11-15\), where one is expected every 1d: the rows of that day are in no figure built on it/,
      ),
    ]);
    expect(health.sources[0]?.missedExports).toMatch(/^no export dated 2026-11-14 /);

    await exportOf('2026-11-14', ['S3', 'S4']);
    expect((await buildProduct(warehouse, dailySales, { runId: 'b2' })).status).toBe('published');
    const after = await collectHealth(warehouse, salesMesh);
    expect(after.domains[0]!.products[0]).toMatchObject({ status: 'healthy', reasons: [] });
    expect(after.sources[0]?.missedExports).toBeUndefined();
  });
});

describe('health of a published table written outside a build', () => {
  let warehouse: Warehouse;
  const healthOf = async () => (await collectHealth(warehouse, mesh)).domains[0]!.products[0]!;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, items, [{ item_id: 'I1' }, { item_id: 'I2' }, { item_id: 'I3' }]);
    expect((await buildProduct(warehouse, shelfItems, { runId: 'build' })).status).toBe('published');
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('is degraded when rows were deleted, and a scheduled build rebuilds it rather than vouch for it', async () => {
    expect(await healthOf()).toMatchObject({ status: 'healthy', rowCount: 3 });
    await warehouse.query(`DELETE FROM shelf.shelf_items WHERE item_id = 'I2'`);
    const changed = await healthOf();
    expect(changed).toMatchObject({ status: 'degraded', rowCount: 2 });
    expect(changed.reasons).toEqual([
      'holds 2 rows where its last build counted 3: written outside a build since; build it again (mesh build shelf.shelf_items)',
    ]);
    // Nothing it reads changed since its last build (recorded well after the load), yet the
    // scheduler's build does not leave it as it is.
    const [built] = await warehouse.latestRuns();
    const later = new Date(built!.finishedAt.getTime() + 10_000);
    await warehouse.recordRun({ ...built!, runId: 'later', startedAt: later, finishedAt: later });
    const [outcome] = await buildMesh(warehouse, [shelfItems], { skipUnchanged: true });
    expect(outcome).toMatchObject({ status: 'published', rowCount: 3 });
    expect(outcome?.unchanged).toBeUndefined();
    expect(await healthOf()).toMatchObject({ status: 'healthy', rowCount: 3 });
  });

  it('stays degraded after a passing test of rows deleted by hand, and a scheduled build rebuilds it', async () => {
    await warehouse.query(`DELETE FROM shelf.shelf_items WHERE item_id = 'I3'`);
    // Its checks pass on the rows left: the test records 2 rows, the last build published 3.
    expect((await testProduct(warehouse, shelfItems, { runId: 'after-delete' })).status).toBe('tested');
    const tested = await healthOf();
    expect(tested).toMatchObject({ status: 'degraded', rowCount: 2 });
    expect(tested.reasons).toEqual([
      'holds 2 rows where its last build published 3: written outside a build since (a test checks the rows it finds, not the ones gone); build it again (mesh build shelf.shelf_items)',
    ]);
    const [outcome] = await buildMesh(warehouse, [shelfItems], { skipUnchanged: true });
    expect(outcome).toMatchObject({ status: 'published', rowCount: 3 });
    expect(outcome?.unchanged).toBeUndefined();
    expect(await healthOf()).toMatchObject({ status: 'healthy', rowCount: 3 });
  });

  it('is left as it is by a scheduled build only while its checks find what its last build found', async () => {
    // Recorded well after the load, as in the case above: nothing it reads changed since.
    const recordedLater = async () => {
      const [built] = await warehouse.latestRuns();
      const later = new Date(built!.finishedAt.getTime() + 10_000);
      await warehouse.recordRun({ ...built!, runId: 'later', startedAt: later, finishedAt: later });
    };
    await recordedLater();
    const [same] = await buildMesh(warehouse, [shelfItems], { skipUnchanged: true });
    expect(same?.unchanged).toBeDefined();
    expect(same?.checks?.outcomes).toEqual([
      expect.objectContaining({ name: 'item_id_not_null', passed: true, failingRows: 0 }),
    ]);
    // Same count, other rows: a column set to NULL by hand is rebuilt, not vouched for.
    await warehouse.query(`UPDATE shelf.shelf_items SET item_id = NULL WHERE item_id = 'I1'`);
    await recordedLater();
    const [rebuilt] = await buildMesh(warehouse, [shelfItems], { skipUnchanged: true });
    expect(rebuilt).toMatchObject({ status: 'published', rowCount: 3 });
    expect(rebuilt?.unchanged).toBeUndefined();
    const [nulls] = await warehouse.query(
      'SELECT count(*) AS n FROM shelf.shelf_items WHERE item_id IS NULL',
    );
    expect(Number(nulls?.n)).toBe(0);
  });

  it('is degraded when the log of a source it reads lost rows, though its batches say otherwise', async () => {
    await warehouse.query(`DELETE FROM shelf.raw_items_log WHERE item_id = 'I3'`);
    const health = await collectHealth(warehouse, mesh);
    expect(health.sources[0]).toMatchObject({ source: 'shelf.items', rows: 3, loggedRows: 2 });
    expect(health.domains[0]!.products[0]!.reasons).toEqual([
      expect.stringMatching(
        /^shelf\.items: its log holds 2 rows where its batches loaded 3: written outside the platform; /,
      ),
    ]);
  });

  it('shows no quality figure once the table is dropped', async () => {
    await warehouse.query('DROP TABLE shelf.shelf_items');
    expect(await healthOf()).toMatchObject({
      status: 'error',
      reasons: expect.arrayContaining(['not published']),
      qualityScore: null,
      completeness: null,
      checks: null,
    });
  });
});

describe('a scheduled build and the clock of the machine that ingested', () => {
  let warehouse: Warehouse & FileIngester;
  let dir: string;
  beforeAll(async () => {
    warehouse = (await createDuckDbWarehouse({ path: ':memory:' })) as Warehouse & FileIngester;
    dir = mkdtempSync(join(tmpdir(), 'mesh-skew-'));
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /**
   * An export of the shelf's items, ingested as the newest: one that holds an earlier day's
   * items again (the shelf went back to them) is meant here, not a change back to flag.
   */
  const ingest = async (name: string, ids: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, ['item_id', ...ids, ''].join('\n'));
    return warehouse.ingestFile(items, file, { current: true });
  };
  /** The latest batch of the shelf's items, as if stamped by a clock an hour behind this one. */
  const stampedAnHourBehind = (column: 'ingested_at' | 'reverted_at') =>
    warehouse.query(
      `UPDATE _mesh.batches SET ${column} = ${column} - INTERVAL 1 HOUR WHERE batch_id = (SELECT max(batch_id) FROM _mesh.batches)`,
    );
  const scheduled = async () => (await buildMesh(warehouse, [shelfItems], { skipUnchanged: true }))[0]!;

  it('rebuilds a product whose source gained or lost a batch since, whatever time the batch log says', async () => {
    // Every export comes from a machine whose clock is an hour behind this one.
    await ingest('monday.csv', ['I1']);
    await stampedAnHourBehind('ingested_at');
    expect((await buildMesh(warehouse, [shelfItems]))[0]).toMatchObject({ status: 'published', rowCount: 1 });
    expect((await scheduled()).unchanged).toBeDefined();

    // Tuesday's export: stamped before the last build started, yet not in it.
    const tuesday = await ingest('tuesday.csv', ['I1', 'I2']);
    await stampedAnHourBehind('ingested_at');
    const rebuilt = await scheduled();
    expect(rebuilt).toMatchObject({ status: 'published', rowCount: 2 });
    expect(rebuilt.unchanged).toBeUndefined();
    expect((await scheduled()).unchanged).toBeDefined();

    // Tuesday's export reverted by the same clock: the product goes back to Monday's rows.
    await warehouse.revertBatch(items, tuesday.batchId);
    await stampedAnHourBehind('reverted_at');
    const reverted = await scheduled();
    expect(reverted.unchanged).toBeUndefined();
    expect(reverted).toMatchObject({ status: 'published', rowCount: 1 });
  });

  // The shelf's count, built by a scheduler; the shelf's items by its team, an hour behind.
  const shelfCount = defineDataProduct({
    domain: shelf,
    name: 'shelf_count',
    version: '1.0.0',
    description: 'Items on the shelf, counted.',
    tier: 'gold',
    refresh: 'hourly',
    access: 'public',
    consumers: ['store'],
    sla: { freshness: '2h' },
    schema: z.object({ items: z.int().describe('Items') }),
    inputs: { shelfItems },
    transform: ({ shelfItems }) => sql`SELECT COUNT(*) AS items FROM ${shelfItems}`,
    checks: (c) => [c.items.notNull()],
  });
  const count = async () => Number((await warehouse.query('SELECT items FROM shelf.shelf_count'))[0]?.items);
  const both = () => buildMesh(warehouse, [shelfItems, shelfCount], { skipUnchanged: true });
  /** The team's build of the shelf's items, as a machine an hour behind records it. */
  const builtAnHourBehind = async () => {
    await buildMesh(warehouse, [shelfItems]);
    await warehouse.query(`UPDATE shelf.shelf_items SET _processed_at = _processed_at - INTERVAL 1 HOUR`);
    await warehouse.query(
      `UPDATE _mesh.runs SET started_at = started_at - INTERVAL 1 HOUR, finished_at = finished_at - INTERVAL 1 HOUR WHERE seq = (SELECT max(seq) FROM _mesh.runs)`,
    );
  };

  it('rebuilds a product whose input product was rebuilt since by a machine whose clock is behind', async () => {
    await ingest('wednesday.csv', ['I1', 'I2', 'I3']);
    await buildMesh(warehouse, [shelfItems, shelfCount]);
    expect(await count()).toBe(3);
    expect((await both()).map((o) => o.unchanged !== undefined)).toEqual([true, true]);

    // Thursday's export, ingested and built by the team, whose clock is an hour behind.
    await ingest('thursday.csv', ['I1', 'I2', 'I3', 'I4']);
    await builtAnHourBehind();
    // The scheduler's next tick: the items are as the team left them, the count is not.
    const [itemsRun, countRun] = await both();
    expect(itemsRun?.unchanged).toBeDefined();
    expect(countRun).toMatchObject({ status: 'published', rowCount: 1 });
    expect(countRun?.unchanged).toBeUndefined();
    expect(await count()).toBe(4);
    expect((await both()).map((o) => o.unchanged !== undefined)).toEqual([true, true]);
  });

  it('says a product was built before a product it reads was rebuilt with other data, stale once its schedule is past', async () => {
    await ingest('saturday.csv', ['I1', 'I2']);
    await buildMesh(warehouse, [shelfItems, shelfCount]);
    const both = { domains: [shelf], sources: [items], products: [shelfItems, shelfCount] };
    const countHealth = async (now = new Date()) =>
      (await collectHealth(warehouse, both, now)).domains[0]!.products[1]!;
    expect((await countHealth()).status).toBe('healthy');
    // Rebuilt alone, the items with other rows (mesh build of their domain only); the count is
    // of the rows before. Rebuilt with the same rows, nothing is said.
    await buildMesh(warehouse, [shelfItems], { skipUnchanged: true });
    expect((await countHealth()).status).toBe('healthy');
    await ingest('sunday.csv', ['I1', 'I2', 'I3']);
    await buildMesh(warehouse, [shelfItems]);
    const said =
      'shelf.shelf_items was rebuilt with other data since it was built: what is published is computed from what it held before;';
    // The count is hourly: its next build takes it in. An hour and a half on, it should have.
    expect(await countHealth()).toMatchObject({
      status: 'healthy',
      reasons: [`${said} its next hourly build takes it in`],
    });
    expect(await countHealth(new Date(Date.now() + 90 * 60_000))).toMatchObject({
      status: 'stale',
      reasons: [`${said} build it again (mesh build shelf.shelf_count)`],
    });
    await buildMesh(warehouse, [shelfCount]);
    expect((await countHealth()).status).toBe('healthy');
  });

  it('names only the products it reads whose data changed, not one rebuilt with the same data', async () => {
    // The shelf's label: reads nothing, so every build of it holds the same data.
    const shelfLabel = defineDataProduct({
      domain: shelf,
      name: 'shelf_label',
      version: '1.0.0',
      description: 'The label of the shelf.',
      tier: 'bronze',
      refresh: 'daily',
      access: 'public',
      consumers: ['store'],
      sla: { freshness: '2d' },
      schema: z.object({ label: z.string().describe('Label') }),
      inputs: {},
      transform: () => sql`SELECT 'Aisle 4' AS label`,
    });
    const shelfCard = defineDataProduct({
      domain: shelf,
      name: 'shelf_card',
      version: '1.0.0',
      description: 'The label of the shelf and its items.',
      tier: 'gold',
      refresh: 'hourly',
      access: 'public',
      consumers: ['store'],
      sla: { freshness: '2h' },
      schema: z.object({ label: z.string().describe('Label'), items: z.int().describe('Items') }),
      inputs: { shelfItems, shelfLabel },
      transform: ({ shelfItems, shelfLabel }) =>
        sql`SELECT (SELECT label FROM ${shelfLabel}) AS label, (SELECT COUNT(*) FROM ${shelfItems}) AS items`,
    });
    const products = [shelfItems, shelfLabel, shelfCard];
    await ingest('monday-card.csv', ['I1']);
    await buildMesh(warehouse, products);
    const cardHealth = async () =>
      (await collectHealth(warehouse, { domains: [shelf], sources: [items], products }, new Date()))
        .domains[0]!.products[2]!;
    expect((await cardHealth()).status).toBe('healthy');
    // The label rebuilt (a build of its domain) with the same data; the items with other rows.
    await buildMesh(warehouse, [shelfLabel]);
    await ingest('tuesday-card.csv', ['I1', 'I2']);
    await buildMesh(warehouse, [shelfItems]);
    expect((await cardHealth()).reasons).toEqual([
      'shelf.shelf_items was rebuilt with other data since it was built: what is published is computed from what it held before; its next hourly build takes it in',
    ]);
  });

  it('leaves products as they are after a passing test, and rebuilds what reads one whose rows changed before it', async () => {
    await ingest('friday-morning.csv', ['I1', 'I2', 'I3', 'I4']);
    await buildMesh(warehouse, [shelfItems, shelfCount]);
    const unchanged = async () => (await both()).map((o) => o.unchanged !== undefined);
    expect(await unchanged()).toEqual([true, true]);
    // `mesh test` of both: runs that write nothing. The next tick used to rebuild every product
    // tested, and so everything downstream of it.
    await testProduct(warehouse, shelfItems, { runId: 'team-test' });
    await testProduct(warehouse, shelfCount, { runId: 'scheduler-test' });
    expect(await unchanged()).toEqual([true, true]);
    expect((await warehouse.latestRuns()).every((r) => r.status === 'published')).toBe(true);

    // Friday's export, built by the team an hour behind, then tested: its rows changed, the
    // count is rebuilt; the items, as tested, are left as they are.
    await ingest('friday.csv', ['I1', 'I2', 'I3', 'I4', 'I5']);
    await builtAnHourBehind();
    await testProduct(warehouse, shelfItems, { runId: 'team-test-2' });
    const [itemsRun, countRun] = await both();
    expect(itemsRun?.unchanged).toBeDefined();
    expect(countRun).toMatchObject({ status: 'published', rowCount: 1 });
    expect(countRun?.unchanged).toBeUndefined();
    expect(await count()).toBe(5);
    expect(await unchanged()).toEqual([true, true]);

    // A test of a table built by another definition than the one tested is no reason to leave
    // it: the build it holds is not this definition's.
    const stricter = shelfItemsChecked((c) => [c.item_id.notNull(), c.item_id.unique()]);
    await testProduct(warehouse, stricter, { runId: 'stricter-test' });
    const [again] = await buildMesh(warehouse, [stricter], { skipUnchanged: true });
    expect(again?.unchanged).toBeUndefined();
    expect(again?.status).toBe('published');
  });
});

describe('the catalog of checks', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await publishedShelf();
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('shows what each check found at the latest run, and no result for a check that run did not hold', async () => {
    // A check added since the last build: never run, so neither passed nor failed.
    const stricter = shelfItemsChecked((c) => [c.item_id.notNull(), c.item_id.unique()]);
    const withCheck: MeshDefinition = { ...mesh, products: [stricter] };
    const model = await catalogModel(warehouse, withCheck, await collectHealth(warehouse, withCheck), []);
    expect(model.products[0]!.checks.map((c) => [c.name, c.passed, c.detail])).toEqual([
      ['item_id_not_null', true, '0 failing of 2'],
      ['item_id_unique', null, null],
    ]);
  });
  it('shows no result, and health no pass, for a check changed under its name since the last run', async () => {
    // The published shelf was built with item_id_not_null as an error; the definition now has
    // it as a warning and a pattern the items do not match: neither was run on them.
    const changed = shelfItemsChecked((c) => [c.item_id.notNull().warn(), c.item_id.matches('^X')]);
    const withChange: MeshDefinition = { ...mesh, products: [changed] };
    const health = await collectHealth(warehouse, withChange);
    const product = health.domains[0]!.products[0]!;
    expect(product.status).toBe('degraded');
    expect(product.reasons).toEqual([
      '2 checks not run on what is published: item_id_not_null (changed since its last build), item_id_matches (added since its last build); its quality figures are of the checks that build ran: run these (mesh test shelf.shelf_items)',
    ]);
    const model = await catalogModel(warehouse, withChange, health, []);
    expect(model.products[0]!.checks.map((c) => [c.name, c.passed, c.detail])).toEqual([
      ['item_id_not_null', null, null],
      ['item_id_matches', null, null],
    ]);
    // Run as they are now: the pattern fails, and both say so.
    await testProduct(warehouse, changed, { runId: 'changed-test' });
    const tested = await collectHealth(warehouse, withChange);
    expect(tested.domains[0]!.products[0]!.status).toBe('error');
    const after = await catalogModel(warehouse, withChange, tested, []);
    expect(after.products[0]!.checks.map((c) => [c.name, c.passed, c.detail])).toEqual([
      ['item_id_not_null', true, '0 failing of 2'],
      ['item_id_matches', false, '2 failing of 2'],
    ]);
  });
});

describe('an incremental product changed by hand, nothing it reads changed since', () => {
  const sales = defineSource({
    domain: shelf,
    name: 'sales',
    description: 'Sales at the shelf',
    mode: 'append',
    schema: z.object({
      sale_id: z.string().describe('Sale').meta({ key: true }),
      sold_on: z.iso.date().describe('Day of the sale'),
      amount: z.number().meta({ type: 'decimal' }).describe('Paid'),
    }),
  });
  const daily = defineDataProduct({
    domain: shelf,
    name: 'shelf_daily',
    version: '1.0.0',
    description: 'Revenue per day.',
    tier: 'silver',
    refresh: 'hourly',
    access: 'public',
    consumers: ['store'],
    schema: z.object({
      day: z.iso.date().describe('Day').meta({ key: true }),
      revenue: z.number().meta({ type: 'decimal' }).describe('Paid that day'),
    }),
    partitionBy: { column: 'day', granularity: 'day' },
    materialization: 'incremental',
    incremental: { sales: 'sold_on' },
    inputs: { sales },
    transform: ({ sales }) =>
      sql`SELECT sold_on AS day, SUM(amount) AS revenue FROM ${sales} GROUP BY sold_on`,
    checks: (c) => [c.revenue.range({ min: 0 })],
  });
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await ingestRows(warehouse, sales, [
      { sale_id: 'S1', sold_on: '2026-11-01', amount: 10 },
      { sale_id: 'S2', sold_on: '2026-11-02', amount: 20 },
    ]);
    expect((await buildMesh(warehouse, [daily]))[0]).toMatchObject({ status: 'published', rowCount: 2 });
  });
  afterAll(() => warehouse.close());

  it('is rebuilt whole by a scheduled build, where rebuilding the days whose inputs changed rebuilds none', async () => {
    const [built] = await warehouse.latestRuns();
    const later = new Date(built!.finishedAt.getTime() + 10_000);
    await warehouse.recordRun({ ...built!, runId: 'later', startedAt: later, finishedAt: later });
    // A day's revenue overwritten by hand: its check sees it, the count does not.
    await warehouse.query("UPDATE shelf.shelf_daily SET revenue = -10 WHERE day = DATE '2026-11-01'");
    const [outcome] = await buildMesh(warehouse, [daily], { skipUnchanged: true });
    expect(outcome).toMatchObject({ status: 'published', rowCount: 2, incremental: { mode: 'full' } });
    expect(outcome?.unchanged).toBeUndefined();
    const rows = await warehouse.query(
      'SELECT day::VARCHAR AS day, revenue::DOUBLE AS revenue FROM shelf.shelf_daily ORDER BY day',
    );
    expect(rows).toEqual([
      { day: '2026-11-01', revenue: 10 },
      { day: '2026-11-02', revenue: 20 },
    ]);
    // Once whole again, the next scheduled build leaves it as it is.
    expect((await buildMesh(warehouse, [daily], { skipUnchanged: true }))[0]?.unchanged).toBeDefined();
  });

  it('is rebuilt whole by mesh build when no day needed rebuilding and its checks fail on what is published', async () => {
    await warehouse.query("UPDATE shelf.shelf_daily SET revenue = -20 WHERE day = DATE '2026-11-02'");
    const [outcome] = await buildMesh(warehouse, [daily]);
    expect(outcome).toMatchObject({ status: 'published', rowCount: 2, incremental: { mode: 'full' } });
    const [row] = await warehouse.query(
      "SELECT revenue::DOUBLE AS revenue FROM shelf.shelf_daily WHERE day = DATE '2026-11-02'",
    );
    expect(row?.revenue).toBe(20);
    // A failing check the inputs explain still fails the build, as before: a negative sale.
    await ingestRows(warehouse, sales, [{ sale_id: 'S3', sold_on: '2026-11-03', amount: -5 }]);
    const [refused] = await buildMesh(warehouse, [daily]);
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'checks-failed' } });
    expect(refused?.incremental?.mode).toBe('partitions');
  });

  it('is rebuilt whole by mesh build when its table was written by hand in a way every check passes', async () => {
    // In a file, reopened between builds: a table's version survives checkpoints and reopening.
    const dir = mkdtempSync(join(tmpdir(), 'mesh-by-hand-'));
    const path = join(dir, 'mesh.duckdb');
    const open = () => createDuckDbWarehouse({ path, create: true });
    const revenue = async (w: Warehouse) =>
      (
        await w.query(
          'SELECT day::VARCHAR AS day, revenue::DOUBLE AS revenue FROM shelf.shelf_daily ORDER BY day',
        )
      ).map((r) => r.revenue);
    try {
      let w = await open();
      await ingestRows(w, sales, [
        { sale_id: 'S1', sold_on: '2026-11-01', amount: 10 },
        { sale_id: 'S2', sold_on: '2026-11-02', amount: 20 },
      ]);
      expect((await buildMesh(w, [daily]))[0]).toMatchObject({ status: 'published', rowCount: 2 });
      await w.close();
      w = await open();
      // Nothing changed: no day is rebuilt.
      expect((await buildMesh(w, [daily]))[0]?.incremental?.mode).toBe('up-to-date');
      // A day's revenue multiplied by 1,000 by hand: every check passes, every count holds.
      await w.query("UPDATE shelf.shelf_daily SET revenue = revenue * 1000 WHERE day = DATE '2026-11-01'");
      await w.close();
      w = await open();
      const [mended] = await buildMesh(w, [daily]);
      expect(mended).toMatchObject({ status: 'published', rowCount: 2, incremental: { mode: 'full' } });
      expect(await revenue(w)).toEqual([10, 20]);
      // Once whole again, its next build rebuilds nothing, after a new day too only that day.
      expect((await buildMesh(w, [daily]))[0]?.incremental?.mode).toBe('up-to-date');
      await ingestRows(w, sales, [{ sale_id: 'S3', sold_on: '2026-11-03', amount: 30 }]);
      expect((await buildMesh(w, [daily]))[0]?.incremental?.mode).toBe('partitions');
      expect((await buildMesh(w, [daily]))[0]?.incremental?.mode).toBe('up-to-date');
      expect(await revenue(w)).toEqual([10, 20, 30]);
      await w.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
