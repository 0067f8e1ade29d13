// Bytes BigQuery would bill (on-demand) for order_daily_sales: a full refresh against an
// incremental build of one changed day, after its upstream order_transactions was rebuilt
// whole (planning from the upstream's day digest). MODELLED, not measured: no BigQuery here.
// The statements are the ones the BigQuery adapter sends for each build (pinned by
// packages/warehouse-bigquery/src/bigquery-incremental.test.ts); their bytes are computed from
// the rows the embedded warehouse holds at that scale, by BigQuery's documented rules:
// - a query is billed the logical bytes of the columns it references, in the partitions it
//   reads, with a minimum of 10 MB per table it references;
// - logical bytes: STRING 2 + its UTF-8 bytes, INT64/FLOAT64/DATE/TIMESTAMP 8, NUMERIC 16, BOOL 1;
// - COUNT(*) of a whole table, copy jobs, dry runs, deleting whole partitions and a query of
//   literals only are billed nothing.
// A dry run of each statement on real BigQuery is what gives the figure; this tells what to expect.
// Usage: node bigquery-bytes.bench.mjs [--scales 10,100]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { orderDailySales, orderTransactions } from '@retail-mesh/domain-order';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProducts, loadMesh, seedMesh } from '@retail-mesh/tools';
import { recordFigures } from './lib/results.mjs';

const { values } = parseArgs({ options: { scales: { type: 'string', default: '10,100' } } });
const scales = values.scales.split(',').map(Number);
const MB = 2 ** 20;
const MIN_PER_TABLE = 10 * MB;

/** SQL: the logical bytes of a column's values, as BigQuery counts them (NULL: nothing). */
const bytesOf = (column) => {
  const id = `"${column.name}"`;
  switch (column.type) {
    case 'string':
      return `COALESCE(2 + octet_length(CAST(${id} AS BLOB)), 0)`;
    case 'decimal':
      return `CASE WHEN ${id} IS NULL THEN 0 ELSE 16 END`;
    case 'boolean':
      return `CASE WHEN ${id} IS NULL THEN 0 ELSE 1 END`;
    default:
      return `CASE WHEN ${id} IS NULL THEN 0 ELSE 8 END`;
  }
};
/** Billed for reading `bytes` of one table in one query. */
const billed = (bytes) => Math.max(MIN_PER_TABLE, bytes);

const figures = [];
const details = {};
const dir = mkdtempSync(join(tmpdir(), 'mesh-bq-bytes-'));
for (const scale of scales) {
  const warehouse = await createDuckDbWarehouse({ path: join(dir, `s${scale}.duckdb`), create: true });
  await seedMesh(warehouse, await loadMesh(), { scale, seed: 42 });
  await buildProducts(warehouse, await loadMesh(), [orderDailySales.id]);
  const upstream = warehouse.dialect.tableName(orderTransactions.table);
  const product = warehouse.dialect.tableName(orderDailySales.table);
  // The upstream columns the transform reads, per day; the product's columns (its checks'
  // profile counts every contract column), whole.
  const read = [
    'order_date',
    'channel',
    'store_id',
    'item_count',
    'gross_amount',
    'net_amount',
    'returned_amount',
    'status',
  ];
  const columns = orderTransactions.columns.filter((c) => read.includes(c.name));
  const [days] = await warehouse.query(
    `SELECT sum(b) AS total, max(b) AS largest, median(b) AS typical, count(*) AS days FROM (
       SELECT order_date, sum(${columns.map(bytesOf).join(' + ')}) AS b FROM ${upstream} GROUP BY order_date)`,
  );
  const [own] = await warehouse.query(
    `SELECT sum(${orderDailySales.columns.map(bytesOf).join(' + ')}) AS b FROM ${product}`,
  );
  await warehouse.close();
  const input = Number(days.total);
  const day = Number(days.typical);
  const productBytes = Number(own.b);
  // Full refresh (--full-refresh): the digest read for the state, the staging table from every
  // day of the input, the check suite over the staging table; the state is literals.
  const full = billed(0) + billed(input) + billed(productBytes);
  // One changed day: the digest; the state with the published version probe (two tables);
  // the state staging from the state; the changed day's input inserted; the check suite over
  // the staging table (its profile reads every row; the day-local checks, that day).
  const incremental = billed(0) + 2 * billed(0) + billed(0) + billed(day) + billed(productBytes);
  figures.push(
    {
      id: `bigquery-bytes.full-${scale}`,
      label: `Modelled bytes billed, full refresh of order_daily_sales at scale ${scale}`,
      value: full / MB,
      unit: 'MB',
    },
    {
      id: `bigquery-bytes.incremental-${scale}`,
      label: `Modelled bytes billed, incremental build of one changed day at scale ${scale}`,
      value: incremental / MB,
      unit: 'MB',
    },
    {
      id: `bigquery-bytes.ratio-${scale}`,
      label: `Modelled bytes billed, incremental / full refresh at scale ${scale}`,
      value: incremental / full,
      unit: 'x',
    },
    {
      id: `bigquery-bytes.read-${scale}`,
      label: `Of the input (order_transactions), the one day read, at scale ${scale}`,
      value: day / 1024,
      unit: 'KB',
    },
    {
      id: `bigquery-bytes.input-${scale}`,
      label: `Of the input, every day (what a full refresh reads), at scale ${scale}`,
      value: input / MB,
      unit: 'MB',
    },
  );
  details[scale] = { inputBytes: input, days: Number(days.days), typicalDayBytes: day, productBytes };
  console.log(
    `scale ${scale}: input ${(input / MB).toFixed(1)} MB over ${days.days} days (a day ${(day / 1024).toFixed(0)} KB), product ${(productBytes / MB).toFixed(2)} MB`,
  );
}
rmSync(dir, { recursive: true, force: true });
recordFigures('bigquery-bytes', figures, details);
