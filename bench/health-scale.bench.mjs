// `mesh health` over a synthetic mesh of D domains x P products, each a table published the way a
// build publishes it (its SELECT with the platform's metadata columns, through the adapter's
// replaceTable), with rows, a run log (one or two runs a product), days deleted and re-inserted
// the way incremental products rewrite them, and a few staging tables left behind. Each size
// runs in a child process of its own on a freshly opened warehouse (as the CLI would), timing
// `collectHealth` and counting the statements it issues, by method. The sizes print side by side.
// The health JSON (at a fixed "now") is digested, so two runs on the same fixture show that what
// health reports did not change, and a sample of tables is checked against table-by-table SQL.
// Usage: node health-scale.bench.mjs [--domains 10,100,1000] [--products 10] [--rows 40]
//   [--dir DIR] [--timeout S] [--verify N|all] [--alternatives] [--original-max N]
//   (default 10, 100 and 1,000 domains of 10 products = 100, 1,000 and 10,000 tables; a fixture
//   takes minutes at 10,000: --dir keeps the files and a later run reuses them.)
// --alternatives also times ways of getting every product table's stats in raw SQL, each on a
// fresh open: the per-table subqueries of before and an aggregate per table (only up to
// --original-max tables: they grow with the square of the tables), one GROUP BY over every
// table's rows or segments, streamed or gathered first, as one flat UNION ALL or a tree of them
// (the adapter's choice is marked "now"), both in one statement or on two connections at once,
// the catalog query, and the catalog's estimated_size (not exact after deletes: the mismatches
// are counted).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDuckDbWarehouse, duckdbDialect } from '@retail-mesh/duckdb';
import {
  defineDataProduct,
  defineDomain,
  productLayout,
  renderBuildQuery,
  sql,
  stagingTable,
  z,
} from '@retail-mesh/sdk';
import { collectHealth } from '@retail-mesh/tools';
import { recordFigures } from './lib/results.mjs';

// The driver is the adapter's own dependency, not the bench's (for the raw alternatives).
const fromAdapter = createRequire(import.meta.resolve('@retail-mesh/duckdb'));

const { values } = parseArgs({
  options: {
    domains: { type: 'string', default: '10,100,1000' },
    products: { type: 'string', default: '10' },
    rows: { type: 'string', default: '40' },
    dir: { type: 'string' },
    timeout: { type: 'string', default: '1800' },
    verify: { type: 'string', default: '400' },
    alternatives: { type: 'boolean', default: false },
    'original-max': { type: 'string', default: '2000' },
    // Internal: measure one size in this process and print its figures as JSON.
    child: { type: 'string' },
  },
});
const perDomain = Number(values.products);
const baseRows = Number(values.rows);
// Every product's health is judged at this moment, so the report (and its digest) is the same
// from run to run of one fixture.
const NOW = new Date('2030-01-01T00:00:00Z');
const q = (name) => duckdbDialect.quoteIdent(name);
const tableName = (ref) => duckdbDialect.tableName(ref);
const lit = (v) => duckdbDialect.literal(v);

/** The synthetic mesh: deterministic, so the fixture and every later run define the same one. */
function syntheticMesh(domainCount) {
  const domains = [];
  const products = [];
  const schema = z.object({
    id: z.int().describe('Id').meta({ key: true }),
    day: z.iso.date().describe('Day'),
    amount: z.number().meta({ type: 'decimal' }).describe('Amount'),
    label: z.string().describe('Label'),
  });
  for (let d = 0; d < domainCount; d++) {
    const domain = defineDomain({
      name: `dom_${String(d).padStart(4, '0')}`,
      description: `Synthetic domain ${d}.`,
      owner: { team: `team_${d}`, email: `team${d}@retail.example` },
    });
    domains.push(domain);
    for (let p = 0; p < perDomain; p++) {
      const rows = baseRows + ((d * 31 + p * 17) % (baseRows * 4));
      products.push(
        defineDataProduct({
          domain,
          name: `${domain.name}_p${p}`,
          version: '1.0.0',
          description: `Synthetic product ${p} of domain ${d}.`,
          tier: p % 3 === 0 ? 'gold' : 'silver',
          refresh: 'daily',
          access: 'public',
          sla: p % 2 === 0 ? { freshness: '1d' } : {},
          schema,
          inputs: {},
          transform: () =>
            sql.raw(
              `SELECT range AS id, DATE '2026-01-01' + CAST(range % 30 AS INTEGER) AS day, range * 1.25 AS amount, 'item ' || range AS label FROM range(${rows})`,
            ),
        }),
      );
    }
  }
  return { domains, sources: [], products };
}

