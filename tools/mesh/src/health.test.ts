import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import {
  buildProduct,
  defineDataProduct,
  defineDomain,
  defineSource,
  type FileIngester,
  loadRows,
  type MeshDefinition,
  sql,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const shelfItems = defineDataProduct({
  domain: shelf,
  name: 'shelf_items',
  version: '1.0.0',
  description: 'Items, published.',
  tier: 'silver',
  refresh: 'hourly',
  access: 'public',
  consumers: ['store'],
  sla: { freshness: '2h' },
  schema: z.object({ item_id: z.string().describe('Item') }),
  inputs: { items },
  transform: ({ items }) => sql`SELECT item_id FROM ${items}`,
  checks: (c) => [c.item_id.notNull()],
});
const mesh: MeshDefinition = { domains: [shelf], sources: [items], products: [shelfItems] };

describe('health freshness from the run log', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    await loadRows(warehouse, items, [{ item_id: 'I1' }, { item_id: 'I2' }]);
    expect((await buildProduct(warehouse, shelfItems, { runId: 'build' })).status).toBe('published');
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
    const runs = await warehouse.latestRuns();
    expect(runs[0]).toMatchObject({ runId: 'tested', lastPublishedAt: confirmedAt });
    // 2.5 hours after the build, one after the confirmation: within its 2h SLA.
    const now = new Date(built.finishedAt.getTime() + 2.5 * hour);
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
});
