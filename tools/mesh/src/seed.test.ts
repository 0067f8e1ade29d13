import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { defineDomain, defineSource, type MeshDefinition, type Warehouse, z } from '@retail-mesh/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleOrder, seedMesh } from './commands/seed.js';
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

/** When each source's sample was written (from the call to its return), by source id. */
function timed(warehouse: Warehouse) {
  const spans = new Map<string, { start: number; end: number }>();
  const write = warehouse.writeSampleBatch.bind(warehouse);
  warehouse.writeSampleBatch = async (source, ...rest) => {
    const start = performance.now();
    try {
      return await write(source, ...rest);
    } finally {
      spans.set(source.id, { start, end: performance.now() });
    }
  };
  return spans;
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
        const spans = timed(warehouse);
        const results = await seedMesh(warehouse, mesh, { scale: 0.1, seed: 7, concurrency });
        // Reported in sample order, every source seeded, none begun before a source its sample
        // reads was written; at two at a time, some written at once.
        expect(results.map((r) => r.source)).toEqual(sampleOrder(mesh.sources).map((s) => s.id));
        expect(results.every((r) => r.status === 'seeded' && r.rows > 0)).toBe(true);
        for (const source of mesh.sources)
          for (const upstream of source.sampleAfter)
            expect(spans.get(source.id)!.start).toBeGreaterThanOrEqual(spans.get(upstream)!.end);
        const overlapping = [...spans.values()].some((a) =>
          [...spans.values()].some((b) => a !== b && a.start < b.start && b.start < a.end),
        );
        expect(overlapping).toBe(concurrency > 1);
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
    const settings = (warehouse: Warehouse) =>
      warehouse.query(
        `SELECT current_setting('preserve_insertion_order') AS ordered, current_setting('disabled_compression_methods') AS methods`,
      );
    // The slow sample is under way when the broken one fails; the reader, which reads it, waits
    // for it (it holds the second slot), or is never begun.
    for (const order of [
      [slow, broken, reader],
      [broken, reader, slow],
    ]) {
      const mesh: MeshDefinition = { domains: [shop], sources: order, products: [] };
      const path = join(dir, `failing-${order[0]!.name}.duckdb`);
      const warehouse = await createDuckDbWarehouse({ path, create: true });
      try {
        const before = await settings(warehouse);
        await expect(seedMesh(warehouse, mesh, { scale: 1, seed: 1, concurrency: 2 })).rejects.toThrow(
          /generator failed/,
        );
        const written = order[0] === slow ? 2_000_000 : 0;
        expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_slow')).toEqual([{ n: written }]);
        expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_broken')).toEqual([{ n: 0 }]);
        expect(await warehouse.query('SELECT count(*) AS n FROM shop.raw_reader')).toEqual([{ n: 0 }]);
        expect(await warehouse.query(`SELECT source FROM _mesh.batches ORDER BY source`)).toEqual(
          written ? [{ source: 'shop.slow' }] : [],
        );
        expect(await settings(warehouse)).toEqual(before);
      } finally {
        await warehouse.close();
      }
    }
  });
});