const fixturePath = (dir, domainCount) => join(dir, `health-${domainCount}x${perDomain}x${baseRows}.duckdb`);

/** Publishes every product, records runs, rewrites days, leaves staging tables; once per file. */
async function ensureFixture(path, mesh) {
  if (existsSync(path)) {
    const warehouse = await createDuckDbWarehouse({ path });
    const done = await warehouse
      .query(`SELECT count(*) AS n FROM _bench.fixture`)
      .then((r) => Number(r[0]?.n) === 1)
      .catch(() => false);
    await warehouse.close();
    if (done) return { reused: true };
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
  }
  const started = performance.now();
  const warehouse = await createDuckDbWarehouse({ path, create: true });
  const epoch = Date.parse('2029-12-30T00:00:00Z');
  for (const [i, product] of mesh.products.entries()) {
    if (i % perDomain === 0) await warehouse.ensureDomain(product.domain);
    // The build's own SELECT (the contract's casts and _domain, _product, _version,
    // _processed_at) through the adapter's own way of publishing a table.
    const { select } = renderBuildQuery(product, duckdbDialect);
    const { rowCount } = await warehouse.replaceTable(product.table, select, productLayout(product));
    const finishedAt = new Date(epoch + i * 1000);
    const run = (runId, at, status, rows) => ({
      runId,
      domain: product.domain.name,
      product: product.name,
      version: product.version,
      status,
      startedAt: new Date(at.getTime() - 800),
      finishedAt: at,
      rowCount: rows,
      bytesProcessed: undefined,
      checks: [
        {
          name: 'id_unique',
          kind: 'unique',
          dimension: 'uniqueness',
          severity: i % 41 === 0 ? 'warn' : 'error',
          column: 'id',
          passed: i % 41 !== 0,
          failingRows: i % 41 === 0 ? 1 : 0,
          observed: undefined,
        },
      ],
      completeness: 1,
      validity: 1,
      error: status === 'failed' ? { code: 'check-failed', message: 'a check failed' } : undefined,
    });
    if (i % 3 === 0)
      await warehouse.recordRun(
        run(`r0-${i}`, new Date(finishedAt.getTime() - 86_400_000), 'published', rowCount),
      );
    await warehouse.recordRun(run(`r1-${i}`, finishedAt, i % 97 === 5 ? 'failed' : 'published', rowCount));
    if ((i + 1) % 1000 === 0)
      console.error(`  fixture: ${i + 1} of ${mesh.products.length} products published`);
  }
  // Incremental-style rewrites: a day deleted and its rows inserted again, on one product in 10.
  for (const [i, product] of mesh.products.entries()) {
    if (i % 10 !== 3) continue;
    const t = tableName(product.table);
    await warehouse.query(
      `DELETE FROM ${t} WHERE day IN (DATE '2026-01-03', DATE '2026-01-04');
       INSERT INTO ${t} SELECT id + 100000, DATE '2026-01-03', amount, label, _domain, _product, _version, now()
         FROM ${t} WHERE day = DATE '2026-01-05'`,
    );
  }
  // Staging tables of builds that did not finish, on one product in 250.
  for (const [i, product] of mesh.products.entries()) {
    if (i % 250 === 7)
      await warehouse.query(`CREATE TABLE ${tableName(stagingTable(product))} AS SELECT 1 AS id`);
  }
  await warehouse.checkpoint();
  // After the checkpoint, rows deleted from one product in 50 and appended to one in 70 (closing
  // folds them into the file, so every run reads the same file; the rows deleted stay counted
  // in the catalog's estimate).
  for (const [i, product] of mesh.products.entries()) {
    const t = tableName(product.table);
    if (i % 50 === 11) await warehouse.query(`DELETE FROM ${t} WHERE id % 4 = 1`);
    if (i % 70 === 13)
      await warehouse.query(
        `INSERT INTO ${t} SELECT * REPLACE (id + 200000 AS id, now() AS _processed_at) FROM ${t} LIMIT 7`,
      );
  }
  await warehouse.query(
    `CREATE SCHEMA IF NOT EXISTS _bench; CREATE OR REPLACE TABLE _bench.fixture AS SELECT 1 AS done`,
  );
  await warehouse.close();
  return { reused: false, ms: performance.now() - started };
}

