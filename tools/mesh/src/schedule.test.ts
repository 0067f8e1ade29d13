import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHELF_DOMAIN, shelfRepo, spawnMesh } from './testing/consumer-repo.js';

const root = mkdtempSync(join(tmpdir(), 'mesh-schedule-'));

const mesh = (...args: string[]) => spawnMesh(root, ...args);

beforeAll(async () => {
  shelfRepo(root, {
    index: `import { defineDataProduct, defineDomain, defineSource, sql, z } from '@retail-mesh/sdk';
${SHELF_DOMAIN}export const items = defineSource({
  domain,
  name: 'items',
  mode: 'snapshot',
  system: 'Shelf app',
  description: 'Every item on a shelf, exported whole.',
  schema: z.object({
    item_id: z.string().describe('Item').meta({ key: true }),
    shelf: z.string().describe('Shelf it sits on'),
  }),
});
const common = {
  domain,
  version: '1.0.0',
  tier: 'silver',
  access: 'public',
  consumers: ['store'],
  inputs: { items },
};
export const shelfItems = defineDataProduct({
  ...common,
  name: 'shelf_items',
  description: 'Items on the shelves, hourly.',
  refresh: 'hourly',
  schema: z.object({ item_id: z.string().describe('Item').meta({ key: true }) }),
  transform: ({ items }) => sql\`SELECT item_id FROM \${items}\`,
  checks: (c) => [c.item_id.unique()],
});
export const shelfCounts = defineDataProduct({
  ...common,
  name: 'shelf_counts',
  description: 'Items per shelf, every two seconds.',
  refresh: 'real-time',
  schedule: { cron: '*/2 * * * * *', timezone: 'Europe/Paris' },
  schema: z.object({
    shelf: z.string().describe('Shelf').meta({ key: true }),
    items: z.int().describe('Items on it'),
  }),
  transform: ({ items }) => sql\`SELECT shelf, COUNT(*) AS items FROM \${items} GROUP BY shelf\`,
  checks: (c) => [c.shelf.unique()],
});
export const sources = [items];
export const products = [shelfItems, shelfCounts];
`,
    meshYaml:
      'domains:\n  - ./shelf\ntargets:\n  local:\n    type: duckdb\n    path: mesh.duckdb\nschedule:\n  hourly: "0 * * * *"\n',
  });
  writeFileSync(
    join(root, 'items.csv'),
    `item_id,shelf\n${Array.from({ length: 30 }, (_, i) => `I${i},S${i % 3}`).join('\n')}\n`,
  );
  expect((await mesh('ingest', 'shelf.items', '--from', 'items.csv')).code).toBe(0);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the scheduler', () => {
  it('mesh serve --once builds what is due and exits; run again, nothing is due', async () => {
    const once = await mesh('serve', '--once', '--json');
    expect(once.code, once.stderr).toBe(0);
    expect(once.json().due).toEqual(['shelf.shelf_items', 'shelf.shelf_counts']);
    expect(once.json().products.map((p: { status: string }) => p.status)).toEqual(['published', 'published']);
    const schedule = (await mesh('schedule', '--json')).json().products;
    expect(schedule[0]).toMatchObject({ product: 'shelf.shelf_items', cron: '0 * * * *', due: false });
    expect(schedule[1]).toMatchObject({
      product: 'shelf.shelf_counts',
      cron: '*/2 * * * * *',
      timezone: 'Europe/Paris',
      from: 'product',
    });
    // Built after its last hourly slot: not due until the next.
    const again = await mesh('serve', '--once', '--json');
    expect(again.json().due).not.toContain('shelf.shelf_items');
  }, 60_000);

  it('mesh serve builds each product on its schedule, with nobody typing mesh build', async () => {
    const before = (await mesh('runs', '--product', 'shelf.shelf_counts', '--json')).json().runs.length;
    const server = mesh('serve', '--port', '0');
    try {
      // Every two seconds: three more builds in well under ten.
      const until = Date.now() + 20_000;
      let runs: Array<{ status: string; product: string; finishedAt: string }> = [];
      let last = '';
      while (Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const listed = await mesh('runs', '--product', 'shelf', '--json');
        last = `${listed.code} ${listed.stdout} ${listed.stderr}`;
        if (listed.code !== 0) continue;
        runs = listed.json().runs;
        if (runs.filter((r) => r.product === 'shelf.shelf_counts').length >= before + 3) break;
      }
      const counts = runs.filter((r) => r.product === 'shelf.shelf_counts');
      expect(counts.length, last).toBeGreaterThanOrEqual(before + 3);
      expect(counts.every((r) => r.status === 'published')).toBe(true);
      // The hourly product was built this hour: the scheduler leaves it alone, unless the hour
      // turned since that build (its next slot came).
      const hourly = runs.filter((r) => r.product === 'shelf.shelf_items');
      const hourOf = (t: number) => Math.floor(t / 3_600_000);
      const turned = hourOf(Date.parse(hourly[0]!.finishedAt)) !== hourOf(Date.now());
      expect(turned ? [1, 2] : [1]).toContain(hourly.length);
      const health = await mesh('health', '--json');
      expect(health.json().domains[0].products[1]).toMatchObject({
        id: 'shelf.shelf_counts',
        status: 'healthy',
        rowCount: 3,
      });
      // Nothing it reads changed (5 s after the ingest, the margin for a batch stamped before its
      // commit): its runs record the same rows, reading nothing, and renew its freshness.
      const confirmedBy = Date.now() + 20_000;
      let latest: { status?: string; rowCount?: number; bytesProcessed?: number } = {};
      while (latest.bytesProcessed !== 0 && Date.now() < confirmedBy) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const listed = await mesh('runs', '--product', 'shelf.shelf_counts', '--json');
        if (listed.code === 0) latest = listed.json().runs.at(-1) ?? {};
      }
      expect(latest).toMatchObject({ status: 'published', rowCount: 3, bytesProcessed: 0 });
      // A new export of the source (through the server): the next slot builds it anew.
      writeFileSync(
        join(root, 'items-2.csv'),
        `item_id,shelf\n${Array.from({ length: 40 }, (_, i) => `I${i},S${i % 4}`).join('\n')}\n`,
      );
      const ingested = await mesh('ingest', 'shelf.items', '--from', 'items-2.csv');
      expect(ingested.code, ingested.stderr).toBe(0);
      const rebuiltBy = Date.now() + 15_000;
      let rows = 3;
      while (rows !== 4 && Date.now() < rebuiltBy) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const now = await mesh('health', '--json');
        if (now.code === 0) rows = now.json().domains[0].products[1].rowCount;
      }
      expect(rows).toBe(4);
    } finally {
      server.child.kill('SIGTERM');
    }
    const stopped = await server;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/scheduled build of shelf\.shelf_counts: 0 published, 1 unchanged\./);
    expect(stopped.stderr).toMatch(/scheduled build of shelf\.shelf_counts: 1 published\./);
  }, 90_000);
});
