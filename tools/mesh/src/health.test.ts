import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import {
  buildProduct,
  defineDataProduct,
  defineDomain,
  defineSource,
  loadRows,
  type MeshDefinition,
  sql,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectHealth } from './commands/health.js';

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
