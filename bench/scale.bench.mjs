// Generates the whole synthetic retail universe at a scale inside DuckDB, then builds every
// product of the mesh, reporting rows/s of generation and the build time per product.
// Usage: node scale.bench.mjs [--scale N] [--db file]   (default scale 10, a temp file)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProducts, loadMesh, seedMesh } from '@retail-mesh/tools';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '10' }, db: { type: 'string' } },
});
const scale = Number(values.scale);
const dir = values.db ? undefined : mkdtempSync(join(tmpdir(), 'mesh-bench-'));
const path = values.db ?? join(dir, 'bench.duckdb');
const mesh = await loadMesh();
const warehouse = await createDuckDbWarehouse({ path, create: true });

let started = performance.now();
const seeded = await seedMesh(warehouse, mesh, { scale, seed: 42 });
const seedMs = performance.now() - started;
const rows = seeded.reduce((a, s) => a + s.rows, 0);
console.log(
  `seed scale ${scale}: ${rows.toLocaleString('en-US')} rows in ${(seedMs / 1000).toFixed(1)} s = ${Math.round(rows / (seedMs / 1000)).toLocaleString('en-US')} rows/s`,
);
for (const s of seeded) {
  console.log(
    `  ${s.source.padEnd(30)} ${s.rows.toLocaleString('en-US').padStart(12)} rows ${(s.durationMs / 1000).toFixed(2).padStart(7)} s ${Math.round(
      s.rows / (s.durationMs / 1000),
    )
      .toLocaleString('en-US')
      .padStart(12)} rows/s`,
  );
}

started = performance.now();
const { outcomes } = await buildProducts(warehouse, mesh, []);
const buildMs = performance.now() - started;
const failed = outcomes.filter((o) => o.status !== 'published');
console.log(
  `build: ${outcomes.length} products in ${(buildMs / 1000).toFixed(1)} s, ${failed.length} not published`,
);
for (const o of outcomes) {
  console.log(
    `  ${o.product.id.padEnd(45)} ${o.status.padEnd(10)} ${o.rowCount.toLocaleString('en-US').padStart(12)} rows ${(o.durationMs / 1000).toFixed(2).padStart(7)} s`,
  );
}
for (const o of failed) console.log(`  ! ${o.product.id}: ${o.error?.message}`);
await warehouse.close();
if (dir) rmSync(dir, { recursive: true, force: true });
process.exitCode = failed.length ? 1 : 0;