/** Counts the statements a warehouse issues, by the method that was running when it did. */
function counted(warehouse, counter) {
  return new Proxy(warehouse, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args) => {
        counter.calls[key] = (counter.calls[key] ?? 0) + 1;
        const outer = counter.current;
        counter.current = outer ?? key;
        const started = performance.now();
        const done = () => {
          counter.current = outer;
          if (!outer) counter.ms[key] = (counter.ms[key] ?? 0) + performance.now() - started;
        };
        try {
          const result = value.apply(target, args);
          if (result && typeof result.then === 'function') return result.finally(done);
          done();
          return result;
        } catch (error) {
          done();
          throw error;
        }
      };
    },
  });
}

function newCounter() {
  const counter = { calls: {}, statements: {}, ms: {}, current: undefined, total: 0 };
  counter.hook = () => {
    const key = counter.current ?? '(other)';
    counter.statements[key] = (counter.statements[key] ?? 0) + 1;
    counter.total++;
  };
  return counter;
}

async function timedHealth(path, mesh) {
  const counter = newCounter();
  let started = performance.now();
  const warehouse = await createDuckDbWarehouse({ path, onStatement: (s) => counter.hook(s) });
  const openMs = performance.now() - started;
  const proxy = counted(warehouse, counter);
  started = performance.now();
  const health = await collectHealth(proxy, mesh, NOW);
  const coldMs = performance.now() - started;
  // The hook is the adapter's: an adapter without it counts no statements (only method calls).
  const hooked = counter.total > 0;
  const cold = {
    ms: coldMs,
    statements: { ...counter.statements },
    calls: { ...counter.calls },
    methodMs: { ...counter.ms },
    total: counter.total,
  };
  counter.statements = {};
  counter.calls = {};
  counter.ms = {};
  counter.total = 0;
  started = performance.now();
  const again = await collectHealth(proxy, mesh, NOW);
  const warm = {
    ms: performance.now() - started,
    statements: { ...counter.statements },
    calls: { ...counter.calls },
    methodMs: { ...counter.ms },
    total: counter.total,
  };
  // A write to one table (half its rows deleted, in a transaction rolled back afterwards, so the
  // fixture stays as it is): health counts and sizes that table again, and sees the change.
  const product = mesh.products[Math.floor(mesh.products.length / 2)];
  const before = byId(health).get(product.id).rowCount;
  await warehouse.query('BEGIN TRANSACTION');
  const [{ n: deleted }] = await warehouse.query(
    `SELECT count(*) AS n FROM ${tableName(product.table)} WHERE rowid % 2 = 0`,
  );
  await warehouse.query(`DELETE FROM ${tableName(product.table)} WHERE rowid % 2 = 0`);
  started = performance.now();
  const written = await collectHealth(proxy, mesh, NOW);
  const writtenMs = performance.now() - started;
  await warehouse.query('ROLLBACK');
  const after = await collectHealth(proxy, mesh, NOW);
  const sameAgain = JSON.stringify(again) === JSON.stringify(health);
  const afterWrite = byId(written).get(product.id).rowCount;
  const afterRollback = byId(after).get(product.id).rowCount;
  const oneWrite = {
    ms: writtenMs,
    product: product.id,
    ok: sameAgain && afterWrite === before - Number(deleted) && afterRollback === before,
    rows: { before, afterWrite, afterRollback },
  };
  return { warehouse, health, openMs, cold, warm, oneWrite, hooked };
}

const byId = (health) => new Map(health.domains.flatMap((d) => d.products).map((p) => [p.id, p]));

/**
 * The stats of one table the way the adapter of before asked for them, one table at a time. A
 * constant segment's block is -1, no block of the file: not counted (as the adapter counts).
 */
