import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { defineDomain, defineSource, type MeshDefinition, type Warehouse, z } from '@retail-mesh/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleOrder, seedMesh } from './commands/seed.js';
import { capturedIo } from './context.js';
import { loadMesh } from './mesh.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-seed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Per source: its rows and a digest of them, whatever their order. */
async function contents(warehouse: Warehouse, mesh: MeshDefinition) {
  const out: Record<string, unknown> = {};
  for (const source of mesh.sources) {
    const columns = source.columns.map((c) => warehouse.dialect.quoteIdent(c.name)).join(', ');
    const [row] = await warehouse.query(
      `SELECT count(*) AS n, CAST(sum(hash(${columns})) AS VARCHAR) AS digest FROM ${warehouse.dialect.tableName(source.table)}`,
    );
    out[source.id] = row;
  }
  return out;
}

describe('seeding', () => {
  it('gives the same rows writing two samples at a time as one at a time, each after those it reads', async () => {
    const mesh = await loadMesh();
    const seeded = [];
    for (const concurrency of [1, 2]) {
      const warehouse = await createDuckDbWarehouse({
        path: join(dir, `seed-${concurrency}.duckdb`),
        create: true,
      });
      try {
        const started: string[] = [];
        const io = capturedIo();
        io.progress.step = (text: string) => {
          started.push(/seeding (\S+)/.exec(text)![1]!);
        };
        const results = await seedMesh(warehouse, mesh, { scale: 0.1, seed: 7, concurrency }, io);
        // Reported in sample order, every source seeded, none before a source its sample reads.
        expect(results.map((r) => r.source)).toEqual(sampleOrder(mesh.sources).map((s) => s.id));
        expect(results.every((r) => r.status === 'seeded' && r.rows > 0)).toBe(true);
        for (const source of mesh.sources)
          for (const upstream of source.sampleAfter)
            expect(started.indexOf(upstream)).toBeLessThan(started.indexOf(source.id));
        const batches = await warehouse.query(`SELECT count(DISTINCT batch_id) AS n FROM _mesh.batches`);
        expect(batches).toEqual([{ n: mesh.sources.length }]);
        seeded.push({
          rows: results.map((r) => [r.source, r.rows]),
          contents: await contents(warehouse, mesh),
        });
      } finally {
        await warehouse.close();
      }
    }
    expect(seeded[1]).toEqual(seeded[0]);
  });

  it('stops at a sample that fails: the others under way finish whole, those reading it are not written', async () => {
    const shop = defineDomain({
      name: 'shop',
      description: 'Shop',
      owner: { team: 't', email: 't@x.example' },
    });
    const source = (name: string, sample: string, sampleAfter: string[] = []) =>
      defineSource({
        domain: shop,
        name,
        description: name,
        mode: 'append',
        schema: z.object({ id: z.int().describe('Id').meta({ key: true }) }),
        sample: () => sample,
        sampleAfter,
      });
    const slow = source('slow', 'SELECT i AS id FROM range(2000000) AS t(i)');
    const broken = source(
      'broken',
      `SELECT CASE WHEN i = 900 THEN error('generator failed') ELSE i END AS id FROM range(1000) AS t(i)`,
    );
    const reader = source('reader', 'SELECT id FROM shop.raw_broken', ['shop.broken']);
    const mesh: MeshDefinition = { domains: [shop], sources: [slow, broken, reader], products: [] };
    const warehouse = await createDuckDbWarehouse({ path: join(dir, 'failing.duckdb'), create: true });
    try {
      await expect(seedMesh(warehouse, mesh, { scale: 1, seed: 1, concurrency: 2 })).rejects.toThrow(
        /generator failed/,
      );
      expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_slow')).toEqual([{ n: 2_000_000 }]);
      expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_broken')).toEqual([{ n: 0 }]);
      expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_reader')).toEqual([{ n: 0 }]);
      expect(await warehouse.query(`SELECT source FROM _mesh.batches ORDER BY source`)).toEqual([
        { source: 'shop.slow' },
      ]);
    } finally {
      await warehouse.close();
    }
  });
});
