// The check suite of the largest products (one query for every check) against each of its
// checks run alone, on the same published tables, side by side in one run: the suite should
// cost little more than its costliest check (aim <= 1.2x); one query per check, summed, is the
// other baseline.
// Rounds alternate which side goes first, so machine noise hits both alike; each figure is a
// median over rounds. CPU time (DuckDB's threads run in this process) is reported beside wall
// time: it is what a loaded machine disturbs least.
// The sum of the checks alone over the costliest is reported beside it: what the suite costs
// when its checks have no column or key in common, nothing being shared.
// Usage: node check-fusion.bench.mjs [--db file] [--scale N] [--rounds R] [--products a,b] [--min-rows N] [--threads N]
//   --db      a DuckDB file already seeded and built (`mesh up --db file --scale 30`); without
//             it, one is seeded and built at --scale (default 30) in a temporary directory.
//   --products  product names (default: every product with at least --min-rows rows, 500,000).
//   --threads   DuckDB worker threads (default: DuckDB's, all cores); 1 gives steadier figures
//             on a machine other work shares.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { compileChecks } from '@retail-mesh/sdk';
import { buildProducts, loadMesh, seedMesh } from '@retail-mesh/tools';
import { recordFigures } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    scale: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '5' },
    products: { type: 'string' },
    'min-rows': { type: 'string', default: '500000' },
    threads: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const mesh = await loadMesh();