async function referenceStats(warehouse, ref) {
  const t = tableName(ref);
  const [row] = await warehouse.query(
    `SELECT (SELECT count(*) FROM ${t}) AS n, (SELECT max(${q('_processed_at')}) FROM ${t}) AS m,
       (SELECT CASE WHEN any_value(d.block_size) > 0
           THEN coalesce(sum(s.blocks), 0) * any_value(d.block_size) + coalesce(sum(s.in_memory), 0) * 8
           ELSE coalesce(sum(s.all_values), 0) * 8 END
        FROM (SELECT count(DISTINCT block_id) FILTER (WHERE block_id >= 0) AS blocks,
                coalesce(sum(count) FILTER (WHERE block_id IS NULL), 0) AS in_memory,
                coalesce(sum(count), 0) AS all_values
              FROM pragma_storage_info(${lit(`${ref.schema}.${ref.name}`)})) AS s,
             (SELECT block_size FROM pragma_database_size() LIMIT 1) AS d) AS b`,
  );
  return {
    rowCount: Number(row.n),
    bytes: Number(row.b),
    lastUpdated: row.m instanceof Date ? row.m.toISOString() : null,
  };
}

async function verify(warehouse, mesh, health, how) {
  const byId = new Map(health.domains.flatMap((d) => d.products).map((p) => [p.id, p]));
  const all = how === 'all' || Number(how) >= mesh.products.length;
  // A sample spread over the mesh, with every product whose rows were deleted or appended.
  const step = all ? 1 : Math.max(1, Math.floor(mesh.products.length / Number(how)));
  const picked = mesh.products.filter(
    (_, i) => all || i % step === 0 || i % 10 === 3 || i % 50 === 11 || i % 70 === 13,
  );
  const wrong = [];
  for (const product of picked) {
    const want = await referenceStats(warehouse, product.table);
    const got = byId.get(product.id);
    const seen = { rowCount: got?.rowCount, bytes: got?.bytes, lastUpdated: got?.lastUpdated };
    if (JSON.stringify(seen) !== JSON.stringify(want)) wrong.push({ product: product.id, want, got: seen });
  }
  return { checked: picked.length, wrong: wrong.length, first: wrong.slice(0, 3) };
}

/** A UNION ALL as a tree of at most 100 at each level (as the adapter writes it), or flat. */
function unionAll(parts, fanOut = 100) {
  if (!fanOut || parts.length <= fanOut) return parts.join('\nUNION ALL ');
  const size = Math.ceil(parts.length / fanOut);
  const groups = [];
  for (let i = 0; i < parts.length; i += size)
    groups.push(`SELECT * FROM (${unionAll(parts.slice(i, i + size), fanOut)})`);
  return groups.join('\nUNION ALL ');
}

