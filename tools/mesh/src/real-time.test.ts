import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHELF_DOMAIN, shelfRepo, spawnMesh } from './testing/consumer-repo.js';

const root = mkdtempSync(join(tmpdir(), 'mesh-real-time-'));
const zone = join(root, 'drops', 'items');

const mesh = (...args: string[]) => spawnMesh(root, ...args);

/** Lands a file as a writer should: written under a temporary name, then renamed in. */
function land(name: string, from: number, rows: number) {
  const lines = [
    'item_id,shelf',
    ...Array.from({ length: rows }, (_, i) => `I${from + i},S${(from + i) % 5}`),
  ];
  writeFileSync(join(zone, `${name}.tmp`), `${lines.join('\n')}\n`);
  renameSync(join(zone, `${name}.tmp`), join(zone, name));
}

async function until<T>(
  what: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  about = () => '',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting: ${about()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(() => {
  mkdirSync(zone, { recursive: true });
  shelfRepo(root, {
    index: `import { defineDataProduct, defineDomain, defineSource, sql, z } from '@retail-mesh/sdk';
${SHELF_DOMAIN}export const items = defineSource({
  domain,
  name: 'items',
  mode: 'append',
  system: 'Shelf scanners',
  description: 'Items scanned onto shelves, as the scanners drop them.',
  dropZone: 'drops/items',
  schema: z.object({
    item_id: z.string().describe('Item').meta({ key: true }),
    shelf: z.string().describe('Shelf it sits on'),
  }),
});
export const shelfLive = defineDataProduct({
  domain,
  name: 'shelf_live',
  version: '1.0.0',
  description: 'Items per shelf, as they are scanned.',
  tier: 'silver',
  refresh: 'real-time',
  access: 'public',
  consumers: ['store'],
  schema: z.object({
    shelf: z.string().describe('Shelf').meta({ key: true }),
    items: z.int().describe('Items on it'),
  }),
  inputs: { items },
  transform: ({ items }) => sql\`SELECT shelf, COUNT(*) AS items FROM \${items} GROUP BY shelf\`,
  checks: (c) => [c.shelf.unique()],
});
export const sources = [items];
export const products = [shelfLive];
`,
    meshYaml:
      'domains:\n  - ./shelf\ntargets:\n  local:\n    type: duckdb\n    path: mesh.duckdb\nschedule:\n  realTime: "0 0 1 1 *"\n',
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const itemsPublished = async () => {
  const health = await mesh('health', '--json');
  if (health.code === null || !health.stdout) return undefined;
  // Before the server holds the warehouse, the command may find none yet.
  const product = JSON.parse(health.stdout).domains?.[0]?.products[0];
  return product?.lastUpdated ? (product.rowCount as number) : undefined;
};

describe('real-time products from a drop zone, in mesh serve', () => {
  it('ingests each file landed as one batch and rebuilds the real-time product; a SIGKILL mid-batch leaves it whole or out', async () => {
    const first = mesh('serve', '--port', '0');
    await until(async () => (first.stdout().includes('mesh serve:') ? true : undefined));
    try {
      land('scan-1.csv', 0, 50);
      // Five shelves, each with its items.
      await until(async () => ((await itemsPublished()) === 5 ? true : undefined));
      expect(readdirSync(join(zone, '.done'))).toEqual(['scan-1.csv']);
      land('scan-2.csv', 50, 50);
      await until(async () => (existsSync(join(zone, '.done', 'scan-2.csv')) ? true : undefined));
      const batches = await until(async () => {
        const listed = await mesh('ingest', '--list', 'shelf.items', '--json');
        const list = JSON.parse(listed.stdout).batches as Array<{ loaded: number }> | undefined;
        return list?.length === 2 ? list : undefined;
      });
      expect(batches.map((b) => b.loaded)).toEqual([50, 50]);

      // A big file, and the server killed while it is being taken.
      land('scan-3.csv', 100, 400_000);
      // Seen, then settled (two polls of 250 ms), then ingested for about a second: killed in it.
      await until(async () => (first.stderr().includes('scan-3.csv') ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(first.stderr()).not.toMatch(/scan-3\.csv ingested/);
      first.child.kill('SIGKILL');
      await first;
    } finally {
      first.child.kill('SIGKILL');
    }
    // After a restart the batch is wholly in (then its file is moved) or wholly out (then the
    // file is still in the zone and taken now): never part of it.
    const second = mesh('serve', '--port', '0');
    await until(async () => (second.stdout().includes('mesh serve:') ? true : undefined));
    try {
      const batches = await until(
        async () => {
          const listed = await mesh('ingest', '--list', 'shelf.items', '--json');
          if (listed.code !== 0) return undefined;
          const list = JSON.parse(listed.stdout).batches as
            | Array<{ loaded: number; rows: number }>
            | undefined;
          return list?.length === 3 ? list : undefined;
        },
        60_000,
        () => `three batches; the server said: ${second.stdout()} ${second.stderr()}`,
      );
      expect(batches.map((b) => b.loaded)).toEqual([50, 50, 400_000]);
      await until(async () => (existsSync(join(zone, '.done', 'scan-3.csv')) ? true : undefined), 60_000);
      expect(existsSync(join(zone, 'scan-3.csv'))).toBe(false);
      await until(async () => {
        const health = JSON.parse((await mesh('health', '--json')).stdout).domains?.[0]?.products[0];
        return health?.checks.total && health.rowCount === 5 && health.status === 'healthy'
          ? true
          : undefined;
      }, 60_000);
    } finally {
      second.child.kill('SIGTERM');
      await second;
    }
  }, 180_000);

  it('mesh serve --once loads what landed in the drop zones and builds the real-time products, then exits', async () => {
    land('scan-4.csv', 400_100, 60);
    // A file refused whole: a column missing.
    writeFileSync(join(zone, 'broken.csv'), 'item_id\nI1\n');
    const once = await mesh('serve', '--once', '--json');
    expect(once.code, once.stderr).toBe(1);
    const report = once.json();
    expect(report.dropZones.files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: 'shelf.items',
          file: join(zone, 'scan-4.csv'),
          status: 'ingested',
          rows: 60,
        }),
        expect.objectContaining({ source: 'shelf.items', file: join(zone, 'broken.csv'), status: 'failed' }),
      ]),
    );
    expect(report.dropZones.builds[0].outcomes).toEqual([
      expect.objectContaining({ product: 'shelf.shelf_live', status: 'published', rowCount: 5 }),
    ]);
    expect(report.error).toMatchObject({
      subject: { source: 'shelf.items', file: join(zone, 'broken.csv') },
    });
    expect(existsSync(join(zone, '.done', 'scan-4.csv'))).toBe(true);
    expect(existsSync(join(zone, '.failed', 'broken.csv'))).toBe(true);
    const listed = JSON.parse((await mesh('ingest', '--list', 'shelf.items', '--json')).stdout).batches;
    expect(listed.map((b: { loaded: number }) => b.loaded)).toEqual([50, 50, 400_000, 60]);
    // Nothing landed since: nothing to load, exit 0.
    const again = await mesh('serve', '--once', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().dropZones.files).toEqual([]);
    // A tab-delimited export is taken; a compressed one is not, and says so (exit 1), left in place.
    writeFileSync(join(zone, 'scan-5.tsv'), 'item_id\tshelf\nI500000\tS0\n');
    writeFileSync(join(zone, 'scan-6.csv.gz'), 'not really gzip');
    const landed = await mesh('serve', '--once', '--json');
    expect(landed.code, landed.stderr).toBe(1);
    expect(landed.json().dropZones.files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: join(zone, 'scan-5.tsv'), status: 'ingested', rows: 1 }),
        {
          source: 'shelf.items',
          file: join(zone, 'scan-6.csv.gz'),
          status: 'ignored',
          reason: 'compressed (.gz): decompress it into the zone; .csv, .tsv and .parquet files are taken',
        },
      ]),
    );
    expect(landed.json().error).toMatchObject({
      code: 'drop-zone-file-ignored',
      subject: { source: 'shelf.items', file: join(zone, 'scan-6.csv.gz') },
    });
    expect(existsSync(join(zone, 'scan-6.csv.gz'))).toBe(true);
  }, 120_000);
});