let dir;
let path = values.db;
if (!path) {
  dir = mkdtempSync(join(tmpdir(), 'mesh-checks-'));
  path = join(dir, 'bench.duckdb');
  const started = performance.now();
  const building = await createDuckDbWarehouse({ path, create: true });
  await seedMesh(building, mesh, { scale: Number(values.scale), seed: 42 });
  const { outcomes } = await buildProducts(building, mesh, []);
  await building.close();
  const failed = outcomes.filter((o) => o.status !== 'published');
  if (failed.length) throw new Error(`build failed: ${failed.map((o) => o.product.id).join(', ')}`);
  console.log(
    `seeded and built at scale ${values.scale} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}
const threads = values.threads ? Number(values.threads) : undefined;
const warehouse = await createDuckDbWarehouse({ path, ...(threads ? { threads } : {}) });
const { dialect } = warehouse;

const rowsOf = async (product) =>
  Number((await warehouse.query(`SELECT COUNT(*) AS n FROM ${dialect.tableName(product.table)}`))[0].n);
const products = [];
for (const product of mesh.products) {
  const named = values.products?.split(',').some((n) => n === product.name || n === product.id);
  if (values.products && !named) continue;
  const rows = await rowsOf(product);
  if (named || rows >= Number(values['min-rows'])) products.push({ product, rows });
}
if (!products.length) throw new Error('no product to measure: build the mesh first, or name products');

/** Wall and CPU milliseconds of one query, and its single row. */
async function time(statement) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const [row] = await warehouse.query(statement);
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000, row };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const resolve = (r) => r.table;

const figures = [];
const details = {
  database: values.db ?? `seeded and built at scale ${values.scale}`,
  rounds,
  threads: threads ?? 'default',
  products: {},
};
for (const { product, rows } of products) {
  // Counted as a build on this warehouse counts a table of this size (see `NullCounting`).
  const nullCounting = warehouse.capabilities.nullCounting ?? 'scan';
  const suite = compileChecks(product, product.checks, dialect, resolve, { nullCounting });
  // Each check alone (without the profile), and the completeness profile alone: together they
  // compute what the suite does, one query each.
  const alone = [
    {
      name: '(completeness profile)',
      compiled: compileChecks(product, [], dialect, resolve, { nullCounting }),
    },
    ...product.checks.map((check) => ({
      name: check.name,
      compiled: compileChecks(product, [check], dialect, resolve, { profile: false }),
    })),
  ];
  const suiteRuns = [];
  const aloneRuns = alone.map(() => []);
  // Warm up: the first read of a table pays for loading it.
  const expected = suite.evaluate((await time(suite.sql)).row);
  for (const a of alone) await time(a.compiled.sql);
  for (let round = 0; round < rounds; round++) {
    const runSuite = async () => {
      const run = await time(suite.sql);
      // Same answers every time, or the figures mean nothing.
      if (JSON.stringify(suite.evaluate(run.row).outcomes) !== JSON.stringify(expected.outcomes)) {
        throw new Error(`${product.id}: the suite answered differently between rounds`);
      }
      suiteRuns.push(run);
    };
    const runAlone = async () => {
      for (const [i, a] of alone.entries()) aloneRuns[i].push(await time(a.compiled.sql));
    };
    if (round % 2 === 0) {
      await runSuite();
      await runAlone();
    } else {
      await runAlone();
      await runSuite();
    }
  }
  const med = (runs, key) => median(runs.map((r) => r[key]));
  const suiteMs = med(suiteRuns, 'wall');
  const suiteCpu = med(suiteRuns, 'cpu');
  const perCheck = alone.map((a, i) => ({
    name: a.name,
    ms: med(aloneRuns[i], 'wall'),
    cpu: med(aloneRuns[i], 'cpu'),
  }));
  const costliest = perCheck.reduce((a, b) => (b.ms > a.ms ? b : a));
  const costliestCpu = Math.max(...perCheck.map((c) => c.cpu));
  const separateMs = perCheck.reduce((sum, c) => sum + c.ms, 0);
  const separateCpu = perCheck.reduce((sum, c) => sum + c.cpu, 0);

  console.log(
    `${product.id}: ${rows.toLocaleString('en-US')} rows, ${product.checks.length} checks, ${rounds} rounds (median ms, wall / cpu)`,
  );
  console.log(
    `  ${'suite (one query)'.padEnd(44)} ${suiteMs.toFixed(1).padStart(8)} ${suiteCpu.toFixed(0).padStart(7)}`,
  );
  for (const c of [...perCheck].sort((a, b) => b.ms - a.ms)) {
    console.log(`    ${c.name.padEnd(42)} ${c.ms.toFixed(1).padStart(8)} ${c.cpu.toFixed(0).padStart(7)}`);
  }
  console.log(
    `  ${`one query per check (${alone.length}), summed`.padEnd(44)} ${separateMs.toFixed(1).padStart(8)} ${separateCpu.toFixed(0).padStart(7)}`,
  );

  const id = `checks.${product.name}`;
  figures.push(
    {
      id: `${id}.suite-vs-costliest`,
      label: `${product.id} check suite / its costliest check alone (${costliest.name})`,
      value: suiteMs / costliest.ms,
      unit: 'x',
      aim: { op: '<=', value: 1.2 },
    },
    {
      id: `${id}.suite-vs-costliest.cpu`,
      label: `${product.id} check suite / its costliest check alone, CPU time`,
      value: suiteCpu / costliestCpu,
      unit: 'x',
    },
    {
      id: `${id}.separate-vs-costliest.cpu`,
      label: `${product.id} one query per check (summed) / its costliest check alone, CPU time: the suite sharing nothing`,
      value: separateCpu / costliestCpu,
      unit: 'x',
    },
    {
      id: `${id}.separate-vs-suite`,
      label: `${product.id} one query per check (${alone.length}, summed) / check suite`,
      value: separateMs / suiteMs,
      unit: 'x',
    },
    {
      id: `${id}.suite-ms`,
      label: `${product.id} check suite (${rows.toLocaleString('en-US')} rows)`,
      value: suiteMs,
      unit: 'ms',
    },
    {
      id: `${id}.costliest-ms`,
      label: `${product.id} costliest check alone (${costliest.name})`,
      value: costliest.ms,
      unit: 'ms',
    },
    {
      id: `${id}.separate-ms`,
      label: `${product.id} one query per check, summed`,
      value: separateMs,
      unit: 'ms',
    },
  );
  details.products[product.id] = { rows, suite: { ms: suiteMs, cpu: suiteCpu }, checks: perCheck };
}

await warehouse.close();
if (dir) rmSync(dir, { recursive: true, force: true });
recordFigures('checks', figures, details);