/** Ways of getting every product table's stats, each timed on a freshly opened warehouse. */
function alternatives(mesh, originalMax) {
  const refs = mesh.products.map((p) => p.table);
  const tooMany = refs.length > originalMax ? `more than --original-max ${originalMax} tables` : undefined;
  const storageOf = (ref) => `pragma_storage_info(${lit(`${ref.schema}.${ref.name}`)})`;
  const scans = (fan) =>
    unionAll(
      refs.map((ref, i) => `SELECT ${i} AS i, ${q('_processed_at')} AS p FROM ${tableName(ref)}`),
      fan,
    );
  const segments = (fan) =>
    unionAll(
      refs.map((ref, i) => `SELECT ${i} AS i, block_id, count FROM ${storageOf(ref)}`),
      fan,
    );
  const rowsStreamed = (fan) => `SELECT i, count(*) AS n, max(p) AS m FROM (${scans(fan)}) GROUP BY i`;
  const rowsGathered = (fan) =>
    `WITH s AS MATERIALIZED (${scans(fan)}) SELECT i, count(*) AS n, max(p) AS m FROM s GROUP BY i`;
  const storageGrouped = (from) =>
    `SELECT i, count(DISTINCT block_id) FILTER (WHERE block_id >= 0) AS blocks,
       coalesce(sum(count) FILTER (WHERE block_id IS NULL), 0) AS in_memory FROM ${from} GROUP BY i`;
  const bytesGathered = (fan) => `WITH g AS MATERIALIZED (${segments(fan)}) ${storageGrouped('g')}`;
  const schemas = [...new Set(refs.map((r) => r.schema))].map(lit).join(', ');
  return [
    {
      name: 'before: scalar subqueries per table, UNION ALL',
      skip: tooMany,
      sql: () =>
        refs
          .map(
            (ref, i) => `SELECT ${i} AS i, (SELECT count(*) FROM ${tableName(ref)}) AS row_count,
              (SELECT max(${q('_processed_at')}) FROM ${tableName(ref)}) AS last_modified,
              (SELECT count(DISTINCT block_id) FROM ${storageOf(ref)}) AS bytes`,
          )
          .join(' UNION ALL '),
    },
    {
      name: 'count+max: an aggregate per table, UNION ALL',
      skip: tooMany,
      sql: () =>
        refs
          .map(
            (ref, i) =>
              `SELECT ${i} AS i, count(*) AS n, max(${q('_processed_at')}) AS m FROM ${tableName(ref)}`,
          )
          .join(' UNION ALL '),
    },
    { name: 'count+max: GROUP BY over all rows, flat', sql: () => rowsStreamed(0) },
    { name: 'count+max: GROUP BY over all rows, tree', sql: () => rowsStreamed(100) },
    { name: 'count+max: rows gathered, then grouped, flat', sql: () => rowsGathered(0) },
    { name: 'count+max: rows gathered, then grouped, tree (now)', sql: () => rowsGathered(100) },
    { name: 'bytes: GROUP BY over the segments, tree', sql: () => storageGrouped(`(${segments(100)})`) },
    { name: 'bytes: segments gathered, then grouped, flat', sql: () => bytesGathered(0) },
    { name: 'bytes: segments gathered, then grouped, tree (now)', sql: () => bytesGathered(100) },
    {
      name: 'count+max and bytes in one statement',
      sql: () => `WITH s AS MATERIALIZED (${scans(100)}), g AS MATERIALIZED (${segments(100)})
        SELECT 'rows' AS kind, i, count(*) AS n, max(p) AS m, NULL AS blocks, NULL AS in_memory FROM s GROUP BY i
        UNION ALL SELECT 'bytes', i, NULL, NULL, blocks, in_memory FROM (${storageGrouped('g')})`,
    },
    {
      name: 'count+max and bytes at once, two connections',
      both: [() => rowsGathered(100), () => bytesGathered(100)],
    },
    {
      name: 'catalog: tables, views, _processed_at (now)',
      sql: () => `SELECT schema_name, table_name, 'table' AS kind, NULL AS data_type, estimated_size FROM duckdb_tables()
        WHERE schema_name IN (${schemas})
        UNION ALL SELECT schema_name, view_name, 'view', NULL, NULL FROM duckdb_views() WHERE NOT internal AND schema_name IN (${schemas})
        UNION ALL SELECT schema_name, table_name, 'processed', data_type, NULL FROM duckdb_columns()
        WHERE column_name = '_processed_at' AND schema_name IN (${schemas})`,
    },
    {
      name: 'catalog estimated_size (not exact)',
      sql: () => `SELECT schema_name, table_name, estimated_size FROM duckdb_tables()`,
      check: async (rows, run) => {
        const est = new Map(rows.map((r) => [`${r.schema_name}.${r.table_name}`, Number(r.estimated_size)]));
        const counts = await run(rowsGathered(100));
        const wrong = counts.filter(
          (r) => est.get(`${refs[r.i].schema}.${refs[r.i].name}`) !== Number(r.n),
        ).length;
        return `${wrong} of ${refs.length} counts wrong`;
      },
    },
  ];
}

/** One alternative on a fresh instance (the driver's own, for two connections at once). */
async function timeAlternative(path, alt) {
  const { DuckDBInstance } = await import(fromAdapter.resolve('@duckdb/node-api'));
  const instance = await DuckDBInstance.create(path);
  const connections = [await instance.connect(), await instance.connect()];
  const run = async (text, c = connections[0]) => (await c.runAndReadAll(text)).getRowObjectsJS();
  try {
    const texts = alt.both ? alt.both.map((f) => f()) : [alt.sql()];
    const started = performance.now();
    const results = await Promise.all(texts.map((text, n) => run(text, connections[n])));
    const ms = performance.now() - started;
    return {
      name: alt.name,
      ms,
      rows: results[0].length,
      note: alt.check ? await alt.check(results[0], run) : undefined,
    };
  } finally {
    for (const c of connections) c.closeSync();
    instance.closeSync();
  }
}

