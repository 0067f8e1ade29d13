// A typed streaming read (`product.read(warehouse)`) against a plain @duckdb/node-api stream of
// the same SELECT, on the same table, side by side in one run. Each side runs in its own child
// process, so its peak RSS (maxRSS) is its own.
// Usage: node read.bench.mjs [--rows N] [--chunk-size C] [--repeat R]
//   (default 10,000,000 rows, chunks of 2048, 2 runs of each side)
// The sides run in turn, R times each after a warm-up; each is reported by its fastest run, so a
// burst of load from elsewhere on the machine does not decide the ratio. Peak RSS and first row
// are the worst of its runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDuckDbWarehouse, duckdbDialect } from '@retail-mesh/duckdb';
import { defineDataProduct, defineDomain, readQuery, sql } from '@retail-mesh/sdk';
import { recordFigures } from './lib/results.mjs';

// zod and the driver are the SDK's and the adapter's own dependencies, not the bench's.
const fromSdk = createRequire(import.meta.resolve('@retail-mesh/sdk'));
const fromAdapter = createRequire(import.meta.resolve('@retail-mesh/duckdb'));
const { z } = await import(fromSdk.resolve('zod'));

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'chunk-size': { type: 'string', default: '2048' },
    repeat: { type: 'string', default: '2' },
    // Internal: run one side in this process and print its figures as JSON.
    side: { type: 'string' },
    db: { type: 'string' },
  },
});
const rows = Number(values.rows);
const chunkSize = Number(values['chunk-size']);
const repeat = Math.max(1, Number(values.repeat));

// An order line as the mesh publishes one: ids, text, an enum, decimals, a date, a timestamp.
const product = defineDataProduct({
  domain: defineDomain({
    name: 'read_bench',
    description: 'Benchmark fixtures.',
    owner: { team: 'platform', email: 'platform@retail.example' },
  }),
  name: 'read_lines',
  version: '1.0.0',
  description: 'Order lines to read back.',
  tier: 'bronze',
  refresh: 'daily',
  access: 'public',
  schema: z.object({
    line_id: z.int().describe('Line id'),
    order_id: z.string().describe('Order id'),
    sku: z.string().describe('Product id'),
    status: z.enum(['OPEN', 'SHIPPED', 'RETURNED']).describe('Status'),
    quantity: z.int().describe('Units'),
    unit_price: z.number().meta({ type: 'decimal' }).describe('Price per unit'),
    order_date: z.iso.date().describe('Day of the order'),
    updated_at: z.date().describe('Last change'),
  }),
  inputs: {},
  transform: () => sql`SELECT 1`,
});

const fill = (n) => `CREATE OR REPLACE TABLE read_bench.read_lines AS
  SELECT '1.0.0' AS _version, i AS line_id, 'O' || (i // 4) AS order_id, 'SKU-' || (i % 5000) AS sku,
    (['OPEN', 'SHIPPED', 'RETURNED'])[1 + i % 3] AS status, CAST(1 + i % 7 AS INTEGER) AS quantity,
    CAST((i % 10000) / 100 AS DECIMAL(12, 2)) AS unit_price, DATE '2023-01-01' + CAST(i % 730 AS INTEGER) AS order_date,
    TIMESTAMP '2023-01-01 00:00:00' + to_seconds(i) AS updated_at
  FROM range(${n}) AS t(i)`;

