// An incremental build of order_daily_sales after one day's transactions changed, against a
// full refresh of the same product, alternated in one run on the same data.
// Usage: node incremental.bench.mjs [--scale N] [--rounds R]   (default scale 10, 5 rounds)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { orderDailySales, orderTransactions } from '@retail-mesh/domain-order';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct } from '@retail-mesh/sdk';
import { buildProducts, loadMesh, seedMesh } from '@retail-mesh/tools';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '10' }, rounds: { type: 'string', default: '5' } },
});
const dir = mkdtempSync(join(tmpdir(), 'mesh-incremental-'));
const warehouse = await createDuckDbWarehouse({ path: join(dir, 'bench.duckdb'), create: true });
const mesh = loadMesh();
await seedMesh(warehouse, mesh, { scale: Number(values.scale), seed: 42 });
await buildProducts(warehouse, mesh, [orderDailySales.id]);

const table = warehouse.dialect.tableName(orderTransactions.table);
let day = 0;
// New data for one day: as if that day's transactions had been rebuilt with a late order.
const touchOneDay = () =>
  warehouse.query(
    `UPDATE ${table} SET net_amount = net_amount + 1 WHERE order_date = (SELECT min(order_date) + ${day++ % 300} FROM ${table})`,
  );
const time = async (fullRefresh) => {
  await touchOneDay();
  const started = performance.now();
  const outcome = await buildProduct(warehouse, orderDailySales, { runId: 'bench', fullRefresh });
  if (outcome.status !== 'published') throw new Error(outcome.error?.message);
  return { ms: performance.now() - started, outcome };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const incremental = [];
const full = [];
let rebuilt;
for (let i = 0; i < Number(values.rounds); i++) {
  const inc = await time(false);
  rebuilt = inc.outcome.incremental;
  incremental.push(inc.ms);
  full.push((await time(true)).ms);
}
const [{ n }] = await warehouse.query(`SELECT count(*) AS n FROM ${table}`);
await warehouse.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  `order_daily_sales over ${Number(n).toLocaleString('en-US')} transactions (scale ${values.scale}), ${values.rounds} rounds`,
);
console.log(
  `incremental (${rebuilt.mode}, ${rebuilt.partitions.length} day rebuilt)  median ${median(incremental).toFixed(0)} ms`,
);
console.log(`full refresh                              median ${median(full).toFixed(0)} ms`);
console.log(`ratio full / incremental: ${(median(full) / median(incremental)).toFixed(2)}x`);