async function runChild(domainCount, dir) {
  let started = performance.now();
  const mesh = syntheticMesh(domainCount);
  const defineMs = performance.now() - started;
  const path = fixturePath(dir, domainCount);
  const fixture = await ensureFixture(path, mesh);
  const measured = await timedHealth(path, mesh);
  const { warehouse, health } = measured;
  const digest = createHash('sha256').update(JSON.stringify(health)).digest('hex').slice(0, 16);
  const statuses = {};
  for (const p of health.domains.flatMap((d) => d.products))
    statuses[p.status] = (statuses[p.status] ?? 0) + 1;
  started = performance.now();
  const checked = await verify(warehouse, mesh, health, values.verify);
  const verifyMs = performance.now() - started;
  await warehouse.close();
  const alts = [];
  if (values.alternatives) {
    for (const alt of alternatives(mesh, Number(values['original-max']))) {
      alts.push(alt.skip ? { name: alt.name, skipped: alt.skip } : await timeAlternative(path, alt));
    }
  }
  return {
    domains: domainCount,
    products: mesh.products.length,
    defineMs,
    fixture,
    openMs: measured.openMs,
    hooked: measured.hooked,
    cold: measured.cold,
    warm: measured.warm,
    oneWrite: measured.oneWrite,
    digest,
    statuses,
    verify: { ...checked, ms: verifyMs },
    alternatives: alts,
  };
}

if (values.child) {
  const result = await runChild(Number(values.child), values.dir);
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(0);
}

// The parent: one child per size, side by side.
const sizes = values.domains.split(',').map(Number);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'mesh-health-bench-'));
mkdirSync(dir, { recursive: true });
const script = fileURLToPath(import.meta.url);
const results = [];
for (const domainCount of sizes) {
  const products = domainCount * perDomain;
  console.log(`-- ${products.toLocaleString('en-US')} products (${domainCount} domains x ${perDomain}) --`);
  const started = performance.now();
  const args = [
    script,
    '--child',
    String(domainCount),
    '--dir',
    dir,
    '--products',
    String(perDomain),
    '--rows',
    String(baseRows),
    '--verify',
    values.verify,
    '--original-max',
    values['original-max'],
  ];
  if (values.alternatives) args.push('--alternatives');
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: Number(values.timeout) * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = child.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) {
    const why =
      child.error?.code === 'ETIMEDOUT'
        ? `did not finish in ${values.timeout} s`
        : `exited ${child.status ?? child.signal}`;
    console.log(`  ${why}`);
    results.push({ domains: domainCount, products, failed: why, ms: performance.now() - started });
    continue;
  }
  const r = JSON.parse(line.slice('RESULT '.length));
  results.push(r);
  const fixture = r.fixture.reused
    ? 'fixture reused'
    : `fixture made in ${(r.fixture.ms / 1000).toFixed(0)} s`;
  console.log(
    `  ${fixture}; opened in ${r.openMs.toFixed(0)} ms; health ${r.cold.ms.toFixed(0)} ms (again: ${r.warm.ms.toFixed(0)} ms); digest ${r.digest}; ${JSON.stringify(r.statuses)}`,
  );
  console.log(
    `  after half of ${r.oneWrite.product} deleted: ${r.oneWrite.ms.toFixed(0)} ms, rows ${r.oneWrite.rows.before} -> ${r.oneWrite.rows.afterWrite} -> ${r.oneWrite.rows.afterRollback} after the rollback: ${r.oneWrite.ok ? 'as expected' : 'WRONG'}`,
  );
  console.log(
    `  checked ${r.verify.checked} products against table-by-table SQL: ${r.verify.wrong ? `${r.verify.wrong} WRONG ${JSON.stringify(r.verify.first)}` : 'all exact'}`,
  );
  for (const a of r.alternatives)
    console.log(
      `  ${a.name.padEnd(48)} ${a.skipped ? `skipped (${a.skipped})` : `${a.ms.toFixed(0).padStart(7)} ms${a.note ? `  ${a.note}` : ''}`}`,
    );
}
if (!values.dir) rmSync(dir, { recursive: true, force: true });

