import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHELF_DOMAIN, shelfRepo, spawnMesh } from './testing/consumer-repo.js';

const root = mkdtempSync(join(tmpdir(), 'mesh-history-'));

const mesh = (...args: string[]) => spawnMesh(root, ...args);

/** The webhook receiver: what a Slack-compatible endpoint was sent. */
const received: Array<Record<string, unknown>> = [];
let receiver: Server;

/**
 * A shelf export of `n` items (a snapshot: each file is the whole table), the first `moved` of
 * them on another shelf: an export of other rows, where the same rows again would be a change
 * back to an earlier export (flagged, degraded).
 */
function shelfExport(name: string, n: number, moved = 0): string {
  const file = join(root, name);
  const lines = [
    'item_id,shelf',
    ...Array.from({ length: n }, (_, i) => `I${i},S${(i + (i < moved ? 1 : 0)) % 7}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/mesh`;
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
export const shelfItems = defineDataProduct({
  domain,
  name: 'shelf_items',
  version: '1.0.0',
  description: 'Items on the shelves.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['store'],
  schema: z.object({
    item_id: z.string().describe('Item').meta({ key: true }),
    shelf: z.string().describe('Shelf it sits on'),
  }),
  inputs: { items },
  transform: ({ items }) => sql\`SELECT item_id, shelf FROM \${items}\`,
  checks: (c) => [c.item_id.unique(), c.item_id.notNull()],
});
export const sources = [items];
export const products = [shelfItems];
`,
    meshYaml: `domains:
  - ./shelf
targets:
  local:
    type: duckdb
    path: mesh.duckdb
anomalies:
  window: 14
  minRuns: 5
alerts:
  - url: ${url}
    on: [degraded, anomaly, recovery, error]
`,
  });
});

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe('health history, anomalies and alerts, end to end', () => {
  it('sees a halved source as a row-count anomaly, alerts once, and recovers', async () => {
    expect((await mesh('ingest', 'shelf.items', '--from', shelfExport('full.csv', 1000))).code).toBe(0);
    for (let run = 0; run < 6; run++) expect((await mesh('build')).code).toBe(0);
    const steady = (await mesh('health', '--json')).json().domains[0].products[0];
    expect(steady).toMatchObject({
      id: 'shelf.shelf_items',
      status: 'healthy',
      rowCount: 1000,
      anomalies: [],
    });
    expect(received).toEqual([]);
    const history = (await mesh('health', '--history', 'shelf.shelf_items', '--json')).json().history;
    expect(history.map((s: { kind: string; rowCount: number }) => [s.kind, s.rowCount])).toEqual(
      Array.from({ length: 6 }, () => ['build', 1000]),
    );

    // The next export has half the items: every check passes, the publish goes through, and
    // only the product's own history says something is wrong.
    expect((await mesh('ingest', 'shelf.items', '--from', shelfExport('half.csv', 500))).code).toBe(0);
    const halved = await mesh('build', '--json');
    expect(halved.code).toBe(0);
    const health = await mesh('health', '--json');
    const product = health.json().domains[0].products[0];
    expect(product.status).toBe('degraded');
    expect(product.reasons).toContain('row count 500 is 50.0 sigma below its 6-run mean 1,000');
    expect(product.anomalies[0]).toMatchObject({ metric: 'row_count', window: 6, direction: 'below' });
    expect(
      halved.json().alerts.map((a: { transition: string; status: number }) => [a.transition, a.status]),
    ).toEqual([
      ['degraded', 200],
      ['anomaly', 200],
    ]);
    expect(received.map((r) => (r.retail_mesh as { transition: string }).transition)).toEqual([
      'degraded',
      'anomaly',
    ]);
    expect(received[1]!.text).toBe(
      ':chart_with_downwards_trend: shelf.shelf_items 1.0.0 shows an anomaly: row count 500 is 50.0 sigma below its 6-run mean 1,000',
    );
    expect(received[0]!.retail_mesh).toMatchObject({
      product: 'shelf.shelf_items',
      status: 'degraded',
      previousStatus: 'healthy',
      rowCount: 500,
    });

    // A test run of the same publish finds the same state: no second alert.
    expect((await mesh('test')).code).toBe(0);
    expect(received).toHaveLength(2);
    const snapshots = (await mesh('health', '--history', 'shelf', '--since', '1h', '--json')).json().history;
    expect(snapshots.at(-1)).toMatchObject({ kind: 'test', status: 'degraded', anomalies: ['row_count'] });
    expect((await mesh('health', '--history', 'shelf', '--since', 'soon')).stderr).toContain(
      '--since soon: give a duration such as 7d',
    );

    // A full export again (two items moved since): healthy, said once.
    expect((await mesh('ingest', 'shelf.items', '--from', shelfExport('full-again.csv', 1000, 2))).code).toBe(
      0,
    );
    expect((await mesh('build')).code).toBe(0);
    expect(received.map((r) => (r.retail_mesh as { transition: string }).transition)).toEqual([
      'degraded',
      'anomaly',
      'recovery',
    ]);
    expect((await mesh('health', '--json')).json().domains[0].products[0].status).toBe('healthy');
  }, 120_000);
});
