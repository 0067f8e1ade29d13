// Fused check suite (one SELECT for every check) against one query per check, on the same
// published product_inventory, alternated in one run so machine noise hits both alike.
// Usage: node check-fusion.bench.mjs [--scale N] [--rounds R]
import { parseArgs } from 'node:util';
import { productInventory, sources } from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, compileChecks, loadSample } from '@retail-mesh/sdk';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '50' }, rounds: { type: 'string', default: '7' } },
});
const scale = Number(values.scale);
const rounds = Number(values.rounds);

const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
for (const source of sources) await loadSample(warehouse, source, { scale, seed: 42 });
await buildMesh(warehouse, [productInventory]);
const [{ n }] = await warehouse.query('SELECT count(*) AS n FROM product.product_inventory');

const resolve = (r) => r.table;
const fused = compileChecks(productInventory, productInventory.checks, warehouse.dialect, resolve);
// The fair baseline: each check alone, plus the completeness profile alone.
const separate = [
  compileChecks(productInventory, [], warehouse.dialect, resolve),
  ...productInventory.checks.map((check) =>
    compileChecks(productInventory, [check], warehouse.dialect, resolve, { profile: false }),
  ),
];

const time = async (work) => {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const fusedMs = [];
const separateMs = [];
await warehouse.query(fused.sql); // warm up
for (let i = 0; i < rounds; i++) {
  fusedMs.push(await time(() => warehouse.query(fused.sql)));
  separateMs.push(
    await time(async () => {
      for (const c of separate) await warehouse.query(c.sql);
    }),
  );
}
await warehouse.close();

console.log(
  `product_inventory: ${Number(n).toLocaleString('en-US')} rows, ${productInventory.checks.length} checks, ${rounds} rounds`,
);
console.log(`fused suite (1 query)                  median ${median(fusedMs).toFixed(1)} ms`);
console.log(`one query per check + profile (${separate.length}) median ${median(separateMs).toFixed(1)} ms`);
console.log(`ratio separate / fused: ${(median(separateMs) / median(fusedMs)).toFixed(2)}x`);