// Side by side.
const done = results.filter((r) => !r.failed);
const methods = [...new Set(done.flatMap((r) => Object.keys(r.cold.statements)))].sort();
const cell = (s) => String(s).padStart(12);
const row = (label, f) => `${label.padEnd(34)}${results.map((r) => cell(r.failed ? '-' : f(r))).join('')}`;
console.log('\nmesh health (collectHealth on a freshly opened warehouse)');
console.log(
  `${'products'.padEnd(34)}${results.map((r) => cell(r.products.toLocaleString('en-US'))).join('')}`,
);
console.log(row('open warehouse ms', (r) => r.openMs.toFixed(0)));
console.log(row('health ms', (r) => r.cold.ms.toFixed(0)));
console.log(row('health ms, second call', (r) => r.warm.ms.toFixed(0)));
console.log(row('health ms, after one table written', (r) => r.oneWrite.ms.toFixed(0)));
console.log(row('ms per product', (r) => (r.cold.ms / r.products).toFixed(3)));
console.log(row('statements', (r) => (r.hooked ? r.cold.total : 'n/a')));
for (const m of methods) console.log(row(`  in ${m}`, (r) => r.cold.statements[m] ?? 0));
const callNames = [...new Set(done.flatMap((r) => Object.keys(r.cold.calls)))].sort();
console.log(row('warehouse method calls', (r) => Object.values(r.cold.calls).reduce((a, b) => a + b, 0)));
for (const m of callNames) console.log(row(`  ${m}()`, (r) => r.cold.calls[m] ?? 0));
console.log(
  row('ms in warehouse methods', (r) =>
    Object.values(r.cold.methodMs)
      .reduce((a, b) => a + b, 0)
      .toFixed(0),
  ),
);
for (const m of callNames) console.log(row(`  ${m}()`, (r) => (r.cold.methodMs[m] ?? 0).toFixed(0)));
console.log(
  row('ms outside them (health itself)', (r) =>
    (r.cold.ms - Object.values(r.cold.methodMs).reduce((a, b) => a + b, 0)).toFixed(0),
  ),
);
for (const r of results.filter((r) => r.failed)) console.log(`${r.products} products: ${r.failed}`);

const figures = [];
for (const r of done) {
  const n = r.products;
  // `mesh serve` holds the warehouse and answers health (CLI commands go through it): from its
  // second call on, only tables written since are counted and sized. A CLI without a server
  // opens the file and counts and sizes everything: the first call.
  figures.push({
    id: `health-ms-${n}`,
    label: `health of ${n.toLocaleString('en-US')} products as mesh serve answers it (tables written since its last answer counted again)`,
    value: r.warm.ms,
    unit: 'ms',
    ...(n >= 10_000 ? { aim: { op: '<', value: 2000 } } : {}),
  });
  figures.push({
    id: `health-ms-one-write-${n}`,
    label: `same, after one table was written`,
    value: r.oneWrite.ms,
    unit: 'ms',
    ...(n >= 10_000 ? { aim: { op: '<', value: 2000 } } : {}),
  });
  figures.push({
    id: `health-ms-cold-${n}`,
    label: `health of ${n.toLocaleString('en-US')} products on a warehouse just opened (every table counted and sized)`,
    value: r.cold.ms,
    unit: 'ms',
  });
  figures.push({
    id: `health-ms-per-product-${n}`,
    label: `health per product at ${n.toLocaleString('en-US')}`,
    value: r.cold.ms / n,
    unit: 'ms',
  });
  if (r.hooked)
    figures.push({
      id: `health-statements-${n}`,
      label: `statements of health at ${n.toLocaleString('en-US')} products`,
      value: r.cold.total,
      unit: 'statements',
    });
}
// The statements must not grow with the mesh: the largest size against the one before it (the
// adapter may split one query over its connections from a thousand tables on, once).
const [small, large] = [done.at(-2), done.at(-1)];
if (small && large && small.hooked && large.hooked) {
  figures.push({
    id: 'health-statements-ratio',
    label: `statements at ${large.products.toLocaleString('en-US')} / at ${small.products.toLocaleString('en-US')} products`,
    value: large.cold.total / small.cold.total,
    unit: 'x',
    aim: { op: '<=', value: 1 },
  });
}
const [first, last] = [done[0], done.at(-1)];
if (first && last && first !== last) {
  figures.push({
    id: 'health-ms-per-product-ratio',
    label: `ms per product at ${last.products.toLocaleString('en-US')} / at ${first.products.toLocaleString('en-US')}`,
    value: last.cold.ms / last.products / (first.cold.ms / first.products),
    unit: 'x',
  });
}
console.log('');
recordFigures('health', figures, { results });
process.exitCode = results.some((r) => r.failed || r.verify?.wrong || !r.oneWrite?.ok) ? 1 : 0;