async function runSide(side, db) {
  const started = performance.now();
  let first;
  let count = 0;
  let checksum = 0;
  if (side === 'typed') {
    const warehouse = await createDuckDbWarehouse({ path: db });
    for await (const row of product.read(warehouse, { chunkSize })) {
      first ??= performance.now();
      count++;
      checksum += row.quantity;
    }
    await warehouse.close();
  } else {
    // The driver the adapter uses, as a consumer would call it straight, on the same SELECT.
    const { DuckDBInstance } = await import(fromAdapter.resolve('@duckdb/node-api'));
    const instance = await DuckDBInstance.create(db);
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    const { text } = readQuery(product, { dialect: duckdbDialect });
    const result = await connection.stream(text);
    for await (const chunk of result.yieldRowObjectJs()) {
      for (const row of chunk) {
        first ??= performance.now();
        count++;
        checksum += row.quantity;
      }
    }
    connection.closeSync();
    instance.closeSync();
  }
  const ms = performance.now() - started;
  return {
    side,
    rows: count,
    checksum,
    ms,
    firstRowMs: first - started,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

if (values.side) {
  console.log(JSON.stringify(await runSide(values.side, values.db)));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-read-'));
  const db = join(dir, 'bench.duckdb');
  const warehouse = await createDuckDbWarehouse({ path: db, create: true });
  await warehouse.query('CREATE SCHEMA IF NOT EXISTS read_bench');
  await warehouse.query(fill(rows));
  await warehouse.close();
  const self = fileURLToPath(import.meta.url);
  const run = (side) => {
    const child = spawnSync(
      process.execPath,
      [self, '--side', side, '--db', db, '--rows', String(rows), '--chunk-size', String(chunkSize)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    if (child.status !== 0) throw new Error(`${side} side failed: ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').at(-1));
  };
  // A driver run first warms the file cache; then the sides take turns.
  run('driver');
  const runs = { driver: [], typed: [] };
  for (let i = 0; i < repeat; i++) {
    runs.driver.push(run('driver'));
    runs.typed.push(run('typed'));
  }
  const summary = (list) => ({
    ...list.reduce((best, s) => (s.ms < best.ms ? s : best)),
    maxRssMb: Math.max(...list.map((s) => s.maxRssMb)),
    firstRowMs: Math.max(...list.map((s) => s.firstRowMs)),
  });
  const driver = summary(runs.driver);
  const typed = summary(runs.typed);
  rmSync(dir, { recursive: true, force: true });
  if ([...runs.driver, ...runs.typed].some((s) => s.rows !== rows || s.checksum !== driver.checksum)) {
    throw new Error(`The reads disagree: ${JSON.stringify(runs)}`);
  }
  const rate = (s) => s.rows / (s.ms / 1000);
  const line = (label, s) =>
    `${label.padEnd(8)} ${(s.ms / 1000).toFixed(2).padStart(8)} s  ${Math.round(rate(s)).toLocaleString('en').padStart(10)} rows/s  first row ${s.firstRowMs.toFixed(0).padStart(5)} ms  peak RSS ${s.maxRssMb.toFixed(0).padStart(5)} MB`;
  console.log(
    `Typed read vs plain @duckdb/node-api stream, ${rows.toLocaleString('en')} rows, chunks of ${chunkSize}, fastest of ${repeat} run${repeat > 1 ? 's' : ''} each`,
  );
  console.log(line('typed', typed));
  console.log(line('driver', driver));
  const ratio = {
    rate: rate(typed) / rate(driver),
    rss: typed.maxRssMb / driver.maxRssMb,
    firstRow: typed.firstRowMs / driver.firstRowMs,
  };
  console.log(
    `ratio    rate ${ratio.rate.toFixed(2)}x (aim >= 0.90: ${ratio.rate >= 0.9 ? 'met' : 'NOT met'})  ` +
      `peak RSS ${ratio.rss.toFixed(2)}x (typed ${typed.maxRssMb.toFixed(0)} MB, aim < 256 MB: ${typed.maxRssMb < 256 ? 'met' : 'NOT met'})  ` +
      `first row ${ratio.firstRow.toFixed(2)}x (typed ${typed.firstRowMs.toFixed(0)} ms, aim < 300 ms: ${typed.firstRowMs < 300 ? 'met' : 'NOT met'})`,
  );
  console.log(JSON.stringify({ rows, chunkSize, typed, driver, ratio }));
  const scale = rows >= 1e6 && rows % 1e6 === 0 ? `${rows / 1e6}M` : rows.toLocaleString('en');
  recordFigures(
    'read',
    [
      {
        id: 'read.rss',
        label: `Typed read of ${scale} rows: peak RSS`,
        value: typed.maxRssMb,
        unit: 'MB',
        aim: { op: '<=', value: 256 },
      },
      {
        id: 'read.first-row',
        label: `Typed read of ${scale} rows: first row`,
        value: typed.firstRowMs,
        unit: 'ms',
        aim: { op: '<', value: 300 },
      },
      {
        id: 'read.rate-ratio',
        label: 'Typed read rate / driver stream rate',
        value: ratio.rate,
        unit: 'x',
        aim: { op: '>=', value: 0.9 },
      },
      {
        id: 'read.typed-rate',
        label: `Typed read of ${scale} rows: rate`,
        value: rate(typed),
        unit: 'rows/s',
      },
      {
        id: 'read.driver-rate',
        label: `Driver stream of ${scale} rows: rate`,
        value: rate(driver),
        unit: 'rows/s',
      },
      {
        id: 'read.driver-rss',
        label: `Driver stream of ${scale} rows: peak RSS`,
        value: driver.maxRssMb,
        unit: 'MB',
      },
      {
        id: 'read.driver-first-row',
        label: `Driver stream of ${scale} rows: first row`,
        value: driver.firstRowMs,
        unit: 'ms',
      },
    ],
    { rows, chunkSize, repeat, typed, driver, runs },
  );
}
